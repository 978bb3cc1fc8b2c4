"""Compiled loops (numba) for the tagging hot path: linear scores without feature matrices.

Why: at prediction time the tagger only needs ``X @ W`` (a few heads), not ``X``. Building X
as scipy matrices costs a COO → CSR conversion, an index sort, a normalisation pass, a cast and
an ``hstack`` per block and level, each a full pass over memory; at corpus scale that was
more of tagging time than the segmenter. These kernels read the term occurrences once and
accumulate the heads' scores directly. They compute the same numbers as the matrix path
(``nlp.tfidf.tfidf_rows``, ``nlp.embeddings.MeanWordVectors``) up to float rounding; tests pin
that.

Each kernel is compiled for fixed argument types when this module is imported (eagerly, so a
pool's forkserver or parent can compile once for all its workers) and cached on disk (numba's
``cache=True``: next to this file, or in the user's cache directory when the package is
read-only): the first import after an install compiles for a few seconds, later imports load
the cache in about 0.3 s.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numba import njit, types

_I64 = types.int64[:]
_U32 = types.uint32[:]
_U32_RO = types.Array(types.uint32, 1, "C", readonly=True)  # np.frombuffer of a str's bytes
# C-contiguous arrays, for the kernels whose inner loops should be vectorized: over arrays of
# unknown layout ('A', the types above) the compiler keeps every access a strided scalar one,
# and the same loops ran up to 2x slower (measured on corpus batches). Callers pass
# ``np.ascontiguousarray``.
_I64C = types.int64[::1]
_F64C = types.float64[::1]
_F32C2 = types.float32[:, ::1]
_F64C2 = types.float64[:, ::1]
_U64 = types.Array(types.uint64, 1, "C")
_U64_RO = types.Array(types.uint64, 1, "C", readonly=True)


def _jit(*signatures) -> Callable[[Callable], Callable]:
    """``njit`` for these argument types, with an on-disk cache where numba finds a writable
    place for one (else without)."""

    def wrap(fn: Callable) -> Callable:
        try:
            return njit(list(signatures), cache=True, nogil=True)(fn)
        except RuntimeError:  # "cannot cache function ...: no locator available"
            return njit(list(signatures), nogil=True)(fn)

    return wrap


# 1 + log(tf) for the term counts that occur in practice, looked up instead of computed (the
# same float64 values: a unit's terms are mostly counted 1-3 times, and a log per distinct term
# and row was a tenth of the kernel's time).
_SUBLINEAR_TF = np.log(np.arange(1, 257, dtype=np.float64)) + 1.0


# Occurrence arrays come as a few runs already sorted by row (``nlp.word_ngrams``: one run per
# n-gram size); up to this many runs are merged as they are, more are counting-sorted first.
_MAX_RUNS = 8


@_jit((_I64C, _I64C, types.int64, _F64C, _F64C2, types.boolean))
def tfidf_decision(rows: np.ndarray, cols: np.ndarray, n_rows: int, idf: np.ndarray, W: np.ndarray,
                   sublinear: bool) -> np.ndarray:  # pragma: no cover - compiled
    """``tfidf_rows(rows, cols, n_rows, idf, sublinear) @ W`` without building the matrix.

    ``rows``/``cols`` are term occurrences (``cols`` < 0: out of vocabulary), in any order;
    ``W`` is (vocabulary × heads). Each row's terms are counted with a last-seen mark per
    column, weighted (1 + log tf) · idf, l2-normalised (the weight rounded to float32, as the
    matrix path stores it) and multiplied into ``W``.

    Why the runs: the word n-gram block lists its occurrences n-gram size by n-gram size, each
    size in row order, so a row's terms are one slice of each run and are read in place; a
    counting sort into row order (three scattered passes over every occurrence) was a third of
    this kernel's time. Input in no useful order is still counting-sorted. A row's terms are
    visited in the same order either way, so the numbers are the same.
    """
    n_cols, n_heads = W.shape
    n = len(rows)
    n_runs = 1
    for i in range(1, n):
        if rows[i] < rows[i - 1]:
            n_runs += 1
    if n_runs <= _MAX_RUNS:
        bounds = np.empty(n_runs + 1, np.int64)
        bounds[0] = 0
        b = 1
        for i in range(1, n):
            if rows[i] < rows[i - 1]:
                bounds[b] = i
                b += 1
        bounds[n_runs] = n
    else:  # counting sort by row (stable, so each row keeps the input's order of its terms)
        fill = np.zeros(n_rows + 1, np.int64)
        for i in range(n):
            fill[rows[i] + 1] += 1
        for r in range(n_rows):
            fill[r + 1] += fill[r]
        sorted_rows = np.empty(n, np.int64)
        sorted_cols = np.empty(n, np.int64)
        for i in range(n):
            p = fill[rows[i]]
            sorted_rows[p] = rows[i]
            sorted_cols[p] = cols[i]
            fill[rows[i]] += 1
        rows, cols = sorted_rows, sorted_cols
        n_runs = 1
        bounds = np.array([0, n], np.int64)
    ptr = bounds[:-1].copy()
    last = np.full(n_cols, -1, np.int64)
    weight = np.zeros(n_cols, np.float64)
    distinct = np.empty(min(n_cols, n), np.int64)
    out = np.zeros((n_rows, n_heads), np.float64)
    for r in range(n_rows):
        nd = 0
        for b in range(n_runs):
            p = ptr[b]
            end = bounds[b + 1]
            while p < end and rows[p] == r:
                j = cols[p]
                p += 1
                if j < 0:
                    continue
                if last[j] != r:
                    last[j] = r
                    weight[j] = 0.0
                    distinct[nd] = j
                    nd += 1
                weight[j] += 1.0
            ptr[b] = p
        ss = 0.0
        for q in range(nd):
            j = distinct[q]
            tf = weight[j]
            if sublinear:
                tf = _SUBLINEAR_TF[int(tf) - 1] if tf <= 256.0 else np.log(tf) + 1.0
            w = tf * idf[j]
            weight[j] = w
            ss += w * w
        if ss > 0.0:
            inv = 1.0 / np.sqrt(ss)
            acc = out[r]  # row views: the compiler vectorizes the heads loop over them
            for q in range(nd):
                j = distinct[q]
                w = np.float64(np.float32(weight[j] * inv))
                wj = W[j]
                for k in range(n_heads):
                    acc[k] += w * wj[k]
    return out


@_jit((_I64C, _I64C, types.int64, _F32C2), (_I64C, _I64C, types.int64, _F64C2))
def group_sums(index: np.ndarray, group: np.ndarray, n_groups: int, vectors: np.ndarray
               ) -> np.ndarray:  # pragma: no cover - compiled
    """Sum of ``vectors[index[i]]`` per ``group[i]`` (``index`` < 0 skipped), in float64.

    Over row views (``out[g]``, ``vectors[w]``) rather than 2-D indexing: the same sums, twice as
    fast (measured on corpus batches), because the compiler then vectorizes the inner loop.
    """
    dim = vectors.shape[1]
    out = np.zeros((n_groups, dim), np.float64)
    for i in range(len(index)):
        w = index[i]
        if w >= 0:
            acc = out[group[i]]
            v = vectors[w]
            for d in range(dim):
                acc[d] += v[d]
    return out


@_jit((_F64C2, _F64C2))
def l2_rows_decision(X: np.ndarray, W: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """``normalize(X, "l2").astype(float32) @ W`` in one pass, without BLAS.

    A BLAS call here would start its own threads next to the pool's processes (or, in one
    process, spin a second core for a product of a few hundred thousand multiplications).
    """
    n, dim = X.shape
    n_heads = W.shape[1]
    out = np.zeros((n, n_heads), np.float64)
    for r in range(n):
        ss = 0.0
        for d in range(dim):
            ss += X[r, d] * X[r, d]
        if ss == 0.0:
            continue
        inv = 1.0 / np.sqrt(ss)
        acc = out[r]
        for d in range(dim):
            w = np.float64(np.float32(X[r, d] * inv))
            wd = W[d]
            for k in range(n_heads):
                acc[k] += w * wd[k]
    return out


# The token hash (see token_pass; nlp.token_batch's bigram hash reuses the finaliser).
_P = np.uint64(0x9E3779B97F4A7C15)  # the polynomial's base
_LEN_MIX = np.uint64(0xD6E8FEB86659FD93)
_M1 = np.uint64(0xBF58476D1CE4E5B9)  # splitmix64's finaliser
_M2 = np.uint64(0x94D049BB133111EB)


@_jit((types.uint64,))
def _finalize(x: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    """splitmix64's finaliser: every input bit spread over the whole 64-bit word."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


