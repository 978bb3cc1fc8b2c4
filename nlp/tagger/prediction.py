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

from nlp.features.units import as_units, read_units
from nlp.tagger.document import document_structure, pool_documents

IN_GENRE = "fazhi_report"  # the users' genre (a unit's ``genre``; '' when unknown)
UNKNOWN_AS = "gov_work_report"  # plain texts of unknown genre are tagged as work-report units


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function (``scipy.special.expit`` up to 1 ulp, without importing scipy.special)."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


def materialize(X):
    """Units read once, for the several steps of a prediction (``nlp.features.units.Units``)."""
    return read_units(X)


def sigmoid_calibrate(p: np.ndarray, calibration: np.ndarray | None) -> np.ndarray:
    """Platt scaling of probabilities ``p`` with per-domain (slope, intercept) rows."""
    if calibration is None:
        return p
    z = np.log(np.clip(p, 1e-6, 1 - 1e-6) / np.clip(1 - p, 1e-6, 1))
    return sigmoid(z * calibration[:, 0] + calibration[:, 1])


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

    def _pools(self, genres: list[str]) -> np.ndarray:
        """Per unit: does it take sentence pooling (its genre is in ``pool_genres``, or that is None)?"""
        allowed = getattr(self, "pool_genres", None)
        if allowed is None:
            return np.ones(len(genres), dtype=bool)
        allowed = set(allowed)
        return np.fromiter((g in allowed for g in genres), dtype=bool, count=len(genres))

    def _head_sets(self, genres: list[str]) -> list[tuple[list, HeadStack, np.ndarray]]:
        """``(heads, stack, unit rows)`` per head set: a genre's own heads (``genre_estimators_``)
        for its units, the default heads for every other unit."""
        own = getattr(self, "genre_estimators_", None) or {}
        genres_arr = np.asarray(genres, dtype=object)
        sets, claimed = [], np.zeros(len(genres), dtype=bool)
        for g, heads in own.items():
            rows = genres_arr == g
            if rows.any():
                sets.append((heads, self.genre_stacks_[g], np.flatnonzero(rows)))
                claimed |= rows
        rest = np.flatnonzero(~claimed)
        if len(rest) or not sets:
            sets.insert(0, (self.estimators_, self.stack_, rest))
        return sets

    def _proba_texts(self, X) -> np.ndarray:
        """Pooled, uncalibrated probabilities of units ``X``: the prediction path.

        With linear (and constant) heads only, the same numbers as ``_pooled(estimators_,
        *_features(X))`` up to float rounding, but the features' products with the heads are
        computed without building the feature matrices (``UnitFeatures.decision_with_sentences``;
        one pass for every head set). Any other head needs the matrices, and then every head is
        scored on them.
        """
        _, ctx = as_units(X)
        pools = self._pools(ctx.genre)
        sets = self._head_sets(ctx.genre)
        n = len(ctx)
        p = np.zeros((n, len(self.classes_)))
        if any(stack.other for _, stack, _ in sets):
            xu, xs, owner = self.features_.transform_with_sentences(X, sentences=self.sentence_pooling)
            for heads, _, rows in sets:
                p[rows] = self._proba(heads, xu[rows])
            if xs is not None and xs.shape[0]:
                keep = pools[owner]
                for heads, _, rows in sets:
                    mine = keep & np.isin(owner, rows)
                    np.maximum.at(p, owner[mine], self._proba(heads, xs[np.flatnonzero(mine)]))
            return p
        widths = [len(stack.linear) for _, stack, _ in sets]
        if not sum(widths):  # every domain constant in the training data: no features needed
            for heads, stack, rows in sets:
                p[rows] = self._from_decision(heads, np.zeros((len(rows), 0)), stack)
            return p
        W = np.hstack([stack.W for _, stack, _ in sets]) if len(sets) > 1 else sets[0][1].W
        zu, zs, owner = self.features_.decision_with_sentences(X, W, sentences=self.sentence_pooling)
        start = 0
        for (heads, stack, rows), width in zip(sets, widths, strict=True):
            cols = slice(start, start + width)
            start += width
            whole = len(sets) == 1
            p[rows] = self._from_decision(heads, zu[:, cols] if whole else zu[rows, cols], stack)
            if zs is not None and len(zs):
                keep = pools[owner] if whole else pools[owner] & np.isin(owner, rows)
                if keep.all():
                    np.maximum.at(p, owner, self._from_decision(heads, zs[:, cols], stack))
                elif keep.any():
                    np.maximum.at(p, owner[keep], self._from_decision(heads, zs[keep][:, cols], stack))
        return p

    def _rows_of(self, genres: list[str] | None, g: str) -> list[int]:
        """Units read as genre ``g``: its own, and for the work-report genre the units of unknown
        genre too, which are scored as work-report units (the default heads, sentence pooling)."""
        also = "" if g == UNKNOWN_AS else None
        return [i for i, x in enumerate(genres or ()) if x == g or x == also]

    def _calibrate(self, p: np.ndarray, genres: list[str] | None = None) -> np.ndarray:
        """Platt scaling, per genre where the model has a genre's own calibration."""
        out = sigmoid_calibrate(p, getattr(self, "calibration_", None))
        for g, calib in (getattr(self, "genre_calibration_", None) or {}).items():
            rows = self._rows_of(genres, g)
            if rows:
                out[rows] = sigmoid_calibrate(p[rows], calib)
        return out

    def _thresholds(self, genres: list[str]) -> np.ndarray:
        """(units × domains) thresholds: the genre's own where the model has them."""
        out = np.tile(self.thresholds_, (len(genres), 1))
        for g, th in (getattr(self, "genre_thresholds_", None) or {}).items():
            rows = self._rows_of(genres, g)
            if rows:
                out[rows] = th
        return out

    def predict_proba(self, X) -> np.ndarray:
        """(n_units, n_domains) probabilities, columns in ``classes_`` order; with document
        pooling, units of whole documents (``nlp.tagger.document``) are read in their document."""
        X = materialize(X)
        _, ctx = as_units(X)
        return self.pool_documents(self._calibrate(self._proba_texts(X), ctx.genre), X, ctx.genre)

    def pool_documents(self, P: np.ndarray, X, genres: list[str]) -> np.ndarray:
        """Calibrated probabilities ``P`` of the units ``X`` read in their documents: pooled along
        their structure, when the model does that (``document_pooling``) and ``X`` has a structure,
        and 0 for the units read whole in a section role that has no domain (``no_domain_roles``:
        a report's front matter)."""
        whole = ~self._pools(genres)  # the units read as wholes (法治政府建设 reports)
        if getattr(self, "document_pooling", False):
            P = pool_documents(P, document_structure(X), whole)
        roles = getattr(self, "no_domain_roles", None)
        if roles and len(P):
            none = np.isin(np.asarray(as_units(X)[1].role, dtype=object), list(roles)) & whole
            if none.any():
                P = P.copy()
                P[none] = 0.0
        return P

    def labels_from(self, P: np.ndarray, genres: list[str] | None = None, X=None) -> list[list[str]]:
        """Label lists (of ``str``) of probability rows, with the per-domain (and per-genre)
        thresholds (and, given the units ``X``, the fallback of ``_fallback_rows``).

        A corpus has few distinct label sets, so each row's set is read through a dict keyed
        by its bit pattern instead of indexing ``classes_`` once per row.
        """
        hits = self._hits(P, genres, X)
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
        return out

    def _hits(self, P: np.ndarray, genres: list[str] | None, X=None, fallback: bool = True) -> np.ndarray:
        """Which probabilities become labels: at or above the (genre's) threshold and, for units
        read as wholes (no sentence pooling), at least ``relative_floor`` of the unit's highest;
        given the units ``X``, a unit read whole also keeps a domain its own topic line names at
        ``topic_floor`` (``_topic_named``), and a body unit of a report's results that no domain
        reaches takes its highest when that is at least ``fallback_floor`` (``_fallback_rows``)."""
        if genres is None:
            return P >= self.thresholds_
        hits = P >= (self._thresholds(genres) if getattr(self, "genre_thresholds_", None) else self.thresholds_)
        floor = getattr(self, "relative_floor", None)
        if floor and len(P):
            whole = ~self._pools(genres)
            if whole.any():
                hits[whole] &= P[whole] >= floor * P[whole].max(axis=1, keepdims=True)
        if X is not None and len(P):
            named = self._topic_named(P, X, genres)
            if named is not None:
                hits |= named
        if fallback and X is not None and len(P):
            rows = self._fallback_rows(P, hits, X, genres)
            if rows.any():
                hits[rows, P[rows].argmax(axis=1)] = True
        return hits

    def _topic_named(self, P: np.ndarray, X, genres: list[str]) -> np.ndarray | None:
        """(units × domains) bool, or None: for units read as wholes (法治政府建设 reports), the
        domains their own topic line names (a heading's text, a numbered paragraph's opening
        clause: ``nlp.features.topic_line``) with a probability of at least ``topic_floor``.

        Why: the report says what a unit is about there ("（三）深入推进严格规范公正文明执法",
        "一是加快公证体制改革…"); the heads read it through the topic-line columns, but with
        about 1,000 in-genre labels a named domain still often misses its threshold, or the
        relative floor, beside a higher one (in-genre out-of-fold scores: of the domains a topic
        line names, 88% are labeled). Front matter has probability 0 and is never named.
        """
        floor = getattr(self, "topic_floor", None)
        if not floor:
            return None
        topic = dict(getattr(getattr(self, "features_", None), "parts_", ())).get("topic")
        if topic is None:
            return None
        rows = np.flatnonzero(~self._pools(genres) & (P.max(axis=1) >= floor))
        if not len(rows):  # work reports: nothing is read again
            return None
        texts, ctx = as_units(X)
        named = topic.named([texts[i] for i in rows], [ctx.is_heading[i] for i in rows])
        column = {c: j for j, c in enumerate(topic.counter_.codes_)}
        out = np.zeros(P.shape, dtype=bool)
        for j, code in enumerate(self.classes_):
            if code in column:
                out[rows, j] = named[:, column[code]]
        return out & (P >= floor)

    def _fallback_rows(self, P: np.ndarray, hits: np.ndarray, X, genres: list[str]) -> np.ndarray:
        """The units that take their highest domain though none reached its threshold: read as
        wholes (法治政府建设 reports), not headings, in a section role of ``fallback_roles``, with
        no label and a highest probability of at least ``fallback_floor``.

        Why: in such a report's account of the year's results every body paragraph is about some
        work; one that clears no threshold is mostly one whose topic the model sees but doubts
        (in-genre out-of-fold scores: of 48 labeled achievements paragraphs left empty, the
        highest domain was right for 69%), while headings and preambles are often about none.
        """
        floor = getattr(self, "fallback_floor", None)
        roles = getattr(self, "fallback_roles", None)
        if not floor or not roles:
            return np.zeros(len(P), dtype=bool)
        rows = ~self._pools(genres) & ~hits.any(axis=1) & (P.max(axis=1) >= floor)
        if not rows.any():  # work reports, and most report units: the context is not read again
            return rows
        ctx = as_units(X)[1]
        rows &= np.isin(np.asarray(ctx.role, dtype=object), list(roles))
        return rows & ~np.asarray(ctx.is_heading, dtype=bool)

    def predict(self, X) -> np.ndarray:
        """Multi-hot (n_units, n_domains) predictions with the per-domain (and per-genre) thresholds."""
        X = materialize(X)
        genres = as_units(X)[1].genre
        return self._hits(self.predict_proba(X), genres, X).astype(np.int8)

    def predict_labels(self, X) -> tuple[list[list[str]], np.ndarray]:
        """Label lists (of ``str``) and the probability matrix, for tables."""
        X = materialize(X) if X is not None else X
        proba = self.predict_proba(X)
        genres = as_units(X)[1].genre if X is not None else None
        return self.labels_from(proba, genres, X), proba


