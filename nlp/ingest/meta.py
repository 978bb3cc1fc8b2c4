"""Document metadata: report year, issuing body, region and level, document type, date.

Each field comes from the most explicit evidence available (a user table, front matter, the
title, furniture fields, the corpus folder layout, then the text) and anything inferred from
the text alone carries a warning; a field with no evidence stays empty with a warning, never
guessed silently. The region gazetteer (``nlp/data/gazetteer.csv``) is the national table of
administrative divisions.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from nlp.documents import Document, Meta
from nlp.ingest.bodies import (
    SELF_PLACE,
    Body,
    body_in_title,
    compose_body,
    department_named,
    parse_body,
    self_level,
    self_reference,
    subject_of_opening,
)
from nlp.ingest.places import (
    LEVEL_ORDER,
    Place,
    brand_places,
    gazetteer,
    place_in_name,
    places_in_text,
    resolve,
    short_place_names,
)

MIN_MENTIONS = 3  # a place named twice is as often a neighbour or a superior as the report's own
DOC_TYPES = ("fazhi_report", "gov_work_report", "other")
OVERRIDABLE = ("title", "doc_type", "year", "pub_date", "body", "region", "level", "province", "prefecture")
CORPUS_LEVEL_DIRS = {"国务院": "national", "省自治区": "province", "主要城市": "prefecture",
                     "其他地市": "prefecture"}
_TITLE_YEAR = re.compile(r"(\d{4})\s*年度?")
_LEAD_YEAR = re.compile(r"^(\d{4})年")
# Where a report without a title states its year: "现将周溪乡2024年法治政府建设工作报告如下" (the
# sentence that hands the report over names the year it covers) and a first heading
# "一、2016年法治政府建设基本情况" (not "三、2024年工作安排": plans). Other years of the front
# (《纲要(2021—2025年)》, 〔2025〕1号, 2022年工作安排) are not the year reported on.
_HANDOVER_YEAR = re.compile(r"现将?[^。；;]{0,30}?(\d{4})\s*年度?[^。；;\d]{0,40}?(?:报告|汇报|予以公开)")
_HEADING_YEAR = re.compile(r"^一[、.．]\s*(\d{4})\s*年度?(?![^。；;]*(?:安排|计划|打算|思路|目标))[^。；;]{0,30}?"
                           r"(?:情况|举措|成效|工作)")
_DATE = re.compile(r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")


def _norm_date(s: str) -> str:
    m = _DATE.search(s or "")
    if not m:
        return ""
    y, mo, d = m.groups()
    return f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"


_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"O": 0, "○": 0, "零": 0}
_CN_DATE = re.compile(r"^([〇○O零一二三四五六七八九]{4})年"
                      r"([一二三四五六七八九十]{1,2})月([一二三四五六七八九十]{1,3})日$")


def _cn_number(s: str) -> int:
    """一 … 三十一 as written in a signed date."""
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS[s]


def signature(doc: Document) -> tuple[Body | None, str]:
    """The organ and date a report is signed with at its end (…人民政府 / 2024年3月15日 or
    二〇二四年三月十五日): (body, YYYY-MM-DD), either may be missing."""
    tail = [ln.strip() for ln in doc.text.rstrip().split("\n")[-8:] if ln.strip()][-4:]
    date, body = "", None
    for i in range(len(tail) - 1, -1, -1):
        ln = tail[i].replace(" ", "")
        m = _CN_DATE.match(ln)
        if m:
            year = int("".join(str(_CN_DIGITS[c]) for c in m.group(1)))
            date = f"{year:04d}-{_cn_number(m.group(2)):02d}-{_cn_number(m.group(3)):02d}"
        elif re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", ln):
            date = _norm_date(ln)
        else:
            continue
        organs = [x for x in tail[max(0, i - 2):i] if len(x) <= 40 and _ORGANISH.search(x)]
        if organs:
            body = parse_body(" ".join(organs), doc.text[:3000]) or parse_body(organs[-1], doc.text[:3000])
        break
    return body, date


def _front_lines(doc: Document, n: int = 8) -> list[str]:
    return [ln.strip() for ln in doc.text.split("\n") if ln.strip()][:n]


def find_title(doc: Document) -> str:
    """The report's title: a field of the file, else the first title-like line of the front.

    Titles come split (长春市人民政府关于 / 2023年度…的报告), inside a page's table of fields
    (标  题 | 江苏省交通运输厅2024年度…报告 |), after their organ lines (中共…委员会 / …人民政府 /
    关于…的报告) and doubled (1993年广州市政府工作报告1993年广州市政府工作报告).
    """
    for key in ("fm_title", "title", "html_ArticleTitle", "html_title"):
        if doc.fields.get(key):
            title = str(doc.fields[key]).strip()
            if key == "html_title":  # "…工作报告_洪江市人民政府": a <title> ends with the site's name
                parts = [p for p in _SITE_SEP.split(title) if "报告" in p]
                title = parts[0].strip() if parts else title
            return _undouble(title)
    lines = _front_lines(doc, 16)
    for i, ln in enumerate(lines):
        if _FIELD_KEY.match(ln):
            continue  # a page's field list written one key per line (- 发布单位： / - 温岭市…局)
        if len(ln) > 80 or ln.endswith(("。", "：")):
            break
        cells = [c.strip() for c in re.split(r"[|｜]", ln) if c.strip()] if "|" in ln or "｜" in ln else [ln]
        for cell in cells:
            if ">" in cell or "位置" in cell:
                continue  # a breadcrumb (首页 > 政务公开 > 法治政府建设年度报告)
            cell = re.sub(r"^(?:标\W*题|题\W*目)\s*[:：]?\s*", "", cell)
            if "报告" in cell and len(cell) >= 6 and not cell.endswith(("。", "：")) and not _latin(cell):
                if cell.startswith("关于") and i > 0 and _ORGANISH.search(lines[i - 1]):
                    organs = [x for x in lines[max(0, i - 2):i] if _ORGANISH.search(x) and len(x) <= 30]
                    cell = " ".join(organs) + cell
                return _undouble(cell)
        if ln.endswith("关于") and i + 1 < len(lines) and "报告" in lines[i + 1]:
            return ln + lines[i + 1]
        if i + 1 < len(lines) and lines[i + 1] == "报告":
            return ln + "报告"
    return ""


_SITE_SEP = re.compile(r"\s*[_|｜]\s*|\s+[-－—]+\s+")
_FIELD_KEY = re.compile(r"^[-*•·]\s*[\u4e00-\u9fff]{2,5}\s*[:：]$")
_ORGANISH = re.compile(r"(?:人民政府|政府|委员会|办事处|局|厅|委)$")


def _latin(s: str) -> bool:
    """Mostly Latin letters: a README's or an English page's heading, not a report's title."""
    return sum(c.isascii() and c.isalpha() for c in s) > len(s) / 3


