"""Training and evaluation workflows shared by the CLI and notebooks."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd

from nlp.tagger.estimator import DomainTagger
from nlp.tagger.keywords import KeywordTagger
from nlp.tagger.serialize import save_model
from nlp.taxonomy import load_taxonomy
from nlp.training.evaluate import evaluate
from nlp.training.labels import data_hash, default_label_files, load_labels


def label_counts(labels: pd.DataFrame) -> dict[str, int]:
    counts = Counter(c for ls in labels["labels"] for c in ls)
    out = {c: counts.get(c, 0) for c in load_taxonomy().codes}
    out["(none)"] = int((labels["labels"].map(len) == 0).sum())
    return out


def train(label_files: list[str | Path] | None, out_dir: str | Path, corpus_root: str | Path | None = None,
          n_splits: int = 5, seed: int = 0, tagger: DomainTagger | None = None) -> tuple[DomainTagger, pd.DataFrame]:
    """Cross-validate (model and keyword baseline), fit on all labels, save with its card."""
    files = [Path(p) for p in (label_files or default_label_files())]
    labels = load_labels(files, corpus_root)
    tagger = tagger or DomainTagger(random_state=seed)
    metrics = evaluate({"model": tagger, "keywords": KeywordTagger()}, labels, n_splits=n_splits, seed=seed)
    model = tagger.fit(list(labels["text"]), list(labels["labels"]), groups=labels["group"].to_numpy())
    m = metrics[metrics["model"] == "model"].drop(columns="model").round(4)
    kw = metrics[metrics["model"] == "keywords"].set_index("domain")["f1"].round(4)
    m["keywords_f1"] = m["domain"].map(kw)
    save_model(model, out_dir, {
        "label_files": [p.name for p in files],
        "n_train": len(labels),
        "n_groups": int(labels["group"].nunique()),
        "data_hash": data_hash(labels),
        "label_counts": label_counts(labels),
        "oof_brier": getattr(model, "oof_brier_", None),
        "metrics": m.to_dict("records"),
        "metrics_note": f"{n_splits}-fold GroupKFold by document, seed {seed}; thresholds chosen inside each "
                        "training fold; keywords_f1 = the keyword-rule baseline on the same folds.",
    })
    return model, metrics
