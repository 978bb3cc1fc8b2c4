"""Quantities in the reports' text → rows of indicators (what was measured, how much, in what unit).

A quantity is a written number (``nlp.indicators.numbers``) followed by a measure word of the
indicator types' data file (``nlp/data/indicators.yaml``: 件, 起, 次, 场次, 人次, %, 个百分点, 万元, …).
Not quantities: dates and years (no measure word follows them), document numbers (〔2023〕5号),
ordinals (第3次), numbers inside 《》 titles, durations (3个工作日, 6个月), Chinese numerals spelled
digit by digit (唯一一家: not 11) and Chinese numerals under ten without 余/多 — the set phrases of
the genre (三项制度, 两个确立, 一个专班, 四个意识).

Each quantity's indicator is the type of the noun it counts when a cue follows the measure word
within ``noun_within`` characters ("开展7次案件评查", "84名法律顾问", "941项依申请政务服务事项"),
else of the cue phrase that ends nearest before it, within its comma phrase and ``window``
characters (the quantity before it ends the search: "受理案件704件，办结471件" — the second count
inherits the latest type of its clause when its measure word fits and it ends its phrase), else
``other``. A count of attendance (人次) can be of the audience of an activity's type ("学习考试9期，
参与人数21万人次" → trainees); a not-cue ("2起案例", "实事项目") leaves a quantity ``other``; a
phrase opening with 其中 keeps the type of the whole; a cue of two types takes the one its clause
counts. The rules' words are data: ``nlp/data/indicators.yaml``.
Qualifiers: ``approx`` (余/多/近/约/逾/超过), ``change`` (同比增长/下降…: the number is a change,
kept apart from the level it changes), ``cumulative`` (累计), ``target`` (the unit is in a plans
section: a target, not a result). See ``INDICATOR_COLUMNS`` for the table.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from nlp.indicators.numbers import CN_NUM, DIGITS, NUMBER, SPACES, for_matching, parse_number
from nlp.resources import read_data_text

INDICATOR_COLUMNS = ["doc_id", "unit_id", "domain", "indicator", "label", "stage", "value", "value_max", "unit",
                     "qualifier", "approx", "year", "region", "level", "body", "role", "sentence", "text",
                     "start", "end"]
CLAUSE_END = "。；！？\n"
CHANGE = re.compile(r"(同比|比上年|较上年|较去年|环比)?(增长|增加|上升|提高|提升|下降|减少|降低)了?(?:约|近)?$")
# the last characters of CHANGE's verbs: a text can end with a change only if one is among its
# last four (the verb, 了, 约/近, a final newline ``$`` allows); checked before the pattern
_CHANGE_TAIL = re.compile("[长加升高降少低]")
# after 个, a span of time: 3个工作日, 6个月 (天 and 日 take no 个: 3个天然气项目, 5个日间照料中心 are counts;
# no other measure word makes a duration: 100项年度重点工作, 5家年销售超亿元企业 are counts)
DURATION_AFTER = ("工作日", "月", "小时", "周", "年", "季度", "学期")
# 年 after 个 is a year only as 年头 or a 年度 that ends its phrase (连续3个年度，); 543个年度重点项目 and
# 17个年销售超亿元的企业 count things (35 of the corpus's 38 N个年度 are such counts)
_YEARS = re.compile(r"年(?:头|度(?:$|[，,；;。：:、（）()\n]))")
# a Chinese-numeral count of rules that names a code of conduct, as 八项规定 does: 省委十项规定, 省委省政府
# 二十条规定 (173 in the corpus). Not measures: a report's “十条举措” of its own counts what it made
_PACKAGE_AFTER = ("规定", "禁令")
DIVIDERS = "，,；;。：:、（）()\n"
AFTER_WINDOW = 12  # characters after a measure word searched for the noun it counts
_CLAUSE_END_RE = re.compile(f"[{re.escape(CLAUSE_END)}]")
_SENTENCE_END_RE = re.compile("[。；！？]")
_NOUN_END_RE = re.compile(rf"[{re.escape(DIVIDERS)}\d]")  # where the noun after a measure word ends at the latest
_DOC_NUMBER = re.compile(r"\d{4}[〕\]］)）]")
# a list of counts in 个 that ends with a duration is a list of durations (压减至2个、2.5个、80个工作日)
_LIST_ON = "、和至到~～-"
_LISTED_DURATION = re.compile(rf"(?:[{re.escape(_LIST_ON)}]{NUMBER}个?)+(?:{'|'.join(DURATION_AFTER)})")
_PRE_WORDS = ("近", "约", "逾", "超过", "超", "达到近")  # the words before a number that make it approximate
_RANGE_SEPARATORS = "-~～至到"
# every character a quantity can hold before its measure word: an approximation word, the number
# (digits, separators, Chinese numerals, 万 亿 余 多: ``nlp.indicators.numbers.NUMBER``) and a
# range's separator
_BEFORE_UNIT = "".join(sorted(set("".join(_PRE_WORDS) + _RANGE_SEPARATORS + ",.万亿余多" + CN_NUM)))
_NUMBER_END = rf"\d{CN_NUM}万亿余多"  # the characters a written number can end with
_BEFORE_UNIT_SET = frozenset(_BEFORE_UNIT)
_BIG_OR_APPROX = frozenset("余多万亿")
_PERCENT_AFTER = re.compile(r"\d+(?:\.\d+)?%")
_ROUND_ALONE = frozenset(("百", "千", "万"))
_OPENING_QUOTES = frozenset("“‘「『")


@dataclass(frozen=True)
class IndicatorType:
    name: str
    domain: str
    label: str
    cues: tuple[str, ...]
    units: frozenset[str]
    audience: str = ""  # the type counting the people this activity reached (讲座 → 受众, 培训 → 参训人次)
    # words one of which the quantity's clause must hold for this type (学法 sessions must be about
    # law: 开展“第一议题”学习42次 is political study, ``other``); empty: no condition
    requires: tuple[str, ...] = ()
    # or, when the quantity's comma phrase holds one of the first words, the unit one of the second:
    # a session of a party group's theory study group (理论学习中心组) in a unit that speaks of 法治 is
    # law study though its own clause names no law (开展党组理论学习中心组学习18期)
    unit_requires: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    # words that, in the phrase before the number, make this type the one a cue shared with other
    # types gives (讲座 is publicity, but 常务会议法治专题讲座 and 领导干部法治讲座 are officials' law study)
    preferred_when: tuple[str, ...] = ()
    # the type's own stages (what was done to the laws, rules or items counted: enacted, amended,
    # repealed; cancelled, delegated…), in place of the case stages, as (word, stage) pairs and
    # their words as one pattern (longest first: 削减到 is what is kept, 削减 what is cut); a count
    # whose phrase names several stages is a combined one
    stages: tuple[tuple[str, str], ...] = ()
    stage_re: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Rules:
    window: int
    # measure word -> how far after it the counted noun may start: ``noun_within`` characters (its
    # modifiers), or anywhere in the phrase after a measure word of people (``people_units``), where
    # the cue says what the people are or did (80余名公职人员参加法治专题培训)
    noun_reach: dict[str, int]
    units: tuple[str, ...]
    types: tuple[IndicatorType, ...]
    stages: dict[str, tuple[str, ...]]
    quantity: re.Pattern[str]
    cue_re: re.Pattern[str]  # the cues and the not-cues, longest first
    cue_types: dict[str, tuple[IndicatorType, ...]]  # () for a not-cue
    anchor: re.Pattern[str] | None  # where a quantity can stand (``_quantity_matches``)
    stage_res: tuple[tuple[str, re.Pattern[str]], ...]  # ``stages`` as patterns, in order
    # measure word -> a class of the first characters of the cues that can type a quantity in it
    # (None: no type is counted in it). Where none stands, no cue can type a quantity: most
    # quantities of work reports (98% in the corpus) have no type, and this check is a third of the
    # cue search's cost. (A not-cue only matters where it hides a cue, whose characters it holds.)
    cue_starts: dict[str, re.Pattern[str] | None]
    # the same with the not-cues' first characters, for the noun after the measure word (2起案例:
    # a not-cue there makes the quantity ``other`` even when it hides no cue), as the pattern's
    # ``search`` and the end of the span it may start in (``noun_reach`` + 1), for a measure word
    # some type is counted in
    noun_starts: dict[str, tuple[Callable[[str, int, int], re.Match[str] | None], int]]
    # measure word -> cue -> the types that cue can give a quantity in it, the default first: the
    # cue's types counted in it, else (a measure word of attendance, ``audience_units``) their
    # audiences that are (讲座 → publicity_audience for 人次); the cue before the number
    before: dict[str, dict[str, tuple[IndicatorType, ...]]]
    noun: dict[str, dict[str, IndicatorType]]  # the same for the noun after the measure word: own types only
    # measure word -> type name -> the type a later count in it inherits from a quantity of that type
    inherit: dict[str, dict[str, IndicatorType]]
    not_cues: frozenset[str]
    subset_words: tuple[str, ...]  # a phrase opening with one (其中) counts a part of the count before it
    subset_re: re.Pattern[str]  # any of them (most phrases hold none: their start is then not looked for)
    # 分别 lists (``_respective_items``): the word ending a phrase before a list's first number (a
    # few words, such as 同比下降, may stand between), the links between items and between numbers,
    # and how an item without a cue is told to share the list's head or to name its own measure
    respective: tuple[str, ...] = ()
    respective_re: re.Pattern[str] = re.compile("(?!)")
    list_links: tuple[str, ...] = ()
    list_split_re: re.Pattern[str] = re.compile("(?!)")
    own_measure_endings: tuple[str, ...] = ()
    rate_units: frozenset[str] = frozenset()
    # a count whose phrase holds one of these (``no_inherit``) inherits no type: it counts what they name
    no_inherit_re: re.Pattern[str] = re.compile("(?!)")
    # a rate (``rate_units``) whose phrase holds one of these (``no_inherit_rates``: 率) names a rate of
    # its own and inherits none: 信访事项按期办结率100% after 化解率94.5% is no mediation success rate
    no_inherit_rates_re: re.Pattern[str] = re.compile("(?!)")
    # measure words in which a change whose phrase names what changed inherits no type
    # (``no_inherit_changes``: %): a rate's change is in 个百分点, so 刑事案件立案数下降32.8% after
    # 调解成功率96.7% is a count's change; 满意度100%，比上年增长0.5% is the rate's
    no_inherit_changes: frozenset[str] = frozenset()
    unit_spellings: dict[str, str] = field(default_factory=dict)  # another spelling -> its measure word


def _unit_requires(name: str, spec) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A type's ``requires_in_unit`` (``{when: [...], words: [...]}``) as (when, words)."""
    if not spec:
        return (), ()
    if not isinstance(spec, dict) or not spec.get("when") or not spec.get("words"):
        raise ValueError(f"indicators.yaml: {name}: requires_in_unit needs both 'when' and 'words' lists")
    return tuple(str(w) for w in spec["when"]), tuple(str(w) for w in spec["words"])


