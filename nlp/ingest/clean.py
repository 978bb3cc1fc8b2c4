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
from nlp.ingest._fast_clean import (
    AtChars,
    LineCandidates,
    Triggers,
    furniture_candidates,
    half_width_table,
    t2s,
    t2s_changes,
    translate_bmp,
)
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


_HALF_TABLE = half_width_table(_FULL_TO_HALF)


def to_half_width(text: str) -> str:
    """Full-width ASCII and the space variants → half-width (``_FULL_TO_HALF``), by one table
    look-up over the text's code points (``translate_bmp``)."""
    return translate_bmp(text, _HALF_TABLE)


# The code-level patterns, each tried only at the characters its matches start with.
_ZERO_WIDTH_AT = AtChars(_ZERO_WIDTH_RE, "\u200b\u200c\u200d\u2060\ufeff")
_HALF_PUNCT_AT = AtChars(_HALF_PUNCT_RE, ";!?(),:")
_MD_MARKUP_AT = AtChars(_MD_MARKUP_RE, "*_#>")
_CJK_GAP_AT = AtChars(_CJK_GAP_RE, " \t")
_TRAILING_WS_AT = AtChars(_TRAILING_WS_RE, " \t")


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


def has_traditional(text: str | np.ndarray) -> bool:
    """Whether ``text`` (a string or its ``code_points``) holds a character that Traditional →
    Simplified changes (see ``nlp.ingest._fast_clean.t2s_changes``)."""
    table = t2s_changes()
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


# Taiwan's variants are converted by phrase only in a text at least this Traditional (share of its CJK
# characters T→S changes on their own): whole Traditional reports measure 0.27-0.42 (the seeds,
# ingenre-dev, and ingenre-dev through s2tw / s2hk), Simplified reports holding stray Traditional
# characters at most 0.002.
TAIWAN_PHRASES_MIN_SHARE = 0.2


def traditional_share(text: str) -> float:
    """The share of ``text``'s CJK characters that T→S changes on their own (``t2s_changes``)."""
    cp = code_points(text)
    table = t2s_changes()
    cjk = int(np.count_nonzero((cp >= 0x4E00) & (cp <= 0x9FFF))) or 1
    return int(np.count_nonzero(table[np.minimum(cp, len(table) - 1)])) / cjk


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
    script, taiwan = "simplified", False
    if traditional and has_traditional(before):  # else nothing for OpenCC to do (see t2s_changes)
        # Taiwan's variants by phrase need Traditional context (see t2s): only for a Traditional text
        taiwan = traditional_share(before) >= TAIWAN_PHRASES_MIN_SHARE
        mt = mt.map_chars(t2s(taiwan))
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
        fields[f"fm_{k}"] = _normalize_field(str(v), taiwan)
    for k, v in raw.html_meta.items():
        fields[f"html_{k}"] = _normalize_field(v, taiwan)
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


def _normalize_field(value: str, taiwan: bool) -> str:
    """A file's own metadata field (front matter, an HTML page's <title> and <meta>) in the text's
    script and widths: a Traditional page's <title> named its body 北京市朝陽區人民政府, which no
    gazetteer entry matches. ``taiwan``: the text was Traditional enough for Taiwan's phrases."""
    if has_traditional(value):
        value = t2s(taiwan)(value)
    return to_half_width(value)


def clean_string(text: str, fmt: str = "txt") -> str:
    """Clean a bare string (a labeled paragraph, a JSONL unit) exactly as a report's text."""
    raw = RawDocument(source="<string>", doc_id="string", text=text, fmt=fmt)
    return clean(raw).text.strip()
