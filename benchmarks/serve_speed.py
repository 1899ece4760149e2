"""The example checked through the review desk against the CLI, back to back (issue #38).

Rounds alternate: one ``claimcheck check --profile`` of the example (a fresh process: model
loading plus the check; the file cache is warm after the first round), then one check of the
example submitted to a running ``claimcheck serve`` (models loaded once, at its start) and
followed to done through its status endpoint, as the page does. It also times how long a second
check's page takes to answer while a first one runs.

``--in-process`` controls for other work on the machine: one process holds one checker, serves it
with uvicorn in a thread, and alternates a check through the desk (HTTP submit, then the status
polls) with the same check called directly on the library in the main thread — the warm check a
CLI run does after loading its models.

Run: ``python benchmarks/serve_speed.py [--rounds 3] [--in-process]`` (writes
benchmarks/results/serve_speed.json, or serve_speed_inprocess.json). Other work on the machine
inflates both sides alike; the load average is recorded.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "nato-summit-2024"
BIN = Path(sys.executable).parent / "claimcheck"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post_check(base: str, article: str) -> str:
    """Submit the article with the example's references; the check's URL."""
    import uuid

    boundary = uuid.uuid4().hex
    parts = [("article", article), ("refs", "nato-summit-2024/references")]
    body = "".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                   for k, v in parts) + f"--{boundary}--\r\n"

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    req = urllib.request.Request(f"{base}/checks", body.encode(), headers={
        "content-type": f"multipart/form-data; boundary={boundary}"})
    try:
        urllib.request.build_opener(NoRedirect).open(req)
    except urllib.error.HTTPError as e:
        if e.code == 303:
            return base + e.headers["location"]
        raise
    raise RuntimeError("the desk did not redirect to the check")


def status(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/status") as r:
        return json.loads(r.read())


def follow(url: str) -> dict:
    while True:
        s = status(url)
        if s["status"] in ("done", "failed"):
            return s
        time.sleep(0.1)


def cli_round() -> dict:
    t = time.perf_counter()
    out = subprocess.run([str(BIN), "check", str(EXAMPLE / "article.txt"), "--refs",
                          str(EXAMPLE / "references"), "--format", "json", "--output",
                          "/dev/null", "--profile"], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t
    stages = sum(float(m) for name, m in re.findall(r"^(\w+)\s+([\d.]+)\s", out.stderr, re.M)
                 if name not in ("other", "total", "stage"))
    return {"wall_s": round(wall, 2), "check_stages_s": round(stages, 2)}


def in_process(rounds: int) -> dict:
    import threading

    import uvicorn

    from claimcheck import ClaimChecker
    from claimcheck.serve import create_app

    checker = ClaimChecker({"progress": False})
    article = (EXAMPLE / "article.txt").read_text(encoding="utf-8")
    port = free_port()
    app = create_app(checker, [EXAMPLE / "references"], tempfile.mkdtemp(prefix="serve-speed-"))
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=srv.run, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    while not srv.started:
        time.sleep(0.05)
    follow(post_check(base, article))  # after the warm-up
    refs = app.state.desk["runner"].references["nato-summit-2024/references"]
    out = []
    try:
        for _ in range(rounds):
            t = time.perf_counter()
            checker.check(article, refs)
            direct = time.perf_counter() - t
            t = time.perf_counter()
            s = follow(post_check(base, article))
            out.append({"direct_s": round(direct, 2),
                        "app": {"wall_s": round(time.perf_counter() - t, 2),
                                "check_s": s["elapsed_s"]}})
            print(out[-1], flush=True)
    finally:
        srv.should_exit = True
    med = lambda xs: round(statistics.median(xs), 2)  # noqa: E731
    return {"rounds": out, "direct_median_s": med([r["direct_s"] for r in out]),
            "app_wall_median_s": med([r["app"]["wall_s"] for r in out])}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--in-process", action="store_true")
    ap.add_argument("--output", type=Path, default=None)
    args = ap.parse_args(argv)
    results = ROOT / "benchmarks" / "results"
    if args.in_process:
        res = {"cpu": platform.processor() or platform.machine(),
               "amx_bf16": "amx_bf16" in Path("/proc/cpuinfo").read_text(),
               **in_process(args.rounds),
               "load_average": Path("/proc/loadavg").read_text().split()[:3]}
        out = args.output or results / "serve_speed_inprocess.json"
        out.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
        print(json.dumps({k: v for k, v in res.items() if k != "rounds"}, indent=2))
        return
    args.output = args.output or results / "serve_speed.json"
    article = (EXAMPLE / "article.txt").read_text(encoding="utf-8")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data = tempfile.mkdtemp(prefix="serve-speed-")
    t0 = time.perf_counter()
    server = subprocess.Popen([str(BIN), "serve", "--refs", str(EXAMPLE / "references"),
                               "--data", data, "--port", str(port)],
                              stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    try:
        while True:
            try:
                urllib.request.urlopen(base + "/").read()
                break
            except OSError:
                time.sleep(0.2)
        first = follow(post_check(base, article))  # waits behind the warm-up (model loading)
        startup = time.perf_counter() - t0
        rounds = []
        for _ in range(args.rounds):
            cli = cli_round()
            t = time.perf_counter()
            s = follow(post_check(base, article))
            rounds.append({"cli": cli, "app": {"wall_s": round(time.perf_counter() - t, 2),
                                               "check_s": s["elapsed_s"]}})
            print(rounds[-1], flush=True)
        # a second check's page while a first one runs
        a = post_check(base, article)
        while status(a)["status"] != "running":
            time.sleep(0.05)
        b = post_check(base, "NATO was founded in 1949.")
        t = time.perf_counter()
        with urllib.request.urlopen(b) as r:
            r.read()
        page_s = time.perf_counter() - t
        first_then = status(a)["status"]
        follow(a)
        follow(b)
    finally:
        server.terminate()
        server.wait(timeout=30)
    med = lambda xs: round(statistics.median(xs), 2)  # noqa: E731
    res = {
        "cpu": platform.processor() or platform.machine(),
        "amx_bf16": "amx_bf16" in Path("/proc/cpuinfo").read_text(),
        "rounds": rounds,
        "cli_wall_median_s": med([r["cli"]["wall_s"] for r in rounds]),
        "cli_check_stages_median_s": med([r["cli"]["check_stages_s"] for r in rounds]),
        "app_wall_median_s": med([r["app"]["wall_s"] for r in rounds]),
        "app_first_check_after_start_s": round(startup, 2),
        "app_first_check_s": first["elapsed_s"],
        "second_page_while_first_runs_s": round(page_s, 3),
        "first_check_status_then": first_then,
        "load_average": Path("/proc/loadavg").read_text().split()[:3],
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in res.items() if k != "rounds"}, indent=2))


if __name__ == "__main__":
    main()
