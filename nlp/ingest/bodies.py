"""Who issued a report: the organ's full name, its kind and, for a department, which department.

A quarter to a third of real rule-of-law reports come from departments (人社局, 教育局, 公安局, …),
not from a 司法局 or a 人民政府, and a township or a street office reports too. A body is accepted
only when it is spelled out with its place (高平市司法局, 重庆市潼南区龙形镇人民政府, 中共…委员会 and
…人民政府 jointly), or when the subject of the opening names its organ at a level (市司法局, 省政府)
and the report names its place at that level elsewhere (``compose_body``); a self-reference (我局,
本局, 我委) or a short form (市人社局) says what kind of body it is, never its name, so it fills
``body_type``/``department`` and leaves ``body`` empty.
Departments are data (``nlp/data/departments.yaml``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import yaml

from nlp.ingest.places import Place, place_in_name, starts_with_place, township_subject
from nlp.resources import read_data_text

_GOVERNMENT = re.compile(r"(?:人民政府|政府)$")
_STREET_OFFICE = re.compile(r"(?:街道办事处|街道办|办事处)$")
_PARTY = re.compile(r"^中共.+(?:委员会|党委|党工委|委)$")
_OTHER_ORGAN = re.compile(r"(?:依法治[省市县区旗镇]委员会办公室|依法治[省市县区旗镇]办公室|依法治[省市县区旗镇]办|"
                          r"法制办公室|法制办|委员会|办公室|管理委员会)$")
_JOINT = re.compile(r"^(中共\S+?(?:委员会|党委|党工委|委))(\S+?(?:人民政府|政府|街道办事处))$")
_SELF_DEPARTMENT = re.compile(r"(?:我局|本局|我厅|本厅|我委|本委)")
_SUBJECT_START = re.compile(r"(?:^|\d{4}年度?(?:以来)?[，,]?\s*|(?:一年来|过去一年|今年以来)[，,]\s*"
                            r"|(?:领导|指导|支持|监督)下[，,]\s*|现将|^[一-龥]{0,4}[:：]\s*)")


@dataclass(frozen=True)
class Body:
    """An issuing body: ``name`` only when spelled out in full, ``place`` the government it belongs to."""

    name: str
    body_type: str
    department: str = ""
    place: Place | None = None


@lru_cache(maxsize=1)
def _department_table() -> dict:
    return yaml.safe_load(read_data_text("departments.yaml"))


@lru_cache(maxsize=1)
def departments() -> dict[str, str]:
    """The names reports use for a department → its normalized name."""
    return {alias: norm for norm, aliases in _department_table().items() if norm != "abbreviations"
            for alias in aliases}


@lru_cache(maxsize=1)
def abbreviations() -> frozenset[str]:
    """Departments' short forms (人社局, 卫健委), listed in ``departments.yaml``."""
    return frozenset(_department_table().get("abbreviations", []))


@lru_cache(maxsize=1)
def _department_pattern() -> re.Pattern[str]:
    names = sorted(departments(), key=len, reverse=True)
    return re.compile("(?:" + "|".join(map(re.escape, names)) + ")")


@lru_cache(maxsize=1)
def _organ_pattern() -> re.Pattern[str]:
    """An organ's name at the start of a text: anything up to a government or department word."""
    return re.compile(r"[\u4e00-\u9fff]{0,30}?(?:人民政府|政府|街道办事处|办事处|"
                      + _department_pattern().pattern + ")(?!办)")  # 区政府办: the government's office


def _department_at_end(s: str) -> str:
    m = re.search(_department_pattern().pattern + "$", s)
    return departments()[m.group(0)] if m else ""


def department_named(s: str) -> str:
    """The normalized department a title names (2023年度退役军人事务局法治政府建设工作报告), or ''."""
    m = _department_pattern().search(s or "")
    return departments()[m.group(0)] if m else ""


def _one_organ(part: str, context: str) -> Body | None:
    if _PARTY.match(part):
        place = place_in_name(part[2:], context)
        return Body(part, "party_committee", place=place) if place else None
    place = place_in_name(part, context)
    if place is None:
        return None  # 各区县局, 区司法局, web furniture: no place, no body
    dept = _department_at_end(part)
    if dept:
        return Body(part, "department", dept, place)
    if _STREET_OFFICE.search(part):
        return Body(part, "street_office", place=place)
    if _GOVERNMENT.search(part):
        return Body(part, "government", place=place)
    if _OTHER_ORGAN.search(part):
        return Body(part, "other", place=place)
    return None