def _undouble(title: str) -> str:
    half = len(title) // 2
    return title[:half] if len(title) % 2 == 0 and title[:half] == title[half:] else title


# A government's work report under another title: 湖北省人民政府2004年工作报告, 克拉玛依市政工作报告
_WORK_REPORT_TITLE = re.compile(r"(?:人民政府|市政)\s*(?:\d{4}年)?\s*工作报告")
# A title of the users' genre: 法治政府建设 reports, 依法行政 reports, a department's 法治建设 report
_IN_GENRE_TITLE = re.compile(r"法治政府|依法行政|法治建设")
# The opening address of a report to a people's congress; 法治政府建设 reports go to the government or
# party committee above, or to a standing committee (各位委员), never to the congress's deputies.
_CONGRESS_ADDRESS = "各位代表"


def doc_type_of(title: str, text_head: str) -> str:
    """What kind of report a document is, from its title, else its opening.

    Why it matters: a 政府工作报告 is tagged by the work-report heads (sentence pooling), anything
    else by the 法治政府建设 heads, so a work report typed "other" would be read as the wrong genre.
    """
    if _IN_GENRE_TITLE.search(title):  # first: 2019年度法治政府工作报告 holds 政府工作报告
        return "fazhi_report"
    if "政府工作报告" in title or _WORK_REPORT_TITLE.search(title):
        return "gov_work_report"
    if title:
        # 关于…国民经济和社会发展第十个五年计划纲要的报告, delivered to the congress as a work report
        return "gov_work_report" if _CONGRESS_ADDRESS in text_head[:1000] else "other"
    if sum(c.isascii() and c.isalpha() for c in text_head) > 0.2 * max(len(text_head), 1) or _latin(text_head[:300]):
        return "other"  # a README or a page in English that only mentions 法治政府建设
    if _CONGRESS_ADDRESS in text_head[:300]:  # a work report opens by addressing the deputies
        return "gov_work_report"
    if "法治政府建设" in text_head:
        return "fazhi_report"
    if _CONGRESS_ADDRESS in text_head or "政府工作报告" in text_head:
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


