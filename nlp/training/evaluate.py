"""Cross-validation grouped by document, and the metrics table.

No document has units on both sides of a split (``GroupKFold``), because units of one report
share vocabulary and a leaky split flatters every model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import GroupKFold

from nlp.tagger.estimator import to_matrix
from nlp.taxonomy import load_taxonomy


def metrics_table(Y: np.ndarray, P: np.ndarray, codes: list[str], core: list[str]) -> pd.DataFrame:
    """Per-domain precision/recall/F1/support plus macro (core four, all) and micro rows."""
    p, r, f, s = precision_recall_fscore_support(Y, P, average=None, zero_division=0)
    df = pd.DataFrame({"domain": codes, "precision": p, "recall": r, "f1": f, "support": s})
    core_idx = [codes.index(c) for c in core]
    rows = [
        {"domain": "macro_core4", "precision": p[core_idx].mean(), "recall": r[core_idx].mean(),
         "f1": f[core_idx].mean(), "support": int(s[core_idx].sum())},
        {"domain": "macro_all", "precision": p.mean(), "recall": r.mean(), "f1": f.mean(), "support": int(s.sum())},
    ]
    mp, mr, mf, _ = precision_recall_fscore_support(Y, P, average="micro", zero_division=0)
    rows.append({"domain": "micro", "precision": mp, "recall": mr, "f1": mf, "support": int(s.sum())})
    return pd.concat([df, pd.DataFrame(rows)], ignore_index=True)


def cross_val_outputs(estimator, texts: list[str], Y: np.ndarray, groups: np.ndarray, n_splits: int = 5,
                      seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold probabilities and multi-hot predictions, folds grouped by document."""
    pred = np.zeros_like(Y)
    proba = np.zeros(Y.shape, dtype=np.float64)
    texts = np.asarray(texts, dtype=object)
    cv = GroupKFold(n_splits, shuffle=True, random_state=seed)
    for tr, te in cv.split(texts, groups=groups):
        est = clone(estimator)
        try:
            est.fit(list(texts[tr]), Y[tr], groups=groups[tr])
        except TypeError:
            est.fit(list(texts[tr]), Y[tr])
        proba[te] = est.predict_proba(list(texts[te]))
        pred[te] = est.predict(list(texts[te]))
    return proba, pred


def cross_val_predict_grouped(estimator, texts: list[str], Y: np.ndarray, groups: np.ndarray,
                              n_splits: int = 5, seed: int = 0) -> np.ndarray:
    """Out-of-fold multi-hot predictions, folds grouped by document."""
    return cross_val_outputs(estimator, texts, Y, groups, n_splits, seed)[1]


def evaluate(estimators: dict[str, object], labels: pd.DataFrame, n_splits: int = 5, seed: int = 0,
             taxonomy_path: str | None = None) -> pd.DataFrame:
    """Cross-validated metrics for several estimators, side by side (long table with ``model``)."""
    tax = load_taxonomy(taxonomy_path)
    Y = to_matrix(list(labels["labels"]), tax.codes)
    groups = labels["group"].to_numpy()
    frames = []
    for name, est in estimators.items():
        P = cross_val_predict_grouped(est, list(labels["text"]), Y, groups, n_splits, seed)
        t = metrics_table(Y, P, tax.codes, list(tax.core))
        t.insert(0, "model", name)
        frames.append(t)
    return pd.concat(frames, ignore_index=True)


def score_fixed(models: dict[str, object], labels: pd.DataFrame, taxonomy_path: str | None = None) -> pd.DataFrame:
    """Metrics of already trained models on a labeled test set (no refitting)."""
    tax = load_taxonomy(taxonomy_path)
    Y = to_matrix(list(labels["labels"]), tax.codes)
    frames = []
    for name, model in models.items():
        t = metrics_table(Y, model.predict(list(labels["text"])), tax.codes, list(tax.core))
        t.insert(0, "model", name)
        frames.append(t)
    return pd.concat(frames, ignore_index=True)


def side_by_side(long: pd.DataFrame, metric: str = "f1") -> pd.DataFrame:
    """domain × model table of one metric (plus support)."""
    wide = long.pivot_table(index="domain", columns="model", values=metric, sort=False)
    support = long.drop_duplicates("domain").set_index("domain")["support"]
    wide["support"] = support
    return wide.round(3)
