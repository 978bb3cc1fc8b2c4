"""``RawDocument`` → ``Document``: furniture out, pinyin repaired, Simplified, normalized.

The order matters and is fixed here: pinyin goes first (furniture lines such as
相關(guān)圖片 carry it too), damage is detected before punctuation is normalized (a stray '?'
would otherwise look like a real question mark), and furniture is matched on Simplified,
width-normalized lines so one pattern serves every variant. Every step goes through
``MappedText`` so each clean character still points at its source position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import yaml

from nlp.data_files import read_data_text
from nlp.read import RawDocument
from nlp.spans import MappedText

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
_HALF_PUNCT_RE = re.compile(r"[;!?()]|(?<!\d)[,:]|[,:](?!\d)")
_CJK_GAP_RE = re.compile(rf"(?<=[{CJK_CLASS}])[ \t]+(?=[{CJK_CLASS}])")
_MD_MARKUP_RE = re.compile(r"\*\*|__|^#{1,6}[ \t]+|^>[ \t]?", re.M)
_CRLF_RE = re.compile(r"\r\n?")
_TRAILING_WS_RE = re.compile(r"[ \t]+$|^[ \t]+", re.M)


@dataclass
class CleaningRules:
    furniture_max_chars: int
    furniture_lines: list[re.Pattern[str]]
    furniture_fields: dict[str, str]
    field_re: re.Pattern[str]
    pinyin: re.Pattern[str]
    damage: dict[str, re.Pattern[str]]


@lru_cache(maxsize=4)
def load_rules(path: str | None = None) -> CleaningRules:
    """Load cleaning patterns from ``nlp/data/cleaning.yaml`` (or a user file)."""
    data = yaml.safe_load(read_data_text("cleaning.yaml", path))
    fields = data["furniture_fields"]
    alternatives = "|".join(f"(?P<{k}>{v})" for k, v in fields.items())
    return CleaningRules(
        furniture_max_chars=int(data["furniture_max_chars"]),
        furniture_lines=[re.compile(p) for p in data["furniture_lines"]],
        furniture_fields=fields,
        field_re=re.compile(rf"(?:{alternatives})\s*[:：]\s*"),
        pinyin=re.compile(data["pinyin_after_char"]),
        damage={k: re.compile(v) for k, v in data["damage_patterns"].items()},
    )


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s").convert


@dataclass
class Document:
    """A cleaned report.

    ``text`` is the analysis text (Simplified, normalized, furniture removed); ``offsets``
    maps each of its positions to ``source_text``. ``fields`` holds metadata found in the file
    itself (front matter, furniture lines, HTML meta), for ``nlp.meta`` to interpret.
    """

    doc_id: str
    source: str
    source_text: str
    text: str
    offsets: np.ndarray
    fmt: str
    encoding: str = ""
    script: str = "simplified"
    fields: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        return MappedText(self.text, self.offsets).source_span(start, end)


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
    a = np.frombuffer(before.encode("utf-32-le"), dtype=np.uint32)
    b = np.frombuffer(after.encode("utf-32-le"), dtype=np.uint32)
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
    mt = mt.sub(_CRLF_RE, "\n")
    n_pinyin = len(rules.pinyin.findall(mt.text))
    if n_pinyin:
        mt = mt.sub(rules.pinyin, "")
        warnings.append(f"repaired: removed {n_pinyin} inline pinyin annotations")
    for name, pat in rules.damage.items():
        for m in pat.finditer(mt.text):
            s, _ = mt.source_span(m.start(), m.end())
            ctx = mt.text[max(0, m.start() - 3) : m.end() + 3].replace("\n", " ")
            warnings.append(f"unrepairable text ({name}) at source offset {s}: {ctx!r}")
    before = mt.text
    mt = mt.map_chars(_t2s())
    script = detect_script(before, mt.text)
    mt = mt.map_chars(lambda t: t.translate(_FULL_TO_HALF))
    mt = mt.sub(_HALF_PUNCT_RE, lambda m: _HALF_PUNCT.get(m.group(0), m.group(0)))
    fields: dict[str, str] = {}
    if raw.fmt == "md":
        mt = mt.sub(_MD_MARKUP_RE, "")

    def drop_furniture(m: re.Match[str]) -> str:
        line = m.group(0).strip()
        if len(line) > rules.furniture_max_chars:
            return m.group(0)
        if any(p.search(line) for p in rules.furniture_lines):
            for k, v in _furniture_fields(line, rules).items():
                fields.setdefault(k, v)
            return ""
        return m.group(0)

    mt = mt.sub(re.compile(r"[^\n]+"), drop_furniture)
    mt = mt.sub(_ZERO_WIDTH_RE, "")
    mt = mt.sub(_CJK_GAP_RE, "")
    mt = mt.sub(_TRAILING_WS_RE, "")
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
