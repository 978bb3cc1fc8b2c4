"""Training and evaluation workflows shared by the CLI and notebooks."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd

from nlp.tagger.estimator import DomainTagger
from nlp.tagger.keywords import KeywordTagger
from nlp.tagger.serialize import save_model
from nlp.taxonomy import load_taxonomy
from nlp.training.evaluate import error_kinds, error_summary, evaluate, leave_one_document_out, units_of
from nlp.training.labels import data_hash, default_label_files, load_labels


def label_counts(labels: pd.DataFrame) -> dict[str, int]:
    counts = Counter(c for ls in labels["labels"] for c in ls)
    out = {c: counts.get(c, 0) for c in load_taxonomy().codes}
    out["(none)"] = int((labels["labels"].map(len) == 0).sum())
    return out


def _card_rows(metrics: pd.DataFrame) -> list[dict]:
    """The model's rows of a metrics table with the keyword rules' F1 beside each."""
    m = metrics[metrics["model"] == "model"].drop(columns="model").round(4)
    kw = metrics[metrics["model"] == "keywords"].set_index(["set", "domain"])["f1"].round(4)
    m["keywords_f1"] = [kw.get((a, b)) for a, b in zip(m["set"], m["domain"], strict=True)]
    return m.to_dict("records")


def train(label_files: list[str | Path] | None, out_dir: str | Path, corpus_root: str | Path | None = None,
          n_splits: int = 5, seed: int = 0, tagger: DomainTagger | None = None,
          loo_seeds: bool = False) -> tuple[DomainTagger, pd.DataFrame]:
    """Cross-validate (model and keyword baseline; every table by genre), fit on all labels, save
    with its card. ``loo_seeds``: also each seed report predicted by a model trained on all other
    labeled units."""
    files = [Path(p) for p in (label_files or default_label_files())]
    labels = load_labels(files, corpus_root)
    tagger = tagger or DomainTagger(random_state=seed)
    both = {"model": tagger, "keywords": KeywordTagger()}
    predictions: dict = {}
    metrics = evaluate(both, labels, n_splits=n_splits, seed=seed, predictions=predictions)
    errors = error_summary(error_kinds(labels, predictions["model"]))
    seeds = sorted(g for g in labels["group"].unique() if str(g).startswith("seeds/"))
    loo = leave_one_document_out(both, labels, seeds) if loo_seeds and seeds else None
    model = tagger.fit(units_of(labels), list(labels["labels"]), groups=labels["group"].to_numpy())
    save_model(model, out_dir, {
        "label_files": [p.name for p in files],
        "n_train": len(labels),
        "n_groups": int(labels["group"].nunique()),
        "data_hash": data_hash(labels),
        "label_counts": label_counts(labels),
        "oof_brier": getattr(model, "oof_brier_", None),
        "label_counts_by_genre": {g: label_counts(labels[labels["genre"] == g])
                                  for g in sorted(labels["genre"].unique())},
        "metrics": _card_rows(metrics),
        "metrics_note": f"{n_splits}-fold GroupKFold by document, seed {seed}; thresholds chosen inside each "
                        "training fold; keywords_f1 = the keyword-rule baseline on the same folds. Each set is "
                        "its own table: genres are never mixed in a number. macro_10plus = macro-F1 over the "
                        "domains with at least 10 positives in the set.",
        **({"loo_seeds": _card_rows(loo), "loo_note": "each of the five seed reports predicted by a model "
            "trained on every other labeled unit"} if loo is not None else {}),
        **({"errors_in_genre": errors.to_csv(sep="|")} if not errors.empty else {}),
    })
    return model, metrics
