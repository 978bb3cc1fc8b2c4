"""Label-quality review: out-of-fold predictions that confidently disagree with a label.

A confident-learning style check (as cleanlab's ``find_label_issues`` does for multi-label
data, in a few lines and without the dependency): for each (unit, domain) the model trained
on *other documents* gives a probability; a label of 1 with a probability far below the
domain's threshold, or a 0 with a probability far above it, is a candidate error. A reviewer
then reads each candidate and fixes the label only where the label, not the model, is wrong.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nlp.tagger.estimator import DomainTagger, to_matrix
from nlp.taxonomy import load_taxonomy
from nlp.training.evaluate import cross_val_outputs


def label_issues(labels: pd.DataFrame, estimator=None, n_splits: int = 5, seed: int = 0,
                 low: float = 0.15, high: float = 0.85) -> pd.DataFrame:
    """Candidate label errors, most confident first.

    Columns: ref, group, domain, given (0/1), proba (out-of-fold), text.
    """
    codes = load_taxonomy().codes
    Y = to_matrix(list(labels["labels"]), codes)
    proba, _ = cross_val_outputs(estimator or DomainTagger(random_state=seed), list(labels["text"]), Y,
                                 labels["group"].to_numpy(), n_splits, seed)
    rows = []
    for i, j in zip(*np.nonzero(((Y == 1) & (proba < low)) | ((Y == 0) & (proba > high))), strict=True):
        rows.append({"ref": labels["ref"].iat[i], "group": labels["group"].iat[i], "domain": codes[j],
                     "given": int(Y[i, j]), "proba": round(float(proba[i, j]), 3), "text": labels["text"].iat[i]})
    out = pd.DataFrame(rows, columns=["ref", "group", "domain", "given", "proba", "text"])
    out["margin"] = np.where(out["given"] == 1, out["proba"], 1 - out["proba"])
    return out.sort_values("margin").drop(columns="margin").reset_index(drop=True)
