"""``RawDocument`` → ``Document``: furniture out, pinyin repaired, Simplified, normalized.

The order matters and is fixed here: pinyin goes first (furniture lines such as
相關(guān)圖片 carry it too), damage is detected before punctuation is normalized (a stray '?'
would otherwise look like a real question mark), and furniture is matched on Simplified,
width-normalized lines so one pattern serves every variant. Every step goes through
``MappedText`` so each clean character still points at its source position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import yaml

from nlp.documents import Document, RawDocument
from nlp.resources import read_data_text
from nlp.spans import MappedText, code_points

CJK_CLASS = "\u3400-\u9fff"
# Full-width ASCII → half-width (letters, digits, %, +, -, ., /): one code point each.
_FULL_TO_HALF = {cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)}
_FULL_TO_HALF.update({cp: cp - 0xFEE0 for cp in range(0xFF21, 0xFF3B)})
_FULL_TO_HALF.update({cp: cp - 0xFEE0 for cp in range(0xFF41, 0xFF5B)})
_FULL_TO_HALF.update({ord("％"): ord("%"), ord("＋"): ord("+"), ord("．"): ord("."),
                      ord("／"): ord("/"), ord("\u3000"): ord(" "), ord("\xa0"): ord(" "),
                      ord("﹝"): ord("〔"), ord("﹞"): ord("〕")})
# Every Unicode space variant (en/em/thin spaces, NBSP, ideographic space) becomes ' '.
_FULL_TO_HALF.update({cp: ord(" ") for cp in (*range(0x2000, 0x200B), 0x202F, 0x205F)})
_ZERO_WIDTH_RE = re.compile("[\u200b-\u200d\u2060\ufeff]")
# Half-width punctuation → the full-width form Chinese prose uses, except between digits
# (1,000 and 3:1 keep their ASCII form).
_HALF_PUNCT = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"}
# The patterns below start with a character class and check what precedes the match with a
# look-behind *after* it: the same matches as the plain forms in the comments, but a match
# starts at one of a few characters, so ``AtChars`` tries them only there (``*_AT`` below).
# [;!?()]|(?<!\d)[,:]|[,:](?!\d)
_HALF_PUNCT_RE = re.compile(r"[;!?(),:](?:(?<=[;!?()])|(?<!\d[,:])|(?!\d))")
# (?<=[CJK])[ \t]+(?=[CJK])
_CJK_GAP_RE = re.compile(rf"[ \t](?<=[{CJK_CLASS}][ \t])[ \t]*(?=[{CJK_CLASS}])")
# \*\*|__|^#{1,6}[ \t]+|^>[ \t]?   (multi-line)
_MD_MARKUP_RE = re.compile(r"[*_#>](?:(?<=\*)\*|(?<=_)_|(?<=^#)#{0,5}[ \t]+|(?<=^>)[ \t]?)", re.M)
_CRLF_RE = re.compile(r"\r\n?")
# [ \t]+$|^[ \t]+   (multi-line)
_TRAILING_WS_RE = re.compile(r"[ \t](?:(?<=^[ \t])[ \t]*|[ \t]*$)", re.M)


_HALF_TABLE = np.arange(0x10000, dtype=np.uint32)  # every BMP code point → its half-width form
_HALF_TABLE[sorted(_FULL_TO_HALF)] = [_FULL_TO_HALF[k] for k in sorted(_FULL_TO_HALF)]


def to_half_width(text: str) -> str:
    """``text.translate(_FULL_TO_HALF)`` with NumPy: every mapping is one code point to one.

    ``str.translate`` looks each character up in a dict; on a long Chinese text this does the
    same with one table look-up over an array (and returns ``text`` itself when nothing changes).
    """
    cp = code_points(text)
    bmp = np.minimum(cp, 0xFFFF)  # beyond the BMP nothing maps (0xFFFF maps to itself)
    half = _HALF_TABLE[bmp]
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


# The code-level patterns, each tried only at the characters its matches start with.
_ZERO_WIDTH_AT = AtChars(_ZERO_WIDTH_RE, "\u200b\u200c\u200d\u2060\ufeff")
_HALF_PUNCT_AT = AtChars(_HALF_PUNCT_RE, ";!?(),:")
_MD_MARKUP_AT = AtChars(_MD_MARKUP_RE, "*_#>")
_CJK_GAP_AT = AtChars(_CJK_GAP_RE, " \t")
_TRAILING_WS_AT = AtChars(_TRAILING_WS_RE, " \t")


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


# Characters without which a code-level pattern cannot match (regex character classes).
# Spaces include what width normalisation turns into a space.
_CODE_TRIGGERS = {
    "crlf": "\r",
    "half_punct": ";!?(),:",
    "markdown": "*_#>",
    "zero_width": "\u200b-\u200d\u2060\ufeff",
    "space": " \t\u3000\xa0\u2000-\u200a\u202f\u205f",
    "full_width": "".join(re.escape(chr(k)) for k in sorted(_FULL_TO_HALF)),
}
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


@dataclass
class CleaningRules:
    furniture_max_chars: int
    furniture_lines: list[re.Pattern[str]]
    furniture_candidates: LineCandidates  # whole lines that may contain a furniture pattern
    furniture_fields: dict[str, str]
    field_re: re.Pattern[str]
    pinyin: re.Pattern[str]
    damage: dict[str, re.Pattern[str]]
    triggers: Triggers  # code-level patterns, pinyin and damage patterns that have a trigger


@lru_cache(maxsize=4)
def load_rules(path: str | None = None) -> CleaningRules:
    """Load cleaning patterns from ``nlp/data/cleaning.yaml`` (or a user file)."""
    data = yaml.safe_load(read_data_text("cleaning.yaml", path))
    fields = data["furniture_fields"]
    alternatives = "|".join(f"(?P<{k}>{v})" for k, v in fields.items())
    return CleaningRules(
        furniture_max_chars=int(data["furniture_max_chars"]),
        furniture_lines=[re.compile(p) for p in data["furniture_lines"]],
        furniture_candidates=furniture_candidates(data["furniture_lines"]),
        furniture_fields=fields,
        field_re=re.compile(rf"(?:{alternatives})\s*[:：]\s*"),
        pinyin=re.compile(data["pinyin_after_char"]),
        damage={k: re.compile(v) for k, v in data["damage_patterns"].items()},
        triggers=Triggers({**_CODE_TRIGGERS, "pinyin": data.get("pinyin_trigger", "\\s\\S"),
                           **{f"damage_{k}": data.get("damage_triggers", {}).get(k, "\\s\\S")
                              for k in data["damage_patterns"]}}),
    )


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s").convert


# Code points checked for what OpenCC changes: the Basic Multilingual Plane (CJK, compatibility
# ideographs, punctuation and symbols) and the CJK extension planes (U+20000-U+323AF).
_T2S_SCAN = ((0x20, 0xD800), (0xE000, 0x10000), (0x20000, 0x323B0))


@lru_cache(maxsize=1)
def _t2s_changes() -> np.ndarray:
    """Per code point (up to the last scanned, plus one False slot): does Traditional →
    Simplified change this character on its own?

    Why: OpenCC reads every character of every report (about 30 ns each, the largest single
    cost of cleaning), though most reports are Simplified already; a report with none of these
    characters is left as it is (``has_traditional``). Built from the installed OpenCC itself
    (each character converted alone), so it follows its dictionaries. What a skipped text
    misses is OpenCC's phrase rules firing on Simplified text, and on the corpus these were all
    errors: 2,612 of the 2,763 reports hold no such character, and in the 16 of those that OpenCC
    would change it turned 审批覆盖面 into 审批复盖面 (批覆 read as a Traditional word), 在沈
    (Shenyang) into 在沉 and the place name 藉口 into 借口.
    """
    chars = [chr(c) for lo, hi in _T2S_SCAN for c in range(lo, hi)]
    converted = _t2s()("\n".join(chars)).split("\n")
    table = np.zeros(_T2S_SCAN[-1][1] + 1, dtype=bool)
    if len(converted) != len(chars):  # a conversion that changed the line count: always convert
        table[:] = True
        return table
    table[[ord(c) for c, d in zip(chars, converted, strict=True) if c != d]] = True
    return table


def has_traditional(text: str | np.ndarray) -> bool:
    """Whether ``text`` (a string or its ``code_points``) holds a character that OpenCC's t2s
    changes (see ``_t2s_changes``)."""
    table = _t2s_changes()
    cp = code_points(text) if isinstance(text, str) else text
    return bool(table[np.minimum(cp, len(table) - 1)].any())


def _furniture_fields(line: str, rules: CleaningRules) -> dict[str, str]:
    """Split a furniture line into its key/value fields."""
    out: dict[str, str] = {}
    matches = list(rules.field_re.finditer(line))
    for i, m in enumerate(matches):
        key = m.lastgroup or ""
        end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
        value = line[m.end() : end].strip()
        if key and value and key not in out:
            out[key] = value
    return out


def detect_script(before: str, after: str) -> str:
    """'traditional', 'simplified' or 'mixed', from how many characters T→S changed."""
    a, b = code_points(before), code_points(after)
    n = min(len(a), len(b))
    changed = int(np.count_nonzero(a[:n] != b[:n])) + abs(len(a) - len(b))
    cjk = int(np.count_nonzero((a >= 0x4E00) & (a <= 0x9FFF))) or 1
    ratio = changed / cjk
    if ratio > 0.08:
        return "traditional"
    return "mixed" if ratio > 0.01 else "simplified"


def clean(raw: RawDocument, rules: CleaningRules | None = None) -> Document:
    """Clean one raw document (see the module docstring for the order of steps)."""
    rules = rules or load_rules()
    warnings: list[str] = list(raw.warnings)
    mt = MappedText.identity(raw.text[raw.body_start :], raw.body_start)
    cp = code_points(mt.text)
    present = rules.triggers.present(cp)  # later steps create no trigger character (but T→S, below)
    traditional = has_traditional(cp)  # deleting pinyin and CRs below cannot add one
    del cp
    if "crlf" in present:
        mt = mt.sub(_CRLF_RE, "\n")
    n_pinyin = len(rules.pinyin.findall(mt.text)) if "pinyin" in present else 0
    if n_pinyin:
        mt = mt.sub(rules.pinyin, "")
        warnings.append(f"repaired: removed {n_pinyin} inline pinyin annotations")
    for name, pat in rules.damage.items():
        if f"damage_{name}" not in present:
            continue
        for m in pat.finditer(mt.text):
            s, _ = mt.source_span(m.start(), m.end())
            ctx = mt.text[max(0, m.start() - 3) : m.end() + 3].replace("\n", " ")
            warnings.append(f"unrepairable text ({name}) at source offset {s}: {ctx!r}")
    before = mt.text
    script = "simplified"
    if traditional and has_traditional(before):  # else nothing for OpenCC to do (see _t2s_changes)
        mt = mt.map_chars(_t2s())
        script = detect_script(before, mt.text)
        present = rules.triggers.present(mt.text)  # OpenCC may have written any character
    if "full_width" in present:
        mt = mt.map_chars(to_half_width)
    if "half_punct" in present:
        mt = mt.sub(_HALF_PUNCT_AT, lambda m: _HALF_PUNCT.get(m.group(0), m.group(0)))
    fields: dict[str, str] = {}
    if raw.fmt == "md" and "markdown" in present:
        mt = mt.sub(_MD_MARKUP_AT, "")

    def drop_furniture(m: re.Match[str]) -> str:
        line = m.group(0).strip()
        if len(line) > rules.furniture_max_chars:
            return m.group(0)
        if any(p.search(line) for p in rules.furniture_lines):
            for k, v in _furniture_fields(line, rules).items():
                fields.setdefault(k, v)
            return ""
        return m.group(0)

    mt = mt.sub(rules.furniture_candidates, drop_furniture)  # only lines that may be furniture
    if "zero_width" in present:
        mt = mt.sub(_ZERO_WIDTH_AT, "")
    if "space" in present:
        mt = mt.sub(_CJK_GAP_AT, "")
        mt = mt.sub(_TRAILING_WS_AT, "")
    for k, v in raw.front_matter.items():
        fields[f"fm_{k}"] = str(v)
    for k, v in raw.html_meta.items():
        fields[f"html_{k}"] = v
    if not mt.text.strip():
        warnings.append("nothing left after cleaning (the file holds only web-page furniture)")
    return Document(
        doc_id=raw.doc_id,
        source=raw.source,
        source_text=raw.text,
        text=mt.text,
        offsets=mt.offsets,
        fmt=raw.fmt,
        encoding=raw.encoding,
        script=script,
        fields=fields,
        warnings=warnings,
    )


def clean_string(text: str, fmt: str = "txt") -> str:
    """Clean a bare string (a labeled paragraph, a JSONL unit) exactly as a report's text."""
    raw = RawDocument(source="<string>", doc_id="string", text=text, fmt=fmt)
    return clean(raw).text.strip()
