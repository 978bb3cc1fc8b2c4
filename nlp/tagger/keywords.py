"""The keyword-rule baseline: a domain is tagged when any of its taxonomy cues occurs.

It is the baseline the trained tagger must beat, reported side by side in every evaluation.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from nlp.features.units import as_units
from nlp.taxonomy import load_taxonomy


class KeywordTagger(BaseEstimator, ClassifierMixin):
    def __init__(self, taxonomy_path: str | None = None) -> None:
        self.taxonomy_path = taxonomy_path

    def fit(self, X=None, y=None, **fit_params):
        tax = load_taxonomy(self.taxonomy_path)
        self.classes_ = np.array(tax.codes)
        self.cues_ = [tuple(d.cues) for d in tax.domains]
        return self

    def predict_proba(self, X) -> np.ndarray:
        texts, _ = as_units(X)
        return np.array([[float(any(c in t for c in cues)) for cues in self.cues_] for t in texts]).reshape(
            len(texts), len(self.cues_))

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X) >= 0.5).astype(np.int8)
