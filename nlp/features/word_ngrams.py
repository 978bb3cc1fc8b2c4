"""Word n-gram TF-IDF over a ``TokenBatch``: hashed n-grams, vocabulary look-up in C.

Same features as ``TfidfVectorizer(tokenizer=Tokenizer(stopwords=False), ngram_range=...)``
(n-grams over the kept tokens of a unit, min_df, max_features, smoothed idf, sublinear tf,
l2 rows), but an n-gram is a 64-bit hash of its tokens' hashes rather than a Python string,
so a batch costs a few array passes. The vocabulary keeps the n-gram strings too
(``terms_``), for feature names and explanations.
"""

from __future__ import annotations

import numpy as np

from nlp.features._kernels import ngram_columns, tfidf_decision
from nlp.features.tfidf import CodeIndexed, fit_vocabulary, tfidf_rows
from nlp.params import Transformer
from nlp.text.token_batch import TokenBatch, pair_hashes


def ngram_codes(batch: TokenBatch, ngram_range: tuple[int, int]
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Codes, units, first-token positions and sizes of all n-grams within units, and the unit count.

    Sentence-level n-grams are the subset that start and end inside one sentence
    (``WordNgramTfidf.transform``), so only units are enumerated here.
    """
    group, n_rows = batch.doc, batch.n_docs
    lo, hi = ngram_range
    codes, rows, pos, sizes = [], [], [], []
    h = batch.hashes
    valid = np.ones(len(h), dtype=bool)
    for n in range(1, hi + 1):
        if n > 1:
            m = len(h) - 1
            h = pair_hashes(np.ascontiguousarray(h[:m]), np.ascontiguousarray(batch.hashes[n - 1 : n - 1 + m]))
            valid = valid[:m] & (group[n - 1 : n - 1 + m] == group[:m])
        if n >= lo:
            idx = np.flatnonzero(valid)
            codes.append(h[idx])
            rows.append(group[idx])
            pos.append(idx)
            sizes.append(np.full(len(idx), n, dtype=np.int64))
    if not codes:
        empty = np.zeros(0, dtype=np.int64)
        return np.zeros(0, dtype=np.uint64), empty, empty, empty, n_rows
    return (np.concatenate(codes), np.concatenate(rows).astype(np.int64), np.concatenate(pos),
            np.concatenate(sizes), n_rows)


class WordNgramTfidf(CodeIndexed, Transformer):
    """TF-IDF over hashed word n-grams of a ``TokenBatch`` (see the module docstring).

    Learned: ``vocab_codes_`` (sorted uint64 n-gram hashes), ``idf_``, ``terms_`` (the n-gram
    of each column, tokens joined by a space as scikit-learn names them).
    """

    CODE_DTYPE = np.uint64

    def __init__(self, ngram_range: tuple[int, int] = (1, 2), min_df: int = 2, max_features: int | None = None,
                 sublinear_tf: bool = True) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf

    def fit(self, batch: TokenBatch, y=None):
        codes, rows, pos, sizes, n_rows = ngram_codes(batch, tuple(self.ngram_range))
        self.vocab_codes_, self.idf_, first = fit_vocabulary(codes, rows, n_rows, self.min_df, self.max_features)
        self.terms_ = np.array([" ".join(batch.token_text(p + k) for k in range(n))
                                for p, n in zip(pos[first].tolist(), sizes[first].tolist(), strict=True)],
                               dtype=object)
        return self

    def _occurrences(self, batch: TokenBatch, level: str) -> tuple[np.ndarray, np.ndarray, int]:
        """``(rows, columns, n_rows)`` of the batch's n-gram occurrences at ``level``.

        The n-grams are hashed and looked up once per batch, for both levels in one compiled
        pass (``nlp.features._kernels.ngram_columns``, kept in ``batch.memo``): a sentence's n-grams are
        the unit n-grams that start and end inside it.
        """
        key = ("word", id(self))
        if key not in batch.memo:
            index, c = self._index(), np.ascontiguousarray
            lo, hi = self.ngram_range
            batch.memo[key] = ngram_columns(c(batch.hashes), c(batch.doc, dtype=np.int64),
                                            c(batch.sentence, dtype=np.int64), c(batch.sentence_row, dtype=np.int64),
                                            int(lo), int(hi), index.slot_keys, index.slot_values, index.bits)
        unit_rows, unit_cols, sent_rows, sent_cols = batch.memo[key]
        if level == "unit":
            return unit_rows, unit_cols, batch.n_docs
        if level != "sentence":
            raise ValueError(f"unknown level {level!r} (use 'unit' or 'sentence')")
        return sent_rows, sent_cols, len(batch.sentence_owner)

    def transform(self, batch: TokenBatch, level: str = "unit"):
        """TF-IDF rows of the batch's units, or (``level="sentence"``) of its scored sentences."""
        rows, cols, n_rows = self._occurrences(batch, level)
        return tfidf_rows(rows, cols, n_rows, self.idf_, self.sublinear_tf)

    def decision(self, batch: TokenBatch, W: np.ndarray, level: str = "unit") -> np.ndarray:
        """``transform(batch, level) @ W`` (W: this block's rows of the heads' weights), compiled."""
        rows, cols, n_rows = self._occurrences(batch, level)
        c = np.ascontiguousarray
        return tfidf_decision(c(rows), c(cols), n_rows, c(self.idf_, dtype=np.float64), c(W, dtype=np.float64),
                              self.sublinear_tf)

    @property
    def _n_features_out(self) -> int:
        return len(self.idf_)

    def get_feature_names_out(self, input_features=None):
        return np.asarray(self.terms_, dtype=object)
