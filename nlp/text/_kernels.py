"""Compiled token hashing (numba): the hash of every token and of word n-grams.

Trained models store these hashes as their vocabularies, so they must never change: a test
pins literal values. Compiled as ``nlp._jit`` describes.
"""

from __future__ import annotations

import numpy as np
from numba import types

from nlp._jit import I64, U32, U32_RO, U64, U64_RO, jit

# The token hash (see token_pass; nlp.text.token_batch's bigram hash reuses the finaliser).
_P = np.uint64(0x9E3779B97F4A7C15)  # the polynomial's base
_LEN_MIX = np.uint64(0xD6E8FEB86659FD93)
_M1 = np.uint64(0xBF58476D1CE4E5B9)  # splitmix64's finaliser
_M2 = np.uint64(0x94D049BB133111EB)


@jit((types.uint64,))
def finalize(x: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    """splitmix64's finaliser: every input bit spread over the whole 64-bit word."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


@jit((types.uint32,))
def _is_word_cp(c: int) -> bool:  # pragma: no cover - compiled
    low = c | 0x20
    return (0x3400 <= c <= 0x9FFF) or (97 <= low <= 122)


@jit((U32_RO, I64, U32, U32), (U32, I64, U32, U32))
def token_pass(cp: np.ndarray, lengths: np.ndarray, ends_cp: np.ndarray, spaces: np.ndarray
               ):  # pragma: no cover - compiled
    """One pass over a segmentation: per token its hash, whether it is a word, whether it ends
    a sentence, and its non-space character count (see ``nlp.text.token_batch.segment_batch``).

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
        hashes[t] = finalize(h + np.uint64(length) * _LEN_MIX)
        word[t] = w
        nonspace[t] = ns
        pos += length
    return hashes, word, is_end, nonspace



PAIR_MIX = np.uint64(0xA0761D6478BD642F)
PAIR_TAG = np.uint64(0x5851F42D4C957F2D)


@jit((types.uint64, types.uint64))
def pair(first: np.uint64, second: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    """The hash of an ordered pair of hashes (a word bigram; longer n-grams chain it). Trained
    models store these hashes as their vocabularies, so it must never change."""
    return finalize(first * PAIR_MIX + second + PAIR_TAG)


@jit((U64, U64), (U64_RO, U64_RO))
def pair_hashes(first: np.ndarray, second: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """``pair`` of each position of two equally long hash arrays."""
    out = np.empty(len(first), np.uint64)
    for i in range(len(first)):
        out[i] = pair(first[i], second[i])
    return out

