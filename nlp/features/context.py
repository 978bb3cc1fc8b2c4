"""A unit's place in its document as features: the headings above it, its section role, whether
it is a heading, and the genre of the report it comes from.

Why: in a 法治政府建设 report almost every paragraph names 执法, 复议 or 普法 somewhere, and what
a paragraph is *about* is said by its heading ("（二）深化行政执法监督") and its section
(preamble, problems, plans). These columns let the heads learn that, in their own weights,
apart from the unit's words.

Input: a ``Context`` (columns ``section``, ``role``, ``is_heading``, ``genre``; any may be
missing, e.g. for plain texts, and then reads as unknown). Output columns: word n-gram TF-IDF of
the heading path (segmented once per distinct path: a report has a handful), the domains' cue
counts in the nearest heading and in the whole path (dense, so a heading's domain generalizes
beyond the n-grams seen in training), one-hot role, one-hot genre, and the heading flag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from nlp.features.cues import CueCounter
from nlp.features.word_ngrams import WordNgramTfidf
from nlp.params import Transformer
from nlp.taxonomy import load_taxonomy
from nlp.text.token_batch import segment_batch

GENRES = ("fazhi_report", "gov_work_report")
SECTION_SEP = " > "  # how ingest joins a heading path


def genre_of(doc_type: object) -> str:
    """A document type (``nlp.ingest.meta``) as a tagging genre: a 政府工作报告 is one genre; every
    other report read from a file is taken as the users' genre (法治政府建设 reports, whose
    metadata is often incomplete); unknown stays ''."""
    if not doc_type or not isinstance(doc_type, str):
        return ""
    return "gov_work_report" if doc_type == "gov_work_report" else "fazhi_report"


@dataclass
class Context:
    """Per unit: heading path, section role, heading flag, genre ('' = unknown)."""

    section: list[str]
    role: list[str]
    is_heading: list[bool]
    genre: list[str]

    @classmethod
    def empty(cls, n: int) -> Context:
        return cls([""] * n, [""] * n, [False] * n, [""] * n)

    @classmethod
    def from_columns(cls, columns: dict, n: int) -> Context:
        """From table columns (lists or Series); missing columns and missing values are unknown."""

        def col(name: str, default):
            values = columns.get(name)
            if values is None:
                return [default] * n
            return [default if v is None or (isinstance(v, float) and v != v) else v for v in list(values)]

        return cls([str(v) for v in col("section", "")], [str(v) for v in col("role", "")],
                   [bool(v) for v in col("is_heading", False)], [str(v) for v in col("genre", "")])

    def __len__(self) -> int:
        return len(self.section)

    def take(self, rows: Sequence[int]) -> Context:
        return Context(*([getattr(self, f)[i] for i in rows] for f in ("section", "role", "is_heading", "genre")))


class ContextFeatures(Transformer):
    """[heading-path word n-gram TF-IDF | heading cue counts | path cue counts | role one-hot |
    genre one-hot | is_heading] of each unit.

    Parameters: ``ngram_range``, ``min_df`` of the heading n-grams; ``cues``: the cue-count
    columns (taxonomy and convention cues, ``nlp.features.cues``); ``taxonomy_path`` (its section
    roles). Learned: ``headings_`` (a fitted ``WordNgramTfidf``), ``cues_`` (a ``CueCounter`` or
    None), ``roles_``, ``genres_``.
    """

    def __init__(self, ngram_range: tuple[int, int] = (1, 2), min_df: int = 2, cues: bool = True,
                 taxonomy_path: str | None = None) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.cues = cues
        self.taxonomy_path = taxonomy_path

    def fit(self, X: Context, y=None):
        self.roles_ = list(load_taxonomy(self.taxonomy_path).section_roles)
        self.genres_ = list(GENRES)
        distinct, _ = self._distinct(X.section)
        self.headings_ = WordNgramTfidf(ngram_range=tuple(self.ngram_range), min_df=self.min_df).fit(
            segment_batch(distinct))
        self.cues_ = CueCounter(taxonomy_path=self.taxonomy_path, conventions=True).fit() if self.cues else None
        return self

    @staticmethod
    def _distinct(sections: list[str]) -> tuple[list[str], np.ndarray]:
        index: dict[str, int] = {}
        rows = np.fromiter((index.setdefault(s, len(index)) for s in sections), dtype=np.int64, count=len(sections))
        return list(index), rows

    def transform(self, X: Context):
        n = len(X)
        distinct, rows = self._distinct(X.section)
        heads = self.headings_.transform(segment_batch(distinct))[rows] if distinct else sparse.csr_matrix(
            (0, self.headings_._n_features_out))
        role = self._one_hot(X.role, self.roles_)
        genre = self._one_hot(X.genre, self.genres_)
        flag = sparse.csr_matrix(np.asarray(X.is_heading, dtype=np.float64).reshape(n, 1))
        blocks = [heads]
        if self.cues_ is not None:
            blocks.append(self._cue_counts([s.rsplit(SECTION_SEP, 1)[-1] for s in X.section]))
            blocks.append(self._cue_counts(X.section))
        return sparse.hstack([*blocks, role, genre, flag], format="csr", dtype=np.float32)

    def _cue_counts(self, texts: list[str]) -> sparse.csr_matrix:
        distinct, rows = self._distinct(texts)
        if not distinct:
            return sparse.csr_matrix((0, self.cues_._n_features_out))
        return self.cues_.transform(distinct)[rows]

    @staticmethod
    def _one_hot(values: list[str], names: list[str]) -> sparse.csr_matrix:
        index = {v: i for i, v in enumerate(names)}
        cols = np.fromiter((index.get(v, -1) for v in values), dtype=np.int64, count=len(values))
        rows = np.flatnonzero(cols >= 0)
        return sparse.csr_matrix((np.ones(len(rows)), (rows, cols[rows])), shape=(len(values), len(names)))

    @property
    def _n_features_out(self) -> int:
        cues = 2 * self.cues_._n_features_out if self.cues_ is not None else 0
        return self.headings_._n_features_out + cues + len(self.roles_) + len(self.genres_) + 1

    def get_feature_names_out(self, input_features=None):
        cue_names = [] if self.cues_ is None else [
            *(f"heading_{c}" for c in self.cues_.get_feature_names_out()),
            *(f"path_{c}" for c in self.cues_.get_feature_names_out())]
        return np.array([*(f"heading:{t}" for t in self.headings_.get_feature_names_out()), *cue_names,
                         *(f"role:{r}" for r in self.roles_), *(f"genre:{g}" for g in self.genres_), "is_heading"],
                        dtype=object)

    def to_arrays(self, name: str) -> tuple[dict[str, np.ndarray], dict]:
        arrays, vocabs = self.headings_.to_arrays(f"{name}_headings")
        vocabs[f"{name}__names"] = {"roles": self.roles_, "genres": self.genres_}
        if self.cues_ is not None:
            vocabs.update(self.cues_.to_arrays(f"{name}_cues")[1])
        return arrays, vocabs

    def from_arrays(self, name: str, arrays, vocabs: dict, terms: bool = True):
        self.headings_ = WordNgramTfidf(ngram_range=tuple(self.ngram_range), min_df=self.min_df).from_arrays(
            f"{name}_headings", arrays, vocabs, terms)
        self.roles_ = list(vocabs[f"{name}__names"]["roles"])
        self.genres_ = list(vocabs[f"{name}__names"]["genres"])
        self.cues_ = (CueCounter(taxonomy_path=self.taxonomy_path, conventions=True).from_arrays(
            f"{name}_cues", arrays, vocabs) if f"cues__{name}_cues" in vocabs else None)
        return self
