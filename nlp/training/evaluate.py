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


UNIT_COLUMNS = ["text", "section", "role", "is_heading", "genre", "group", "paragraph", "granularity"]
IN_GENRE, WORK_GENRE = "fazhi_report", "gov_work_report"


def units_of(labels: pd.DataFrame) -> pd.DataFrame:
    """The units a tagger reads from a label table: text and, where known, context."""
    return labels[[c for c in UNIT_COLUMNS if c in labels.columns]].reset_index(drop=True)


def evaluation_sets(labels: pd.DataFrame) -> dict[str, np.ndarray]:
    """Row masks of the sets every evaluation reports separately (genres are never mixed in a
    number): in-genre paragraphs, all in-genre units (paragraphs and items), work-report units,
    and units of unknown genre (a user's plain texts)."""
    genre = labels["genre"].fillna("").to_numpy() if "genre" in labels.columns else np.full(len(labels), "")
    gran = labels["granularity"].to_numpy() if "granularity" in labels.columns else np.full(len(labels), "paragraph")
    sets = {"in-genre paragraphs": (genre == IN_GENRE) & (gran == "paragraph"),
            "in-genre units": genre == IN_GENRE, "work reports": genre == WORK_GENRE,
            "unknown genre": (genre != IN_GENRE) & (genre != WORK_GENRE)}
    return {k: v for k, v in sets.items() if v.any()}