def load_rules(path: str | Path | None = None) -> Rules:
    """The indicator types of ``nlp/data/indicators.yaml``, or of a user's file (``rules_data``).

    A bad file raises ``ValueError`` with one line naming it and the problem."""
    return _load_rules(str(path) if path else None)


def rules_data(path: str | None = None) -> dict:
    """The rules file's data: the packaged ``indicators.yaml``, or a user's file — a complete one
    of the same form, or one that opens with ``extends: packaged`` and holds only what it adds.

    Why the second form: a researcher adding an indicator (公共法律服务工作站, 行政处罚案件) wants the
    packaged types and rule words kept as they are, and the next release's improvements with them,
    not a copy of the whole file to maintain. What it holds is merged over the packaged file:
    ``types`` by name (a type of the same name replaces the packaged one; ``null`` removes it),
    lists (``units``, ``not_cues``, ``no_inherit``, …) extended, ``stages`` and
    ``not_measure_word_before`` extended word list by word list, numbers (``window``) replaced.
    A type's measure words are measure words whichever file names them.
    """
    name = path or "the packaged indicators.yaml"
    try:
        data = yaml.safe_load(read_data_text("indicators.yaml", path))
    except OSError as err:
        raise ValueError(f"{name}: cannot read the indicator types ({err.strerror or err})") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ValueError(f"{name}: not valid YAML{where}: {getattr(err, 'problem', None) or err}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{name}: an indicator types file is a mapping with `types` (see nlp/data/indicators.yaml)")
    extends = data.pop("extends", None)
    if extends is not None:
        if extends != "packaged":
            raise ValueError(f"{name}: `extends` can only be `packaged` (the indicator types shipped with fazhi)")
        data = _merged(rules_data(None), data, name)
    _check_types(data, name)
    return data


