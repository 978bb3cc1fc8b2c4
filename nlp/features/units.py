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

import numpy as np
import yaml
from scipy import sparse

from nlp.features._kernels import trie_matches
from nlp.features.char_ngrams import CharNgramTfidf
from nlp.features.word_ngrams import WordNgramTfidf
from nlp.params import Transformer
from nlp.resources import read_data_text
from nlp.taxonomy import load_taxonomy
from nlp.text.token_batch import SENTENCE_END, TokenBatch, code_points, segment_batch

TOKEN_PARTS = ("word", "w2v", "cues")  # blocks that read a TokenBatch; the others read texts
STOCK_PHRASES = "stock_phrases"  # convention_cues.yaml: phrases that alone signal no domain


class CueTrie:
    """Words as a trie in flat arrays, matched over a text's code points by a compiled scan.

    Leftmost-longest and non-overlapping, as a regex alternation with the longest word first
    would match (so a cue inside a longer cue, 执法监督 in 行政执法监督, counts once, for the
    longer one). Python's ``re`` did this with a nested-prefix pattern at ~5% of batch tagging
    time; ``nlp.features._kernels.trie_matches`` walks the trie instead, one step per character.
    """

    def __init__(self, words: list[str]) -> None:
        self.words = list(words)
        nodes: list[dict[str, int]] = [{}]
        terminal = [-1]
        for k, w in enumerate(self.words):
            v = 0
            for ch in w:
                if ch not in nodes[v]:
                    nodes[v][ch] = len(nodes)
                    nodes.append({})
                    terminal.append(-1)
                v = nodes[v][ch]
            if terminal[v] < 0:
                terminal[v] = k
        children = [sorted((ord(ch), child) for ch, child in node.items()) for node in nodes]
        self.child_start = np.cumsum([0] + [len(c) for c in children]).astype(np.int64)
        self.child_char = np.array([c for cs in children for c, _ in cs], dtype=np.uint32)
        self.child_node = np.array([v for cs in children for _, v in cs], dtype=np.int64)
        self.terminal = np.array(terminal, dtype=np.int64)
        # the root's children as a table by code point: most positions start no word at all
        self.root = np.full(max((ord(w[0]) for w in self.words if w), default=-1) + 1, -1, dtype=np.int64)
        for ch, child in nodes[0].items():
            self.root[ord(ch)] = child

    def matches(self, cp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Start offset and word index of every match in a text's code points (``code_points``)."""
        return trie_matches(cp, self.root, self.child_start, self.child_char, self.child_node, self.terminal)


class CueCounter(Transformer):
    """log(1 + number of a domain's cue words in the text), one column per domain.

    All cues are matched in one pass (``CueTrie``: longest cue first), so a cue inside a
    longer cue (执法监督 in 行政执法监督) counts once, for the longer one.

    Parameters: ``taxonomy_path``; ``conventions`` also counts the labeling-convention cues of
    ``nlp/data/convention_cues.yaml`` (or ``conventions_path``) in their domain's column, and
    its ``stock_phrases`` (set phrases the conventions say are no domain by themselves, such as
    the pledge 严格规范公正文明执法) in one extra column: the model can learn what they do not
    signal, and a cue inside one (文明执法) no longer counts for its domain there.
    Learned: ``codes_``, ``cue_domains_`` (cue → column indices; saved with a model, so a
    later edit of the data files does not change a trained model).
    """

    def __init__(self, taxonomy_path: str | None = None, conventions: bool = False,
                 conventions_path: str | None = None) -> None:
        self.taxonomy_path = taxonomy_path
        self.conventions = conventions
        self.conventions_path = conventions_path

    def fit(self, X=None, y=None):
        tax = load_taxonomy(self.taxonomy_path)
        owners: dict[str, list[int]] = {}
        for j, d in enumerate(tax.domains):
            for cue in d.cues:
                owners.setdefault(cue, []).append(j)
        codes = list(tax.codes)
        if self.conventions:
            extra = yaml.safe_load(read_data_text("convention_cues.yaml", self.conventions_path)) or {}
            stock = [str(c) for c in extra.pop(STOCK_PHRASES, None) or []]
            if stock:  # their own column; they also hide the shorter cues inside them
                codes.append(STOCK_PHRASES)
                for cue in stock:
                    owners[cue] = [len(codes) - 1]
            for code, cues in extra.items():
                if code not in tax.codes:
                    raise ValueError(f"convention cues: unknown domain {code!r} (not in the taxonomy)")
                for cue in cues or []:
                    if str(cue) in stock:
                        raise ValueError(f"convention cues: {cue!r} is both a stock phrase and a {code} cue")
                    if tax.codes.index(code) not in owners.setdefault(str(cue), []):
                        owners[str(cue)].append(tax.codes.index(code))
        return self.set_cues(codes, owners)

    def set_cues(self, codes: list[str], cue_domains: dict[str, list[int]]):
        """Use these cues (as saved with a model) instead of the data files'."""
        self.codes_ = list(codes)
        self.cue_domains_ = {c: list(js) for c, js in cue_domains.items()}
        bad = [c for c in self.cue_domains_ if not c or any(ch in c for ch in SENTENCE_END + "\n\x00 ")]
        if bad:
            raise ValueError(f"cue {bad[0]!r} is empty or contains a sentence end, space or newline")
        cues = list(self.cue_domains_)
        self.trie_ = CueTrie(cues)
        lengths = np.array([len(self.cue_domains_[c]) for c in cues], dtype=np.int64)
        self._cue_columns = (np.cumsum(lengths) - lengths, lengths,
                             np.array([j for c in cues for j in self.cue_domains_[c]], dtype=np.int64))
        return self

    def _matches(self, cp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Start offset and domain column of every cue match in code points ``cp`` (one pass)."""
        pos, cue = self.trie_.matches(cp)
        first, lengths, columns = self._cue_columns
        n = lengths[cue]  # a cue of several domains counts in each, at the same position
        within = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
        return np.repeat(pos, n), columns[np.repeat(first[cue], n) + within]

    def _counts(self, rows: np.ndarray, doms: np.ndarray, n_rows: int) -> sparse.csr_matrix:
        m = sparse.csr_matrix((np.ones(len(rows)), (rows, doms)), shape=(n_rows, len(self.codes_)))
        m.sum_duplicates()
        m.data = np.log1p(m.data)
        return m

    def transform(self, X, level: str = "unit"):
        """Cue counts of texts, or of a ``TokenBatch``'s units or (``level="sentence"``) sentences.

        Texts are matched in one pass (joined by NUL, which no cue contains). A batch is
        matched once (kept in ``batch.memo``) and each match goes to the sentence it starts
        in: no cue contains a sentence end, so that equals matching each sentence alone.
        """
        if not isinstance(X, TokenBatch):
            texts = list(X)
            pos, doms = self._matches(code_points("\x00".join(texts)))
            bounds = np.cumsum([len(t) + 1 for t in texts])
            return self._counts(np.searchsorted(bounds, pos, side="right"), doms, len(texts))
        batch = X
        key = ("cues", id(self))
        if key not in batch.memo:
            batch.memo[key] = self._matches(batch.code_points)
        pos, doms = batch.memo[key]
        if level == "unit":
            return self._counts(np.searchsorted(batch.doc_starts, pos, side="right") - 1, doms, batch.n_docs)
        if level != "sentence":
            raise ValueError(f"unknown level {level!r} (use 'unit' or 'sentence')")
        spans = batch.sentence_spans
        row = np.searchsorted(spans[:, 0], pos, side="right") - 1
        inside = row >= 0
        inside[inside] = pos[inside] < spans[row[inside], 1]
        return self._counts(row[inside], doms[inside], len(spans))

    @property
    def _n_features_out(self) -> int:
        return len(self.codes_)

    def get_feature_names_out(self, input_features=None):
        return np.array([f"cue:{c}" for c in self.codes_], dtype=object)


class UnitFeatures(Transformer):
    """texts → [word n-gram TF-IDF | char n-gram TF-IDF | cue counts | mean word vector].

    Parameters: ``word_ngrams``; ``char_ngrams`` (None: no character block); ``min_df`` and
    ``max_features`` for both TF-IDF blocks; ``cues`` and ``convention_cues`` (see
    ``CueCounter``); ``word_vectors`` (path of an ``.npz`` from ``nlp.features.embeddings``, None: no
    vector block). Learned: ``parts_``, a list of
    ``(name, fitted transformer)`` in column order.
    """

    def __init__(self, word_ngrams: tuple[int, int] = (1, 2), char_ngrams: tuple[int, int] | None = (2, 3),
                 min_df: int = 2, cues: bool = True, max_features: int | None = 200_000,
                 word_vectors: str | None = None, convention_cues: bool = False) -> None:
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.cues = cues
        self.max_features = max_features
        self.word_vectors = word_vectors
        self.convention_cues = convention_cues

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
        return parts

    def fit(self, X, y=None):
        texts = list(X)
        batch = segment_batch(texts)
        self.parts_ = [(name, part.fit(batch if name in TOKEN_PARTS else texts))
                       for name, part in self.unfitted_parts()]
        return self

    def transform(self, X):
        return self.transform_with_sentences(X, sentences=False)[0]

    def transform_with_sentences(self, X, sentences: bool = True
                                 ) -> tuple[sparse.csr_matrix, sparse.csr_matrix | None, np.ndarray]:
        """Unit rows, sentence rows (units of 2+ sentences of 8+ characters) and each sentence's unit."""
        texts = list(X)
        batch: TokenBatch = segment_batch(texts)
        text_parts = sentences and any(name not in TOKEN_PARTS for name, _ in self.parts_)
        sent_texts = batch.sentence_texts if text_parts else []
        n = len(texts)
        units, sents = [], []
        for name, part in self.parts_:
            if name in TOKEN_PARTS:
                units.append(part.transform(batch))
                if sentences:
                    sents.append(part.transform(batch, level="sentence"))
            else:
                both = part.transform(texts + sent_texts).tocsr()
                units.append(both[:n])
                sents.append(both[n:])
        xu = sparse.hstack(units, format="csr", dtype=np.float32)
        xs = sparse.hstack(sents, format="csr", dtype=np.float32) if sentences else None
        return xu, xs, batch.sentence_owner

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
        texts = list(X)
        batch: TokenBatch = segment_batch(texts)
        n, n_sent = len(texts), len(batch.sentence_owner)
        zu = np.zeros((n, W.shape[1]))
        zs = np.zeros((n_sent, W.shape[1])) if sentences else None
        text_parts = sentences and any(name not in TOKEN_PARTS for name, _ in self.parts_)
        sent_texts = batch.sentence_texts if text_parts else []
        offset = 0
        for (name, part), width in zip(self.parts_, widths, strict=True):
            Wb = np.ascontiguousarray(W[offset : offset + width])
            offset += width
            if hasattr(part, "decision"):
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
        return zu, zs, batch.sentence_owner

    def get_feature_names_out(self, input_features=None):
        return np.concatenate([[f"{name}__{t}" for t in part.get_feature_names_out()] for name, part in self.parts_])