def cross_val_outputs(estimator, units, Y: np.ndarray, groups: np.ndarray, n_splits: int = 5,
                      seed: int = 0, trainable: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold probabilities and multi-hot predictions, folds grouped by document. ``units``
    is a list of texts or a table of units with context (``units_of``). ``trainable`` (bool per
    unit, None: all): the units a fold may train on — every unit is still scored out of fold, so
    a learning curve (part of one genre's documents withheld from training) is read on the same
    units as the full figure."""
    pred = np.zeros_like(Y)
    proba = np.zeros(Y.shape, dtype=np.float64)
    units = units if hasattr(units, "iloc") else pd.DataFrame({"text": list(units)})
    cv = GroupKFold(n_splits, shuffle=True, random_state=seed)
    for tr, te in cv.split(units, groups=groups):
        if trainable is not None:
            tr = tr[trainable[tr]]
        est = clone(estimator)
        try:
            est.fit(units.iloc[tr], Y[tr], groups=groups[tr])
        except TypeError:
            est.fit(units.iloc[tr], Y[tr])
        proba[te] = est.predict_proba(units.iloc[te])
        pred[te] = est.predict(units.iloc[te])
    return proba, pred


def cross_val_predict_grouped(estimator, units, Y: np.ndarray, groups: np.ndarray,
                              n_splits: int = 5, seed: int = 0) -> np.ndarray:
    """Out-of-fold multi-hot predictions, folds grouped by document."""
    return cross_val_outputs(estimator, units, Y, groups, n_splits, seed)[1]


def _tables(Y: np.ndarray, P: np.ndarray, labels: pd.DataFrame, name: str, codes: list[str],
            core: list[str]) -> list[pd.DataFrame]:
    frames = []
    for set_name, mask in evaluation_sets(labels).items():
        t = metrics_table(Y[mask], P[mask], codes, core)
        big = [c for c in codes if Y[mask][:, codes.index(c)].sum() >= 10]
        rows = t.set_index("domain").loc[big]
        extra = pd.DataFrame([{"domain": "macro_10plus", "precision": rows["precision"].mean(),
                               "recall": rows["recall"].mean(), "f1": rows["f1"].mean(),
                               "support": int(rows["support"].sum())}])
        t = pd.concat([t, extra], ignore_index=True)
        t.insert(0, "set", set_name)
        t.insert(0, "model", name)
        frames.append(t)
    return frames


def evaluate(estimators: dict[str, object], labels: pd.DataFrame, n_splits: int = 5, seed: int = 0,
             taxonomy_path: str | None = None, predictions: dict | None = None) -> pd.DataFrame:
    """Cross-validated metrics for several estimators, side by side (long table with ``model`` and
    ``set``: one block per ``evaluation_sets`` set; ``macro_10plus`` = macro-F1 over the domains
    with at least 10 positives in the set). ``predictions``, when given, receives each
    estimator's out-of-fold multi-hot predictions (for ``error_kinds``)."""
    tax = load_taxonomy(taxonomy_path)
    Y = to_matrix(list(labels["labels"]), tax.codes)
    groups = labels["group"].to_numpy()
    frames = []
    for name, est in estimators.items():
        P = cross_val_predict_grouped(est, units_of(labels), Y, groups, n_splits, seed)
        if predictions is not None:
            predictions[name] = P
        frames += _tables(Y, P, labels, name, tax.codes, list(tax.core))
    return pd.concat(frames, ignore_index=True)


def error_kinds(labels: pd.DataFrame, P: np.ndarray, taxonomy_path: str | None = None) -> pd.DataFrame:
    """Every wrong (unit, domain) of predictions ``P``, with its kind, for the next labeling round.

    Columns: ``ref``, ``set`` (``evaluation_sets``), ``domain``, ``error`` (FP/FN), ``place``
    (heading, preamble, front matter, body) and ``cue``: for a false positive whether a taxonomy
    cue of the domain is in the text (a *passing mention*: the domain is named, the unit is
    about something else) or not; for a false negative whether the label had a cue to go on or
    was *implicit*."""
    from nlp.tagger.keywords import KeywordTagger

    tax = load_taxonomy(taxonomy_path)
    Y = to_matrix(list(labels["labels"]), tax.codes)
    K = KeywordTagger(taxonomy_path).fit().predict(list(labels["text"]))
    sets = evaluation_sets(labels)
    rows = []
    for i, j in zip(*np.nonzero(P != Y), strict=True):
        r = labels.iloc[i]
        place = ("heading" if r.get("is_heading") else "preamble" if r.get("role") == "preamble"
                 else "front matter" if r.get("role") == "front_matter" else "body")
        fp = bool(P[i, j])
        cue = ("passing mention" if K[i, j] else "no cue") if fp else ("cue present" if K[i, j] else "implicit")
        set_name = next((k for k, m in sets.items() if m[i] and k != "in-genre units"), "")
        rows.append({"ref": r.get("ref", i), "set": set_name, "domain": tax.codes[j], "error": "FP" if fp else "FN",
                     "place": place, "cue": cue})
    return pd.DataFrame(rows, columns=["ref", "set", "domain", "error", "place", "cue"])


def error_summary(errors: pd.DataFrame, set_name: str = "in-genre paragraphs") -> pd.DataFrame:
    """Counts of ``error_kinds`` rows of one set: place × (error, cue)."""
    sub = errors[errors["set"] == set_name]
    if sub.empty:
        return pd.DataFrame()
    return pd.crosstab(sub["place"], [sub["error"], sub["cue"]], margins=True, margins_name="all")


def leave_one_document_out(estimators: dict[str, object], labels: pd.DataFrame, documents: list[str],
                           taxonomy_path: str | None = None) -> pd.DataFrame:
    """Each of ``documents`` (label groups, e.g. the five seeds) predicted by a model trained on
    every other labeled unit; metrics over their units pooled (the same long table as
    ``evaluate``)."""
    tax = load_taxonomy(taxonomy_path)
    Y = to_matrix(list(labels["labels"]), tax.codes)
    groups = labels["group"].to_numpy()
    units = units_of(labels)
    inside = np.isin(groups, documents)
    frames = []
    for name, est in estimators.items():
        P = np.zeros_like(Y)
        for doc in documents:
            te = groups == doc
            model = clone(est)
            try:
                model.fit(units[~te], Y[~te], groups=groups[~te])
            except TypeError:
                model.fit(units[~te], Y[~te])
            P[te] = model.predict(units[te])
        frames += _tables(Y[inside], P[inside], labels[inside].reset_index(drop=True), name, tax.codes,
                          list(tax.core))
    return pd.concat(frames, ignore_index=True)


def score_fixed(models: dict[str, object], labels: pd.DataFrame, taxonomy_path: str | None = None) -> pd.DataFrame:
    """Metrics of already trained models on a labeled test set (no refitting)."""
    tax = load_taxonomy(taxonomy_path)
    Y = to_matrix(list(labels["labels"]), tax.codes)
    frames = []
    for name, model in models.items():
        frames += _tables(Y, model.predict(units_of(labels)), labels, name, tax.codes, list(tax.core))
    return pd.concat(frames, ignore_index=True)


def side_by_side(long: pd.DataFrame, metric: str = "f1") -> pd.DataFrame:
    """(set, domain) × model table of one metric, plus each row's support."""
    if "set" not in long.columns:
        long = long.assign(set="all")
    wide = long.pivot_table(index=["set", "domain"], columns="model", values=metric, sort=False)
    support = long.drop_duplicates(["set", "domain"]).set_index(["set", "domain"])["support"]
    wide["support"] = support
    return wide.round(3)
