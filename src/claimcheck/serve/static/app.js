// claimcheck review desk: plain JavaScript, no build step, no remote load (the CSP allows only
// this file). Three jobs: follow a running check, show a claim's panel, check upload sizes.
"use strict";

function followCheck(box) {
  const url = box.dataset.statusUrl;
  const bar = document.getElementById("progress-bar");
  const stage = document.getElementById("stage");
  const elapsed = document.getElementById("elapsed");
  async function poll() {
    let s;
    try {
      const r = await fetch(url, {cache: "no-store"});
      s = await r.json();
    } catch (e) {
      stage.textContent = "The server does not answer; retrying…";
      setTimeout(poll, 2000);
      return;
    }
    if (s.status === "done" || s.status === "failed") { location.reload(); return; }
    bar.value = s.progress || 0;
    stage.textContent = s.stage + (s.queue_position ? " (place " + s.queue_position + " in the queue)" : "");
    if (s.status === "running") {
      elapsed.textContent = s.elapsed_s.toFixed(1) + " s so far (a check like this takes about " + s.estimate_s.toFixed(0) + " s)";
    }
    setTimeout(poll, 400);
  }
  poll();
}

function scrollMarks(panel) {
  for (const doc of panel.querySelectorAll(".document")) {
    const mark = doc.querySelector("mark");
    if (mark) { doc.scrollTop = Math.max(0, mark.offsetTop - doc.offsetTop - 30); }
  }
}

async function showClaim(report, id) {
  const panel = document.getElementById("detail");
  for (const a of document.querySelectorAll("a.claim.selected")) { a.classList.remove("selected"); }
  for (const a of document.querySelectorAll('a.claim[data-claim="' + id + '"]')) { a.classList.add("selected"); }
  const r = await fetch("/checks/" + report.dataset.check + "/claims/" + id, {cache: "no-store"});
  if (!r.ok) { panel.textContent = "Claim " + id + " is not in this report."; return; }
  // the panel is rendered by the server with every text escaped (jinja2 autoescape)
  panel.innerHTML = await r.text();
  panel.scrollTop = 0;
  scrollMarks(panel);
}

function followHash(report) {
  const m = /^#claim-(\d+)$/.exec(location.hash);
  if (m) { showClaim(report, m[1]); }
}

function guardUploads(form) {
  const limit = Number(form.dataset.limit);
  const error = document.getElementById("form-error");
  const upload = document.getElementById("refs-upload");
  document.getElementById("ref_files").addEventListener("change", () => { upload.checked = true; });
  form.addEventListener("submit", (ev) => {
    let total = 0;
    for (const input of form.querySelectorAll('input[type="file"]')) {
      for (const f of input.files) { total += f.size; }
    }
    if (total > limit) {
      ev.preventDefault();
      error.textContent = "The files chosen are " + (total / 1048576).toFixed(1) + " MB, more than the limit of " +
        form.dataset.limitMb + " MB. Choose a smaller file (split the article), or start the server with a larger --max-upload-mb.";
      error.classList.remove("hidden");
      return;
    }
    document.getElementById("check-button").disabled = true;
    document.getElementById("check-button").textContent = "Starting the check…";
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("progress");
  if (box) { followCheck(box); }
  const form = document.getElementById("check-form");
  if (form) { guardUploads(form); }
  const report = document.getElementById("report");
  if (report) {
    window.addEventListener("hashchange", () => followHash(report));
    followHash(report);
  }
});
