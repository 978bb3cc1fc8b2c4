"""Text that remembers where each character came from.

Cleaning deletes furniture, pinyin and spaces and converts characters; researchers still need
to find every unit in the file they read. ``MappedText`` carries, next to the text, an array
``offsets`` (``len(text) + 1`` entries) that maps each position back to the source text.
Edits are regex substitutions; a same-length replacement keeps the offsets untouched, so the
common case (character conversion) costs nothing extra.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Replacement = str | Callable[[re.Match[str]], str]


def code_points(text: str) -> np.ndarray:
    """``text`` as a read-only array of its code points (uint32; lone surrogates kept as they are)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def source_span(offsets: np.ndarray, start: int, end: int) -> tuple[int, int]:
    """Source ``[start, end)`` of the clean span ``[start, end)`` under an offset map."""
    if end <= start:
        s = int(offsets[start])
        return s, s
    return int(offsets[start]), int(offsets[end - 1]) + 1


@dataclass
class MappedText:
    text: str
    offsets: np.ndarray  # int64, len(text) + 1; offsets[i] = source position of text[i]

    @classmethod
    def identity(cls, text: str, start: int = 0) -> MappedText:
        return cls(text, np.arange(start, start + len(text) + 1, dtype=np.int64))

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Source ``[start, end)`` of the clean span ``[start, end)``."""
        return source_span(self.offsets, start, end)

    def sub(self, pattern: re.Pattern[str], repl: Replacement) -> MappedText:
        """``re.sub`` that keeps the offset map.

        A same-length replacement keeps its characters' source positions; a replacement of
        another length maps every new character to the match start. One pass over the
        matches; unchanged matches cost nothing.
        """
        text, offsets = self.text, self.offsets
        if isinstance(repl, str) and repl == "":
            return self._delete([m.span() for m in pattern.finditer(text)])
        literal = repl if isinstance(repl, str) and "\\" not in repl else None
        pieces: list[str] = []
        maps: list[np.ndarray] = []
        pos = 0
        for m in pattern.finditer(text):
            s, e = m.span()
            r = literal if literal is not None else (repl(m) if callable(repl) else m.expand(repl))
            if len(r) == e - s and r == text[s:e]:
                continue
            pieces.append(text[pos:s])
            maps.append(offsets[pos:s])
            pieces.append(r)
            maps.append(offsets[s:e] if len(r) == e - s else np.full(len(r), offsets[s], dtype=np.int64))
            pos = e
        if not pieces:
            return self
        pieces.append(text[pos:])
        maps.append(offsets[pos:])
        return MappedText("".join(pieces), np.concatenate(maps))

    def _delete(self, spans: list[tuple[int, int]]) -> MappedText:
        """Drop the characters of non-overlapping, ordered ``spans``; the rest keep their offsets.

        Why a separate path: deleting is most of cleaning's substitutions (markup, spaces), some
        thousands of matches a report, and the general path's replacement checks and lists per
        match were most of their time; here text and offsets are cut at the spans in one go.
        """
        bounds = [0, *(x for span in spans if span[1] > span[0] for x in span), len(self.text)]
        if len(bounds) == 2:
            return self
        gaps = list(zip(bounds[::2], bounds[1::2], strict=True))
        offsets = self.offsets
        return MappedText("".join([self.text[a:b] for a, b in gaps]),
                          np.concatenate([offsets[a:b] for a, b in gaps] + [offsets[-1:]]))

    def map_chars(self, fn: Callable[[str], str]) -> MappedText:
        """Apply a character-for-character conversion (e.g. Traditional → Simplified).

        When ``fn`` changes the length (a phrase conversion), lines are converted one by one
        and a changed line maps every character to the line's start.
        """
        new = fn(self.text)
        if len(new) == len(self.text):
            return MappedText(new, self.offsets)
        return self.sub(re.compile(r"[^\n]+"), lambda m: fn(m.group(0)))