def _merged(base: dict, extra: dict, name: str) -> dict:
    """``extra`` (a user's ``extends: packaged`` file) merged over ``base`` (see ``rules_data``)."""
    out = dict(base)
    for key, value in extra.items():
        if key not in base:
            raise ValueError(f"{name}: unknown key `{key}` (the keys are those of nlp/data/indicators.yaml)")
        old = base[key]
        if key == "types":
            if not isinstance(value, dict):
                raise ValueError(f"{name}: `types` must be a mapping of type names to their fields")
            types = dict(old)
            for type_name, spec in value.items():
                if spec is None:
                    types.pop(type_name, None)
                else:
                    types[type_name] = spec
            out[key] = types
        elif isinstance(old, list):
            out[key] = list(dict.fromkeys([*old, *_as_list(value, key, name)]))
        elif isinstance(old, dict):
            if not isinstance(value, dict):
                raise ValueError(f"{name}: `{key}` must be a mapping, as in nlp/data/indicators.yaml")
            out[key] = {**old, **{k: list(dict.fromkeys([*old.get(k, []), *_as_list(v, f"{key}.{k}", name)]))
                                  for k, v in value.items()}}
        else:
            out[key] = value
    return out


def _as_list(value, key: str, name: str) -> list:
    if not isinstance(value, list):
        raise ValueError(f"{name}: `{key}` must be a list, as in nlp/data/indicators.yaml")
    return value


def _check_types(data: dict, name: str) -> None:
    """Every type has cue and measure-word lists and a taxonomy domain (or none)."""
    from nlp.taxonomy import load_taxonomy

    types = data.get("types")
    if not isinstance(types, dict) or not types:
        raise ValueError(f"{name}: no `types` (a mapping of indicator names to cues, units, domain, label)")
    codes = set(load_taxonomy().codes)
    for type_name, spec in types.items():
        if not isinstance(spec, dict):
            raise ValueError(f"{name}: type `{type_name}` must be a mapping (cues, units, domain, label)")
        for key in ("cues", "units"):
            value = spec.get(key)
            if not isinstance(value, list) or not value:
                raise ValueError(f"{name}: type `{type_name}` needs a non-empty list `{key}`")
        domain = spec.get("domain") or ""
        if domain and domain not in codes:
            raise ValueError(f"{name}: type `{type_name}` has domain `{domain}`, which is no taxonomy domain "
                             f"({', '.join(sorted(codes))}, or empty)")


@lru_cache(maxsize=4)
def _load_rules(path: str | None) -> Rules:
    """``load_rules``, once per file: a user's file that does not make rules (a pattern that does
    not compile, a field of the wrong shape) is one line naming it, as a bad YAML file is."""
    data = rules_data(path)
    try:
        return _rules(data)
    except (ValueError, TypeError, AttributeError, KeyError, re.error) as err:
        if path is None:
            raise
        problem = str(err).removeprefix("indicators.yaml: ")
        kind = "" if isinstance(err, ValueError) else f"{type(err).__name__}: "
        raise ValueError(f"{path}: {kind}{problem}") from None


