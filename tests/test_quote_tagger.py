"""The learned quote tagger (claimcheck.quotes.tagger) and `claimcheck train quotes`."""

import itertools
import json
import re

import pytest

from claimcheck.errors import ModelLoadError
from claimcheck.quotes.tagger import (
    LABELS,
    bridge,
    char_roles,
    decode,
    link,
    read_spans,
    token_labels,
    windows,
)

TEXT = ('The minister said taxes would rise next year. "We have no choice," '
        "Anna Berg told reporters.\nCritics doubt the plan, according to a new poll.")
QUOTES = [
    {"start": 18, "end": 44, "source": {"start": 0, "end": 12}, "cue": {"start": 13, "end": 17}},
    {"start": 47, "end": 64, "source": {"start": 67, "end": 76}, "cue": {"start": 77, "end": 81}},
]


def word_offsets(text):
    return [m.span() for m in re.finditer(r"\w+|[^\w\s]", text)]


def test_bio_labels_decode_back_to_the_spans():
    assert TEXT[18:44] == "taxes would rise next year" and TEXT[67:76] == "Anna Berg"
    offsets = word_offsets(TEXT)
    labels = token_labels(offsets, *char_roles(len(TEXT), QUOTES))
    assert {LABELS[i] for i in labels} == set(LABELS) - {"I-CUE"}  # one-word cues
    spans = decode(labels, offsets)
    assert spans == [("SOURCE", 0, 12), ("CUE", 13, 17), ("CONTENT", 18, 44),
                     ("CONTENT", 47, 64), ("SOURCE", 67, 76), ("CUE", 77, 81)]
    assert [c for c, _, _ in link(spans, [(0, 92), (93, len(TEXT))])] == [(18, 44), (47, 64)]
    assert [(cue, src) for _, cue, src in link(spans, [(0, len(TEXT))])] == [
        ((13, 17), (0, 12)), ((77, 81), (67, 76))]


def test_content_wins_over_a_source_inside_it_and_a_b_tag_does_not_split_a_run():
    quotes = [{"start": 0, "end": 20, "source": {"start": 5, "end": 9}},
              {"start": 20, "end": 30}]
    role, span = char_roles(30, quotes)
    assert set(role[:30]) == {1} and len(set(span[:20])) == 1 and span[20] != span[19]
    offsets = [(i, i + 5) for i in range(0, 30, 5)]
    labels = token_labels(offsets, role, span)
    assert [LABELS[x] for x in labels] == ["B-CONTENT", "I-CONTENT", "I-CONTENT", "I-CONTENT",
                                           "B-CONTENT", "I-CONTENT"]
    assert decode(labels, offsets) == [("CONTENT", 0, 30)]  # one run of one role


def test_bridge_joins_short_untagged_gaps_inside_a_content_only():
    text = "aaa bbb ccc ddd eee fff\nggg"
    offsets = [(0, 3), (4, 7), (8, 11), (12, 15), (16, 19), (20, 23), (24, 27)]
    c, o, src = 2, 0, 3
    assert bridge([c, o, c, o, o, c, c], offsets, text, 1) == [c, c, c, o, o, c, c]
    assert bridge([c, o, c, o, o, c, c], offsets, text, 2) == [c, c, c, c, c, c, c]
    assert bridge([c, o, src, o, c, o, c], offsets, text, 3) == [c, o, src, o, c, o, c]
    assert bridge([c, o, c, c, c, o, c], offsets, text, 3)[4:] == [c, o, c]  # a line break
    assert bridge([c, o, c], offsets[:3], text, 0) == [c, o, c]


@pytest.mark.parametrize("n", [1, 10, 254, 255, 300, 1000, 1017])
def test_windows_cover_every_token_with_one_length(n):
    ws = windows(n, 254)
    assert ws[0][0] == 0 and ws[-1][1] == n
    assert len({e - s for s, e in ws}) == 1
    assert all(b[0] < a[1] for a, b in itertools.pairwise(ws))  # overlapping, no gap