@_jit((types.uint32,))
def _is_word_cp(c: int) -> bool:  # pragma: no cover - compiled
    low = c | 0x20
    return (0x3400 <= c <= 0x9FFF) or (97 <= low <= 122)


@_jit((_U32_RO, _I64, _U32, _U32), (_U32, _I64, _U32, _U32))
def token_pass(cp: np.ndarray, lengths: np.ndarray, ends_cp: np.ndarray, spaces: np.ndarray
               ):  # pragma: no cover - compiled
    """One pass over a segmentation: per token its hash, whether it is a word, whether it ends
    a sentence, and its non-space character count (see ``nlp.token_batch.segment_batch``).

    The hash is a polynomial in ``_P`` of the code points plus the length, through
    splitmix64's finaliser. Trained models store these hashes as their vocabularies, so it must
    never change: a test pins literal values.
    """
    n = len(lengths)
    hashes = np.zeros(n, np.uint64)
    word = np.zeros(n, np.bool_)
    is_end = np.zeros(n, np.bool_)
    nonspace = np.zeros(n, np.int64)
    pos = 0
    for t in range(n):
        length = lengths[t]
        h = np.uint64(0)
        pw = np.uint64(1)
        w = False
        ns = 0
        for k in range(pos, pos + length):
            c = cp[k]
            h += np.uint64(c) * pw
            pw *= _P
            if not w and _is_word_cp(c):
                w = True
            sp = False
            for s in spaces:
                if c == s:
                    sp = True
            if not sp:
                ns += 1
        if length == 1:
            for e in ends_cp:
                if cp[pos] == e:
                    is_end[t] = True
        hashes[t] = _finalize(h + np.uint64(length) * _LEN_MIX)
        word[t] = w
        nonspace[t] = ns
        pos += length
    return hashes, word, is_end, nonspace