def _rules(data: dict) -> Rules:
    """The rules a rules file's data (``rules_data``) makes."""
    types = tuple(IndicatorType(name, str(t.get("domain") or ""), str(t.get("label") or name),
                                tuple(str(c) for c in t["cues"]), frozenset(str(u) for u in t["units"]),
                                str(t.get("audience") or ""), tuple(str(w) for w in t.get("requires") or ()),
                                _unit_requires(name, t.get("requires_in_unit")),
                                tuple(str(w) for w in t.get("preferred_when") or ()),
                                *_own_stages(t.get("stages") or {}))
                  for name, t in data["types"].items())
    by_name = {t.name: t for t in types}
    unknown = sorted({t.audience for t in types if t.audience} - set(by_name))
    if unknown:
        raise ValueError(f"indicators.yaml: unknown audience types: {', '.join(unknown)}")
    # the measure words: the listed ones and every type's (a type counted in 套 makes 套 one)
    listed = dict.fromkeys([*(str(u) for u in data.get("units") or ()), *(u for t in types for u in t.units)])
    units = tuple(sorted(listed, key=len, reverse=True))
    spellings = {str(a): str(u) for u, spelled in (data.get("unit_spellings") or {}).items() for a in spelled}
    unknown = sorted(set(spellings.values()) - set(units))
    if unknown:
        raise ValueError(f"indicators.yaml: unit_spellings names no measure word: {', '.join(unknown)}")
    unit_alt = _unit_alternation(tuple(sorted([*units, *spellings], key=len, reverse=True)),
                                 data.get("not_measure_word_before") or {})
    quantity = re.compile(rf"(?P<pre>{'|'.join(_PRE_WORDS)})?(?P<num>{NUMBER})"
                          rf"(?:(?P<sep>[{re.escape(_RANGE_SEPARATORS)}])(?P<num2>{NUMBER}))?(?P<unit>{unit_alt})")
    cue_types: dict[str, list[IndicatorType]] = {}
    for t in types:
        for c in t.cues:
            cue_types.setdefault(c, []).append(t)
    not_cues = frozenset(str(c) for c in data.get("not_cues") or ()) - set(cue_types)  # a type's cue stays one
    attendance = frozenset(str(u) for u in data.get("audience_units") or ())

    def counted(ts: Iterable[IndicatorType], unit: str) -> IndicatorType | None:
        return next((t for t in ts if unit in t.units), None)

    def audience(t: IndicatorType, unit: str) -> IndicatorType | None:
        a = by_name.get(t.audience)
        return a if a is not None and unit in attendance else None  # 送法走访15.3万户: households reached

    noun = {u: {c: t for c, ts in cue_types.items() if (t := counted(ts, u)) is not None} for u in units}

    def candidates(ts: list[IndicatorType], unit: str) -> tuple[IndicatorType, ...]:
        own = tuple(t for t in ts if unit in t.units)
        return own or tuple(dict.fromkeys(a for t in ts if (a := audience(t, unit)) is not None))

    before = {u: {c: cs for c, ts in cue_types.items() if (cs := candidates(ts, u))} for u in units}
    inherit = {u: {t.name: a for t in types if (a := t if u in t.units else audience(t, u)) is not None}
               for u in units}
    stages = {k: tuple(str(w) for w in v) for k, v in (data.get("stages") or {}).items()}
    people = {str(u) for u in data.get("people_units") or ()}
    subset = tuple(str(w) for w in data.get("subset_words") or ())
    reach = {u: AFTER_WINDOW if u in people else int(data.get("noun_within", 2)) for u in units}
    respective = tuple(str(w) for w in data.get("respectively") or ())
    links = tuple(str(w) for w in data.get("list_links") or ())
    return Rules(int(data.get("window", 24)), reach, units, types, stages, quantity,
                 re.compile(_longest_first([*cue_types, *not_cues])),
                 {**{c: tuple(v) for c, v in cue_types.items()}, **dict.fromkeys(not_cues, ())}, _anchor(units),
                 tuple((k, re.compile("|".join(map(re.escape, v)) or "(?!)")) for k, v in stages.items()),
                 {u: _first_characters(list(before[u])) for u in units},
                 {u: ((_first_characters([*noun[u], *not_cues]) or re.compile("(?!)")).search, reach[u] + 1)
                  for u in units if before[u]},
                 before, noun, inherit, not_cues, subset, re.compile("|".join(map(re.escape, subset)) or "(?!)"),
                 respective, re.compile(rf"(?:{alternation(respective)})[^\d{re.escape(DIVIDERS)}]{{0,6}}$"),
                 links, re.compile(alternation(links)),
                 tuple(str(w) for w in data.get("own_measure_endings") or ()),
                 frozenset(str(u) for u in data.get("rate_units") or ()),
                 re.compile(alternation(str(w) for w in data.get("no_inherit") or ())),
                 re.compile(alternation(str(w) for w in data.get("no_inherit_rates") or ())),
                 frozenset(str(u) for u in data.get("no_inherit_changes") or ()), spellings)


def _own_stages(spec: dict) -> tuple[tuple[tuple[str, str], ...], re.Pattern[str] | None]:
    """A type's ``stages`` ({stage: [words]}) as (word, stage) pairs and one pattern of the words."""
    pairs = tuple((str(w), str(stage)) for stage, words in spec.items() for w in words)
    return pairs, re.compile(alternation(w for w, _ in pairs)) if pairs else None


def _unit_alternation(units: tuple[str, ...], not_before: dict) -> str:
    """The measure words as a pattern (longest first), each followed by none of the characters
    ``not_before`` lists for it.

    Why: a few measure words also begin common nouns: 部 counts laws and rules (地方性法规8部), but
    the 部 of 部署, 部分 and 部门 after a number (3部门联合印发) is no measure word."""
    unknown = sorted(set(map(str, not_before)) - set(units))
    if unknown:
        raise ValueError(f"indicators.yaml: not_measure_word_before names no measure word: {', '.join(unknown)}")
    after = {str(u): "".join(map(str, chars)) for u, chars in not_before.items()}
    return "|".join(re.escape(u) + (f"(?![{re.escape(after[u])}])" if after.get(u) else "") for u in units)


