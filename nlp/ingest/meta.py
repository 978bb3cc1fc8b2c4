"""Document metadata: report year, issuing body, region and level, document type, date.

Each field comes from the most explicit evidence available (a user table, front matter, the
title, furniture fields, the corpus folder layout, then the text) and anything inferred from
the text alone carries a warning; a field with no evidence stays empty with a warning, never
guessed silently. The region gazetteer (``nlp/data/gazetteer.csv``) is the national table of
administrative divisions.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nlp.documents import Document, Meta
from nlp.resources import read_data_text

DOC_TYPES = ("fazhi_report", "gov_work_report", "other")
OVERRIDABLE = ("title", "doc_type", "year", "pub_date", "body", "region", "level", "province", "prefecture")
LEVEL_ORDER = {"national": 0, "province": 1, "prefecture": 2, "county": 3}
CORPUS_LEVEL_DIRS = {"国务院": "national", "省自治区": "province", "主要城市": "prefecture",
                     "其他地市": "prefecture"}
ORGAN_SUFFIX = r"(?:人民政府|政府|司法局|司法厅|法制办公室|法制办|依法治[省市县区旗]办公室|办公室|委员会|局)"
_TITLE_YEAR = re.compile(r"(\d{4})\s*年度?")
_LEAD_YEAR = re.compile(r"^(\d{4})年")
_DATE = re.compile(r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
_ORGAN_LINE = re.compile(rf"^[\u4e00-\u9fff]{{2,20}}{ORGAN_SUFFIX}$")
_TITLE_BODY = re.compile(rf"^(?:中共)?([\u4e00-\u9fff]{{2,24}}?{ORGAN_SUFFIX})(?:关于)?(?:\d{{4}}|[（(]|$)")
_SELF_REF = re.compile(r"(?:我局|本局|市司法局|县司法局|区司法局|旗司法局)")


@dataclass(frozen=True)
class Place:
    name: str
    level: str
    province: str
    prefecture: str


@lru_cache(maxsize=1)
def gazetteer() -> dict[str, list[Place]]:
    """Administrative division names → places (a name can be shared by several)."""
    text = read_data_text("gazetteer.csv")
    out: dict[str, list[Place]] = {}
    for r in csv.DictReader(text.splitlines()):
        if r["name"] in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
            continue
        out.setdefault(r["name"], []).append(Place(r["name"], r["level"], r["province"],
                                                   r["prefecture"]))
    return out


@lru_cache(maxsize=1)
def _place_pattern() -> re.Pattern[str]:
    names = sorted(gazetteer(), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, names)))


@lru_cache(maxsize=1)
def _short_prefecture_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    short = {}
    for name, places in gazetteer().items():
        if any(p.level == "prefecture" for p in places) and name.endswith("市") and len(name) >= 4:
            short[name[:-1]] = name
    return re.compile("|".join(map(re.escape, sorted(short, key=len, reverse=True)))), short


def _resolve(name: str, context: str) -> Place:
    """Pick among places sharing a name by the enclosing units the text mentions."""
    places = gazetteer()[name]
    if len(places) == 1:
        return places[0]
    scored = sorted(places, key=lambda p: -((p.prefecture in context) * 2 + (p.province[:2] in context)))
    return scored[0]


def _norm_date(s: str) -> str:
    m = _DATE.search(s or "")
    if not m:
        return ""
    y, mo, d = m.groups()
    return f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"


def _front_lines(doc: Document, n: int = 8) -> list[str]:
    return [ln.strip() for ln in doc.text.split("\n") if ln.strip()][:n]


def find_title(doc: Document) -> str:
    for key in ("fm_title", "title", "html_ArticleTitle", "html_title"):
        if doc.fields.get(key):
            return str(doc.fields[key]).strip()
    lines = _front_lines(doc)
    for i, ln in enumerate(lines):
        if len(ln) > 60 or ln.endswith(("。", "：")):
            break
        if "报告" in ln and len(ln) >= 6:
            return ln
        if i + 1 < len(lines) and lines[i + 1] == "报告":
            return ln + "报告"
    return ""


def doc_type_of(title: str, text_head: str) -> str:
    if "政府工作报告" in title:
        return "gov_work_report"
    if "法治政府" in title or "依法行政" in title:
        return "fazhi_report"
    if title:
        return "other"
    if "法治政府建设" in text_head:
        return "fazhi_report"
    if "各位代表" in text_head or "政府工作报告" in text_head:
        return "gov_work_report"
    return "other"


def _corpus_layout(source: str) -> tuple[str, str, int | None]:
    """(level, region, year) from a gov-work-reports style path, when it is one."""
    parts = Path(source).parts
    for i, part in enumerate(parts):
        if part.startswith("政府工作报告-") and part[7:] in CORPUS_LEVEL_DIRS:
            level = CORPUS_LEVEL_DIRS[part[7:]]
            region = "中国" if level == "national" else (parts[i + 1] if i + 2 < len(parts) else "")
            m = re.match(r"(\d{4})", Path(source).stem)
            return level, region, int(m.group(1)) if m else None
    return "", "", None


def extract_meta(doc: Document, overrides: dict | None = None) -> Meta:
    """Infer a document's metadata; ``overrides`` (a user table row) wins over everything."""
    meta = Meta(doc.doc_id, doc.source, script=doc.script, encoding=doc.encoding)
    warn = meta.warnings
    head = doc.text[:3000]
    meta.title = find_title(doc)
    meta.doc_type = doc_type_of(meta.title, head)
    meta.pub_date = _norm_date(doc.fields.get("pub_date", "") or doc.fields.get("fm_date", "")
                               or doc.fields.get("html_PubDate", "") or doc.fields.get("html_pubdate", ""))
    c_level, c_region, c_year = _corpus_layout(doc.source)

    # Year: the year reported on (title, then the opening "2023年，…" of the preamble).
    year = None
    m = _TITLE_YEAR.search(meta.title) if meta.doc_type != "gov_work_report" else None
    if m:
        year = int(m.group(1))
    elif meta.doc_type == "gov_work_report" and c_year:
        year = c_year  # the corpus names a work report by the year it was delivered
    elif meta.doc_type == "gov_work_report" and _DATE.search(meta.title):
        year = int(_DATE.search(meta.title).group(1))
    else:
        for ln in _front_lines(doc, 12):
            m = _LEAD_YEAR.match(ln) or re.search(r"现将(\d{4})年", ln)
            if m:
                year = int(m.group(1))
                warn.append(f"year {year} read from the opening sentence (no title)")
                break
    if year is None and meta.pub_date:
        year = int(meta.pub_date[:4]) - 1
        warn.append(f"year {year} inferred as the year before publication ({meta.pub_date})")
    if year is None:
        warn.append("year not found")
    meta.year = year

    # Issuing body.
    body = ""
    tm = _TITLE_BODY.match(meta.title)
    if tm and meta.doc_type != "gov_work_report":
        body = tm.group(1)
    if not body:
        for ln in _front_lines(doc, 6):
            if _ORGAN_LINE.match(ln):
                body = ln
                break
    if not body and doc.fields.get("publisher") and _ORGAN_LINE.match(doc.fields["publisher"]):
        body = doc.fields["publisher"]
        warn.append("issuing body taken from the page's 发布机构 field")

    # Region: the body's or title's place; the corpus folder; else the most specific place
    # the text mentions.
    place = None
    for s in (body, meta.title):
        m = _place_pattern().search(s or "")
        if m:
            place = _resolve(m.group(0), head)
            break
    if place is None and c_region:
        if c_region in gazetteer():
            place = _resolve(c_region, head)
        else:
            meta.region, meta.level = c_region, c_level
    if place is None and not meta.region:
        # The place the text names most often (short prefecture names such as 鄂尔多斯 count
        # for the full name); ties go to the more specific place.
        counts = Counter(_place_pattern().findall(doc.text))
        pat, short = _short_prefecture_pattern()
        for sname, n in Counter(pat.findall(doc.text)).items():
            counts[short[sname]] = max(counts[short[sname]], n)
        if counts:
            best = max(counts, key=lambda n: (counts[n], LEVEL_ORDER[gazetteer()[n][0].level]))
            place = _resolve(best, head)
            warn.append(f"region {best} inferred from mentions in the text ({counts[best]}x)")
    if place is not None:
        meta.region, meta.level = place.name, place.level
        meta.province = place.province if place.level != "province" else place.name
        meta.prefecture = place.prefecture if place.level == "county" else (
            place.name if place.level == "prefecture" else "")
    if not meta.region:
        warn.append("region not found")
    if meta.level == "" and c_level:
        meta.level = c_level

    if not body and meta.doc_type == "gov_work_report" and meta.region:
        body = "国务院" if meta.level == "national" else f"{meta.region}人民政府"
    if not body and meta.region and _SELF_REF.search(head):
        body = f"{meta.region}司法局"
        warn.append(f"issuing body {body} inferred from the text's self-reference (我局/市司法局)")
    if not body:
        warn.append("issuing body not found")
    meta.body = body

    # Front-matter fields named like metadata fields override inference; a user table wins last.
    front = {k[3:]: v for k, v in doc.fields.items() if k.startswith("fm_") and k[3:] in OVERRIDABLE}
    for k, v in {**front, **(overrides or {})}.items():
        if k in OVERRIDABLE and v not in (None, ""):
            try:
                value = int(v) if k == "year" else str(v)
                if k == "year" and not 1949 <= value <= 2100:
                    raise ValueError(value)
                setattr(meta, k, value)
            except (TypeError, ValueError, OverflowError):
                meta.warnings.append(f"ignored {k}={str(v)[:40]!r} from front matter or metadata table "
                                     "(not a year between 1949 and 2100)")
    meta.warnings = doc.warnings + meta.warnings
    return meta
