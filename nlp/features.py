"""Unit texts → sparse features: word n-gram TF-IDF, character n-gram TF-IDF, domain cues.

Word n-grams carry the domain vocabulary the segmenter knows (user dictionary included);
character n-grams (``nlp.fast_ngrams``, vectorised) catch what segmentation splits or misses
(new coinages, OCR noise); cue
counts give each domain's taxonomy cues (``nlp/data/taxonomy.yaml``) a direct feature.
"""

from __future__ import annotations

import re

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from nlp.fast_ngrams import CharNgramTfidf
from nlp.taxonomy import load_taxonomy
from nlp.tokenize import Tokenizer


class CueCounter(BaseEstimator, TransformerMixin):
    """log(1 + number of a domain's cue words in the text), one column per domain.

    All cues are matched in one pass by a compiled alternation (longest cue first), so a cue
    inside a longer cue (执法监督 in 行政执法监督) counts once, for the longer one.
    """

    def __init__(self, taxonomy_path: str | None = None) -> None:
        self.taxonomy_path = taxonomy_path

    def fit(self, X, y=None):
        tax = load_taxonomy(self.taxonomy_path)
        self.codes_ = tax.codes
        owners: dict[str, list[int]] = {}
        for j, d in enumerate(tax.domains):
            for cue in d.cues:
                owners.setdefault(cue, []).append(j)
        self.cue_domains_ = owners
        self.pattern_ = re.compile("|".join(map(re.escape, sorted(owners, key=len, reverse=True))))
        return self

    def transform(self, X):
        rows, cols, vals = [], [], []
        for i, text in enumerate(X):
            counts = np.zeros(len(self.codes_))
            for cue in self.pattern_.findall(text):
                counts[self.cue_domains_[cue]] += 1
            for j in np.flatnonzero(counts):
                rows.append(i)
                cols.append(j)
                vals.append(np.log1p(counts[j]))
        return sparse.csr_matrix((vals, (rows, cols)), shape=(len(X), len(self.codes_)))

    def get_feature_names_out(self, input_features=None):
        return np.array([f"cue:{c}" for c in self.codes_], dtype=object)


def make_features(word_ngrams: tuple[int, int] = (1, 2), char_ngrams: tuple[int, int] | None = (2, 3),
                  min_df: int = 2, cues: bool = True, max_features: int | None = 200_000,
                  word_vectors: str | None = None) -> FeatureUnion:
    """The default feature union (a scikit-learn transformer)."""
    parts: list[tuple[str, object]] = [
        ("word", TfidfVectorizer(tokenizer=Tokenizer(stopwords=False), token_pattern=None, lowercase=False,
                                 ngram_range=word_ngrams, min_df=min_df, sublinear_tf=True,
                                 max_features=max_features, dtype=np.float32)),
    ]
    if char_ngrams:
        parts.append(("char", CharNgramTfidf(ngram_range=char_ngrams, min_df=min_df, max_features=max_features)))
    if cues:
        parts.append(("cues", CueCounter()))
    if word_vectors:
        from nlp.embeddings import MeanWordVectors

        parts.append(("w2v", MeanWordVectors(word_vectors)))
    return FeatureUnion(parts)
