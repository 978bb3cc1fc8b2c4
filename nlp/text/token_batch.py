"""A batch of texts segmented once into a stream of hashed tokens (NumPy arrays).

Why: scikit-learn's word analyzer builds every n-gram as a Python string and looks it up in a
dict, and each feature block segmented the text again; at corpus scale that, not the
segmenter, dominated tagging time. Here a whole batch is segmented in one call (texts joined
by a newline, which no token spans), every token becomes a 64-bit hash (a polynomial hash of
its code points, in one compiled pass: ``nlp.text._kernels.token_pass``), and word n-grams are
combinations of hashes. Feature extraction downstream is then a vocabulary look-up in a C hash
table, with no Python work per token.

The batch also knows its sentences (split after 。；！？), so sentence-level scoring reuses
the same segmentation instead of cutting every sentence again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nlp.spans import code_points
from nlp.text._kernels import pair_hashes, token_pass
from nlp.text.tokenize import Tokenizer

__all__ = ["SENTENCE_END", "TokenBatch", "code_points", "pair_hashes", "segment_batch", "string_hashes"]

SENTENCE_END = "。；！？"
MIN_SENTENCE_CHARS = 8
_SPACE_CPS = np.array([ord(c) for c in " \t\r\n\u3000\xa0"], dtype=np.uint32)
_END_CPS = np.array([ord(c) for c in SENTENCE_END], dtype=np.uint32)


def string_hashes(words: list[str]) -> np.ndarray:
    """Token hashes of whole strings (e.g. a word-vector vocabulary), as in a ``TokenBatch``."""
    if not words:
        return np.zeros(0, dtype=np.uint64)
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    return token_pass(code_points("".join(words)), lengths, _END_CPS, _SPACE_CPS)[0]


@dataclass
class TokenBatch:
    """Kept tokens (words: CJK or Latin letters) of a batch of texts, in reading order.

    ``hashes``, ``doc``, ``sentence``, ``starts``, ``ends`` are per kept token; ``starts`` and
    ``ends`` index ``joined``. ``sentence_row`` maps a sentence id to its row among the scored
    sentences (-1 when the sentence is not scored: too short, or its unit has only one);
    ``sentence_owner``/``sentence_spans`` give each scored sentence's unit and its span in
    ``joined``; ``sentence_doc`` is the unit of every sentence (scored or not) and
    ``doc_starts`` each unit's offset in ``joined``.

    ``memo`` holds what feature blocks compute once per batch and read at both levels (unit
    and sentence): n-gram look-ups, word-vector sums, cue matches.
    """

    texts: list[str]
    joined: str
    code_points: np.ndarray  # of ``joined`` (uint32), for blocks that scan the text (cue counts)
    hashes: np.ndarray
    doc: np.ndarray
    sentence: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    sentence_row: np.ndarray
    sentence_owner: np.ndarray
    sentence_spans: np.ndarray
    sentence_doc: np.ndarray
    doc_starts: np.ndarray
    memo: dict = field(default_factory=dict, repr=False)

    @property
    def n_docs(self) -> int:
        return len(self.texts)

    @property
    def sentence_texts(self) -> list[str]:
        return [self.joined[s:e] for s, e in self.sentence_spans.tolist()]

    def token_text(self, i: int) -> str:
        return self.joined[int(self.starts[i]) : int(self.ends[i])]

    def first_sentences_text(self, doc: int) -> str:
        """The text of unit ``doc``'s first sentence (its lead clause)."""
        first = int(np.searchsorted(self.sentence_doc, doc))
        tokens = np.flatnonzero(self.sentence == first)
        if not len(tokens):
            return ""
        return self.joined[int(self.starts[tokens[0]]) : int(self.ends[tokens[-1]])]

    def first_sentences(self) -> TokenBatch:
        """The batch restricted to each unit's first sentence (its lead clause: "一是落实第一责任人
        责任。", "（一）加强组织领导。"), with no scored sentences: the same segmentation, so a
        block reading leads costs no second pass of the segmenter. Kept in ``memo``."""
        if "first_sentences" not in self.memo:
            first = np.searchsorted(self.sentence_doc, np.arange(self.n_docs))  # sentence_doc is sorted
            keep = np.flatnonzero(self.sentence == first[self.doc]) if len(self.doc) else np.zeros(0, np.int64)
            n_sent = len(self.sentence_doc)
            self.memo["first_sentences"] = TokenBatch(
                texts=self.texts, joined=self.joined, code_points=self.code_points, hashes=self.hashes[keep],
                doc=self.doc[keep], sentence=self.sentence[keep], starts=self.starts[keep], ends=self.ends[keep],
                sentence_row=np.full(n_sent, -1, dtype=np.int64), sentence_owner=np.zeros(0, dtype=np.int64),
                sentence_spans=np.zeros((0, 2), dtype=np.int64), sentence_doc=self.sentence_doc,
                doc_starts=self.doc_starts)
        return self.memo["first_sentences"]