def _issuing_body(doc: Document, title: str, head: str) -> tuple[Body | None, Place | None, str]:
    """The issuing body when spelled out, else what the text says of it, the place named, and the
    opening's subject when it is a bare organ (市人社局, 省政府: ``bodies.compose_body``)."""
    body = body_in_title(title, head)
    lines = _front_lines(doc)
    if body is None:
        # An organ on its own line(s) at the front (高平市司法局; 中共…委员会 / …人民政府 jointly).
        organ_lines = []
        for ln in lines:
            if len(ln) > 60 or not _ORGANISH.search(ln) or parse_body(ln, head) is None:
                if organ_lines:
                    break
                continue
            organ_lines.append(ln)
        if organ_lines:
            body = parse_body(" ".join(organ_lines[:2]), head) or parse_body(organ_lines[0], head)
    place = place_in_name(title, head) if title else None
    if body is None and doc.fields.get("publisher"):
        body = parse_body(str(doc.fields["publisher"]).strip(), head)  # the page's 发布机构 field
    subject, subject_place, department, bare = subject_of_opening(
        [ln for ln in lines if not ln.startswith(title or "\0")], head)
    if body is None and subject is not None and (place is None or subject.place == place):
        body = subject  # an opening naming another place than the title is not the issuer
    if place is None:
        place = subject_place
    department = department or department_named(title)
    source_field = doc.fields.get("source_site") or doc.fields.get("html_ContentSource")
    if body is None and place is None and department and source_field:
        # The page's 信息来源 names who put it online, often the 司法局 for its government's report;
        # it is the issuer only when it is the very department the report names (退役军人事务局).
        source = parse_body(str(source_field).split()[0], head)
        if source is not None and source.department == department:
            return source, source.place, ""
    if body is None and (department or self_reference(head[:400])):
        body = Body("", "department", department, None)
    return body, place, bare if body is None or not body.name else ""