@_jit((types.uint64, types.int64))
def _slot(key: np.uint64, bits: int) -> int:  # pragma: no cover - compiled
    """A key's home slot: its top ``bits`` bits after splitmix64's finaliser (so packed
    character codes spread as well as hashes do)."""
    return np.int64(_finalize(key) >> np.uint64(64 - bits))


@_jit((_U64, types.int64), (_U64_RO, types.int64))
def hash_table(keys: np.ndarray, bits: int):  # pragma: no cover - compiled
    """An open-addressing table (linear probing) of distinct ``keys``: slot keys and values,
    the value being the key's index in ``keys`` (-1: empty slot). ``2**bits`` must exceed
    ``len(keys)``; ``nlp.tfidf.CodeIndex`` keeps the table at most half full."""
    size = np.int64(1) << bits
    mask = size - 1
    slot_keys = np.zeros(size, np.uint64)
    slot_values = np.full(size, -1, np.int64)
    for i in range(len(keys)):
        s = _slot(keys[i], bits)
        while slot_values[s] >= 0:
            s = (s + 1) & mask
        slot_keys[s] = keys[i]
        slot_values[s] = i
    return slot_keys, slot_values


@_jit((types.uint64, _U64, _I64C, types.int64))
def _find(key: np.uint64, slot_keys: np.ndarray, slot_values: np.ndarray, bits: int
          ) -> int:  # pragma: no cover - compiled
    """``key``'s value in a ``hash_table`` (-1: not a key)."""
    mask = (np.int64(1) << bits) - 1
    s = _slot(key, bits)
    while True:
        v = slot_values[s]
        if v < 0 or slot_keys[s] == key:
            return v
        s = (s + 1) & mask


@_jit((_U64, _U64, _I64C, types.int64), (_U64_RO, _U64, _I64C, types.int64))
def hash_lookup(codes: np.ndarray, slot_keys: np.ndarray, slot_values: np.ndarray, bits: int
                ) -> np.ndarray:  # pragma: no cover - compiled
    """Each code's value in a ``hash_table`` (-1: not a key)."""
    out = np.empty(len(codes), np.int64)
    for i in range(len(codes)):
        out[i] = _find(codes[i], slot_keys, slot_values, bits)
    return out


# A word n-gram's hash from its first n-1 tokens' hash and its last token's (``_pair``).
PAIR_MIX = np.uint64(0xA0761D6478BD642F)
PAIR_TAG = np.uint64(0x5851F42D4C957F2D)


