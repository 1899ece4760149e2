"""The stance of quoted speakers toward targets, scored with the stance model (trained, the default)
or zero-shot with the NLI judge (``stance.model: judge``).

For a speaker, a target and each of the speaker's quotes, the model judges the premise
``"{speaker} said: {quote}"`` against two hypotheses from templates (``"{speaker} supports
{target}."`` and ``"{speaker} opposes {target}."``). Per quote,

    P(favor)   = (P(entail | favor hyp) + P(contradict | against hyp)) / 2
    P(against) = (P(entail | against hyp) + P(contradict | favor hyp)) / 2
    P(none)    = mean P(neutral)

its score is ``P(favor) - P(against)`` in [-1, 1] and its relevance ``1 - P(none)``. A speaker's
stance toward a target is taken over the quotes that mention the target (all the speaker's quotes
when none does, e.g. for a user target such as "continued military support"), and

* with a trained stance model (``stance-mpnet-v1``, :mod:`claimcheck.train.stance`) a quote
  weighs its relevance times ``|score|`` (how clearly it takes a side): the score is the weighted
  mean of the quote scores and the label the largest of the weighted P(favor), P(against),
  P(none) (*neutral* for none);
* zero-shot (the judge), a quote weighs its relevance, and the score of a content-free premise
  (``"{speaker} said something about {target}."``) is first subtracted (``calibrate``): small NLI
  models contradict "… opposes …" hypotheses far more often than "… supports …" ones whatever
  the quote says; the label is *favor* / *against* when the score passes ``threshold``, else
  *neutral*.

The quotes that carry the label, strongest first, are kept in ``Stance.quote_ids``: the first one is
the explanation.

Targets are the user's (``targets=`` or ``StanceConfig.targets``) or, with ``auto_targets``, the
entities and modified noun phrases of the quotes ("Ukraine", "Russia", "the United States",
"defense spending"), ranked by how often the article mentions them.

Example::

    >>> from claimcheck.verdict.nli import NLIModel
    >>> from claimcheck.quotes.extract import extract_quotes
    >>> from claimcheck.quotes.stance import score_stances, stance_model_path, stance_table
    >>> quotes, speakers = extract_quotes("“We must keep arming Ukraine,” said Jens Stoltenberg.")
    >>> model = NLIModel(stance_model_path("default"))
    >>> stances = score_stances(quotes, speakers, model, targets=["Ukraine"])
    >>> stance_table(stances)[["speaker", "target", "label"]].to_dict("records")  # doctest: +SKIP
    [{'speaker': 'Jens Stoltenberg', 'target': 'Ukraine', 'label': 'favor'}]
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from claimcheck.config import check_template
from claimcheck.text.lexicon import DEFAULT_INTENSIFIERS
from claimcheck.text.nlp import noun_chunks, span_ents
from claimcheck.types import Quote, Speaker, Stance, StanceLabel

log = logging.getLogger(__name__)

FAVOR, AGAINST, NEUTRAL = StanceLabel.FAVOR, StanceLabel.AGAINST, StanceLabel.NEUTRAL
NONE = "none"  # predict_stance's no-stance label, as the stance datasets name it


class StanceTemplates(BaseModel):
    """Hypothesis templates; ``{speaker}`` and ``{target}`` are filled in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    favor: str = "{speaker} supports {target}."
    against: str = "{speaker} opposes {target}."

    @field_validator("favor", "against")
    @classmethod
    def _fields(cls, v: str, info) -> str:
        return check_template(v, ("speaker", "target"), info.field_name, required=("target",))


