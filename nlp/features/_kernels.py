"""Compiled loops (numba) for the tagging hot path: linear scores without feature matrices.

Why: at prediction time the tagger only needs ``X @ W`` (a few heads), not ``X``. Building X
as scipy matrices costs a COO → CSR conversion, an index sort, a normalisation pass, a cast and
an ``hstack`` per block and level, each a full pass over memory; at corpus scale that was
more of tagging time than the segmenter. These kernels read the term occurrences once and
accumulate the heads' scores directly. They compute the same numbers as the matrix path
(``nlp.features.tfidf.tfidf_rows``, ``nlp.features.embeddings.MeanWordVectors``) up to float
rounding; tests pin that. Compiled as ``nlp._jit`` describes.
"""

from __future__ import annotations

import numpy as np
from numba import types

from nlp._jit import F32C2, F64C, F64C2, I64, I64C, U32, U32_RO, U64, U64_RO, jit
from nlp.text._kernels import finalize, pair

# 1 + log(tf) for the term counts that occur in practice, looked up instead of computed (the
# same float64 values: a unit's terms are mostly counted 1-3 times, and a log per distinct term
# and row was a tenth of the kernel's time).
_SUBLINEAR_TF = np.log(np.arange(1, 257, dtype=np.float64)) + 1.0


# Occurrence arrays come as a few runs already sorted by row (``nlp.features.word_ngrams``: one run per
# n-gram size); up to this many runs are merged as they are, more are counting-sorted first.
_MAX_RUNS = 8


@jit((I64C, I64C, types.int64, F64C, F64C2, types.boolean))
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


@jit((I64C, I64C, types.int64, F32C2), (I64C, I64C, types.int64, F64C2))
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


@jit((F64C2, F64C2))
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



@jit((types.uint64, types.int64))
def _slot(key: np.uint64, bits: int) -> int:  # pragma: no cover - compiled
    """A key's home slot: its top ``bits`` bits after splitmix64's finaliser (so packed
    character codes spread as well as hashes do)."""
    return np.int64(finalize(key) >> np.uint64(64 - bits))


@jit((U64, types.int64), (U64_RO, types.int64))
def hash_table(keys: np.ndarray, bits: int):  # pragma: no cover - compiled
    """An open-addressing table (linear probing) of distinct ``keys``: slot keys and values,
    the value being the key's index in ``keys`` (-1: empty slot). ``2**bits`` must exceed
    ``len(keys)``; ``nlp.features.tfidf.CodeIndex`` keeps the table at most half full."""
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


@jit((types.uint64, U64, I64C, types.int64))
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


@jit((U64, U64, I64C, types.int64), (U64_RO, U64, I64C, types.int64))
def hash_lookup(codes: np.ndarray, slot_keys: np.ndarray, slot_values: np.ndarray, bits: int
                ) -> np.ndarray:  # pragma: no cover - compiled
    """Each code's value in a ``hash_table`` (-1: not a key)."""
    out = np.empty(len(codes), np.int64)
    for i in range(len(codes)):
        out[i] = _find(codes[i], slot_keys, slot_values, bits)
    return out



@jit((U64, I64C, I64C, I64C, types.int64, types.int64, U64, I64C, types.int64))
def ngram_columns(hashes: np.ndarray, doc: np.ndarray, sentence: np.ndarray, sentence_row: np.ndarray,
                  lo: int, hi: int, slot_keys: np.ndarray, slot_values: np.ndarray, bits: int
                  ):  # pragma: no cover - compiled
    """Vocabulary columns of a token stream's ``lo``..``hi``-grams, by unit and by scored sentence.

    The same occurrences as hashing with ``nlp.features.word_ngrams.ngram_codes``, looking the codes up
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
                h[t] = pair(h[t], hashes[t + n - 1])
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


@jit((U32_RO, I64, I64, U32, I64, I64), (U32, I64, I64, U32, I64, I64))
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