def alternation(words: Iterable[str]) -> str:
    """A pattern of any of ``words`` (longest first), or one that matches nothing."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) or "(?!)"


def _first_characters(cues: list[str]) -> re.Pattern[str] | None:
    """A class of the cues' first characters (an empty cue matches anywhere: a pattern that does too)."""
    if not cues:
        return None
    if not all(cues):
        return re.compile("")
    return re.compile(f"[{re.escape(''.join(sorted({c[0] for c in cues})))}]")


def _longest_first(words: Iterable[str]) -> str:
    """A pattern matching, at each position, the longest of ``words`` there: the alternation of the
    words sorted longest first, written as a trie (branching at shared prefixes, a longer continuation
    tried before the word ending).

    Why: ``re`` tries an alternation's branches one by one wherever the first character fits; the
    167 cues as a trie are one path per character (cue searches 1.5x as fast, the same matches).
    """
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}  # a word ends here

    def branches(node: dict) -> str:
        kids = [re.escape(ch) + branches(sub) for ch, sub in sorted(node.items()) if ch]
        if not kids:
            return ""
        body = kids[0] if len(kids) == 1 else f"(?:{'|'.join(kids)})"
        return f"(?:{body})?" if "" in node else body  # greedy: the longer word first

    return branches(trie) if trie else "(?!)"


def _anchor(units: tuple[str, ...]) -> re.Pattern[str] | None:
    """A pattern for the first character of a measure word right after a number's last character:
    every quantity has one, and starts in the run of ``_BEFORE_UNIT`` characters before it.

    Why: the quantity pattern opens with an optional word, so ``re`` cannot skip ahead by its first
    character and tries it at every position (95 ns a character, 4.5 s over the corpus's 47 M
    characters of paragraphs). This one opens with a small character class (the measure words'
    first characters, no ``\\d`` category to test on every character), which ``re`` scans for
    in C; it matches 193 k places in a third of the corpus, as many as there are quantities.
    None (no fast path) for an empty measure word.
    """
    if not units or not all(units):
        return None
    firsts = f"[{re.escape(''.join(sorted({u[0] for u in units})))}]"
    return re.compile(rf"{firsts}(?<=[{_NUMBER_END}]{firsts})")


@dataclass(slots=True)
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


def _excluded(text: str, num: str, start: int, end: int) -> bool:
    """The number ``num`` at ``start`` (its measure word ending at ``end``) is no quantity."""
    previous = text[start - 1 : start]  # "" at the start of the text
    word_before = text[max(0, start - 4) : start].rstrip(SPACES)[-1:] if previous in SPACES else previous
    if word_before and word_before in "第届":  # an ordinal (第3次; 十五届十次全会; 第 3 次)
        return True
    if previous in "〔[［(（" and _DOC_NUMBER.match(text, start):
        return True  # 〔2023〕5号
    if (text.startswith("个", end - 1) and text.startswith(DURATION_AFTER, end)
            and (text[end] != "年" or _YEARS.match(text, end))):  # 3个工作日, 6个月
        return True
    if (text.startswith("个", end - 1) and end < len(text) and text[end] in _LIST_ON
            and _LISTED_DURATION.match(text, end)):
        return True  # 2个、80个工作日
    if "《" in text and text.count("《", 0, start) > text.count("》", 0, start):  # inside a title
        return True
    if text.startswith("个", end - 1) and _PERCENT_AFTER.match(text, end):  # 事项3个100%: a set phrase
        return True
    if num in _ROUND_ALONE and (text.count("“", 0, start) > text.count("”", 0, start)
                                or num in text[max(0, start - 6) : start] or num in text[end : end + 6]):
        return True  # “百名机关党员进校园”, 百名法学家百场报告会: a campaign's name, not a count (为千名企业家 is)
    head = num[0]
    if head in CN_NUM:
        if text[end - 1] in "项条" and text.startswith(_PACKAGE_AFTER, end):
            return True  # 省委十项规定: a code's name
        if previous in _OPENING_QUOTES and text.startswith("个", end - 1):
            return True  # “十个严禁”, “十一个坚持”, “十个全覆盖”: a slogan, as 两个维护 (“十条举措” are ten)
        if _BIG_OR_APPROX.isdisjoint(num):
            if len(num) > 1 and all(ch in DIGITS for ch in num):  # spelled digit by digit: 唯一一家, not 11
                return True
            parsed = _parse(num)
            if parsed is None or (parsed[0] < 10 and not text.endswith("个百分点", 0, end)):
                return True  # 三项制度, 两个确立, 一个专班 (but 下降三个百分点 is a change)
    elif head.isdigit() and previous and (previous.isdigit() or previous in ".．"):
        return True  # the tail of a longer number the pattern split
    return False


_parse = lru_cache(maxsize=65536)(parse_number)  # the same few thousand numbers recur across reports


