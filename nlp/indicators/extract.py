"""Quantities in the reports' text → rows of indicators (what was measured, how much, in what unit).

A quantity is a written number (``nlp.indicators.numbers``) followed by a measure word of the
indicator types' data file (``nlp/data/indicators.yaml``: 件, 起, 次, 场次, 人次, %, 个百分点, 万元, …).
Not quantities: dates and years (no measure word follows them), document numbers (〔2023〕5号),
ordinals (第3次), numbers inside 《》 titles, durations (3个工作日, 6个月), and Chinese numerals
under ten without 余/多 — the set phrases of the genre (三项制度, 两个确立, 一个专班, 四个意识).

Each quantity's indicator is the type of the noun it counts when a cue follows the measure word
at once ("开展7次案件评查", "84名法律顾问"), else of the cue phrase that ends nearest before it,
within the clause and ``window`` characters (the quantity before it ends the search: "受理案件
704件，办结471件" — the second count inherits the first's type when its measure word fits), else
``other``.
Qualifiers: ``approx`` (余/多/近/约/逾/超过), ``change`` (同比增长/下降…: the number is a change,
kept apart from the level it changes), ``cumulative`` (累计), ``target`` (the unit is in a plans
section: a target, not a result). See ``INDICATOR_COLUMNS`` for the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import yaml

from nlp.indicators.numbers import CN_NUM, NUMBER, parse_number
from nlp.resources import read_data_text

INDICATOR_COLUMNS = ["doc_id", "unit_id", "domain", "indicator", "label", "stage", "value", "value_max", "unit",
                     "qualifier", "approx", "year", "region", "level", "body", "role", "sentence", "text",
                     "start", "end"]
CLAUSE_END = "。；！？\n"
CHANGE = re.compile(r"(同比|比上年|较上年|较去年|环比)?(增长|增加|上升|提高|提升|下降|减少|降低)了?(?:约|近)?$")
DURATION_AFTER = ("工作日", "月", "小时", "天", "周", "年", "季度", "学期", "日")
DIVIDERS = "，,；;。：:、（）()\n"
AFTER_WINDOW = 12  # characters after a measure word searched for the noun it counts


@dataclass(frozen=True)
class IndicatorType:
    name: str
    domain: str
    label: str
    cues: tuple[str, ...]
    units: frozenset[str]


@dataclass(frozen=True)
class Rules:
    window: int
    units: tuple[str, ...]
    types: tuple[IndicatorType, ...]
    stages: dict[str, tuple[str, ...]]
    quantity: re.Pattern[str]
    cue_re: re.Pattern[str]
    cue_types: dict[str, tuple[IndicatorType, ...]]


@lru_cache(maxsize=4)
def load_rules(path: str | None = None) -> Rules:
    """The indicator types of ``nlp/data/indicators.yaml`` (or a user's file of the same form)."""
    data = yaml.safe_load(read_data_text("indicators.yaml", path))
    types = tuple(IndicatorType(name, str(t.get("domain") or ""), str(t.get("label") or name),
                                tuple(str(c) for c in t["cues"]), frozenset(str(u) for u in t["units"]))
                  for name, t in data["types"].items())
    units = tuple(sorted((str(u) for u in data["units"]), key=len, reverse=True))
    unit_alt = "|".join(re.escape(u) for u in units)
    quantity = re.compile(rf"(?P<pre>近|约|逾|超过|超|达到近)?(?P<num>{NUMBER})"
                          rf"(?:(?P<sep>[-~～至到])(?P<num2>{NUMBER}))?(?P<unit>{unit_alt})")
    cue_types: dict[str, list[IndicatorType]] = {}
    for t in types:
        for c in t.cues:
            cue_types.setdefault(c, []).append(t)
    cues = sorted(cue_types, key=len, reverse=True)
    return Rules(int(data.get("window", 24)), units, types,
                 {k: tuple(v) for k, v in (data.get("stages") or {}).items()}, quantity,
                 re.compile("|".join(re.escape(c) for c in cues)), {c: tuple(v) for c, v in cue_types.items()})


@dataclass
class Quantity:
    """One quantity statement of a text (offsets into that text)."""

    start: int
    end: int
    value: float
    value_max: float | None
    unit: str
    approx: bool
    qualifier: str
    indicator: str
    stage: str


def _excluded(text: str, m: re.Match) -> bool:
    num, start, end = m.group("num"), m.start("num"), m.end()
    if start and text[start - 1] == "第":  # an ordinal
        return True
    if text[start - 1 : start] in "〔[［(（" and re.match(r"\d{4}[〕\]］)）]", text[start:]):
        return True  # 〔2023〕5号
    if text.startswith(DURATION_AFTER, end):  # 3个工作日, 6个月
        return True
    if text[:start].count("《") > text[:start].count("》"):  # inside a title
        return True
    chinese = num[0] in CN_NUM
    if chinese and not any(ch in num for ch in "余多万亿"):
        parsed = parse_number(num)
        if parsed is None or parsed[0] < 10:  # 三项制度, 两个确立, 一个专班
            return True
    if num[0].isdigit() and start and (text[start - 1].isdigit() or text[start - 1] in ".．"):
        return True  # the tail of a longer number the pattern split
    return False


def _clause_start(text: str, pos: int) -> int:
    return max(text.rfind(ch, 0, pos) for ch in CLAUSE_END) + 1


def find_quantities(text: str, rules: Rules | None = None) -> list[Quantity]:
    """Every quantity statement of ``text`` with its indicator (see the module docstring)."""
    rules = rules or load_rules()
    out: list[Quantity] = []
    prev_end, prev_sentence = 0, -1
    typed: list[IndicatorType] = []
    for m in rules.quantity.finditer(text):
        if _excluded(text, m):
            continue
        parsed = parse_number(m.group("num"))
        if parsed is None:
            continue
        value, approx = parsed
        value_max = None
        if m.group("num2"):
            second = parse_number(m.group("num2"))
            value_max = second[0] if second else None
        unit = m.group("unit")
        approx = approx or bool(m.group("pre"))
        sentence = _clause_start(text, m.start())
        lo = max(sentence, m.start() - rules.window, prev_end if prev_sentence == sentence else 0)
        before = text[lo : m.start()]
        qualifier = ""
        if CHANGE.search(before[-8:]):
            qualifier = "change"
        elif "累计" in before:
            qualifier = "cumulative"
        if prev_sentence != sentence:
            typed = []  # the typed quantities of this sentence, latest last
        itype = _counted_noun(text[m.end() : m.end() + AFTER_WINDOW], unit, rules) or _type_of(before, unit, rules)
        if itype is None:  # a count inherits the latest subject of its sentence it can be counted in
            itype = next((t for t in reversed(typed) if unit in t.units), None)
        stage = ""
        if itype is not None and unit in ("件", "起", "宗"):
            tail = before[-12:]
            for name, words in rules.stages.items():
                if any(w in tail for w in words):
                    stage = name
        out.append(Quantity(m.start() + (len(m.group("pre")) if m.group("pre") else 0), m.end(), value, value_max,
                            unit, approx, qualifier, itype.name if itype else "other", stage))
        if itype is not None:
            typed.append(itype)
        prev_end, prev_sentence = m.end(), sentence
    return out


def _type_of(before: str, unit: str, rules: Rules) -> IndicatorType | None:
    """The type whose cue ends nearest the number (ties: the longer cue) among those counted in
    ``unit``."""
    best, best_key = None, None
    for c in rules.cue_re.finditer(before):
        for t in rules.cue_types[c.group()]:
            if unit in t.units:
                key = (c.end(), len(c.group()))
                if best_key is None or key > best_key:
                    best, best_key = t, key
    return best


def _counted_noun(after: str, unit: str, rules: Rules) -> IndicatorType | None:
    """The type of a cue that starts right after the measure word (within two characters: 7次案件评查,
    84名法律顾问, 5轮随机抽查), the noun the number counts."""
    cut = min((i for i in (after.find(ch) for ch in DIVIDERS) if i >= 0), default=len(after))
    for c in rules.cue_re.finditer(after[:cut]):
        if c.start() > 2:
            break
        for t in rules.cue_types[c.group()]:
            if unit in t.units:
                return t
    return None


def type_domains(rules: Rules | None = None) -> dict[str, tuple[str, str]]:
    """Indicator name → (domain, label)."""
    rules = rules or load_rules()
    return {t.name: (t.domain, t.label) for t in rules.types}