class StanceConfig(BaseModel):
    """The ``stance:`` block of the pipeline config."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    model: str = Field("default", description="'default' (by the CPU: stance-mpnet-v1 where it "
                       "runs bf16 natively, stance-minilm-v3 on AVX2-only CPUs), "
                       "'stance-mpnet-v1' (the stronger "
                       "one), 'stance-minilm-v3' (the smaller, faster one), 'judge' (the NLI "
                       "judge, zero-shot) or a model folder")
    zero_shot: bool | None = Field(
        None, description="score as a zero-shot NLI model (content-free premise subtracted, "
        "label by threshold) rather than a trained stance model (3-way argmax of favor / "
        "against / none); None: zero-shot iff model is 'judge'")
    templates: StanceTemplates = StanceTemplates()
    premise: str = Field("{speaker} said: {quote}",
                         description="premise template; {speaker} and {quote} are filled in")
    text_templates: StanceTemplates = Field(
        StanceTemplates(favor="The author supports {target}.",
                        against="The author opposes {target}."),
        description="templates of predict_stance (text-level stance, no speaker)")
    calibrate: bool = Field(True, description="zero-shot only: subtract the score of a "
                            "content-free premise (null_premise) per speaker and target: the NLI "
                            "model's bias toward one hypothesis, measured without a quote")
    null_premise: str = "{speaker} said something about {target}."
    targets: list[str] | None = Field(None, description="fixed targets; None: automatic")
    auto_targets: bool = Field(True, description="propose targets from the quotes' entities "
                               "and noun phrases when no targets are given")
    max_targets: int = Field(8, ge=1, le=50, description="automatic targets per document")
    threshold: float = Field(0.05, ge=0.0, le=1.0, description="zero-shot only: |score| >= "
                             "this: favor/against")
    text_threshold: float = Field(0.05, ge=0.0, le=1.0,
                                  description="the same for predict_stance")

    @property
    def is_zero_shot(self) -> bool:
        return self.model == "judge" if self.zero_shot is None else self.zero_shot

    @field_validator("premise")
    @classmethod
    def _premise(cls, v: str) -> str:
        return check_template(v, ("speaker", "quote"), "premise", required=("quote",))

    @field_validator("null_premise")
    @classmethod
    def _null_premise(cls, v: str) -> str:
        return check_template(v, ("speaker", "target"), "null_premise", required=("target",))


# --- the model ---------------------------------------------------------------------------------

#: the packaged stance models: the stronger mpnet one (what ``claimcheck train stance`` writes)
#: and the MiniLM one
DEFAULT_STANCE_MODEL = "stance-mpnet-v1"
FAST_STANCE_MODEL = "stance-minilm-v3"


def default_stance_model() -> str:
    """What ``stance.model: default`` loads on this machine: stance-mpnet-v1 where the CPU runs
    bf16 natively (AMX: its stance on the example in about 0.4 s; AVX512-BF16: 0.7 s),
    stance-minilm-v3 on an AVX2-only CPU, where mpnet-base in fp32 took 1.9 s of a 6.6-8.1 s check
    and most of its 1.4 GB (F_avg 0.08-0.13 lower on the stance dev sets;
    docs/quotes-and-stance.md, docs/speed.md)."""
    from claimcheck.precision import cpu_has_native_bf16

    return DEFAULT_STANCE_MODEL if cpu_has_native_bf16() else FAST_STANCE_MODEL


def stance_model_name(name: str) -> str:
    """``name`` with 'default' resolved (:func:`default_stance_model`)."""
    return default_stance_model() if name == "default" else name


def stance_model_path(name: str) -> str:
    """'default' -> the folder of :func:`default_stance_model`; a packaged model's name -> its
    folder; anything else (a folder, a hub id) unchanged."""
    from claimcheck.verdict.nli import MODELS_DIR

    name = stance_model_name(name)
    return str(MODELS_DIR / name) if (MODELS_DIR / name).is_dir() else name


def load_stance_model(stance: StanceConfig, model, judge=None):
    """The NLI model that scores stance: ``judge`` (or a new judge) for ``stance.model: judge``,
    else the stance model, loaded with the ``model:`` block's device, threads, batch size,
    length and precision."""
    from claimcheck.verdict.nli import NLIModel

    if stance.model == "judge":
        return judge if judge is not None else NLIModel.from_config(model)
    return NLIModel.from_config(model, stance_model_path(stance.model))


# --- scoring -----------------------------------------------------------------------------------


def stance_probs(probs: np.ndarray) -> np.ndarray:
    """From stacked NLI probabilities [favor-hyp rows; against-hyp rows] to (n, 3) stance
    probabilities favor, against, none: favor = mean(P(e | favor hyp), P(c | against hyp)),
    against the mirror image, none = mean P(neutral)."""
    n = probs.shape[0] // 2
    fav, ag = probs[:n], probs[n:]
    return np.stack([(fav[:, 0] + ag[:, 2]) / 2.0, (ag[:, 0] + fav[:, 2]) / 2.0,
                     (fav[:, 1] + ag[:, 1]) / 2.0], axis=1)


def template_probs(nli, rows: Sequence[tuple[str, str, str]],
                   templates: StanceTemplates) -> np.ndarray:
    """(n, 3) stance probabilities (:func:`stance_probs`) of ``(premise, speaker, target)`` rows
    against the favor and the against template, in one NLI call."""
    pairs = [(p, templates.favor.format(speaker=w, target=t)) for p, w, t in rows]
    pairs += [(p, templates.against.format(speaker=w, target=t)) for p, w, t in rows]
    return stance_probs(np.asarray(nli.predict(pairs)))


def _score(p: np.ndarray) -> np.ndarray:
    """Per premise, from stance probabilities: P(favor) - P(against), in [-1, 1]."""
    return np.clip(p[:, 0] - p[:, 1], -1.0, 1.0)


def _argmax_label(p: Sequence[float], neutral: str) -> str:
    """favor / against / ``neutral`` by the largest of (P(favor), P(against), P(none))."""
    return (FAVOR, AGAINST, neutral)[int(np.argmax(p))]


def stance_labels(probs: np.ndarray, two_way: bool = False) -> list[str]:
    """Text-level labels of a trained stance model from (n, 3) stance probabilities: favor /
    against / none by the largest, or (``two_way``, for label sets without none) favor /
    against by the sign of P(favor) - P(against)."""
    if two_way:
        return [FAVOR if x >= 0 else AGAINST for x in _score(probs)]
    return [_argmax_label(p, NONE) for p in probs]


def _label(score: float, threshold: float, neutral: str = NEUTRAL) -> str:
    if score >= threshold and score > 0:
        return FAVOR
    if score <= -threshold and score < 0:
        return AGAINST
    return neutral


def predict_stance(nli, texts: list[str], targets: list[str], templates=None, *,
                   threshold: float | None = None, calibrate: bool | None = None,
                   zero_shot: bool | None = None,
                   two_way: bool = False) -> list[tuple[str, float]]:
    """Text-level stance (the author's) toward a target per text: ``(label, score)`` with label
    favor / against / none and score in [-1, 1]. ``targets`` is one per text (or a single target
    for all). ``templates`` is a :class:`StanceTemplates`, a ``{"favor": ..., "against": ...}``
    dict or None (the config default). ``zero_shot`` (default: the config's, i.e. False for the
    trained stance model) selects the zero-shot rules (``calibrate``, ``threshold``) over the
    3-way argmax. ``two_way``: favor / against only, by the sign of the score (for label sets
    without *none*, such as P-Stance). One NLI call for all pairs.

    >>> predict_stance(nli, ["We need stricter gun laws now."], ["gun control"])  # doctest: +SKIP
    [('favor', 0.62)]
    """
    cfg = StanceConfig()
    tpl = _templates(templates, cfg.text_templates)
    thr = cfg.text_threshold if threshold is None else threshold
    if isinstance(targets, str):
        targets = [targets]
    if len(targets) == 1 and len(texts) != 1:
        targets = list(targets) * len(texts)
    if len(targets) != len(texts):
        raise ValueError(f"predict_stance needs one target per text (or one for all); got "
                         f"{len(texts)} texts and {len(targets)} targets.")
    if not texts:
        return []
    speaker = "The author"
    zero_shot = cfg.is_zero_shot if zero_shot is None else zero_shot
    cal = zero_shot and (cfg.calibrate if calibrate is None else calibrate)
    uniq = list(dict.fromkeys(targets)) if cal else []
    prem = [(t, speaker, g) for t, g in zip(texts, targets, strict=True)]
    prem += [(cfg.null_premise.format(speaker=speaker, target=g), speaker, g) for g in uniq]
    probs = template_probs(nli, prem, tpl)
    n = len(texts)
    score = _score(probs)
    if cal:
        null = {g: score[n + i] for i, g in enumerate(uniq)}
        score = np.clip(score[:n] - np.array([null[g] for g in targets]), -1.0, 1.0)
    if two_way:  # by the (zero-shot: calibrated) score's sign
        return [(FAVOR if x >= 0 else AGAINST, round(float(x), 4)) for x in score[:n]]
    if not zero_shot:
        return [(lab, round(float(x), 4))
                for lab, x in zip(stance_labels(probs[:n]), score[:n], strict=True)]
    return [(_label(float(s), thr, NONE), round(float(s), 4)) for s in score[:n]]


def _templates(templates, default: StanceTemplates) -> StanceTemplates:
    if templates is None:
        return default
    if isinstance(templates, StanceTemplates):
        return templates
    return StanceTemplates(**dict(templates))


def score_stances(quotes: Sequence[Quote], speakers: Sequence[Speaker], nli,
                  config: StanceConfig | None = None, targets=None, nlp=None,
                  lines=None) -> list[Stance]:
    """Stance of every quoted speaker toward every target, sorted by speaker then target.

    ``targets`` (or ``config.targets``) fixes the targets: each speaker gets a Stance toward each.
    Otherwise targets are proposed from the quotes (see :func:`propose_targets`) and a speaker
    gets a Stance toward the targets their own quotes mention. All NLI pairs go in one call.
    ``nlp``: the checker's spaCy pipeline (default :func:`claimcheck.text.nlp.load_spacy`);
    ``lines``: the article's parsed lines (:class:`claimcheck.text.nlp.LineDocs`), so the quotes
    are read from the article's parse instead of being parsed again.
    """
    cfg = config or StanceConfig()
    if not cfg.enabled:
        return []
    by_speaker: dict[int, list[Quote]] = {}
    for q in quotes:
        if q.speaker_id is not None:
            by_speaker.setdefault(q.speaker_id, []).append(q)
    names = {s.id: s for s in speakers}
    fixed = list(targets) if targets is not None else cfg.targets
    if fixed is None and not cfg.auto_targets:
        return []
    if fixed is None:
        fixed_all = None
        auto = propose_targets(quotes, speakers, nlp=nlp, max_targets=cfg.max_targets,
                               lines=lines)
    else:
        fixed_all, auto = [t for t in fixed if t and t.strip()], []
    # (speaker id, target, [quotes considered])
    jobs: list[tuple[int, str, list[Quote]]] = []
    for sid in sorted(by_speaker, key=lambda i: (names[i].name.lower() if i in names else "", i)):
        if sid not in names:
            continue
        qs = by_speaker[sid]
        tlist = fixed_all if fixed_all is not None else [
            t for t in auto if any(mentions_target(q.text, t) for q in qs)
            and not mentions_target(names[sid].name, t)]
        for t in sorted(set(tlist), key=lambda x: (x.lower(), x)):  # no hash-order ties
            hits = [q for q in qs if mentions_target(q.text, t)]
            jobs.append((sid, t, hits or qs))
    if not jobs:
        return []
    cal = cfg.calibrate and cfg.is_zero_shot
    premises: list[tuple[str, str, str]] = []  # (premise, speaker, target)
    for sid, t, qs in jobs:
        who = names[sid].name
        premises += [(cfg.premise.format(speaker=who, quote=q.text), who, t) for q in qs]
    if cal:  # one content-free premise per job, after the quotes
        premises += [(cfg.null_premise.format(speaker=names[sid].name, target=t),
                      names[sid].name, t) for sid, t, _ in jobs]
    q_probs = template_probs(nli, premises, cfg.templates)
    q_score, q_rel = _score(q_probs), 1.0 - q_probs[:, 2]
    n_quotes = sum(len(qs) for _, _, qs in jobs)
    out, k = [], 0
    for j, (sid, t, qs) in enumerate(jobs):
        s, r = q_score[k:k + len(qs)], q_rel[k:k + len(qs)]
        if cal:
            s = np.clip(s - q_score[n_quotes + j], -1.0, 1.0)
        p = None if cfg.is_zero_shot else q_probs[k:k + len(qs)]
        k += len(qs)
        out.append(aggregate_stance(names[sid], t, qs, s, r, cfg.threshold, probs=p))
    return out


def aggregate_stance(speaker: Speaker, target: str, quotes: Sequence[Quote],
                     scores: Sequence[float], relevance: Sequence[float],
                     threshold: float | None = None, probs: np.ndarray | None = None) -> Stance:
    """Weighted mean of per-quote scores; the quotes whose sign agrees with the label (strongest
    first) support it, or every considered quote when the label is neutral.

    With ``probs`` (per-quote P(favor), P(against), P(none) of a trained stance model) a quote
    weighs its relevance times how clearly it takes a side, ``|P(favor) - P(against)|`` (one
    clear quote outweighs two that lean the other way by little; relevance alone when no quote
    takes a side), and the label is the largest of the weighted mean probabilities. Without, the
    weight is the relevance and the label the score against ``threshold`` (None:
    ``StanceConfig``'s)."""
    if threshold is None:
        threshold = StanceConfig.model_fields["threshold"].default
    s = np.asarray(scores, dtype=float)
    r = np.clip(np.asarray(relevance, dtype=float), 0.0, 1.0)
    if probs is not None and (r * np.abs(s)).sum() > 1e-9:
        r = r * np.abs(s)  # a trained model's quote weighs by how clearly it takes a side
    score = float(np.dot(r, s) / r.sum()) if r.sum() > 1e-9 else 0.0
    score = max(-1.0, min(1.0, score))
    if probs is None:
        label = _label(score, threshold)
    else:
        p = np.asarray(probs, dtype=float)
        w = r / r.sum() if r.sum() > 1e-9 else np.full(len(r), 1.0 / len(r))
        label = _argmax_label(w @ p, NEUTRAL)
    order = sorted(range(len(quotes)), key=lambda i: (-abs(s[i]), quotes[i].id))
    if label == NEUTRAL:
        ids = tuple(quotes[i].id for i in sorted(range(len(quotes)), key=lambda i: quotes[i].id))
    else:
        sign = 1 if label == FAVOR else -1
        ids = tuple(quotes[i].id for i in order if s[i] * sign > 0)
    return Stance(speaker_id=speaker.id, speaker=speaker.name, target=target,
                  score=round(score, 4), label=label, quote_ids=ids)


# --- targets -----------------------------------------------------------------------------------

_ALIASES = {
    "the united states": ["united states", "u.s.", "us", "america", "american", "washington"],
    "russia": ["russian", "moscow", "kremlin"],
    "ukraine": ["ukrainian", "kyiv", "kiev"],
    "hungary": ["hungarian", "budapest"],
    "the european union": ["eu", "european union"],
}
_CANON = {alias: canon for canon, al in _ALIASES.items() for alias in [canon, *al]}
_STOP = {"the", "a", "an", "its", "their", "his", "her", "this", "that", "these", "those", "of",
         "and", "to", "in", "for", "on", "with", "it", "they", "we"}
_VAGUE = {"way", "end", "thing", "things", "part", "lot", "time", "ability", "approach",
          "differences", "confidence", "strength", "past", "other", "cornerstone", "complexities"}
# modifiers that do not make a noun phrase a target: vague ones and the intensifiers that flags
# reports ("the alliance's steadfast support")
_VAGUE_MODS = frozenset({
    "current", "various", "other", "past", "new", "recent", "global", "certain", "many",
    "several", "such", "same", "own", "further", "more", "most",
} | {w.lower() for w in DEFAULT_INTENSIFIERS})


def canonical_target(name: str) -> str:
    """'U.S.' / 'US' / 'United States' -> 'the United States'; "Ukraine’s" -> 'Ukraine'."""
    name = re.sub(r"(’s|'s|’|')$", "", name.strip())
    canon = _CANON.get(name.lower())
    if canon is None:
        return name
    return " ".join(w if w == "the" else w.capitalize() for w in canon.split()).replace(
        "Eu", "EU") if canon != canon.upper() else canon


def mentions_target(text: str, target: str) -> bool:
    """Whether ``text`` mentions ``target``: an alias of it, or all its content words (matched
    on a 5-letter prefix, so 'defence spending' finds 'defense spending')."""
    low = text.lower()
    canon = _CANON.get(target.lower().strip(), target.lower().strip())
    for alias in [canon, *_ALIASES.get(canon, [])]:
        if re.search(rf"(?<![\w.]){re.escape(alias)}(?![\w])", low):
            return True
    words = [w for w in re.findall(r"[\w]+", canon) if w not in _STOP]
    return bool(words) and all(re.search(rf"\b{re.escape(w[:5])}", low) for w in words)


def propose_targets(quotes: Iterable[Quote], speakers: Sequence[Speaker] = (), nlp=None,
                    max_targets: int = 8, lines=None) -> list[str]:
    """Targets from the quotes: GPE/ORG/NORP/PERSON entities (canonical names; not the speakers
    themselves) and noun phrases with a modifier ("defense spending", "military aid"), ranked by
    how many quotes mention them, then alphabetically."""
    quotes = list(quotes)
    if not quotes:
        return []
    if nlp is None:
        from claimcheck.text.nlp import load_spacy

        nlp = load_spacy()
    speaker_words = {w.lower() for s in speakers for w in s.name.split()}
    ents: Counter[str] = Counter()
    nps: Counter[str] = Counter()
    spans = [lines.span(q.start, q.end) if lines is not None else None for q in quotes]
    todo = [q.text for q, s in zip(quotes, spans, strict=True) if s is None]
    parsed = iter(nlp.pipe(todo))
    docs: dict = {}  # each line's entities, read once (spaCy's Span.ents walks all of them)
    for s in spans:
        d = s if s is not None else next(parsed)[:]  # the quote's tokens as a Span either way
        found, phrases = set(), set()
        for ent in span_ents(d, docs):
            if ent.label_ in ("GPE", "ORG", "NORP", "PERSON", "LOC"):
                name = canonical_target(ent.text)
                if ent.label_ == "NORP" and name == ent.text.strip():
                    continue  # "Ukrainian" without an alias: the adjective, not a target
                if set(name.lower().split()) & speaker_words or len(name) < 2:
                    continue
                if (ent.start == d.start and len(ent) == 1 and ent.label_ == "ORG"
                        and name == _CANON.get(name.lower(), name) and not name.isupper()):
                    continue  # a capitalised first word the NER took for an organisation
                found.add(name)
        if "parser" in nlp.pipe_names:
            for chunk in noun_chunks(d):
                toks = [t for t in chunk if t.lower_ not in _STOP and t.pos_ in ("NOUN", "ADJ",
                                                                                  "PROPN")]
                if (len(toks) < 2 or chunk.root.pos_ != "NOUN" or chunk.root.lower_ in _VAGUE
                        or any(t.ent_type_ for t in toks)):
                    continue
                toks = [t for t in toks if t.lower_ not in _VAGUE_MODS
                        and t.dep_ != "poss"]  # the alliance’s …: a possessor is no target
                if len(toks) >= 2:
                    phrases.add(" ".join(t.text for t in toks[-3:]).lower())
        ents.update(found)
        nps.update(phrases - {p.lower() for p in found})
    # entities first (the headline targets), then noun phrases; each by quote count
    ranked = sorted(ents, key=lambda t: (-ents[t], t.lower(), t))
    ranked += sorted(nps, key=lambda t: (-nps[t], t))
    return ranked[:max_targets]


# --- tables ------------------------------------------------------------------------------------


def stance_table(report_or_stances, wide: bool = False):
    """A pandas DataFrame of stances (one row per speaker and target: speaker, title, target,
    label, score, explanation (the text of the quote that weighs most; None without the quotes),
    n_quotes, quote_ids, quotes), from a Report or a list of Stance.
    ``wide=True`` pivots to one row per speaker and one column per target ("favor (+0.80)").
    """
    import pandas as pd

    stances = getattr(report_or_stances, "stances", report_or_stances)
    speakers = {s.id: s for s in getattr(report_or_stances, "speakers", ())}
    quotes = {q.id: q for q in getattr(report_or_stances, "quotes", ())}
    rows = []
    for st in stances:
        sp = speakers.get(st.speaker_id)
        texts = [quotes[i].text for i in st.quote_ids if i in quotes]
        rows.append({
            "speaker": st.speaker, "title": sp.title if sp else None, "target": st.target,
            "label": st.label, "score": st.score, "explanation": texts[0] if texts else None,
            "n_quotes": len(st.quote_ids), "quote_ids": list(st.quote_ids), "quotes": texts,
        })
    cols = ["speaker", "title", "target", "label", "score", "explanation", "n_quotes",
            "quote_ids", "quotes"]
    df = pd.DataFrame(rows, columns=cols)
    if not df.empty:
        df = df.sort_values(["speaker", "target"], kind="stable").reset_index(drop=True)
    if wide:
        if df.empty:
            return pd.DataFrame()
        cell = df["label"] + " (" + df["score"].map(lambda x: f"{x:+.2f}") + ")"
        return df.assign(cell=cell).pivot(index="speaker", columns="target", values="cell")
    return df