def _place_from_mentions(text: str, head: str, warn: list[str]) -> Place | None:
    """The place the text's mentions point to, when they agree (warned as inferred).

    When every place named in full nests in one (西安市 and 雁塔区; 浙江省 and 上城区; 宁波市 twice
    and 慈溪市), that innermost place. Otherwise the place named most often, if at least
    ``MIN_MENTIONS`` times and more than any other. Two-character names (和县, 城区) are left out:
    they occur inside ordinary words.
    """
    text = _ADDRESS.sub("", text)  # 联系地址：天津市和平区… names the office's street, not its level
    own, own_strict = _self_word(text), _self_word(text, strict=True)
    full = [n for n in places_in_text(text, short_names=False) if len(n) > 2]
    brands = [p for p in brand_places(text) if _fits_self_reference(p, own_strict, strict=True)]
    if len({p.name for p in brands}) == 1:
        # (开平市's bureau writes 法治江门 of its prefecture and 全市 of itself: a county-level city
        # named inside the brand's place and fitting the self-reference makes the brand unsure.)
        inside = [p for n in full for p in gazetteer()[n] if brands[0].name in (p.province, p.prefecture)]
        if not any(_fits_self_reference(p, own) for p in inside):
            warn.append(f"region {brands[0].name} inferred from the report's 法治… brand of its place")
            return brands[0]
    nested = _innermost(set(full), head)
    if nested is not None and _fits_self_reference(nested, own):
        warn.append(f"region {nested.name} inferred from the places the text names")
        return nested
    counts = Counter(n for n in places_in_text(text) if len(n) > 2)
    if not counts:
        return None
    ranked = sorted(counts, key=lambda n: -counts[n])
    best = ranked[0]
    if counts[best] < MIN_MENTIONS or (len(ranked) > 1 and counts[ranked[1]] == counts[best]):
        return None
    place = resolve(best, head)
    if place is not None and _fits_self_reference(place, own):
        warn.append(f"region {best} inferred from mentions in the text ({counts[best]}x)")
        return place
    return None


_ADDRESS = re.compile(r"(?:地址|地点|位于)[:：]?[^，,。；;)）\n]{0,40}")
# "在市委、市政府的正确领导下": a report (often a department's) names its own government's level.
_OWN_GOVERNMENT = re.compile(r"(省|市|县|区|旗|镇|乡)委[、，,和及]?\s*\1(?:人民)?政府")


def _self_word(text: str, strict: bool = False) -> str:
    """What the report calls itself (省, 市, 县, 区, 镇…): the most frequent of 全市/我市, 全县, 全省, 我镇…
    ('' when none or tied). ``strict`` also counts 市委、市政府 (a department's own government, but a
    district's superior: weak evidence, for weak evidence such as a 法治X brand)."""
    counts = Counter(SELF_PLACE.findall(text))
    if strict:
        counts += Counter(_OWN_GOVERNMENT.findall(text))
    ranked = counts.most_common(2)
    if not ranked or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
        return ""
    return ranked[0][0]


def _fits_self_reference(place: Place, word: str, strict: bool = False) -> bool:
    """Whether a place inferred from mentions agrees with what the report calls itself (``_self_word``).

    A 天津市 department naming 和平区 once, or a county's 教育局 naming 江苏省, is caught by it. With no
    clear self-reference, agreement, unless ``strict`` (for weaker evidence, such as a 法治X brand,
    which a county's report may use of its province).
    """
    if not word:
        return not strict
    return place.name.endswith(word) or (word == "市" and place.name.endswith(("盟", "州")))


def _innermost(names: set[str], head: str) -> Place | None:
    """The one place inside which every other named place encloses, if the names form one chain."""
    if not names:
        return None
    deepest = sorted(names, key=lambda n: -max(LEVEL_ORDER[p.level] for p in gazetteer()[n]))
    inner = deepest[0]
    candidates = [p for p in gazetteer()[inner]
                  if all(o == inner or o in (p.province, p.prefecture) for o in names)]
    if len(candidates) == 1:
        return candidates[0]
    return resolve(inner, head, candidates) if candidates else None


def _only_province_named(text: str) -> str:
    """The province when the text names exactly one by its full name (《广东省…纲要》), else ''."""
    provinces = {n for n in places_in_text(text) if any(p.level == "province" for p in gazetteer()[n])}
    return provinces.pop() if len(provinces) == 1 else ""


# The leader's speeches on the report's own province or city ("习近平总书记对江苏工作重要讲话精神、
# 在盐城考察时重要指示精神", "视察广东重要讲话"): a local report cites those of its own places.
_LEADER_CLAUSE = re.compile(r"总书记[^。；;]{0,120}")
_LEADER_PLACE = re.compile(r"(?:对|在|视察|考察|关于)([\u4e00-\u9fff]{2,7}?)(?:工作)?(?:考察|视察|调研)?时?的?"
                           r"(?:系列)?重要(?:讲话|指示)")