def test_a_folder_that_is_not_a_tagger_names_the_fix(tmp_path, tiny_nli_dir):
    from claimcheck.quotes.tagger import QuoteTagger

    with pytest.raises(ModelLoadError, match="claimcheck train quotes"):
        QuoteTagger.load(str(tmp_path))
    with pytest.raises(ModelLoadError, match="not a quote tagger"):
        QuoteTagger.load(str(tiny_nli_dir))


def polnear_folder(root, split, docs):
    (root / split / "text").mkdir(parents=True)
    (root / split / "attributions").mkdir(parents=True)
    for name, (text, quotes) in docs.items():
        (root / split / "text" / f"{name}.txt").write_text(text)
        lines, k = [], 1
        for i, q in enumerate(quotes):
            ids = {}
            for role, key in (("Content", None), ("Source", "source"), ("Cue", "cue")):
                s = q if key is None else q[key]
                lines.append(f"T{k}\t{role} {s['start']} {s['end']}\t{text[s['start']:s['end']]}")
                ids[role], k = f"T{k}", k + 1
            lines.append(f"E{i + 1}\tAttribution:T{k} Content:{ids['Content']} "
                         f"Cue:{ids['Cue']} Source:{ids['Source']}")
            k += 1
        (root / split / "attributions" / f"{name}_a1.ann").write_text("\n".join(lines) + "\n")


def test_train_quotes_end_to_end_gives_a_tagger_whose_quotes_slice(tmp_path, tiny_nli_dir):
    """A tiny tagger trains on a PolNeAR-layout folder, scores its dev split and finds quotes
    through quotes.model, each with offsets that slice the text."""
    from claimcheck.quotes.extract import QuotesConfig, extract_quotes
    from claimcheck.train.quotes import train_quotes

    data = tmp_path / "polnear"
    polnear_folder(data, "train", {f"d{i}": (TEXT, QUOTES) for i in range(3)})
    polnear_folder(data, "dev", {"d9": (TEXT, QUOTES)})
    bench = tmp_path / "bench.yaml"
    bench.write_text(f"name: tiny_polnear\ntask: quote_attribution\ndataset:\n  format: polnear\n"
                     f"  path: {data}\n  split: dev\n  train_split: train\n"
                     "methods: [model]\nmetrics: [content_overlap, speaker_match]\n")
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(f"base_model: {tiny_nli_dir}\nbenchmark: {bench}\nmax_length: 32\n"
                      f"batch_size: 4\nepochs: 3\nlr: 0.001\noutput_dir: {tmp_path / 'tagger'}\n"
                      "license: test data\n")
    out = train_quotes(recipe)
    meta = json.loads((out / "training.json").read_text())
    assert meta["labels"] == list(LABELS) and meta["windows"] >= 3
    metrics = json.loads((out / "metrics.json").read_text())
    assert "content_overlap" in metrics and "Not for redistribution" in (
        out / "MODEL_CARD.md").read_text()
    quotes, speakers = extract_quotes(TEXT, config=QuotesConfig(model=str(out)))
    for q in quotes:
        assert TEXT[q.start:q.end] == q.text and q.text
        if q.speaker_mention is not None:
            assert TEXT[q.speaker_mention.start:q.speaker_mention.end] == q.speaker_mention.text
    assert {s.id for s in speakers} >= {q.speaker_id for q in quotes} - {None}


def test_spans_are_widened_to_whole_words():
    """A sub-word piece tagged alone ("##lster" of "bolster") takes its whole word."""
    text = "aims to bolster Ukraine's defense, NATO said"
    offsets = [(0, 4), (5, 7), (8, 10), (10, 15), (16, 23), (23, 25), (26, 33), (33, 34),
               (35, 39), (40, 44)]
    labels = [0, 0, 0, 1, 2, 2, 2, 0, 3, 5]
    spans = read_spans(labels, offsets, text)
    assert spans == [("CONTENT", 8, 33), ("SOURCE", 35, 39), ("CUE", 40, 44)]
    assert text[8:33] == "bolster Ukraine's defense"
