"""The domain tagger: a multi-label scikit-learn estimator over ``nlp.features.units``.

One logistic regression per domain (one-vs-rest) on word n-gram TF-IDF (character n-grams
optional), cue counts and, when given, mean word vectors. Per-domain decision thresholds are
chosen on out-of-fold probabilities (grouped by document when groups are given) to maximise
each domain's F1, because the domains' base rates differ by an order of magnitude and one
global 0.5 cut serves none of them well.

Probabilities are calibrated: ``class_weight="balanced"`` (needed for the rare domains) pushes
raw scores up, so the same out-of-fold scores also fit one Platt (sigmoid) map per domain, as
``CalibratedClassifierCV(method="sigmoid", ensemble=False)`` would, without refitting the
model again; thresholds are then chosen on the calibrated scale.

Prediction itself (stacked heads, sentence pooling, calibration, thresholds) lives in
``nlp.tagger.prediction``, which batch workers load without scikit-learn.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, KFold

from nlp.features.topic_line import numbered_pattern, topic_line
from nlp.features.units import CONTEXT_PARTS, LEAD_PARTS, UnitFeatures, as_units
from nlp.tagger.prediction import (
    IN_GENRE,
    PooledPrediction,
    head_proba,
    is_constant,
    is_linear,
    materialize,
    stack_heads,
)
from nlp.taxonomy import load_taxonomy
from nlp.text.token_batch import segment_batch

THRESHOLD_GRID = np.round(np.arange(0.05, 0.96, 0.025), 3)
MIN_GENRE_UNITS = 100  # a genre's own calibration and thresholds need this many training units
# sentence pooling for work reports and for plain texts of unknown genre (what the work-report
# labels' "one clause is enough" fits); 法治政府建设 report units are scored whole
WORK_REPORT_POOLING = ("gov_work_report", "")


def to_matrix(y, codes: list[str]) -> np.ndarray:
    """Label lists (or an already multi-hot matrix) → int8 matrix in ``codes`` order."""
    if isinstance(y, np.ndarray) and y.ndim == 2:
        return y.astype(np.int8)
    index = {c: i for i, c in enumerate(codes)}
    out = np.zeros((len(y), len(codes)), dtype=np.int8)
    for r, labels in enumerate(y):
        for c in labels:
            out[r, index[c]] = 1
    return out


def best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The grid threshold with the best F1 (ties → the lower threshold)."""
    best, best_f1 = 0.5, -1.0
    for t in THRESHOLD_GRID:
        pred = p >= t
        tp = np.sum(pred & (y == 1))
        denom = pred.sum() + y.sum()
        f1 = 2 * tp / denom if denom else 0.0
        if f1 > best_f1 + 1e-12:
            best, best_f1 = float(t), f1
    return best