@_jit((types.uint64, types.uint64))
def _pair(first: np.uint64, second: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    """The hash of an ordered pair of hashes (a word bigram; longer n-grams chain it). Trained
    models store these hashes as their vocabularies, so it must never change."""
    return _finalize(first * PAIR_MIX + second + PAIR_TAG)


@_jit((_U64, _U64), (_U64_RO, _U64_RO))
def pair_hashes(first: np.ndarray, second: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """``_pair`` of each position of two equally long hash arrays."""
    out = np.empty(len(first), np.uint64)
    for i in range(len(first)):
        out[i] = _pair(first[i], second[i])
    return out


@_jit((_U64, _I64C, _I64C, _I64C, types.int64, types.int64, _U64, _I64C, types.int64))
def ngram_columns(hashes: np.ndarray, doc: np.ndarray, sentence: np.ndarray, sentence_row: np.ndarray,
                  lo: int, hi: int, slot_keys: np.ndarray, slot_values: np.ndarray, bits: int
                  ):  # pragma: no cover - compiled
    """Vocabulary columns of a token stream's ``lo``..``hi``-grams, by unit and by scored sentence.

    The same occurrences as hashing with ``nlp.word_ngrams.ngram_codes``, looking the codes up
    in the ``hash_table`` and keeping, for sentences, the n-grams inside a scored sentence
    (``sentence_row`` >= 0), compiled: the NumPy version's dozen temporary arrays per batch
    (hashes, masks, positions, sentence filters) cost more than the look-ups. Returns unit rows,
    unit columns, sentence rows, sentence columns (-1: not in the vocabulary), each level
    ordered by n-gram size, then position: one row-sorted run per size (``tfidf_decision``).
    """
    n_tok = len(hashes)
    cap = n_tok * max(hi - lo + 1, 0)
    codes = np.empty(cap, np.uint64)
    starts = np.empty(cap, np.int64)  # first token
    lasts = np.empty(cap, np.int64)  # last token
    nc = 0
    h = hashes.copy()  # h[t]: the hash of the n-gram starting at token t
    for n in range(1, hi + 1):
        m = n_tok - n + 1
        if n > 1:
            for t in range(m):
                h[t] = _pair(h[t], hashes[t + n - 1])
        if n < lo:
            continue
        for t in range(m):
            if doc[t + n - 1] == doc[t]:  # within one unit (``doc`` is sorted)
                codes[nc] = h[t]
                starts[nc] = t
                lasts[nc] = t + n - 1
                nc += 1
    # the look-ups in a loop of their own: the table is bigger than the caches, and a tight loop
    # lets the processor wait for several of its cache misses at once
    cols = np.empty(nc, np.int64)
    for i in range(nc):
        cols[i] = _find(codes[i], slot_keys, slot_values, bits)
    unit_rows = np.empty(nc, np.int64)
    sent_rows = np.empty(nc, np.int64)
    sent_cols = np.empty(nc, np.int64)
    ns = 0
    for i in range(nc):
        t = starts[i]
        unit_rows[i] = doc[t]
        first = sentence[t]
        row = sentence_row[first]
        if row >= 0 and sentence[lasts[i]] == first:
            sent_rows[ns] = row
            sent_cols[ns] = cols[i]
            ns += 1
    return unit_rows, cols, sent_rows[:ns], sent_cols[:ns]


@_jit((_U32_RO, _I64, _I64, _U32, _I64, _I64), (_U32, _I64, _I64, _U32, _I64, _I64))
def trie_matches(cp: np.ndarray, root: np.ndarray, child_start: np.ndarray, child_char: np.ndarray,
                 child_node: np.ndarray, terminal: np.ndarray):  # pragma: no cover - compiled
    """Leftmost-longest, non-overlapping matches of a word trie in code points ``cp``.

    The trie is arrays (``nlp.features.CueTrie``): ``root[c]`` is the root's child for
    character ``c`` (-1: none; characters beyond the table start no word), node ``v``'s other
    children are ``child_char/child_node[child_start[v]:child_start[v + 1]]``, sorted by
    character, and ``terminal[v]`` is the word ending at ``v`` (-1: none). Scanning left to
    right, the longest word starting at a position is taken and the scan goes on after it, as
    ``re.finditer`` does with a longest-first alternation of the words. Returns each match's
    start and word.
    """
    n = len(cp)
    n_root = len(root)
    starts = np.empty(n, np.int64)
    words = np.empty(n, np.int64)
    found = 0
    i = 0
    while i < n:
        c = cp[i]
        node = root[c] if c < n_root else -1
        if node < 0:
            i += 1
            continue
        best = terminal[node]
        best_end = i + 1
        j = i + 1
        while j < n:
            lo = child_start[node]
            hi = child_start[node + 1]
            end = hi
            c = cp[j]
            while lo < hi:  # binary search among the children
                mid = (lo + hi) >> 1
                if child_char[mid] < c:
                    lo = mid + 1
                else:
                    hi = mid
            if lo == end or child_char[lo] != c:
                break
            node = child_node[lo]
            j += 1
            if terminal[node] >= 0:
                best = terminal[node]
                best_end = j
        if best >= 0:
            starts[found] = i
            words[found] = best
            found += 1
            i = best_end
        else:
            i += 1
    return starts[:found], words[:found]