def _quantity_matches(text: str, rules: Rules, first: re.Match[str] | None = None) -> Iterator[re.Match[str]]:
    """``rules.quantity.finditer(text)``: the same matches, with the quantity pattern searched for
    only from the start of the run of ``_BEFORE_UNIT`` characters before the next ``rules.anchor``.

    Why the same: a quantity starting at or after ``pos`` has an anchor after its number, and
    nothing but ``_BEFORE_UNIT`` characters from its start to that anchor. So it starts after the
    next anchor's number, or inside the run before that anchor: never before the run's start,
    where the search begins. ``first``: the text's first anchor, when the caller has it.
    """
    anchor = rules.anchor
    if anchor is None:
        yield from rules.quantity.finditer(text)
        return
    search = rules.quantity.search
    pos = 0
    while (a := first or anchor.search(text, pos)) is not None:
        first = None
        b = max(a.start() - 1, pos)  # the number's last character, then back to the run's start
        while b > pos and ((ch := text[b - 1]) in _BEFORE_UNIT_SET or ch.isdecimal()):  # isdecimal: \d
            b -= 1
        m = search(text, b)
        if m is None:
            return
        yield m
        pos = m.end()


def find_quantities(text: str, rules: Rules | None = None) -> list[Quantity]:
    """Every quantity statement of ``text`` with its indicator (see the module docstring)."""
    return [Quantity(*q[:9]) for q in quantities(text, rules or load_rules())]


def quantities(text: str, rules: Rules) -> list[tuple]:
    """``find_quantities`` as tuples: ``Quantity``'s fields, then the sentence that states the
    quantity (from after the 。；！？ before it to the one after it, stripped).

    Why tuples, and the sentence here: the indicator tables need both for every quantity of a
    corpus; a tuple is cheaper to make and to read than an object, and the sentence's bounds
    are the clause bounds found here anyway (the same stops when the text holds no line break).
    """
    source, text = text, for_matching(text)  # the same length: offsets hold in both
    first = rules.anchor.search(text) if rules.anchor is not None else None
    if first is None and rules.anchor is not None:
        return []  # most paragraphs: no measure word after a number
    out: list[tuple] = []
    prev_end, prev_clause, prev_cue_lo = 0, -1, 0
    prev_untyped = ""
    typed: list[IndicatorType] = []
    clause_ends: list[int] = []
    stops: list[int] = []  # the sentence stops (。；！？): the clause ends but line breaks
    sentences: dict[int, str] = {}  # by the index of their stop
    window, stages, subset_words = rules.window, rules.stage_res, rules.subset_words
    subset_re = rules.subset_re
    cue_starts, noun_starts = rules.cue_starts, rules.noun_starts
    respective_re, links = rules.respective_re, rules.list_links
    spelled = rules.unit_spellings
    in_list, items, place, list_qualifier = False, None, 0, ""  # a 分别 list: its items, this number's place
    for m in _quantity_matches(text, rules, first):
        pre, num, _, num2, unit = m.groups()
        unit = spelled.get(unit, unit)
        start, end = m.span()
        if _excluded(text, num, m.start(2), end):
            continue
        parsed = _parse(num)
        if parsed is None:
            continue
        value, approx = parsed
        value_max = None
        if num2:
            second = _parse(num2)
            value_max = second[0] if second else None
        if pre:
            approx = True
        if prev_clause < 0:  # found once per text, not with five ``rfind`` per quantity
            clause_ends = [c.start() for c in _CLAUSE_END_RE.finditer(text)]
            stops = clause_ends if "\n" not in text else [c.start() for c in _SENTENCE_END_RE.finditer(text)]
        i = bisect_left(clause_ends, start)
        clause = clause_ends[i - 1] + 1 if i else 0  # where the quantity's clause starts
        lo = start - window if start - window > clause else clause
        cue_lo = lo
        if prev_clause == clause:
            if prev_end > lo:
                lo = cue_lo = prev_end
            if start == prev_end + 1 and text[prev_end] == "、":
                cue_lo = prev_cue_lo  # counts in a list share the phrase before them: 清理规范性文件2次、100余件
        before = text[lo:start]
        qualifier = ""
        if _CHANGE_TAIL.search(text, max(lo, start - 4), start) and CHANGE.search(before[-8:]):
            qualifier = "change"
        elif "累计" in before:
            qualifier = "cumulative"
        if prev_clause != clause:
            typed = []  # the typed quantities of this clause, latest last
        if in_list and prev_clause == clause and text[prev_end:start] in links:
            place += 1  # the next number of a 分别 list: its change is the list's (分别下降18%、35.8%)
            qualifier = qualifier or list_qualifier
        else:
            mark = respective_re.search(text, cue_lo, start)
            in_list = mark is not None
            if in_list:
                items, place, list_qualifier = _respective_items(text, mark, clause, prev_end if prev_clause == clause
                                                             else 0, end, rules), 0, qualifier
        itype = None
        cue_start = cue_starts.get(unit)
        if cue_start is not None:  # else no type is counted in this measure word (元, 篇, 处, ...)
            noun_start, reach = noun_starts[unit]
            if noun_start(text, end, end + reach):
                itype = _counted_noun(text, end, unit, rules)
            if itype is _UNCOUNTED:  # 2起案例: the noun counted is none of the types'
                itype = None
            elif itype is None and in_list and items is not None:
                itype = _list_item_type(items, place, unit, rules, typed)
            elif itype is None:
                # the cue search stops at the comma before the number: a cue before it names what
                # that phrase did (召开党组会20场次 is no study session for the 学习计划 before it)
                phrase = -1
                if typed and subset_re.search(text, cue_lo, start):  # 其中: a part of the count before
                    phrase = _phrase_start(text, cue_lo, start)
                    if text.startswith(subset_words, phrase):
                        itype = _inherited(typed, unit, rules)
                if itype is None and cue_start.search(text, cue_lo, start):  # most quantities: no cue before
                    if phrase < 0:
                        phrase = _phrase_start(text, cue_lo, start)
                    itype = _type_of(text[phrase:start], unit, rules, typed)
                # a count inherits the latest subject of its clause it can be counted in, when it
                # ends its phrase (受理案件704件，办结471件); one followed by more words counts what
                # they name (17个委办局对…; 新增就业3万人以上 after 培训2万人次 is no training)
                # — unless ``_inherits_nothing``
                if itype is None and typed and (end == len(text) or text[end] in DIVIDERS):
                    if phrase < 0:
                        phrase = _phrase_start(text, cue_lo, start)
                    after_untyped = prev_untyped == unit and prev_clause == clause
                    if not _inherits_nothing(text, phrase, start, unit, qualifier, rules,
                                             prev_end if after_untyped else -1):
                        itype = _inherited(typed, unit, rules)
        if itype is not None and itype.requires:  # the clause must say what the type is about
            said = text[clause : clause_ends[i] if i < len(clause_ends) else len(text)]
            if not any(w in said for w in itype.requires) and not _unit_says(text, start, end, itype):
                itype = None  # (the clause cut once, not once per word)
        stage = ""
        if itype is not None and itype.stages:  # what was done to the laws, rules or items counted
            # the whole comma phrase since the clause's last count, however long its list of titles
            # (制定实施平安建设、停车场建设管理、危险化学品安全管理3部地方性法规)
            floor = prev_end if prev_clause == clause and prev_end > clause else clause
            said = items[place] if in_list and items is not None else text[_phrase_start(text, floor, start) : start]
            stage_of = dict(itype.stages)
            named = {stage_of[w] for w in itype.stage_re.findall(said)}
            stage = named.pop() if len(named) == 1 else ""  # 制定修订政府规章4件: both, a combined count
        elif itype is not None and unit in ("件", "起", "宗"):
            tail = items[place][-12:] if in_list and items is not None else before[-12:]
            for name, words in stages:
                if words.search(tail):
                    stage = name
        k = i if stops is clause_ends else bisect_left(stops, start)
        sentence = sentences.get(k)
        if sentence is None:
            sentence = sentences[k] = source[stops[k - 1] + 1 if k else 0 : (stops[k] if k < len(stops)
                                                                        else len(text) - 1) + 1].strip()
        out.append((start + len(pre) if pre else start, end, value, value_max, unit, bool(approx), qualifier,
                    itype.name if itype else "other", stage, sentence))
        if itype is not None:
            typed.append(itype)
        prev_untyped = unit if itype is None else ""  # the measure word of an untyped count
        prev_end, prev_clause, prev_cue_lo = end, clause, cue_lo
    return out