def platt(p: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Slope and intercept of a sigmoid on the logit of ``p`` fitted to ``y`` (Platt scaling)."""
    if y.min() == y.max():
        return 1.0, 0.0
    z = np.log(np.clip(p, 1e-6, 1 - 1e-6) / np.clip(1 - p, 1e-6, 1)).reshape(-1, 1)
    lr = LogisticRegression(C=1e4, solver="lbfgs", max_iter=1000).fit(z, y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


class DomainTagger(PooledPrediction, BaseEstimator, ClassifierMixin):
    """Multi-label work-domain tagger.

    Parameters:
        head: the classifier each domain's head is cloned from (any scikit-learn binary
            classifier; ``sample_weight`` support is needed with ``sentence_instances``). None:
            ``LogisticRegression(C=C, class_weight="balanced", solver="liblinear")``. Linear heads
            (``coef_``/``intercept_``) take the compiled prediction path and get the
            naive-Bayes weighting (``nb_alpha``); other heads are scored on feature matrices and
            saved with skops (``pip install skops``).
        C: inverse regularisation of the default logistic-regression head.
        word_ngrams, char_ngrams, min_df, cues: feature settings (see ``nlp.features.units.UnitFeatures``).
            Character n-grams are off by default: on 3,805 labels they changed cross-validated
            macro-F1 by -0.0004 (core four) and +0.002 (all ten) and cost 1.4x tagging time. With
            the in-genre heads (both head sets reading them; 5-fold out-of-fold scores by document,
            shipped settings, 2026-12-05): in-genre paragraphs micro-F1 0.8924 -> 0.8881, macro-F1
            (10+) 0.8544 -> 0.8427, work reports macro 0.9458 -> 0.9470: still off.
        threshold_folds: folds for out-of-fold threshold selection (0 → all thresholds 0.5). Ten:
            the thresholds and calibration then come from heads trained on 90% of the data,
            closer to the final model than with 5 (80%). Cross-validated macro-F1 on the project's
            4,625 work-report-era labels, core four, 5 → 10 folds: 0.9696 → 0.9700 (outer folds of
            seed 0) and 0.9693 → 0.9705 (seed 1); training takes about 1.7x as long.
        sentence_pooling: also score each sentence of a unit and keep, per domain, the highest
            of the unit's and its sentences' probabilities. Long units mix domains and "one
            clause is enough" for a label, but TF-IDF normalisation dilutes a single clause in
            a long paragraph; a sentence-level score does not.
        sentence_instances: with sentence pooling, each domain's head also learns from
            sentences (multi-instance): every sentence of a unit without the domain is a
            negative ("one clause is enough", so none of them may carry it), and the
            highest-scoring sentence of each unit with the domain (under a first fit on units)
            is a positive, weighted ``sentence_weight``. The pooled sentence scores then come
            from a head that has seen sentences, e.g. the stock pledge alone as a negative.
            ``sentence_weight`` 2 (out-of-fold, 5 folds by document, work-report units): micro
            0.9496 -> 0.9512, all ten macro 0.9443 -> 0.9463, core four 0.9685 -> 0.9696, against
            1; 0.5 gave 0.9489 / 0.9436. In-genre units take no sentence pooling: unchanged.
            Measured on 4,625 labels (5-fold CV by document): macro-F1 core four 0.962 ->
            0.966, all ten 0.924 -> 0.934; training takes about 2.5x longer.
        convention_cues: count the labeling conventions' cue phrases
            (``nlp/data/convention_cues.yaml``) with the taxonomy cues of their domain.
        word_vectors: an ``.npz`` of word vectors (``nlp.features.embeddings``) whose mean per unit is
            added as features; None for none. The fitted model keeps the vectors.
        nb_alpha: naive-Bayes-weighted word n-grams (the NBSVM of Wang & Manning, 2012): each
            domain's head sees its word n-gram columns scaled by ``|log(p / q)|``, where p and
            q are the columns' normalised feature mass in the domain's positive and negative
            training rows, each smoothed by ``nb_alpha``; other columns unscaled. The L2 penalty
            then favours n-grams that separate the domain. The scale is folded into the fitted
            coefficients, so prediction (and its cost) is unchanged. None: off. Measured on
            4,625 labels (5-fold CV by document): macro-F1 core four 0.966 -> 0.968, all ten
            0.934 -> 0.943 (nb_alpha 0.5; 1.0 gave 0.968 / 0.941).
        lead, context: document-aware features (``UnitFeatures``): the unit's first sentence in
            columns of its own, and its heading path, section role, heading flag and genre.
            ``lead`` stays off: with the in-genre heads (the only ones that read it) and the topic
            line in place it lowered in-genre out-of-fold scores (5 folds by document, paragraphs
            micro-F1 0.8926 -> 0.8856, macro-F1 (10+) 0.8540 -> 0.8426; work reports unchanged):
            n-grams of about 1,000 first sentences overfit where the topic line's cue counts do not.
        pool_genres: the genres whose units take sentence pooling (None: all). The work-report
            labels follow "one clause is enough"; in a 法治政府建设 report every paragraph mentions
            执法 or 普法 somewhere, and a unit is labeled with what it is about, so its passing
            mentions must not become labels through a sentence's score. Units of other genres
            are scored as wholes, and their sentences are not multi-instance examples.
        genre_weight: sample weight of the in-genre (``fazhi_report``) units in training.
        genre_thresholds: calibrate and choose thresholds per genre (out of fold), for each genre
            with at least 100 training units; other units use the overall ones.
        genre_heads: a head set of the in-genre units' own (all features, in-genre units weighted
            ``genre_weight``) beside the default heads, which then read only the context-free
            blocks and weight every unit alike: what suits 法治政府建设 reports never costs the
            work-report tagging (its heads are the context-free model's).
        document_pooling: read units of whole documents in their document (``nlp.tagger.document``:
            a paragraph takes its items' scores, a body unit its heading's) for units that do not
            take sentence pooling; thresholds are chosen on the pooled out-of-fold scores.
        genre_C: the in-genre heads' own ``C`` (None: ``C``). About 1,000 in-genre units against
            ~4,600 of work reports: the in-genre heads take stronger regularization than the
            work-report heads need (in-genre CV, 5 folds by document: C 2 for both head sets
            raised in-genre paragraphs' micro-F1 0.868 -> 0.872 and macro-F1 0.825 -> 0.836 but
            cost work reports 0.950 -> 0.948, hence a C of their own: with ``genre_C`` 2 the shipped
            model's card has in-genre paragraphs 0.872 / 0.836 and work reports unchanged). With
            ``genre_adaptation`` a weight learned twice (shared and in-genre copies) costs half the
            penalty, and the best ``genre_C`` moved: in-genre paragraphs out of fold (5 folds by
            document, shipped settings), genre_C 2 -> 4 -> 8, fold seed 0: micro-F1 0.8999 -> 0.9035
            -> 0.9016, macro-F1 (10+) 0.8587 -> 0.8589 -> 0.8526; fold seed 1: 0.8977 -> 0.9012 ->
            0.9019, 0.8611 -> 0.8579 -> 0.8559; hence 4 (micro up on both splits, macro level).
        relative_floor: for units that do not take sentence pooling (法治政府建设 reports), a domain
            is kept only when its probability is at least this share of the unit's highest: a
            unit is labeled with what it is about, and a second domain only when it is developed
            as much (taxonomy rule 2; labeling brief rule 1), not a passing mention that clears
            its threshold. None: off. Chosen by in-genre cross-validation (5-fold by document,
            each fold's value chosen on the other folds' out-of-fold scores: 0.7 or 0.8; in-genre
            paragraphs micro-F1 0.856 -> 0.864); work-report units are never affected.
        no_domain_roles: section roles whose units read as wholes (法治政府建设 reports) get no domain
            at all: ``front_matter`` is the title, issuing body, dates and the page's furniture
            (labeling brief rule 10), where a site's menu ("政务公开 政务服务 互动交流") otherwise
            reads as administrative reform. None: off. In-genre out-of-fold scores (5 folds by
            document): 181 front-matter units, 0 labeled, 3 tagged; paragraphs micro-F1 0.8716 ->
            0.8740, macro-F1 (10+) 0.8358 -> 0.8377.
        topic_line: cue counts of the unit's own topic line — its text when it is a heading, its
            opening clause when it is a numbered paragraph ("（一）加强组织领导，…") — in columns of
            their own (``nlp.features.topic_line``; phrases in ``nlp/data/topic_cues.yaml``), read by
            the in-genre heads only: what a unit is about is said there (brief rule 1), and the
            same word in a body is often a passing mention. In-genre out-of-fold scores (5 folds by
            document, shipped settings): paragraphs micro-F1 0.8740 -> 0.8827, macro-F1 (10+)
            0.8377 -> 0.8392; work reports unchanged (micro 0.9496, core four 0.9685, all ten 0.9443).
        fallback_floor, fallback_roles: a unit read as a whole (法治政府建设 reports), not a heading,
            in a section role of ``fallback_roles`` (the account of the year's results), that no
            domain reaches takes its highest domain when that domain's probability is at least
            ``fallback_floor``: in that part of a report every body paragraph is about some work,
            while headings and preambles often are about none. None: off. In-genre out-of-fold
            scores (5 folds by document, shipped settings; the floor chosen for each fold on the
            other four folds' scores: 0.15 or 0.2): paragraphs micro-F1 0.8827 -> 0.8885,
            macro-F1 (10+) 0.8392 -> 0.8447; work reports never affected.
        topic_floor: a unit read as a whole (法治政府建设 reports) keeps every domain its own topic
            line names (``topic_line``'s phrases in its heading text or numbered opening clause:
            "（三）加大宣传力度，…", "一是加快公证体制改革…") when that domain's probability is at least
            ``topic_floor``, whatever its threshold and the relative floor: the report says there
            what the unit is about (brief rule 1), and with about 1,000 in-genre labels a named
            domain often misses its threshold beside a higher one. Needs ``topic_line``. None: off.
            In-genre out-of-fold scores (5 folds by document, shipped settings): paragraphs micro-F1
            0.8893 -> 0.8926, macro-F1 (10+) 0.8449 -> 0.8540 (units 0.8869 -> 0.8896, 0.8556 ->
            0.8646); every floor from 0.05 to 0.3 scores above none on both, but the floor chosen
            for each fold on the other four folds' scores varies (0.1, 0.3, 0.1, 0.25, 0.3) and
            that nested estimate is 0.8895 / 0.8494: a small gain, mostly the rarer domains'
            recall. Work reports never affected.
        cue_coverage: with ``topic_line``, the in-genre heads also read how much of a unit names each
            domain: the share of its sentences that do, and the domain's share of its phrase matches
            (``nlp.features.topic_line``): a developed topic against a passing mention (taxonomy
            rule 2). In-genre out-of-fold scores (5 folds by document, shipped settings, fold seeds
            0 and 1): paragraphs micro-F1 0.8924 -> 0.8936 and 0.8910 -> 0.8942, macro-F1 (10+)
            0.8544 -> 0.8559 and 0.8380 -> 0.8590; work reports unchanged.
        genre_adaptation: the in-genre heads learn every column twice, once shared by both genres and
            once for 法治政府建设 units alone (zero in work-report rows), and are then folded into one
            head (shared + in-genre weights), so prediction and its cost are unchanged (the
            feature augmentation of Daumé, 2007, "Frustratingly easy domain adaptation"). The
            in-genre copy lets a word mean something else in the users' genre — 执法 or 普法 in
            a rule-of-law report's body is a passing mention far more often than in a work report —
            while the shared copy keeps what ~4,600 work-report labels teach; the regularization
            decides how far each genre departs from the shared weights. Only with the in-genre
            units scored whole (``pool_genres`` without their genre); the work-report heads are never
            affected. In-genre out-of-fold scores (5 folds by document, shipped settings, fold seed 0):
            paragraphs micro-F1 0.8936 -> 0.8967, macro-F1 (10+) 0.8559 -> 0.8591 (enforcement_supervision
            0.814 -> 0.864, legal_publicity 0.777 -> 0.841); with the leadership topic phrases added the
            same day, fold seeds 0 and 1: 0.8936 -> 0.8999 and 0.8942 -> 0.8977 micro, 0.8559 -> 0.8587
            and 0.8590 -> 0.8611 macro; work reports unchanged.
        topic_vectors: with ``word_vectors`` and ``topic_line``, the in-genre heads also read the mean
            word vector of the unit's topic line and of its nearest heading
            (``nlp.features.topic_vectors``): short lines such as "（五）司法惠民服务更深" name no cue. Off:
            in-genre out-of-fold scores (5 folds by document, shipped settings, 2026-12-06), paragraphs
            micro-F1 / macro-F1 (10+), fold seed 0: 0.9035 / 0.8589 -> 0.8952 / 0.8690, fold seed 1:
            0.9012 / 0.8579 -> 0.8932 / 0.8589 — the rarer domains gained (mediation, reconsideration,
            public legal services), the two largest lost (leadership_accountability 0.930 -> 0.918,
            administrative_reform 0.940 -> 0.911, seed 0); work reports unchanged.
        random_state: seeds fold shuffling and the solver.
        taxonomy_path: a taxonomy YAML (None → the packaged one).

    ``X`` is a list of texts (context unknown) or a table of units with a ``text`` column and any of
    ``section``, ``role``, ``is_heading``, ``genre`` (``nlp.features.units.as_units``).
    """

    def __init__(self, head=None, C: float = 8.0, word_ngrams: tuple[int, int] = (1, 2),
                 char_ngrams: tuple[int, int] | None = None, min_df: int = 2, cues: bool = True,
                 threshold_folds: int = 10, random_state: int = 0, taxonomy_path: str | None = None,
                 sentence_pooling: bool = True, word_vectors: str | None = None,
                 convention_cues: bool = True, sentence_instances: bool = True,
                 sentence_weight: float = 2.0, nb_alpha: float | None = 0.5, lead: bool = False,
                 context: bool = True, pool_genres: tuple[str, ...] | None = WORK_REPORT_POOLING,
                 genre_weight: float = 8.0, genre_thresholds: bool = True, genre_heads: bool = True,
                 document_pooling: bool = True, relative_floor: float | None = 0.7,
                 genre_C: float | None = 4.0, no_domain_roles: tuple[str, ...] | None = ("front_matter",),
                 topic_line: bool = True, fallback_floor: float | None = 0.2,
                 fallback_roles: tuple[str, ...] | None = ("achievements",),
                 topic_floor: float | None = 0.1, cue_coverage: bool = True,
                 genre_adaptation: bool = True, topic_vectors: bool = False) -> None:
        self.head = head
        self.C = C
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.cues = cues
        self.threshold_folds = threshold_folds
        self.random_state = random_state
        self.taxonomy_path = taxonomy_path
        self.sentence_pooling = sentence_pooling
        self.word_vectors = word_vectors
        self.convention_cues = convention_cues
        self.sentence_instances = sentence_instances
        self.sentence_weight = sentence_weight
        self.nb_alpha = nb_alpha
        self.lead = lead
        self.context = context
        self.pool_genres = pool_genres
        self.genre_weight = genre_weight
        self.genre_thresholds = genre_thresholds
        self.genre_heads = genre_heads
        self.document_pooling = document_pooling
        self.relative_floor = relative_floor
        self.genre_C = genre_C
        self.no_domain_roles = no_domain_roles
        self.topic_line = topic_line
        self.fallback_floor = fallback_floor
        self.fallback_roles = fallback_roles
        self.topic_floor = topic_floor
        self.cue_coverage = cue_coverage
        self.genre_adaptation = genre_adaptation
        self.topic_vectors = topic_vectors

    def _base(self, C: float | None = None):
        if self.head is not None:
            return self.head
        return LogisticRegression(C=C or self.C, class_weight="balanced", solver="liblinear", max_iter=1000,
                                  random_state=self.random_state)

    def _fit_heads(self, Xf, Y: np.ndarray, sent=None, rows: np.ndarray | None = None,
                   weight: np.ndarray | None = None, C: float | None = None) -> list:
        """One head per domain on units ``Xf`` (rows ``rows`` of the set ``sent`` describes),
        weighted ``weight`` (None: equally), with inverse regularization ``C`` (None: ``self.C``)."""
        heads = []
        for j in range(Y.shape[1]):
            if Y[:, j].min() == Y[:, j].max():  # a domain absent (or everywhere) in this data
                heads.append(float(Y[0, j]) if len(Y) else 0.0)
            else:
                heads.append(self._fit_head(Xf, Y[:, j], weight, C))
        if self.sentence_instances and sent is not None and sent[0] is not None:
            Xs, own = self._sentences_of(sent, np.arange(Xf.shape[0]) if rows is None else rows)
            heads = [h if is_constant(h) else self._refit_with_sentences(h, Xf, Y[:, j], Xs, own, weight, C)
                     for j, h in enumerate(heads)]
        return heads

    def _fit_head(self, X, y: np.ndarray, sample_weight: np.ndarray | None = None, C: float | None = None):
        scale = None if self.nb_alpha is None else self._nb_scale(X, y, sample_weight)
        weight = {} if sample_weight is None else {"sample_weight": sample_weight}
        head = clone(self._base(C)).fit(X if scale is None else X @ sparse.diags(scale), y, **weight)
        if not is_linear(head):  # the weighting folds into linear heads only: refit on the columns
            return head if scale is None else clone(self._base(C)).fit(X, y, **weight)
        if scale is not None:  # a linear head on scaled columns is a linear head on the columns
            head.coef_ = head.coef_ * scale
        # stored as float32 in model files: round now so a loaded model predicts identically
        head.coef_ = head.coef_.astype(np.float32).astype(np.float64)
        return head

    def _nb_scale(self, X, y: np.ndarray, sample_weight: np.ndarray | None) -> np.ndarray:
        """Per-column scale of one domain's head (see ``nb_alpha``): word n-gram columns only."""
        names = [name for name, _ in self.features_.parts_]
        offsets = np.cumsum([0] + [part._n_features_out for _, part in self.features_.parts_])
        if X.shape[1] == 2 * offsets[-1]:  # genre adaptation's two copies of the columns: one scale for both
            return np.tile(self._nb_scale(sparse.csr_matrix(X)[:, : offsets[-1]], y, sample_weight), 2)
        start, stop = offsets[names.index("word")], offsets[names.index("word") + 1]
        weight = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        words = sparse.csr_matrix(X)[:, start:stop]
        pos = self.nb_alpha + np.asarray(words[y == 1].T @ weight[y == 1]).ravel()
        neg = self.nb_alpha + np.asarray(words[y == 0].T @ weight[y == 0]).ravel()
        scale = np.ones(X.shape[1])
        scale[start:stop] = np.abs(np.log((pos / pos.sum()) / (neg / neg.sum())))
        return scale

    @staticmethod
    def _sentences_of(sent, rows: np.ndarray):
        """Sentence rows of units ``rows`` (those that pool) and each one's unit as a position in ``rows``."""
        feats, owner, n, pools = sent
        pos = np.full(n, -1)
        pos[rows] = np.arange(len(rows))
        local = np.where(pools[owner], pos[owner], -1)
        keep = np.flatnonzero(local >= 0)
        return feats[keep], local[keep]

    def _refit_with_sentences(self, head, Xu, y: np.ndarray, Xs, own: np.ndarray, unit_weight: np.ndarray | None,
                              C: float | None = None):
        """The multi-instance refit of one domain's head (see ``sentence_instances``)."""
        ys = y[own]
        neg = np.flatnonzero(ys == 0)
        pos = np.flatnonzero(ys == 1)
        score = (np.asarray(Xs[pos] @ head.coef_.ravel()).ravel() if is_linear(head)
                 else head_proba(head, Xs[pos]))
        order = pos[np.lexsort((-score, own[pos]))]  # by unit, best sentence first
        witness = order[np.r_[True, own[order][1:] != own[order][:-1]]] if len(order) else order
        X = sparse.vstack([Xu, Xs[neg], Xs[witness]], format="csr")
        target = np.concatenate([y, np.zeros(len(neg), dtype=y.dtype), np.ones(len(witness), dtype=y.dtype)])
        units = np.ones(Xu.shape[0]) if unit_weight is None else unit_weight
        weight = np.concatenate([units, np.full(len(neg) + len(witness), self.sentence_weight)])
        return self._fit_head(X, target, weight, C)

    def _features(self, X, genres: list[str] | None = None):
        """Unit features and, with sentence pooling, ``(sentence features, owner unit, n units,
        whether each unit pools)``."""
        if genres is None:
            X = materialize(X)
            genres = as_units(X)[1].genre
        xu, xs, owner = self.features_.transform_with_sentences(X, sentences=self.sentence_pooling)
        return xu, ((xs, owner, xu.shape[0], self._pools(genres)) if self.sentence_pooling else None)

    def _pooled(self, heads: list, Xf, sent, rows: np.ndarray | None = None) -> np.ndarray:
        """Unit probabilities, max-pooled with sentence probabilities when enabled.

        ``rows`` selects units (by index into the full set ``sent`` was built for).
        """
        p = self._proba(heads, Xf)
        if not self.sentence_pooling or sent is None or sent[0] is None:
            return p
        feats, owner, n, pools = sent
        pos = np.arange(n) if rows is None else np.full(n, -1)
        if rows is not None:
            pos[rows] = np.arange(len(rows))
        local = np.where(pools[owner], pos[owner], -1)
        mask = local >= 0
        local = local[mask]
        if mask.any():
            ps = self._proba(heads, feats[np.flatnonzero(mask)])
            np.maximum.at(p, local, ps)
        return p

    def _fit_sets(self, Xf, Y: np.ndarray, sent, rows: np.ndarray | None, in_genre: np.ndarray) -> dict[str, list]:
        """The head sets: ``""`` (every genre; with ``genre_heads`` only the work-report
        features: the lead and context columns zeroed, so those heads are the context-free
        model) and, with ``genre_heads``, ``fazhi_report`` heads (all features, in-genre units
        weighted ``genre_weight``; trained on units only, as their units are scored whole, when
        ``pool_genres`` leaves the genre out). Without ``genre_heads`` one set, in-genre units
        weighted ``genre_weight``."""
        weight = np.where(in_genre, float(self.genre_weight), 1.0) if self.genre_weight != 1.0 else None
        if not self.genre_heads or not in_genre.any():
            return {"": self._fit_heads(Xf, Y, sent, rows, weight)}
        keep = sparse.diags(self._plain_columns())
        plain_sent = None if sent is None else (sent[0] @ keep, *sent[1:])
        own_sent = sent if self.pool_genres is None or IN_GENRE in self.pool_genres else None
        own = (self._fit_adapted_heads(Xf, Y, rows, weight, in_genre) if self.genre_adaptation and own_sent is None
               else self._fit_heads(Xf, Y, own_sent, rows, weight, self.genre_C))
        return {"": self._fit_heads(Xf @ keep, Y, plain_sent, rows), IN_GENRE: own}

    def _fit_adapted_heads(self, Xf, Y: np.ndarray, rows: np.ndarray | None, weight: np.ndarray | None,
                           in_genre: np.ndarray) -> list:
        """The in-genre heads with ``genre_adaptation``: fitted on every column twice, a shared copy
        (all units) and an in-genre copy (zero for work-report units), then folded into one head
        (shared + in-genre weights: what an in-genre unit's score is), so prediction is unchanged."""
        d = Xf.shape[1]
        both = sparse.hstack([Xf, sparse.diags(in_genre.astype(np.float64)) @ Xf], format="csr")
        heads = self._fit_heads(both, Y, None, rows, weight, self.genre_C)
        for j, head in enumerate(heads):
            if is_linear(head):  # rounded as _fit_head rounds, so a loaded model predicts identically
                head.coef_ = (head.coef_[:, :d] + head.coef_[:, d:]).astype(np.float32).astype(np.float64)
                head.n_features_in_ = d
            elif not is_constant(head):  # a non-linear head cannot be folded: fitted on the columns once
                heads[j] = self._fit_head(Xf, Y[:, j], weight, self.genre_C)
        return heads

    def _plain_columns(self) -> np.ndarray:
        """1 for the columns of the context-free blocks, 0 for the lead and context blocks."""
        return np.concatenate([np.full(part._n_features_out, 0.0 if name in (*LEAD_PARTS, *CONTEXT_PARTS) else 1.0)
                               for name, part in self.features_.parts_])

    def fit(self, X, y, groups=None):
        """Fit on units ``X`` (texts, or a table with context; see the class docstring) and label
        lists (or a multi-hot matrix) ``y``."""
        tax = load_taxonomy(self.taxonomy_path)
        self.classes_ = np.array(tax.codes)
        self.taxonomy_version_ = tax.version
        X = materialize(X)
        texts, ctx = as_units(X)
        Y = to_matrix(y, tax.codes)
        self.features_ = UnitFeatures(self.word_ngrams, self.char_ngrams, self.min_df, self.cues,
                                      word_vectors=self.word_vectors, convention_cues=self.convention_cues,
                                      lead=self.lead, context=self.context,
                                      topic_line=self.topic_line, cue_coverage=self.cue_coverage,
                                      topic_vectors=self.topic_vectors).fit(X)
        Xf, sent = self._features(X, ctx.genre)
        in_genre = np.array([g == IN_GENRE for g in ctx.genre], dtype=bool)
        sets = self._fit_sets(Xf, Y, sent, None, in_genre)
        self.estimators_ = sets[""]
        self.stack_ = stack_heads(self.estimators_)
        self.genre_estimators_ = {g: h for g, h in sets.items() if g}
        self.genre_stacks_ = {g: stack_heads(h) for g, h in self.genre_estimators_.items()}
        self.thresholds_ = np.full(len(self.classes_), 0.5)
        self.calibration_ = None
        self.genre_calibration_ = {}
        self.genre_thresholds_ = {}
        if self.threshold_folds and len(texts) >= 2 * self.threshold_folds:
            oof = np.zeros(Y.shape, dtype=np.float64)
            if groups is not None and len(set(groups)) >= self.threshold_folds:
                splits = GroupKFold(self.threshold_folds, shuffle=True, random_state=self.random_state).split(
                    Xf, groups=np.asarray(groups))
            else:
                splits = KFold(self.threshold_folds, shuffle=True, random_state=self.random_state).split(Xf)
            for tr, te in splits:
                fold = self._fit_sets(Xf[tr], Y[tr], sent, tr, in_genre[tr])
                oof[te] = self._pooled(fold[""], Xf[te], sent, te)
                if IN_GENRE in fold and in_genre[te].any():
                    own = te[in_genre[te]]
                    oof[own] = self._pooled(fold[IN_GENRE], Xf[own], sent, own)
            self.calibration_ = np.array([platt(oof[:, j], Y[:, j]) for j in range(Y.shape[1])])
            genres = np.asarray(ctx.genre, dtype=object)
            own = [g for g in sorted(set(ctx.genre) - {""}) if (genres == g).sum() >= MIN_GENRE_UNITS]
            if self.genre_thresholds:
                for g in own:
                    rows = np.flatnonzero(genres == g)
                    self.genre_calibration_[g] = np.array([platt(oof[rows, j], Y[rows, j])
                                                           for j in range(Y.shape[1])])
            cal = self.pool_documents(self._calibrate(oof, ctx.genre), X, ctx.genre)
            self.thresholds_ = np.array([best_threshold(Y[:, j], cal[:, j]) for j in range(Y.shape[1])])
            self.oof_brier_ = {"raw": float(np.mean((oof - Y) ** 2)), "calibrated": float(np.mean((cal - Y) ** 2))}
            if self.genre_thresholds:
                for g in own:
                    rows = np.flatnonzero(genres == g)
                    self.genre_thresholds_[g] = np.array([best_threshold(Y[rows, j], cal[rows, j])
                                                          for j in range(Y.shape[1])])
        return self

    def explain(self, unit, top: int = 6, domains: list[str] | None = None) -> dict[str, dict]:
        """Why ``unit`` (a text, or a unit row with its context: a dict, or a row or one-row table of
        ``tag_frame``'s output) got each label, in its own words.

        Per domain (by default the ones it is tagged with), from the heads that label the unit (its
        genre's own when it has them): ``score`` (its probability); ``fallback``, True when the
        label comes from ``fallback_floor`` (a results paragraph no domain's threshold reached);
        ``topic_named``, True when it comes from ``topic_floor`` (its topic line names the domain);
        ``sentence``, the part the score came from (with sentence pooling the highest-scoring
        sentence, else the whole unit); ``heading``, the heading path when the unit's context
        raised the score, with how much; ``lead``, the unit's opening clause when it did;
        ``topic``, its own heading or numbered opening clause (``nlp.features.topic_line``) when
        that raised it;
        ``cues``, the taxonomy and convention cue phrases of that domain found in the text; and
        ``terms``, the word n-grams that raised the score most; ``blocks``, each feature block's
        total contribution to the decision value (word n-grams, cue counts, word vectors, lead,
        context: opaque columns such as word-vector dimensions are only summed here). A head
        without per-feature weights (a non-linear head) gives the sentence, cues and score only.
        """
        if hasattr(unit, "iloc"):  # a table's row (``tagged.iloc[i]``) or a table: its (first) row's fields
            unit = (unit.iloc[0] if getattr(unit, "ndim", 1) == 2 else unit).to_dict()
        X = [unit] if isinstance(unit, (str, dict)) else list(unit)[:1]
        texts, ctx = as_units(X)
        text = texts[0]
        xu, xs, _ = self.features_.transform_with_sentences(X, sentences=self.sentence_pooling)
        pools = bool(self._pools(ctx.genre)[0]) and xs is not None and xs.shape[0] > 0
        xf = sparse.vstack([xu, xs], format="csr") if pools else xu
        # the heads that label this unit (prediction's own choice: its genre's heads, which read the
        # heading path and topic line, else the default ones)
        heads = self._head_sets(ctx.genre[:1])[0][0]
        raw = self._proba(heads, xf)
        parts = [(name, part._n_features_out) for name, part in self.features_.parts_]
        names = self.features_.get_feature_names_out()
        sentences = [text] + (segment_batch([text]).sentence_texts if pools else [])
        labels, proba = self.predict_labels(X)
        domains = labels[0] if domains is None else domains
        plain = self._hits(proba, ctx.genre)[0]  # the thresholds' labels (and the relative floor's)
        named = self._hits(proba, ctx.genre, X, fallback=False)[0]  # and the topic line's
        cue_hits = self._cue_phrases(text)
        out = {}
        for code in domains:
            j = list(self.classes_).index(code)
            head = heads[j]
            best = int(np.argmax(raw[:, j]))
            entry = {"score": round(float(proba[0, j]), 4), "fallback": code in labels[0] and not named[j],
                     "topic_named": code in labels[0] and bool(named[j]) and not plain[j],
                     "sentence": sentences[best],
                     "cues": cue_hits.get(code, []), "heading": None, "lead": None, "topic": None, "terms": [],
                     "blocks": {}}
            if is_linear(head):
                contrib = xf[best].multiply(head.coef_.ravel()).tocsr()
                by_part = {name: 0.0 for name, _ in parts}
                for i, v in zip(contrib.indices.tolist(), contrib.data.tolist(), strict=True):
                    by_part[names[i].split("__", 1)[0]] += v
                if by_part.get("ctx", 0.0) > 0 and ctx.section[0]:
                    entry["heading"] = (ctx.section[0], round(by_part["ctx"], 4))
                if by_part.get("topic", 0.0) > 0:
                    heading, opening = topic_line(text, bool(ctx.is_heading[0]), numbered_pattern())
                    entry["topic"] = (heading or opening, round(by_part["topic"], 4))
                if by_part.get("lead", 0.0) > 0:
                    entry["lead"] = (segment_batch([text]).first_sentences_text(0), round(by_part["lead"], 4))
                words = [(i, v) for i, v in zip(contrib.indices.tolist(), contrib.data.tolist(), strict=True)
                         if names[i].startswith("word__") and v > 0]
                entry["terms"] = [(names[i].split("__", 1)[1], round(v, 4))
                                  for i, v in sorted(words, key=lambda t: -t[1])[:top]]
                entry["blocks"] = {k: round(v, 4) for k, v in by_part.items()}
            out[code] = entry
        return out

    def _cue_phrases(self, text: str) -> dict[str, list[str]]:
        """The cue phrases of each domain found in ``text`` (the cue block's own matching)."""
        cues = dict(self.features_.parts_).get("cues")
        if cues is None:
            return {}
        from nlp.spans import code_points

        found: dict[str, list[str]] = {}
        _, words = cues.trie_.matches(code_points(text))
        for w in words.tolist():
            phrase = cues.trie_.words[w]
            for col in cues.cue_domains_[phrase]:
                code = cues.codes_[col]
                if phrase not in found.setdefault(code, []):
                    found[code].append(phrase)
        return found