def segment_batch(texts: list[str], tokenizer: Tokenizer | None = None) -> TokenBatch:
    """Segment ``texts`` once and hash every token (see the module docstring)."""
    tokenizer = tokenizer or Tokenizer(stopwords=False)
    texts = [t.replace("\n", " ") for t in texts]  # the newline is the batch's separator
    joined = "\n".join(texts)
    tokens = tokenizer.cut(joined) if joined else []
    n_tok = len(tokens)
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=n_tok)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    cp = code_points(joined)
    doc_starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]]) if texts else np.zeros(0, dtype=np.int64)
    doc = np.searchsorted(doc_starts, starts, side="right") - 1

    if int(lengths.sum()) != len(cp):
        raise ValueError("the segmenter's tokens do not add up to the text")
    hashes, keep, is_end, nonspace = token_pass(cp, lengths, _END_CPS, _SPACE_CPS)
    if tokenizer.stopwords or tokenizer.min_len > 1:
        keep &= np.fromiter((tokenizer._keep(t) if k else False for t, k in zip(tokens, keep, strict=True)),
                            dtype=bool, count=n_tok)

    # sentences: a new one starts after a sentence-final token and at each unit's start
    new_doc = np.ones(n_tok, dtype=bool)
    new_doc[1:] = doc[1:] != doc[:-1]
    new_sent = new_doc.copy()
    new_sent[1:] |= is_end[:-1]
    sentence = np.cumsum(new_sent) - 1
    n_sent = int(sentence[-1]) + 1 if n_tok else 0
    sent_chars = np.bincount(sentence, weights=nonspace, minlength=n_sent)
    sent_doc = np.zeros(n_sent, dtype=np.int64)
    sent_doc[sentence] = doc
    long_enough = sent_chars >= MIN_SENTENCE_CHARS
    per_doc = np.bincount(sent_doc[long_enough], minlength=len(texts))
    scored = long_enough & (per_doc[sent_doc] >= 2)
    sentence_row = np.where(scored, np.cumsum(scored) - 1, -1)
    sent_start = np.full(n_sent, -1, dtype=np.int64)
    sent_end = np.zeros(n_sent, dtype=np.int64)
    if n_tok:
        sent_start[sentence[::-1]] = starts[::-1]  # first token's start (last write wins)
        sent_end[sentence] = ends
    spans = np.column_stack([sent_start[scored], sent_end[scored]]) if n_sent else np.zeros((0, 2), dtype=np.int64)

    kept = np.flatnonzero(keep)
    return TokenBatch(
        texts=texts,
        joined=joined,
        code_points=cp,
        hashes=hashes[kept],
        doc=doc[kept],
        sentence=sentence[kept],
        starts=starts[kept],
        ends=ends[kept],
        sentence_row=sentence_row,
        sentence_owner=sent_doc[scored],
        sentence_spans=spans,
        sentence_doc=sent_doc,
        doc_starts=np.asarray(doc_starts, dtype=np.int64),
    )