def _leader_places(text: str) -> list[Place]:
    """The provinces and prefectures whose speeches the text cites (``_LEADER_PLACE``), written in
    full or without 省/市/自治区; a name with namesakes at those levels is left out, and a county is
    never taken (it would be the report's region, which this must not decide)."""
    found = []
    for clause in _LEADER_CLAUSE.findall(text):
        for name in _LEADER_PLACE.findall(clause):
            candidates = {p for p in [*gazetteer().get(name, []), *short_place_names().get(name, [])]
                          if p.level in ("province", "prefecture")}
            if len(candidates) == 1:
                found.append(candidates.pop())
    return found


def _fill_from_leader(meta: Meta, text: str, warn: list[str]) -> None:
    """Province and prefecture of a report that names neither, from the speeches it cites, when they
    agree with each other and with what is known (a county or township report only for the
    prefecture)."""
    places = _leader_places(text)
    provinces = {p.name if p.level == "province" else p.province for p in places}
    if len(provinces) != 1 or (meta.province and meta.province not in provinces):
        return
    province = provinces.pop()
    if not meta.province:
        meta.province = province
        warn.append(f"province {province} inferred from the leader's speeches the report cites")
    prefectures = {p.name for p in places if p.level == "prefecture"}
    if len(prefectures) == 1 and not meta.prefecture and meta.level in ("county", "township"):
        meta.prefecture = prefectures.pop()
        warn.append(f"prefecture {meta.prefecture} inferred from the leader's speeches the report cites")


def _set_place(meta: Meta, place: Place) -> None:
    meta.region, meta.level, meta.adcode = place.name, place.level, place.adcode
    meta.province = place.province if place.level != "province" else place.name
    meta.prefecture = place.prefecture if place.level in ("county", "township") else (
        place.name if place.level == "prefecture" else "")
    meta.county, meta.township = place.county, place.township