def parse_body(s: str, context: str = "") -> Body | None:
    """An organ's full name (one line, or a joint 中共…委员会 + …人民政府 separated by spaces)."""
    joint = _JOINT.match(s or "")
    parts = [joint.group(1), joint.group(2)] if joint else (s or "").split()
    if not parts or len(parts) > 3:
        return None
    organs = [_one_organ(p, context) for p in parts]
    if any(o is None for o in organs):
        return None
    kinds = {o.body_type for o in organs}
    government = next((o for o in organs if o.body_type != "party_committee"), None)
    if "party_committee" in kinds and government is not None:
        kind = "party_and_government" if government.body_type in ("government", "street_office") else "other"
        return Body(" ".join(parts), kind, government.department, government.place)
    return organs[0] if len(organs) == 1 else None


def body_in_title(title: str, context: str = "") -> Body | None:
    """The organ a title starts with: 重庆市渝北区人民政府关于…, 高平市司法局2023年…"""
    prefix = re.split(r"关于|[（(]?\d{4}\s*年|法治政府|依法行政", title or "", maxsplit=1)[0].strip()
    return parse_body(prefix, context) if prefix and prefix != title else None


def subject_of_opening(lines: list[str], context: str = "") -> tuple[Body | None, Place | None, str, str]:
    """What the opening sentence names as its subject: a body, a place, or only a department's kind.

    Reads the subject position only ("2023年，湖滨区司法局在…", "…领导下，东城街道深入…",
    "县委、县政府：2024年以来，教育局坚持…"), never a name further on, which is usually a superior
    (我局在江门市司法局和开平市委的领导下). The first subject decides; a later one (the handover
    "现将下洋镇人民政府2023年…工作汇报如下" after "2023年以来，下洋镇坚持…") only spells it out in full:
    it is taken when its place or department is the first subject's. Returns (body, place,
    department, bare organ), the bare organ being the subject as written when it names its kind and
    level but not its place (市人力资源和社会保障局, 省政府), else ''.
    """
    place: Place | None = None
    department = bare = ""
    for line in lines[:4]:
        if line.endswith((":", "：")) and len(line) <= 30:
            continue  # the addressee (哈尔滨市人民政府：), a superior, not the issuer
        for m in _SUBJECT_START.finditer(line[:200]):
            rest = line[m.end():m.end() + 40]
            if not rest or rest.startswith(("中共", "在", "按照", "根据", "我", "全", "各")):
                continue
            found = _subject_at(rest, context)
            if found is None:
                continue
            body, where, dept, organ = found
            if body is not None:
                if not (place or department or bare) or _spells_out(body, place, department, bare):
                    return body, body.place, body.department, ""
            elif not (place or department or bare):
                place, department, bare = where, dept, organ
            elif where is not None and bare and where.name.endswith(_bare_subject().fullmatch(bare).group(1)):
                return None, where, department, bare  # 区政府… then 现将湖滨区…: the place of the organ
    return None, place, department, bare


def _subject_at(rest: str, context: str) -> tuple[Body | None, Place | None, str, str] | None:
    """The subject ``rest`` starts with: (body, place, department, bare organ), or None."""
    organ = _organ_pattern().match(rest)
    if organ:
        body = parse_body(organ.group(0), context)
        if body is not None:
            return body, body.place, body.department, ""
        bare = _bare_subject().fullmatch(organ.group(0))
        if bare and (bare.group(1) or bare.group(2)) and _SUBJECT_GOES_ON.match(rest, organ.end()):
            department = departments()[bare.group(2)] if bare.group(2) else ""
            return None, None, department, organ.group(0) if bare.group(1) else ""
    if starts_with_place(rest):
        place = place_in_name(rest, context)
        if place is not None:
            return None, place, "", ""
    township = township_subject(rest, context)
    if township is not None:
        return None, township, "", ""
    return None


# A subject goes on into its sentence (市司法局深入…, 市人社局2022年…), where a page's furniture
# ("市司法局 2021年03月19日", its 来源) does not.
_SUBJECT_GOES_ON = re.compile(r"[\u4e00-\u9fff]|\d{4}年")


