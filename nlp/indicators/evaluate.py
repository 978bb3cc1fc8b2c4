"""Precision and recall of the indicator extractor against hand annotations.

The annotations (``labels/indicators/annotations.jsonl``) reference paragraphs of report files
(``file``, ``line``, ``span``, ``sha``, as domain labels do; never the text) and list each
paragraph's quantity statements (``value``, ``unit``, ``indicator``, ``approx``, ``qualifier``).
A paragraph's statements are compared as multisets: exact triples (indicator, value, unit) and
values alone (value, unit). ``split`` (dev, dev2 / test; wr for the work-report paragraphs) keeps
the paragraphs the extractor's rules were tuned on apart from those they never saw, and ``genre``
(from the file: the corpus's work reports, else the users' genre) keeps the two genres apart: no
figure mixes them.

``check_corpus_sample`` reads ``labels/indicators/corpus_checks.jsonl``: named rows of the
work-report corpus, which the annotations do not cover, read by hand in random samples (a
verdict per row), against what the extractor does with the same quantities now.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pandas as pd

from nlp.indicators.extract import find_quantities
from nlp.training.labels import GENRE_IN, GENRE_WORK, REPO_ROOT, find_units

DEFAULT_ANNOTATIONS = REPO_ROOT / "labels" / "indicators" / "annotations.jsonl"
KEYS = {"exact triples": ("indicator", "value", "unit"), "values alone": ("value", "unit")}


def _bag(quantities: list[dict], key: tuple[str, ...]) -> Counter:
    return Counter(tuple(round(float(q[k]), 4) if k == "value" else str(q[k]) for k in key) for q in quantities)


def _genre(file: str) -> str:
    return GENRE_WORK if file.startswith("corpus/") else GENRE_IN


def evaluate_extractor(path: str | Path = DEFAULT_ANNOTATIONS) -> pd.DataFrame:
    """One row per (measure, genre, split), ``all`` the genre's splits together: precision, recall,
    F1 and the counts behind them."""
    path = Path(path)
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    units = find_units(path, rows)
    counts: dict[tuple[str, str], list[int]] = {}
    for r, u in zip(rows, units, strict=True):
        found = [{"indicator": q.indicator, "value": q.value, "unit": q.unit} for q in find_quantities(u.text)]
        genre = _genre(r["file"])
        for measure, key in KEYS.items():
            gold, pred = _bag(r["quantities"], key), _bag(found, key)
            for split in (r.get("split", "all"), "all"):
                c = counts.setdefault((measure, genre, split), [0, 0, 0])
                c[0] += sum((gold & pred).values())
                c[1] += sum((pred - gold).values())
                c[2] += sum((gold - pred).values())
    out = []
    for (measure, genre, split), (tp, fp, fn) in sorted(counts.items()):
        p = tp / (tp + fp) if tp + fp else 1.0
        r_ = tp / (tp + fn) if tp + fn else 1.0
        out.append({"measure": measure, "genre": genre, "split": split, "precision": p, "recall": r_,
                    "f1": 2 * p * r_ / (p + r_) if p + r_ else 0.0, "tp": tp, "fp": fp, "fn": fn})
    return pd.DataFrame(out)


DEFAULT_CORPUS_CHECKS = REPO_ROOT / "labels" / "indicators" / "corpus_checks.jsonl"
CHECK_COLUMNS = ["sample", "rules", "judged", "right", "wrong", "doubtful", "precision", "precision_doubtful_right",
                 "now_same", "now_fixed", "now_regressed", "now_changed", "now_missing"]


def check_corpus_sample(path: str | Path = DEFAULT_CORPUS_CHECKS) -> pd.DataFrame:
    """Named rows of the work-report corpus read by hand, against the extractor as it is now.

    The annotations cover in-genre excerpts only; a work report's figures are typed by the same
    rules, so random samples of the corpus's named rows (``indicator`` not ``other``) were read
    one by one: ``verdict`` right, wrong or doubtful, under the rules of commit ``rules``. Each
    row references its paragraph as the annotations do and gives the quantity's span in it.

    One row per sample (and ``all``): the precision when judged (doubtful counted wrong, and
    counted right), and what the extractor does now with the same quantities: the same type
    (the verdict stands), a judged error's type changed (``now_fixed``), a judged-right type
    changed (``now_regressed``: a rule change broke it), a doubtful one changed, or the quantity
    no longer found (``now_missing``).
    """
    path = Path(path)
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    units = find_units(path, rows)
    tally: dict[tuple, Counter] = {}
    found: dict[int, dict] = {}  # a paragraph's quantities by span, read once however many rows it has
    for r, u in zip(rows, units, strict=True):
        q = r["quantity"]
        if id(u) not in found:
            found[id(u)] = {(x.start, x.end): x.indicator for x in find_quantities(u.text)}
        now = found[id(u)].get((q["start"], q["end"]))
        verdict = r["verdict"]
        state = ("now_missing" if now is None else "now_same" if now == q["indicator"]
                 else {"wrong": "now_fixed", "right": "now_regressed"}.get(verdict, "now_changed"))
        for key in ((r["sample"], r["rules"]), ("all", "")):
            c = tally.setdefault(key, Counter())
            c.update({"judged": 1, verdict: 1, state: 1})
    out = []
    for (sample, rules), c in sorted(tally.items(), key=lambda kv: (kv[0][0] == "all", str(kv[0][0]))):
        n = c["judged"]
        out.append({"sample": sample, "rules": rules, **{k: c[k] for k in ("judged", "right", "wrong", "doubtful")},
                    "precision": c["right"] / n, "precision_doubtful_right": (c["right"] + c["doubtful"]) / n,
                    **{k: c[k] for k in CHECK_COLUMNS[8:]}})
    return pd.DataFrame(out, columns=CHECK_COLUMNS)
