"""Compare out-of-fold runs of ``tools/oof_scores.py`` on in-genre paragraphs, with a paired bootstrap.

    python tools/compare_oof.py BASE.npz OTHER.npz [MORE.npz ...]

Why: about 580 in-genre paragraphs from 126 reports give a micro-F1 whose 95% interval is some
0.04 wide, so a setting that moves it by 0.005 on one split into folds is noise. Every run after the
first is compared with the first on the same units: the difference of micro-F1, and its 95%
interval from resampling whole documents (the runs' errors on one report go together), both runs
resampled alike. Prints, per run: micro-F1, macro-F1 over the domains with >= 10 positives, F1 per
domain, the micro-F1's own bootstrap interval, and for the later runs the paired difference.
The runs must be of the same labels (their ``.parquet`` tables beside the ``.npz`` files).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp.taxonomy import load_taxonomy  # noqa: E402
from nlp.training.evaluate import evaluation_sets  # noqa: E402


def in_genre_paragraphs(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels, predictions and documents of a run's in-genre paragraphs."""
    run = np.load(path)
    table = pd.read_parquet(path.with_suffix(".parquet"))
    rows = evaluation_sets(table).get("in-genre paragraphs", np.zeros(len(table), dtype=bool))
    return run["Y"][rows].astype(np.int64), run["pred"][rows].astype(np.int64), table["group"].to_numpy()[rows]


def per_document(Y: np.ndarray, P: np.ndarray, docs: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """True positives and (labels + predictions) summed per document, in ``order``: micro-F1 of any
    resample of documents is 2 * tp / total over its rows."""
    index = {d: i for i, d in enumerate(order)}
    k = np.fromiter((index[d] for d in docs), dtype=np.int64, count=len(docs))
    tp = np.bincount(k, weights=(Y & P).sum(axis=1), minlength=len(order))
    total = np.bincount(k, weights=Y.sum(axis=1) + P.sum(axis=1), minlength=len(order))
    return tp, total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", type=Path, help="OUT.npz files of tools/oof_scores.py; the first is the base")
    ap.add_argument("--resamples", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    codes = load_taxonomy().codes
    base = in_genre_paragraphs(args.runs[0])
    order = np.unique(base[2])
    draws = np.random.default_rng(args.seed).integers(0, len(order), (args.resamples, len(order)))
    for k, path in enumerate(args.runs):
        Y, P, docs = in_genre_paragraphs(path)
        if len(Y) != len(base[0]) or (docs != base[2]).any() or (Y != base[0]).any():
            raise SystemExit(f"compare_oof: {path}: not the same in-genre paragraphs as {args.runs[0]}")
        per = f1_score(Y, P, average=None, zero_division=0)
        big = Y.sum(axis=0) >= 10
        tp, total = per_document(Y, P, docs, order)
        micro = 2 * tp.sum() / total.sum()
        f1 = 2 * tp[draws].sum(axis=1) / total[draws].sum(axis=1)
        line = (f"{path.name}: micro {micro:.4f} "
                f"[{np.percentile(f1, 2.5):.4f}, {np.percentile(f1, 97.5):.4f}] macro10+ {per[big].mean():.4f}")
        if not k:
            base_micro, base_f1 = micro, f1
        else:
            diff = f1 - base_f1
            line += (f" | minus base {micro - base_micro:+.4f} "
                     f"[{np.percentile(diff, 2.5):+.4f}, {np.percentile(diff, 97.5):+.4f}]")
        print(line)
        print("    " + " ".join(f"{c}:{v:.3f}" for c, v in zip(codes, per, strict=True)))


if __name__ == "__main__":
    main()