def _spells_out(body: Body, place: Place | None, department: str, bare: str) -> bool:
    """Whether ``body`` is the first subject written in full: the same place, or the same kind of
    organ (department, or government) at the same level."""
    if place is not None:
        return body.place is not None and body.place.name == place.name
    m = _bare_subject().fullmatch(bare) if bare else None
    if m is not None and m.group(1) and (body.place is None or not body.place.name.endswith(m.group(1))):
        return False
    if department:
        return body.department == department
    return m is not None and body.body_type in ("government", "street_office")


def compose_body(bare: str, place: Place | None) -> Body | None:
    """The subject written as a bare organ (市人力资源和社会保障局, 省政府, 镇人民政府) completed by the
    report's own place when the organ's level word is the place's (武汉市 + 市人社局 →
    武汉市人力资源和社会保障局; 湖南省 + 省政府 → 湖南省人民政府); a 县 organ never completes a 市.

    Why: the report names its organ and the place separately; the name is the two together, as
    the issuer signs it. A self-reference (我局) names no organ and is never completed.
    """
    m = _bare_subject().fullmatch(bare or "")
    if m is None or not m.group(1) or place is None or not place.name.endswith(m.group(1)):
        return None
    organ = bare[len(m.group(1)):]
    if organ in abbreviations():
        return None
    if organ in ("政府", "人民政府"):
        return Body(f"{place.name}人民政府", "government", place=place)
    if organ.endswith("办事处"):
        return Body(f"{place.name}{organ}", "street_office", place=place)
    department = departments().get(m.group(2) or "", "")
    return Body(f"{place.name}{organ}", "department", department, place) if department else None


@lru_cache(maxsize=1)
def _bare_subject() -> re.Pattern[str]:
    """A subject naming its organ's kind and level but not its place: 市人力资源和社会保障局, 省政府;
    groups: the level word, the department."""
    return re.compile(r"(省|市|县|区|旗|镇|乡|街道)?(?:人民政府|政府|街道办事处|办事处|("
                      + _department_pattern().pattern + "))")

_LEVEL_WORDS = {"省": "province", "县": "county", "区": "county", "旗": "county",
                "镇": "township", "乡": "township", "街道": "township"}
# A bare organ in the subject position (县教育局, 区政府, 镇人民政府): the level, not the place.
_BARE_ORGAN = re.compile(r"[*＊×xX]*(省|县|区|旗|镇|乡|街道)(?:人民政府|政府|办事处|党委|"
                         r"[\u4e00-\u9fff]{1,10}?(?:局|厅|委员会|委|办公室|办))")
# 我市, 全县, 本镇: what a report calls its own place — but not a ranking or a campaign of the unit
# above it ("在2021年全省执法大练兵中", "两个全省第一", "在全市27个部门中排名第1": a 中山 bureau ranked
# within its province), which a lower report writes as often as a report of that level.
SELF_PLACE = re.compile(r"(?<!在)(?<!在\d{4}年)(?<!在\d{4}年度)(?:我|全|本)(省|市|县|区|旗|镇|乡|街道)"
                        r"(?!第|排名|前列|首位|率先)")


def self_level(lines: list[str], text: str) -> tuple[str, str]:
    """The level a report gives itself when it never names its place: (level, evidence) or ('', '').

    Read from the organ in the subject position (2025年，县教育局…; 区政府2014年…; 市 is left out:
    a 县级市 and a prefecture both say 市) and from 我镇/全县; when the two disagree, nothing.
    """
    found = set()
    for line in lines[:4]:
        if line.endswith((":", "：")) and len(line) <= 30:
            continue  # the addressee (县委、县政府：), a superior
        for m in _SUBJECT_START.finditer(line[:200]):
            organ = _BARE_ORGAN.match(line, m.end())
            if organ:
                found.add((_LEVEL_WORDS[organ.group(1)], organ.group(0)))
    words = [w for w in SELF_PLACE.findall(text) if w in ("镇", "乡", "街道", "县")]
    if words:
        word = max(set(words), key=words.count)
        found.add((_LEVEL_WORDS[word], f"我{word}"))
    levels = {level for level, _ in found}
    if len(levels) != 1:
        return "", ""
    return levels.pop(), " ".join(sorted(e for _, e in found))


def self_reference(text: str) -> bool:
    """The report calls its issuer 我局/本局/我委: a department, though not which one."""
    return bool(_SELF_DEPARTMENT.search(text))