class TaggerPredictor(PooledPrediction):
    """A trained tagger's prediction path and nothing else (see the module docstring).

    Built by ``nlp.tagger.serialize.load_predictor``; tags exactly as the ``DomainTagger`` the same
    model directory loads into, but cannot be refitted or explained.
    """

    def __init__(self, classes: np.ndarray, thresholds: np.ndarray, calibration: np.ndarray | None,
                 features, heads: list, sentence_pooling: bool, taxonomy_version: str, card: dict,
                 pool_genres: tuple[str, ...] | None = None, genre_calibration: dict | None = None,
                 genre_thresholds: dict | None = None, genre_heads: dict | None = None,
                 document_pooling: bool = False, relative_floor: float | None = None,
                 no_domain_roles: tuple[str, ...] | None = None, fallback_floor: float | None = None,
                 fallback_roles: tuple[str, ...] | None = None, topic_floor: float | None = None) -> None:
        self.classes_ = classes
        self.thresholds_ = thresholds
        self.calibration_ = calibration
        self.features_ = features
        self.estimators_ = heads
        self.sentence_pooling = sentence_pooling
        self.taxonomy_version_ = taxonomy_version
        self.card_ = card
        self.pool_genres = pool_genres
        self.genre_calibration_ = genre_calibration or {}
        self.genre_thresholds_ = genre_thresholds or {}
        self.genre_estimators_ = genre_heads or {}
        self.document_pooling = document_pooling
        self.relative_floor = relative_floor
        self.no_domain_roles = no_domain_roles
        self.fallback_floor = fallback_floor
        self.fallback_roles = fallback_roles
        self.topic_floor = topic_floor
        self.genre_stacks_ = {g: stack_heads(h) for g, h in self.genre_estimators_.items()}
        self.stack_ = stack_heads(heads)
