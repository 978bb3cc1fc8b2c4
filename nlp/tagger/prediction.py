"""The tagger's prediction path, shared by ``DomainTagger`` and a predict-only ``TaggerPredictor``.

Why a separate module: a batch worker only predicts, and loading a full ``DomainTagger``
imports scikit-learn (about 1.2 s, paid again by every worker of every run and on the way to
the first result of a small ``fazhi tag``). Prediction with linear heads needs none of it
(stacked weights, biases, a sigmoid: the compiled fast path, which never builds the feature
matrices); the features are ``nlp.features`` blocks (``nlp.params`` gives them scikit-learn's
conventions without the import). A head of any other kind (a tree ensemble, a kernel machine)
is scored on the feature matrices by its own ``predict_proba`` (the matrix path).
``PooledPrediction`` holds that path once; ``DomainTagger`` (training, explanations, a
scikit-learn estimator) inherits it, and ``TaggerPredictor`` is the same path over a loaded
model's arrays (``nlp.tagger.serialize.load_predictor``): both give identical numbers.
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
    """A fitted binary linear head as the predictor needs it (a linear classifier's arrays)."""

    coef_: np.ndarray  # (1, n_features)
    intercept_: np.ndarray  # (1,)


def is_linear(head) -> bool:
    """A head whose decision is ``X @ coef_ + intercept_`` (logistic regression, linear SVMs, SGD…)."""
    coef = getattr(head, "coef_", None)
    return coef is not None and np.ndim(coef) == 2 and coef.shape[0] == 1 and hasattr(head, "intercept_")


def is_constant(head) -> bool:
    """A domain that was constant in the training labels: its head is that probability."""
    return isinstance(head, (int, float, np.floating)) and not isinstance(head, bool)


def head_proba(head, X) -> np.ndarray:
    """The positive-class probability of a non-linear head (its ``predict_proba``), or a constant."""
    if is_constant(head):
        return np.full(X.shape[0], head)
    classes = list(head.classes_)
    return np.asarray(head.predict_proba(X))[:, classes.index(1)]


@dataclass(frozen=True)
class HeadStack:
    """Per-domain heads sorted by kind: the linear heads' weights stacked into one (features ×
    heads) matrix, so the features are read once rather than once per domain."""

    linear: list[int]  # domains with a linear head
    W: np.ndarray  # (features, len(linear)), C-contiguous
    b: np.ndarray  # (len(linear),)
    other: list[int]  # domains with a non-linear head (scored by predict_proba on the matrices)


def stack_heads(heads: list) -> HeadStack:
    linear = [j for j, h in enumerate(heads) if is_linear(h)]
    W = np.column_stack([heads[j].coef_.ravel() for j in linear]) if linear else np.zeros((0, 0))
    b = np.array([float(np.ravel(heads[j].intercept_)[0]) for j in linear])
    other = [j for j, h in enumerate(heads) if not is_constant(h) and not is_linear(h)]
    return HeadStack(linear, np.ascontiguousarray(W), b, other)


class PooledPrediction:
    """Calibrated, sentence-pooled probabilities of one-vs-rest heads.

    Needs ``estimators_`` (per domain: a fitted binary classifier, or a constant probability for
    a domain that was constant in the training labels), ``stack_`` (``stack_heads`` of them),
    ``features_`` (``nlp.features.units.UnitFeatures``), ``classes_``, ``thresholds_``,
    ``calibration_`` (per domain Platt slope and intercept, or None) and ``sentence_pooling``.
    Prediction changes none of them.
    """

    def _stack(self, heads: list) -> HeadStack:
        return self.stack_ if heads is self.estimators_ else stack_heads(heads)

    def _from_decision(self, heads: list, z: np.ndarray, stack: HeadStack, X=None) -> np.ndarray:
        """Probabilities from the linear heads' decision values ``z``, constants filled in and
        the other heads scored on the feature matrix ``X``."""
        out = np.empty((z.shape[0], len(heads)), dtype=np.float64)
        for j, h in enumerate(heads):
            if is_constant(h):
                out[:, j] = h
        if stack.linear:
            out[:, stack.linear] = sigmoid(z + stack.b)
        for j in stack.other:
            out[:, j] = head_proba(heads[j], X)
        return out

    def _proba(self, heads: list, Xf) -> np.ndarray:
        """Probabilities of every head on the feature matrix ``Xf``.

        For a linear head equal to ``LogisticRegression.predict_proba(Xf)[:, 1]`` (the sigmoid of
        the decision function), from one sparse × dense product of all linear heads at once.
        """
        stack = self._stack(heads)
        z = np.asarray(Xf @ stack.W, dtype=np.float64) if stack.linear else np.zeros((Xf.shape[0], 0))
        return self._from_decision(heads, z, stack, Xf)

    def _proba_texts(self, texts: list[str]) -> np.ndarray:
        """Pooled, uncalibrated probabilities of texts: the prediction path.

        With linear (and constant) heads only, the same numbers as ``_pooled(estimators_,
        *_features(texts))`` up to float rounding, but the features' products with the heads are
        computed without building the feature matrices (``UnitFeatures.decision_with_sentences``).
        Any other head needs the matrices, and then every head is scored on them.
        """
        heads = self.estimators_
        stack = self._stack(heads)
        if stack.other:
            xu, xs, owner = self.features_.transform_with_sentences(texts, sentences=self.sentence_pooling)
            p = self._proba(heads, xu)
            if xs is not None and xs.shape[0]:
                np.maximum.at(p, owner, self._proba(heads, xs))
            return p
        if not stack.linear:  # every domain constant in the training data: no features needed
            return self._from_decision(heads, np.zeros((len(texts), 0)), stack)
        zu, zs, owner = self.features_.decision_with_sentences(texts, stack.W, sentences=self.sentence_pooling)
        p = self._from_decision(heads, zu, stack)
        if zs is not None and len(zs):
            np.maximum.at(p, owner, self._from_decision(heads, zs, stack))
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
        self.stack_ = stack_heads(heads)
