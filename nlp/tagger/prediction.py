"""The tagger's prediction path, shared by ``DomainTagger`` and a predict-only ``TaggerPredictor``.

Why a separate module: a batch worker only predicts, and loading a full ``DomainTagger``
imports scikit-learn (about 1.2 s, paid again by every worker of every run and on the way to
the first result of a small ``fazhi tag``). Prediction needs none of it: the heads are linear
(stacked weights, biases, a sigmoid), the features are ``nlp.features.units`` blocks (``nlp.params``
gives them scikit-learn's conventions without the import). ``PooledPrediction`` holds that
path once; ``DomainTagger`` (training, explanations, a scikit-learn estimator) inherits it,
and ``TaggerPredictor`` is the same path over a loaded model's arrays
(``nlp.tagger.serialize.load_predictor``): both give identical numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function (``scipy.special.expit`` up to 1 ulp, without importing scipy.special)."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


@dataclass
class LinearHead:
    """A fitted binary linear head as the predictor needs it (a ``LogisticRegression``'s arrays)."""

    coef_: np.ndarray  # (1, n_features)
    intercept_: np.ndarray  # (1,)


class PooledPrediction:
    """Calibrated, sentence-pooled probabilities of one-vs-rest linear heads.

    Needs ``estimators_`` (per domain: an object with ``coef_``/``intercept_``, or a constant
    probability for a domain that was constant in the training labels), ``features_``
    (``nlp.features.units.UnitFeatures``), ``classes_``, ``thresholds_``, ``calibration_`` (per
    domain Platt slope and intercept, or None) and ``sentence_pooling``.
    """

    def _stack(self, heads: list) -> tuple[list[int], np.ndarray, np.ndarray]:
        """Live heads (those with coefficients), their stacked (features × heads) weights, biases.

        Cached per list of heads, so the coefficients are stacked once per model.
        """
        cache = getattr(self, "_stacked", None)
        if cache is None or cache[0] is not heads:
            live = [j for j, h in enumerate(heads) if hasattr(h, "coef_")]
            W = np.column_stack([heads[j].coef_.ravel() for j in live]) if live else np.zeros((0, 0))
            b = np.array([float(heads[j].intercept_[0]) for j in live])
            cache = self._stacked = (heads, live, np.ascontiguousarray(W), b)
        return cache[1:]

    def _from_decision(self, heads: list, z: np.ndarray) -> np.ndarray:
        """Probabilities from the live heads' decision values ``z`` (constant heads filled in)."""
        live, _, b = self._stack(heads)
        out = np.empty((z.shape[0], len(heads)), dtype=np.float64)
        for j, h in enumerate(heads):
            if j not in live:
                out[:, j] = h
        if live:
            out[:, live] = sigmoid(z + b)
        return out

    def _proba(self, heads: list, Xf) -> np.ndarray:
        """Probabilities of every head, from one sparse × dense product.

        Equal to each ``LogisticRegression.predict_proba(Xf)[:, 1]`` (the sigmoid of the
        decision function), but the coefficients are stacked once into a (features × domains)
        matrix, so the features are read once rather than once per domain.
        """
        live, W, _ = self._stack(heads)
        if not live:  # every domain constant in the training data
            return self._from_decision(heads, np.zeros((Xf.shape[0], 0)))
        return self._from_decision(heads, np.asarray(Xf @ W, dtype=np.float64))

    def _proba_texts(self, texts: list[str]) -> np.ndarray:
        """Pooled, uncalibrated probabilities of texts: the prediction path.

        The same numbers as ``_pooled(estimators_, *_features(texts))`` up to float rounding,
        but the features' products with the heads are computed without building the feature
        matrices (``UnitFeatures.decision_with_sentences``).
        """
        heads = self.estimators_
        live, W, _ = self._stack(heads)
        if not live:  # every domain constant in the training data: no features needed
            return self._from_decision(heads, np.zeros((len(texts), 0)))
        zu, zs, owner = self.features_.decision_with_sentences(texts, W, sentences=self.sentence_pooling)
        p = self._from_decision(heads, zu)
        if zs is not None and len(zs):
            np.maximum.at(p, owner, self._from_decision(heads, zs))
        return p

    def _calibrate(self, p: np.ndarray) -> np.ndarray:
        cal = getattr(self, "calibration_", None)
        if cal is None:
            return p
        z = np.log(np.clip(p, 1e-6, 1 - 1e-6) / np.clip(1 - p, 1e-6, 1))
        return sigmoid(z * cal[:, 0] + cal[:, 1])

    def predict_proba(self, X) -> np.ndarray:
        """(n_units, n_domains) probabilities, columns in ``classes_`` order."""
        return self._calibrate(self._proba_texts(list(X)))

    def predict(self, X) -> np.ndarray:
        """Multi-hot (n_units, n_domains) predictions with the per-domain thresholds."""
        return (self.predict_proba(X) >= self.thresholds_).astype(np.int8)

    def predict_labels(self, X) -> tuple[list[list[str]], np.ndarray]:
        """Label lists (of ``str``) and the probability matrix, for tables.

        A corpus has few distinct label sets, so each row's set is read through a dict keyed
        by its bit pattern instead of indexing ``classes_`` once per row.
        """
        proba = self.predict_proba(X)
        hits = proba >= self.thresholds_
        if hits.shape[1] <= 62:  # the row's bits as one int
            keys = (hits.astype(np.int64) << np.arange(hits.shape[1])).sum(axis=1).tolist()
        else:  # a taxonomy this wide: the packed bits as bytes
            keys = [row.tobytes() for row in np.packbits(hits, axis=1)]
        names: dict[int | bytes, list[str]] = {}
        out = []
        for i, key in enumerate(keys):
            labels = names.get(key)
            if labels is None:
                labels = names[key] = [str(c) for c in self.classes_[hits[i]]]
            out.append(labels.copy())
        return out, proba


class TaggerPredictor(PooledPrediction):
    """A trained tagger's prediction path and nothing else (see the module docstring).

    Built by ``nlp.tagger.serialize.load_predictor``; tags exactly as the ``DomainTagger`` the same
    model directory loads into, but cannot be refitted or explained.
    """

    def __init__(self, classes: np.ndarray, thresholds: np.ndarray, calibration: np.ndarray | None,
                 features, heads: list, sentence_pooling: bool, taxonomy_version: str, card: dict) -> None:
        self.classes_ = classes
        self.thresholds_ = thresholds
        self.calibration_ = calibration
        self.features_ = features
        self.estimators_ = heads
        self.sentence_pooling = sentence_pooling
        self.taxonomy_version_ = taxonomy_version
        self.card_ = card

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_stacked", None)  # rebuilt on first use
        return state
