"""Speed code of cleaning (``nlp.ingest.clean``): where a pattern can match at all, found without
running it over every character.

Python's ``re`` tries a pattern at every position (about 10 ns a character) and has no quick skip
for a leading character class; most reports contain none of the characters most cleaning
patterns need. Each helper here gives exactly the matches (or the text) the plain ``re`` /
``str`` call would give, found faster; tests pin each against its reference.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import numpy as np

from nlp.spans import code_points


def half_width_table(mapping: dict[int, int]) -> np.ndarray:
    """Every BMP code point → its replacement under ``mapping`` (one code point to one)."""
    table = np.arange(0x10000, dtype=np.uint32)
    table[sorted(mapping)] = [mapping[k] for k in sorted(mapping)]
    return table


def translate_bmp(text: str, table: np.ndarray) -> str:
    """``text.translate(mapping)`` with NumPy, for a ``half_width_table`` of the mapping.

    ``str.translate`` looks each character up in a dict; on a long Chinese text this does the
    same with one table look-up over an array (and returns ``text`` itself when nothing changes).
    """
    cp = code_points(text)
    bmp = np.minimum(cp, 0xFFFF)  # beyond the BMP nothing maps (0xFFFF maps to itself)
    half = table[bmp]
    changed = half != bmp
    if not changed.any():
        return text
    out = cp.copy()
    out[changed] = half[changed]
    return out.tobytes().decode("utf-32-le", "surrogatepass")


class AtChars:
    """``finditer`` of a pattern tried only where one of a few characters stands.

    For patterns whose every match is non-empty and starts with one of ``chars`` (BMP
    characters), such as the code-level patterns below that open with a character class.
    Why: ``re`` has no quick skip for a leading class and tries the pattern at every position,
    about 10 ns a character, for patterns that match a few times a report or never; the
    positions of the characters come from one NumPy look-up. Matches are the same
    ``re.Match`` objects, in the same order, as ``pattern.finditer`` gives (a position inside
    an earlier match is not tried, as ``finditer`` resumes after a match).
    """

    def __init__(self, pattern: re.Pattern[str], chars: str) -> None:
        self.pattern = pattern
        self.table = np.zeros(0x10000, dtype=bool)
        self.table[[ord(c) for c in chars]] = True

    def finditer(self, text: str):
        end = 0
        match = self.pattern.match
        for pos in np.flatnonzero(self.table[np.minimum(code_points(text), 0xFFFF)]).tolist():
            if pos >= end and (m := match(text, pos)) is not None:
                end = m.end()
                yield m


_WHOLE_LINE_RE = re.compile(r"[^\n]*")
_REGEX_SPECIAL = set(".^$*+?{}[]()|\\")


def literal_prefixes(pattern: str) -> list[str] | None:
    """The literal text each top-level alternative of ``pattern`` must start with, or None.

    ``'ICP备\\d*号|公网安备'`` → ``['ICP备', '公网安备']``; None when an alternative starts with
    regex syntax (a class, a group, an escape), so no literal is required.
    """
    alternatives, depth, cur, i = [], 0, "", 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            cur += pattern[i : i + 2]
            i += 2
            continue
        if ch == "[":  # skip a character class whole
            j = pattern.find("]", i + 2)
            j = len(pattern) - 1 if j < 0 else j
            cur += pattern[i : j + 1]
            i = j + 1
            continue
        depth += ch == "("
        depth -= ch == ")"
        if ch == "|" and depth == 0:
            alternatives.append(cur)
            cur = ""
        else:
            cur += ch
        i += 1
    alternatives.append(cur)
    out = []
    for alt in alternatives:
        n = 0
        while n < len(alt) and alt[n] not in _REGEX_SPECIAL:
            n += 1
        if n < len(alt) and alt[n] in "*?{":  # a quantifier makes the last character optional
            n -= 1
        if n <= 0:
            return None
        out.append(alt[:n])
    return out


class LineCandidates:
    """``finditer`` over the whole lines that may hold furniture (a superset; see below).

    Patterns anchored at the line start are one regex, searched as the newline before the line
    (and tried once at the text's start): a pattern that starts with a literal character lets
    ``re`` skip to its next occurrence, where a leading ``^`` is tried at every position. An
    unanchored pattern would make ``re`` try it at every position of every line (most of
    cleaning time on long reports), so when each of its alternatives starts with literal text
    (ICP备…, 公网安备) that text is found with ``str.find`` and the line around each hit is a
    candidate; otherwise it is searched by regex along the line. Matches are ``re.Match``
    objects of whole lines, in text order, as ``re.finditer`` would give them.
    """

    def __init__(self, anchored: re.Pattern[str] | None, literals: list[str], floating: re.Pattern[str] | None):
        self.anchored = anchored  # ^[^\S\n]*(?:...), multi-line
        self.literals = literals
        self.floating = floating
        self.after_newline = (re.compile("\n" + anchored.pattern.removeprefix("^"), anchored.flags)
                              if anchored else None)

    def finditer(self, text: str):
        found: dict[int, re.Match[str]] = {}
        if self.anchored is not None:
            if self.anchored.match(text):
                found[0] = _WHOLE_LINE_RE.match(text)
            for m in self.after_newline.finditer(text):
                found[m.start() + 1] = _WHOLE_LINE_RE.match(text, m.start() + 1)
        if self.floating is not None:
            for m in self.floating.finditer(text):
                found.setdefault(m.start(), m)
        for lit in self.literals:
            i = text.find(lit)
            while i >= 0:
                start = text.rfind("\n", 0, i) + 1
                if start not in found:
                    found[start] = _WHOLE_LINE_RE.match(text, start)
                end = text.find("\n", i)
                i = -1 if end < 0 else text.find(lit, end)
        return iter([found[k] for k in sorted(found)])


def furniture_candidates(patterns: list[str]) -> LineCandidates:
    """Every whole line on which a furniture pattern could match (``LineCandidates``).

    Patterns anchored at the line start are tried only at line starts (after indentation);
    the few unanchored ones by their literal start when they have one. ``\\s`` becomes "space
    but not newline" so a candidate never runs into the next line. A superset: ``clean``
    still checks each candidate line against the exact patterns.
    """
    anchored, floating, literals = [], [], []
    for pat in patterns:
        pat = pat.replace("\\s", "[^\\S\\n]")
        if pat.endswith("$") and not pat.endswith("\\$"):
            pat = pat[:-1]
        if pat.startswith("^"):
            anchored.append(f"(?:{pat.removeprefix('^')})")
        elif (lits := literal_prefixes(pat)) is not None:
            literals.extend(lits)
        else:
            floating.append(f"(?:{pat})")
    return LineCandidates(
        re.compile(r"^[^\S\n]*(?:" + "|".join(anchored) + r")[^\n]*", re.M) if anchored else None,
        list(dict.fromkeys(literals)),
        re.compile(r"^[^\n]*?(?:" + "|".join(floating) + r")[^\n]*", re.M) if floating else None)


_BMP = "".join(map(chr, range(0x10000)))


class Triggers:
    """Which patterns can match a text at all, from one look-up of its code points.

    Python's ``re`` scans tens of nanoseconds per character for a pattern with no literal
    prefix; most documents contain none of the characters a pattern needs (a tone-marked
    vowel for pinyin, U+FFFD for damage), so a per-character bit table over the Basic
    Multilingual Plane says which passes to run. Characters beyond it trigger nothing.
    """

    def __init__(self, classes: dict[str, str]) -> None:
        if len(classes) > 32:
            raise ValueError("at most 32 trigger classes")
        self.bit = {name: 1 << i for i, name in enumerate(classes)}
        self.table = np.zeros(0x10000, dtype=np.uint32)
        for name, cls in classes.items():
            hits = [m.start() for m in re.finditer(f"[{cls}]", _BMP)]
            self.table[hits] |= self.bit[name]

    def present(self, text: str | np.ndarray) -> set[str]:
        """The classes with a character in ``text`` (a string or its ``code_points``)."""
        cp = np.minimum(code_points(text) if isinstance(text, str) else text, 0xFFFF)
        flags = int(np.bitwise_or.reduce(self.table[cp])) if len(cp) else 0
        return {name for name, bit in self.bit.items() if flags & bit}


@cache  # t2s(), t2s(False) and t2s(True) are three keys: none may evict another
def t2s(taiwan: bool = False):
    """Traditional → Simplified (OpenCC; built once per process): Hong Kong's and, with ``taiwan``,
    Taiwan's variant forms to OpenCC's standard Traditional first, then ``t2s``.

    Why: ``t2s`` alone keeps the regional variants, and reports converted to Traditional by a
    site's s2hk or s2tw button carry them: 衞生 stayed 衞生 (and so did a body's name,
    淄博市衞生健康委员会), 著力 stayed 著力 where Simplified writes 着力. Hong Kong's variants are
    single characters that Simplified text never holds, so they are always mapped; Taiwan's 著 → 着
    is decided by phrase (著力 but 著作, 顯著), which only works in Traditional context — on a
    Simplified report holding a stray Traditional character it turned 显著 into 显着 (115 corpus
    reports) — so ``nlp.ingest.clean`` asks for it only for a text it found to be Traditional.
    """
    import opencc

    steps = [opencc.OpenCC("hk2t").convert] + ([opencc.OpenCC("tw2t").convert] if taiwan else [])
    steps.append(opencc.OpenCC("t2s").convert)

    def convert(text: str) -> str:
        for step in steps:
            text = step(text)
        return text

    return convert


# Code points checked for what OpenCC changes: the Basic Multilingual Plane (CJK, compatibility
# ideographs, punctuation and symbols) and the CJK extension planes (U+20000-U+323AF).
_T2S_SCAN = ((0x20, 0xD800), (0xE000, 0x10000), (0x20000, 0x323B0))


@lru_cache(maxsize=1)
def t2s_changes() -> np.ndarray:
    """Per code point (up to the last scanned, plus one False slot): does Traditional →
    Simplified (``t2s()``, Hong Kong's variants included) change this character on its own?

    Why: OpenCC reads every character of every report (about 30 ns each, the largest single
    cost of cleaning), though most reports are Simplified already; a report with none of these
    characters is left as it is (``nlp.ingest.clean.has_traditional``). Built from the installed OpenCC itself
    (each character converted alone), so it follows its dictionaries. What a skipped text
    misses is OpenCC's phrase rules firing on Simplified text, and on the corpus these were all
    errors: 2,612 of the 2,763 reports hold no such character, and in the 16 of those that OpenCC
    would change it turned 审批覆盖面 into 审批复盖面 (批覆 read as a Traditional word), 在沈
    (Shenyang) into 在沉 and the place name 藉口 into 借口.
    """
    chars = [chr(c) for lo, hi in _T2S_SCAN for c in range(lo, hi)]
    converted = t2s()("\n".join(chars)).split("\n")
    table = np.zeros(_T2S_SCAN[-1][1] + 1, dtype=bool)
    if len(converted) != len(chars):  # a conversion that changed the line count: always convert
        table[:] = True
        return table
    table[[ord(c) for c, d in zip(chars, converted, strict=True) if c != d]] = True
    return table
