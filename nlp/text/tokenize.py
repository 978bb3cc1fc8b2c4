"""Word segmentation with the domain user dictionary and stop words (both data files).

The default segmenter is rjieba (jieba-rs): jieba's dictionary and algorithm in Rust, about
25 MB/s here against jieba's 0.9 MB/s (see benchmarks/). ``jieba`` stays available as the
reference implementation (``Tokenizer(segmenter="jieba")``). Either way the user dictionary
``nlp/data/userdict.txt`` (jieba format: ``word [freq [tag]]``) is loaded, so 谁执法谁普法
or 枫桥经验 stay one token.

Segmenters are created lazily per process, so a ``Tokenizer`` pickles cheaply into workers.
"""

from __future__ import annotations

import re
from functools import lru_cache

from nlp.resources import read_data_text

_KEEP_TOKEN = re.compile(r"[\u3400-\u9fffA-Za-z]")
DEFAULT_FREQ = 1000


def load_user_dict(path: str | None = None) -> list[tuple[str, int, str]]:
    """Entries ``(word, freq, tag)`` of a jieba-format user dictionary."""
    out = []
    for line in read_data_text("userdict.txt", path).splitlines():
        parts = line.strip().split()
        if not parts or parts[0].startswith("#"):
            continue
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else DEFAULT_FREQ
        tag = parts[2] if len(parts) > 2 else "n"
        out.append((parts[0], freq, tag))
    return out


@lru_cache(maxsize=4)
def load_stopwords(path: str | None = None) -> frozenset[str]:
    words = set()
    for line in read_data_text("stopwords.txt", path).splitlines():
        w = line.strip()
        if w and not w.startswith("#"):
            words.add(w)
    return frozenset(words)


@lru_cache(maxsize=8)
def _segmenter(kind: str, user_dict: str | None):
    entries = load_user_dict(user_dict)
    if kind == "rjieba":
        import rjieba

        seg = rjieba.Jieba()
        for word, freq, tag in entries:
            seg.add_word(word, freq, tag)
        return seg.cut
    if kind == "jieba":
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        tk = jieba.Tokenizer()
        for word, freq, tag in entries:
            tk.add_word(word, freq, tag)
        return lambda text: tk.lcut(text)
    raise ValueError(f"unknown segmenter {kind!r} (use 'rjieba' or 'jieba')")


@lru_cache(maxsize=8)
def _keep_cache(stopwords: bool, stopwords_path: str | None, min_len: int) -> dict[str, bool]:
    """Per-setting memo of keep/drop decisions: a corpus repeats a small vocabulary."""
    return {}


class Tokenizer:
    """Text → tokens. Callable, so it plugs into scikit-learn vectorizers as ``analyzer``.

    Parameters:
        segmenter: 'rjieba' (default, fast) or 'jieba' (reference).
        user_dict: path of a jieba-format dictionary; None for the packaged one.
        stopwords: drop stop words (``nlp/data/stopwords.txt``, or ``stopwords_path``).
        min_len: drop tokens shorter than this (1 keeps single characters).
    """

    def __init__(self, segmenter: str = "rjieba", user_dict: str | None = None,
                 stopwords: bool = True, stopwords_path: str | None = None,
                 min_len: int = 1) -> None:
        self.segmenter = segmenter
        self.user_dict = user_dict
        self.stopwords = stopwords
        self.stopwords_path = stopwords_path
        self.min_len = min_len

    def cut(self, text: str) -> list[str]:
        """Raw segmentation (every token, punctuation included)."""
        return _segmenter(self.segmenter, self.user_dict)(text)

    def __call__(self, text: str) -> list[str]:
        keep = _keep_cache(self.stopwords, self.stopwords_path, self.min_len)
        out = []
        for t in self.cut(text):
            k = keep.get(t)
            if k is None:
                k = keep[t] = self._keep(t)
            if k:
                out.append(t)
        return out

    def _keep(self, token: str) -> bool:
        stop = load_stopwords(self.stopwords_path) if self.stopwords else frozenset()
        return len(token) >= self.min_len and token not in stop and bool(_KEEP_TOKEN.search(token))

    def __repr__(self) -> str:
        return (f"Tokenizer(segmenter={self.segmenter!r}, user_dict={self.user_dict!r}, "
                f"stopwords={self.stopwords!r}, min_len={self.min_len})")