def _inherits_nothing(text: str, phrase: int, start: int, unit: str, qualifier: str, rules: Rules,
                      untyped_end: int) -> bool:
    """Does a count whose phrase (``text[phrase:start]``) could inherit its clause's latest type
    count something else?

    - its phrase names a thing no type counts (``no_inherit``: 听取法治政府建设汇报13次 after
      集体学法6次 is no study session; 办理人大代表建议110件, 取消行政事业性收费26项);
    - it is a rate whose phrase names a rate (``no_inherit_rates``: 信访事项按期办结率100% after 化解率);
    - it is a change in % whose phrase names what changed (``no_inherit_changes``: 信访总量下降21%
      after 化解率95%; a bare 比上年增长0.5% after 满意度100% is the rate's);
    - it goes on, with no comma between (its phrase starts at or before ``untyped_end``), from an
      untyped count in the same measure word ending at ``untyped_end`` (-1: none):
      行政事业性收费由98项减少到48项 after 审批事项87项 is the fees' second figure.
    """
    return bool(rules.no_inherit_re.search(text, phrase, start)
                or (unit in rules.rate_units and rules.no_inherit_rates_re.search(text, phrase, start))
                or (qualifier == "change" and unit in rules.no_inherit_changes
                    and _names_its_subject(text[phrase:start]))
                or 0 <= phrase <= untyped_end)  # the phrase starts at or before it: no comma between


def _names_its_subject(phrase: str) -> bool:
    """Does a change's phrase name what changed (信访总量下降, 刑事案件立案数同比下降), not only the
    change (比上年增长, 同比下降: the change of the count before it)?"""
    change = CHANGE.search(phrase)
    return bool((phrase[: change.start()] if change else phrase).strip(SPACES + "，,、"))


def _phrase_start(text: str, lo: int, start: int) -> int:
    """Where the comma phrase of a number at ``start`` begins (not before ``lo``)."""
    return max(lo, text.rfind("，", lo, start) + 1, text.rfind(",", lo, start) + 1)


def _unit_says(text: str, start: int, end: int, itype: IndicatorType) -> bool:
    """Does ``itype``'s ``unit_requires`` hold: a word of its first list in the quantity's comma
    phrase and one of its second anywhere in the unit?"""
    when, words = itype.unit_requires
    if not when:
        return False
    lo = max(text.rfind(c, 0, start) for c in "，,。；") + 1
    hi = min((i for i in (text.find(c, end) for c in "，,。；") if i >= 0), default=len(text))
    phrase = text[lo:hi]
    return any(w in phrase for w in when) and any(w in text for w in words)


# what ``_counted_noun`` returns for a noun no type counts (a not-cue: 2起案例入选): the quantity is ``other``
_UNCOUNTED = IndicatorType("other", "", "other", (), frozenset())