def extract_meta(doc: Document, overrides: dict | None = None) -> Meta:
    """Infer a document's metadata; ``overrides`` (a user table row) wins over everything."""
    meta = Meta(doc.doc_id, doc.source, script=doc.script, encoding=doc.encoding)
    warn = meta.warnings
    # The page's site and source (洪江市人民政府) tell namesakes apart (下洋镇 of 徐闻县); they are context,
    # never the report's place by themselves: a county's site also carries its townships' reports.
    site = " ".join(str(doc.fields.get(k, "")) for k in ("html_SiteName", "html_ContentSource", "source_site"))
    head = doc.text[:3000] + (" " + site if site.strip() else "")
    meta.title = find_title(doc)
    meta.doc_type = doc_type_of(meta.title, head)
    meta.pub_date = _norm_date(doc.fields.get("pub_date", "") or doc.fields.get("fm_date", "")
                               or doc.fields.get("html_PubDate", "") or doc.fields.get("html_pubdate", ""))
    signed_by, signed_on = signature(doc) if meta.doc_type == "fazhi_report" else (None, "")
    meta.pub_date = meta.pub_date or signed_on
    c_level, c_region, c_year = _corpus_layout(doc.source)

    # Year: the year reported on (title, then the opening "2023年，…" of the preamble).
    year = None
    m = _TITLE_YEAR.search(meta.title) if meta.doc_type != "gov_work_report" else None
    if m:
        year = int(m.group(1))
    elif meta.doc_type == "gov_work_report" and c_year:
        year = c_year  # the corpus names a work report by the year it was delivered
    elif meta.doc_type == "gov_work_report" and _LEAD_YEAR.match(meta.title):
        year = int(_LEAD_YEAR.match(meta.title).group(1))  # "1993年广州市政府工作报告": the year delivered
    elif meta.doc_type == "gov_work_report" and _DATE.search(meta.title):
        year = int(_DATE.search(meta.title).group(1))
    else:
        for ln in _front_lines(doc, 12):
            m = _LEAD_YEAR.match(ln) or _HANDOVER_YEAR.search(ln) or _HEADING_YEAR.match(ln)
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

    # Issuing body and place, from the most explicit statement: the organ a title starts with or
    # an organ line of the front, the title's place, the subject of the opening sentence, the
    # corpus folder, and last the places the text names (a warning says so).
    body, place, bare = _issuing_body(doc, meta.title, head)
    not_a_report = meta.doc_type == "other" and _latin(head[:300])
    if not_a_report:
        body, place, bare = None, None, ""  # a README or an English page: not a report, so no issuer or place
        warn.append("not a report (mostly Latin text): no issuing body or place read")
    if signed_by is not None and (body is None or not body.name) and (place is None or signed_by.place == place):
        body = signed_by  # the organ that signs the report at its end
        warn.append(f"issuing body {body.name} read from the signature")
    if body is not None:
        meta.body, meta.body_type, meta.department = body.name, body.body_type, body.department
        place = body.place or place
    if place is None and c_region:
        if c_region in gazetteer():
            place = resolve(c_region, head)
        else:
            meta.region, meta.level = c_region, c_level
    if place is None and not meta.region and not not_a_report:
        place = _place_from_mentions(doc.text, head, warn)
    if place is not None:
        _set_place(meta, place)
        # (a 政府工作报告's body is its place's 人民政府 below, whatever its opening says)
        composed = compose_body(bare, place) if not meta.body and meta.doc_type != "gov_work_report" else None
        if composed is not None:
            meta.body, meta.body_type, meta.department = composed.name, composed.body_type, composed.department
            warn.append(f"issuing body {composed.name}: the opening's {bare} with the report's place")
    if not meta.province and meta.level not in ("national", "province") and (
            meta.doc_type == "fazhi_report" or (meta.region and meta.doc_type != "gov_work_report")):
        meta.province = _only_province_named(doc.text)
        if meta.province:
            warn.append(f"province {meta.province} inferred: the only province the text names")
    if not meta.region:
        warn.append("region not found")
    if meta.level == "" and c_level:
        meta.level = c_level
    if meta.level == "" and meta.doc_type == "fazhi_report":
        meta.level, evidence = self_level(([meta.title] if meta.title else []) + _front_lines(doc), head)
        if meta.level:
            warn.append(f"level {meta.level} read from what the report calls itself ({evidence}); place not named")
    if meta.doc_type == "fazhi_report" and meta.level not in ("national", "province") and (
            not meta.province or not meta.prefecture):
        _fill_from_leader(meta, doc.text[:3000], warn)
    if not meta.body and meta.doc_type == "gov_work_report" and meta.region:
        meta.body = "国务院" if meta.level == "national" else f"{meta.region}人民政府"
        meta.body_type = "government"
    if not meta.body:
        warn.append("issuing body not named in full" + (f" (a {meta.department or 'department'})"
                                                        if meta.body_type == "department" else ""))

    # Front-matter fields named like metadata fields override inference; a user table wins last.
    front = {k[3:]: v for k, v in doc.fields.items() if k.startswith("fm_") and k[3:] in OVERRIDABLE}
    for k, v in {**front, **(overrides or {})}.items():
        if k in OVERRIDABLE and v not in (None, ""):
            try:
                value = int(v) if k == "year" else _undouble(str(v).strip()) if k == "title" else str(v)
                if k == "year" and not 1949 <= value <= 2100:
                    raise ValueError(value)
                setattr(meta, k, value)
            except (TypeError, ValueError, OverflowError):
                meta.warnings.append(f"ignored {k}={str(v)[:40]!r} from front matter or metadata table "
                                     "(not a year between 1949 and 2100)")
    meta.warnings = doc.warnings + meta.warnings
    return meta
