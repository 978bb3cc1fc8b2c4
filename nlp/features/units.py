"""Unit texts → sparse features: word n-gram TF-IDF, character n-gram TF-IDF, cues, word vectors.

Word n-grams carry the domain vocabulary the segmenter knows (user dictionary included);
character n-grams (``nlp.features.char_ngrams``) catch what segmentation splits or misses (new
coinages, OCR noise); cue counts give each domain's taxonomy cues (``nlp/data/taxonomy.yaml``)
a direct feature; the mean word vector (``nlp.features.embeddings``) carries word similarity.

``UnitFeatures`` segments a batch once (``nlp.text.token_batch``) and feeds the same token stream
to the word n-gram and word-vector blocks, for units and for their sentences (the tagger's
sentence pooling): at corpus scale, segmenting and counting twice was most of tagging time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from nlp.features.char_ngrams import CharNgramTfidf
from nlp.features.context import Context, ContextFeatures, genre_of
from nlp.features.cues import CueCounter
from nlp.features.topic_line import TopicLineCues
from nlp.features.word_ngrams import WordNgramTfidf
from nlp.params import Transformer
from nlp.text.token_batch import TokenBatch, segment_batch

TOKEN_PARTS = ("word", "w2v", "cues")  # blocks that read a TokenBatch (units and sentences)
LEAD_PARTS = ("lead",)  # a word n-gram block over each unit's first sentence (unit level)
CONTEXT_PARTS = ("ctx", "topic", "tvec")  # the unit's place in its document (``nlp.features.context``) and
# what its own heading or numbered opening clause names (``nlp.features.topic_line``) and means
# (``nlp.features.topic_vectors``); unit level
CONTEXT_COLUMNS = ("section", "role", "is_heading", "genre")


@dataclass(frozen=True)
class Units:
    """Units read once: their texts, their context, and what they were read from (a table's
    other columns, e.g. the document structure, stay available)."""

    texts: list[str]
    context: Context
    original: object = None

    def __len__(self) -> int:
        return len(self.texts)


def read_units(X) -> Units:
    """``X`` as ``Units``, read once (every later ``as_units`` of them costs nothing)."""
    if isinstance(X, Units):
        return X
    X = X if hasattr(X, "columns") or isinstance(X, list) else list(X)
    texts, ctx = as_units(X)
    return Units(texts, ctx, X)


def as_units(X) -> tuple[list[str], Context]:
    """Texts and their contexts from what a tagger is given: plain texts (context unknown), a
    DataFrame with a ``text`` column and any of ``CONTEXT_COLUMNS``, a list of such dicts, or
    ``Units``."""
    if isinstance(X, Units):
        return X.texts, X.context
    if hasattr(X, "columns"):  # a DataFrame
        texts = [t if isinstance(t, str) else "" for t in X["text"].tolist()]
        columns = {c: X[c] for c in CONTEXT_COLUMNS if c in X.columns}
        if "genre" not in columns and "doc_type" in X.columns:
            columns["genre"] = [genre_of(v) for v in X["doc_type"].tolist()]
        return texts, Context.from_columns(columns, len(texts))
    rows = list(X)
    if rows and isinstance(rows[0], dict):
        texts = [str(r.get("text") or "") for r in rows]
        columns = {c: [r.get(c) for r in rows] for c in CONTEXT_COLUMNS}
        columns["genre"] = [r.get("genre") or genre_of(r.get("doc_type")) for r in rows]
        return texts, Context.from_columns(columns, len(rows))
    return [t if isinstance(t, str) else "" for t in rows], Context.empty(len(rows))


class UnitFeatures(Transformer):
    """units → [word n-gram TF-IDF | char n-gram TF-IDF | cue counts | mean word vector |
    lead-clause n-grams | context].

    Parameters: ``word_ngrams``; ``char_ngrams`` (None: no character block); ``min_df`` and
    ``max_features`` for the TF-IDF blocks; ``cues`` and ``convention_cues`` (see
    ``CueCounter``); ``word_vectors`` (path of an ``.npz`` from ``nlp.features.embeddings``, None: no
    vector block); ``lead``: word n-grams of the unit's first sentence in columns of their own
    (what a report's paragraph is about is said first: "一是落实第一责任人责任。…");
    ``context``: the heading path, section role, heading flag and genre
    (``nlp.features.context``); ``topic_line``: cue counts of the unit's own heading or numbered
    opening clause (``nlp.features.topic_line``), and with ``cue_coverage`` how much of the unit
    names each domain; ``topic_vectors``: the mean word vector of that topic line and of the nearest
    heading (``nlp.features.topic_vectors``; needs ``word_vectors``). A unit's sentences share its lead
    and context columns. Learned:
    ``parts_``, a list of ``(name, fitted transformer)`` in column order. Input: see ``as_units``.
    """

    def __init__(self, word_ngrams: tuple[int, int] = (1, 2), char_ngrams: tuple[int, int] | None = (2, 3),
                 min_df: int = 2, cues: bool = True, max_features: int | None = 200_000,
                 word_vectors: str | None = None, convention_cues: bool = False, lead: bool = False,
                 context: bool = False, topic_line: bool = False, cue_coverage: bool = False,
                 topic_vectors: bool = False) -> None:
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.cues = cues
        self.max_features = max_features
        self.word_vectors = word_vectors
        self.convention_cues = convention_cues
        self.lead = lead
        self.context = context
        self.topic_line = topic_line
        self.cue_coverage = cue_coverage
        self.topic_vectors = topic_vectors

    def unfitted_parts(self) -> list[tuple[str, object]]:
        parts: list[tuple[str, object]] = [
            ("word", WordNgramTfidf(ngram_range=self.word_ngrams, min_df=self.min_df, max_features=self.max_features))]
        if self.char_ngrams:
            parts.append(("char", CharNgramTfidf(ngram_range=self.char_ngrams, min_df=self.min_df,
                                                 max_features=self.max_features)))
        if self.cues:
            parts.append(("cues", CueCounter(conventions=self.convention_cues)))
        if self.word_vectors:
            from nlp.features.embeddings import MeanWordVectors

            parts.append(("w2v", MeanWordVectors(self.word_vectors)))
        if self.lead:
            parts.append(("lead", WordNgramTfidf(ngram_range=self.word_ngrams, min_df=self.min_df,
                                                 max_features=self.max_features)))
        if self.context:
            parts.append(("ctx", ContextFeatures(min_df=self.min_df)))
        if self.topic_line:
            parts.append(("topic", TopicLineCues(coverage=self.cue_coverage)))
        if self.topic_vectors and self.word_vectors:
            from nlp.features.topic_vectors import TopicLineVectors

            parts.append(("tvec", TopicLineVectors()))
        return parts

    @staticmethod
    def _link(parts: list[tuple[str, object]]) -> list[tuple[str, object]]:
        """Hand the fitted word-vector block to the topic-line vectors, which share it."""
        blocks = dict(parts)
        if "tvec" in blocks:
            blocks["tvec"].use(blocks["w2v"])
        return parts

    def to_arrays(self) -> tuple[dict[str, np.ndarray], dict]:
        """Every block's fitted state (each block saves itself: ``to_arrays``/``from_arrays``)."""
        arrays: dict[str, np.ndarray] = {}
        vocabs: dict = {}
        for name, part in self.parts_:
            a, v = part.to_arrays(name)
            arrays.update(a)
            vocabs.update(v)
        return arrays, vocabs

    def from_arrays(self, arrays, vocabs: dict, terms: bool = True):
        """Restore the blocks ``to_arrays`` saved, in column order."""
        self.parts_ = self._link([(name, part.from_arrays(name, arrays, vocabs, terms))
                                  for name, part in self.unfitted_parts()])
        return self

    @staticmethod
    def _input(name: str, batch: TokenBatch, texts: list[str], ctx: Context):
        if name in TOKEN_PARTS:
            return batch
        if name in LEAD_PARTS:
            return batch.first_sentences()
        if name in ("topic", "tvec"):
            return texts, ctx
        if name in CONTEXT_PARTS:
            return ctx
        return texts

    def fit(self, X, y=None):
        texts, ctx = as_units(X)
        batch = segment_batch(texts)
        self.parts_ = self._link([(name, part.fit(self._input(name, batch, texts, ctx)))
                                  for name, part in self.unfitted_parts()])
        return self

    def transform(self, X):
        return self.transform_with_sentences(X, sentences=False)[0]

    def transform_with_sentences(self, X, sentences: bool = True
                                 ) -> tuple[sparse.csr_matrix, sparse.csr_matrix | None, np.ndarray]:
        """Unit rows, sentence rows (units of 2+ sentences of 8+ characters) and each sentence's unit."""
        texts, ctx = as_units(X)
        batch: TokenBatch = segment_batch(texts)
        text_parts = sentences and any(name not in (*TOKEN_PARTS, *LEAD_PARTS, *CONTEXT_PARTS)
                                       for name, _ in self.parts_)
        sent_texts = batch.sentence_texts if text_parts else []
        n, owner = len(texts), batch.sentence_owner
        units, sents = [], []
        for name, part in self.parts_:
            if name in TOKEN_PARTS:
                units.append(part.transform(batch))
                if sentences:
                    sents.append(part.transform(batch, level="sentence"))
            elif name in LEAD_PARTS or name in CONTEXT_PARTS:
                rows = sparse.csr_matrix(part.transform(self._input(name, batch, texts, ctx)))
                units.append(rows)
                if sentences:
                    sents.append(rows[owner])
            else:
                both = part.transform(texts + sent_texts).tocsr()
                units.append(both[:n])
                sents.append(both[n:])
        xu = sparse.hstack(units, format="csr", dtype=np.float32)
        xs = sparse.hstack(sents, format="csr", dtype=np.float32) if sentences else None
        return xu, xs, owner

    def decision_with_sentences(self, X, W: np.ndarray, sentences: bool = True
                                ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """``X_units @ W`` and ``X_sentences @ W`` of ``transform_with_sentences``, and the owners.

        ``W`` is (features × heads). A block with a ``decision`` method (word n-grams, word
        vectors) computes its share of the product without building its matrix
        (``nlp.features._kernels``); the others build theirs and multiply. This is the prediction path:
        a linear model needs the products, not the features.
        """
        W = np.asarray(W, dtype=np.float64)
        widths = [part._n_features_out for _, part in self.parts_]
        if sum(widths) != W.shape[0]:
            raise ValueError(f"weights have {W.shape[0]} rows but the features have {sum(widths)} columns")
        texts, ctx = as_units(X)
        batch: TokenBatch = segment_batch(texts)
        n, owner = len(texts), batch.sentence_owner
        zu = np.zeros((n, W.shape[1]))
        zs = np.zeros((len(owner), W.shape[1])) if sentences else None
        text_parts = sentences and any(name not in (*TOKEN_PARTS, *LEAD_PARTS, *CONTEXT_PARTS)
                                       for name, _ in self.parts_)
        sent_texts = batch.sentence_texts if text_parts else []
        offset = 0
        for (name, part), width in zip(self.parts_, widths, strict=True):
            Wb = np.ascontiguousarray(W[offset : offset + width])
            offset += width
            if not Wb.any():  # heads that do not read this block (work-report heads: no context)
                continue
            if name in LEAD_PARTS or name in CONTEXT_PARTS:  # unit level; a unit's sentences share it
                z = (part.decision(batch.first_sentences(), Wb) if name in LEAD_PARTS
                     else part.transform(self._input(name, batch, texts, ctx)) @ Wb)
                zu += z
                if sentences:
                    zs += z[owner]
            elif hasattr(part, "decision"):
                zu += part.decision(batch, Wb)
                if sentences:
                    zs += part.decision(batch, Wb, level="sentence")
            elif name in TOKEN_PARTS:
                zu += part.transform(batch) @ Wb
                if sentences:
                    zs += part.transform(batch, level="sentence") @ Wb
            else:
                both = part.transform(texts + sent_texts).tocsr() @ Wb
                zu += both[:n]
                if sentences:
                    zs += both[n:]
        return zu, zs, owner

    def get_feature_names_out(self, input_features=None):
        return np.concatenate([[f"{name}__{t}" for t in part.get_feature_names_out()] for name, part in self.parts_])