def _type_of(before: str, unit: str, rules: Rules, typed: list[IndicatorType]) -> IndicatorType | None:
    """The type of the cue that ends nearest the number (ties: the longer cue) among those that can
    type a quantity in ``unit`` (``Rules.before``: a cue's own types, or their audience for people
    reached). A cue of several types gives the one its clause has already counted (``typed``, the
    latest first), else one whose ``preferred_when`` words stand in ``before``, else its first:
    举办法治讲座110期 is officials' study among 学法 counts or after 常务会议, publicity elsewhere.
    A not-cue nearest the number (实事项目, 观摩学习) ends the search: the phrase names something no
    type counts."""
    table, not_cues = rules.before[unit], rules.not_cues
    for cue in reversed(rules.cue_re.findall(before)):  # non-overlapping: the last ends nearest
        if cue in not_cues:
            return None
        found = table.get(cue)
        if found is not None:
            if len(found) > 1:
                for t in reversed(typed):
                    if t in found:
                        return t
                for t in found:
                    if t.preferred_when and any(w in before for w in t.preferred_when):
                        return t
            return found[0]
    return None


def _respective_items(text: str, mark: re.Match[str], clause: int, floor: int, end: int,
                      rules: Rules) -> list[str] | None:
    """The items of the 分别 list whose first number follows ``mark`` (分别 and the words up to the
    number, found by the caller; the number's measure word ends at ``end``): the phrase before
    分别 (from its clause's start, the last comma or ``floor``, the
    end of an earlier quantity of the clause) split at the list links, when it names as many items
    as there are numbers linked after this one (办结率、落实率、满意率分别达到99.3%、97.5%、96.3%);
    else None — the numbers cannot be paired (第一、二、三产业增加值分别增长…, or one item)."""
    head = max(clause, floor, text.rfind("，", clause, mark.start()) + 1, text.rfind(",", clause, mark.start()) + 1)
    items = [item for item in rules.list_split_re.split(text[head : mark.start()]) if item]
    if len(items) < 2:
        return None
    n, pos = 1, end
    while n <= len(items):
        link = next((w for w in rules.list_links if text.startswith(w, pos)), None)
        following = rules.quantity.match(text, pos + len(link)) if link is not None else None
        if following is None:
            break
        n, pos = n + 1, following.end()
    return items if n == len(items) else None


def _list_item_type(items: list[str], k: int, unit: str, rules: Rules,
                    typed: list[IndicatorType]) -> IndicatorType | None:
    """The type of the ``k``-th number of a 分别 list: its item's cue; else the type of the last
    item, the head the items share (行政机关、村（社区）证明事项; 受理、办结行政复议案件), unless the
    item is a rate that names its own measure (``Rules.own_measure_endings``: 办结率、满意率).
    Only the last item lends its type: in 示范村、整治村 the second village is not the first's."""
    def own(item: str) -> IndicatorType | None:
        found = rules.cue_starts[unit]
        return _type_of(item, unit, rules, typed) if found is not None and found.search(item) else None

    item = items[k]
    itype = own(item)
    if itype is not None or k == len(items) - 1:
        return itype
    if unit in rules.rate_units and item.endswith(rules.own_measure_endings):
        return None
    return own(items[-1])


def _inherited(typed: list[IndicatorType], unit: str, rules: Rules) -> IndicatorType | None:
    """The latest type of the clause that a count in ``unit`` can inherit: the type itself when it
    is counted in ``unit`` (受理案件704件，办结471件), or its audience for a count of attendance
    (组织学习考试9期，参与人数21万人次: the people the sessions reached)."""
    table = rules.inherit[unit]
    for t in reversed(typed):
        inherited = table.get(t.name)
        if inherited is not None:
            return inherited
    return None


def _counted_noun(text: str, pos: int, unit: str, rules: Rules) -> IndicatorType | None:
    """The type of a cue that starts right after the measure word ending at ``pos``, the noun the
    number counts: within ``rules.noun_reach`` characters, room for a short modifier (7次案件评查,
    84名法律顾问, 941项依申请政务服务事项; after 名/人/人次 the whole phrase: 89名领导干部参学,
    80余名公职人员参加法治专题培训); searched up to ``AFTER_WINDOW`` characters on, before any
    divider or digit (the next number's phrase is not this one's). The first such cue being a
    not-cue (2起案例, 58项为民办实事项目) gives ``_UNCOUNTED``. The text is not sliced: the patterns
    look neither behind nor ahead, so ``pos``/``endpos`` find what a slice would."""
    within = rules.noun_reach[unit]
    quote = text.find("“", pos, pos + within + 1)
    if quote >= 0:  # a quoted name inside the noun phrase does not count toward its reach:
        close = text.find("”", quote, quote + AFTER_WINDOW)  # 302个政务服务“证照分离”事项
        within += close - quote + 1 if close >= 0 else 0
    stop = pos + AFTER_WINDOW + (within - rules.noun_reach[unit])
    first = rules.cue_re.search(text, pos, stop)  # the window uncut: its first cue is no later than the cut's
    if first is None or first.start() - pos > within:
        return None  # most quantities: no cue right after the measure word
    divider = _NOUN_END_RE.search(text, pos, stop)
    table, not_cues = rules.noun[unit], rules.not_cues
    for c in rules.cue_re.finditer(text, pos, divider.start() if divider else stop):
        if c.start() - pos > within:
            break
        cue = c.group()
        if cue in not_cues:
            return _UNCOUNTED
        t = table.get(cue)
        if t is not None:
            return t
    return None


def type_domains(rules: Rules | None = None) -> dict[str, tuple[str, str]]:
    """Indicator name → (domain, label)."""
    rules = rules or load_rules()
    return {t.name: (t.domain, t.label) for t in rules.types}
