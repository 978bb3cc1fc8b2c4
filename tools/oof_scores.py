"""Out-of-fold scores of the shipped tagger's configuration, and the in-genre figures they give.

    python tools/oof_scores.py OUT.npz                          # the shipped settings
    python tools/oof_scores.py OUT.npz genre_C=8 lead=true      # one experiment: params as JSON values
    python tools/oof_scores.py OUT.npz --floor-grid             # also the relative floor, chosen nested
    python tools/oof_scores.py OUT.npz --fold-seed 1            # another split into folds
    python tools/oof_scores.py OUT.npz --in-genre-share 0.5     # a learning-curve point

Why: settings of the in-genre genre (``relative_floor``, ``genre_C``, ``genre_weight``, ``lead``) were
chosen by in-genre cross-validation, and a full ``fazhi train`` (card, seeds left out, final fit) takes
about 20 minutes on two cores; this runs only the 5-fold cross-validation (GroupKFold by document,
seed 0, as the card: thresholds chosen inside each training fold) in 6-12 minutes and saves the
out-of-fold probabilities and predictions (``OUT.npz``: proba, pred, Y) with the label table beside
(``OUT.parquet``), so decision rules can be tried on them without refitting. It prints micro-F1 and
macro-F1 (domains with >= 10 positives) per set — in-genre paragraphs, in-genre units, work reports —
never mixing genres. ``--floor-grid``: the relative floor picked for each outer fold on the other four
folds' out-of-fold scores (a nested estimate: the floor never sees the fold it is scored on).
Needs ``out/word_vectors.npz`` (``tools/train_word_vectors.py``) and ../shared for reference labels.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp.tagger.estimator import DomainTagger  # noqa: E402
from nlp.taxonomy import load_taxonomy  # noqa: E402
from nlp.training.evaluate import cross_val_outputs, evaluation_sets, units_of  # noqa: E402
from nlp.training.labels import load_labels  # noqa: E402

FLOORS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def shipped_params(overrides: list[str]) -> dict:
    """The shipped model's params, with ``key=json_value`` overrides."""
    params = json.loads((ROOT / "models" / "default" / "config.json").read_text("utf-8"))["params"]
    params["word_vectors"] = str(ROOT / "out" / "word_vectors.npz")
    for key in ("word_ngrams", "pool_genres", "char_ngrams"):
        if params.get(key) is not None:
            params[key] = tuple(params[key])
    for kv in overrides:
        key, _, value = kv.partition("=")
        params[key] = json.loads(value)
    return params


def figures(Y: np.ndarray, P: np.ndarray, sets: dict[str, np.ndarray]) -> str:
    out = []
    for name, m in sets.items():
        big = [j for j in range(Y.shape[1]) if Y[m, j].sum() >= 10]
        micro = f1_score(Y[m], P[m], average="micro", zero_division=0)
        macro = f1_score(Y[m][:, big], P[m][:, big], average="macro", zero_division=0)
        out.append(f"{name}: micro {micro:.4f} macro10+ {macro:.4f}")
    return " | ".join(out)


def nested_floor(S: np.ndarray, P: np.ndarray, Y: np.ndarray, in_genre: np.ndarray, folds: np.ndarray
                 ) -> tuple[np.ndarray, list[float]]:
    """Predictions with each fold's relative floor chosen on the other folds (in-genre micro-F1)."""
    top = S.max(axis=1, keepdims=True)
    floored = {f: np.where((S < f * top) & in_genre[:, None], 0, P) for f in FLOORS}
    out, chosen = P.copy(), []
    for k in np.unique(folds):
        other = in_genre & (folds != k)
        best = max(FLOORS, key=lambda f: f1_score(Y[other], floored[f][other], average="micro"))
        chosen.append(best)
        out[folds == k] = floored[best][folds == k]
    return out, chosen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", help="OUT.npz (OUT.parquet is written beside)")
    ap.add_argument("params", nargs="*", help="param=json_value overrides of the shipped settings")
    ap.add_argument("--fold-seed", type=int, default=0,
                    help="seed of the split into folds (a gain should hold on another split)")
    ap.add_argument("--in-genre-share", type=float, default=1.0,
                    help="train on this share of the in-genre documents (the first of a permutation seeded by "
                         "--fold-seed, so a smaller share's documents are in a larger one's); "
                         "every unit is still scored out of fold: a learning-curve point")
    ap.add_argument("--floor-grid", action="store_true", help="also choose the relative floor, nested")
    args = ap.parse_args()
    params = shipped_params(args.params)
    if args.floor_grid:
        params["relative_floor"] = None  # the raw predictions; the floor is applied below
    labels = load_labels()
    codes = load_taxonomy().codes
    Y = np.array([[c in ls for c in codes] for ls in labels["labels"]], dtype=np.int64)
    groups = labels["group"].to_numpy()
    sets = evaluation_sets(labels)
    in_genre = sets["in-genre units"]
    trainable = None
    if args.in_genre_share < 1.0:
        docs = np.unique(groups[in_genre])
        rng = np.random.default_rng(args.fold_seed)
        kept = rng.permutation(docs)[:round(args.in_genre_share * len(docs))]  # nested: 0.5's in 0.75's
        trainable = ~in_genre | np.isin(groups, kept)
        print(f"training on {len(kept)} of {len(docs)} in-genre documents")
    S, P = cross_val_outputs(DomainTagger(**params), units_of(labels), Y, groups, 5, args.fold_seed,
                             trainable)
    np.savez(args.out, proba=S, pred=P, Y=Y)
    labels.assign(labels=labels["labels"].map(list)).to_parquet(Path(args.out).with_suffix(".parquet"))
    print("as fitted:", figures(Y, P, sets))
    if args.floor_grid:
        folds = np.zeros(len(labels), dtype=int)
        cv = GroupKFold(5, shuffle=True, random_state=args.fold_seed)
        for k, (_, te) in enumerate(cv.split(labels, groups=groups)):
            folds[te] = k
        nested, chosen = nested_floor(S, P, Y, in_genre, folds)
        print(f"floor chosen per fold on the other folds: {chosen}")
        print("nested floor:", figures(Y, nested, sets))


if __name__ == "__main__":
    main()
