"""Document metadata on real reports: places as a hierarchy, bodies as what they are, never a guess.

The development data is ``shared/ingenre-dev`` (121 real report pages with hand-read metadata) and
the seeds (``labels/metadata/seeds.jsonl``); ``tools/evaluate_metadata.py`` prints the full table.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from nlp.documents import RawDocument
from nlp.ingest.bodies import parse_body
from nlp.ingest.clean import clean
from nlp.ingest.meta import extract_meta
from nlp.ingest.places import place_in_name

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def _meta(text: str, name: str = "r.txt"):
    return extract_meta(clean(RawDocument(name, "r", text, "txt")))


@pytest.mark.parametrize("name,expected", [
    ("重庆市潼南区龙形镇人民政府", ("龙形镇", "township", "重庆市", "", "潼南区", "")),
    ("杭州市钱塘区", ("钱塘区", "county", "浙江省", "杭州市", "钱塘区", "330114000000")),
    ("上海市徐汇区人民政府", ("徐汇区", "county", "上海市", "", "徐汇区", "310104000000")),
    ("合肥市包河区2020年法治政府建设情况的报告", ("包河区", "county", "安徽省", "合肥市", "包河区", "340111000000")),
    ("蒙城县人民政府", ("蒙城县", "county", "安徽省", "亳州市", "蒙城县", "341622000000")),
    ("江苏省司法厅", ("江苏省", "province", "", "", "", "320000000000")),
    ("赣县2015年法治政府建设报告", ("赣县", "county", "江西省", "赣州市", "赣县", "360721000000")),  # a former name
    ("棣棠乡2023年度法治政府建设情况报告", ("棣棠乡", "township", "", "", "", "")),
])
def test_places_are_read_as_a_hierarchy(name, expected):
    p = place_in_name(name)
    assert (p.name, p.level, p.province, p.prefecture, p.county, p.adcode) == expected


def test_words_with_township_characters_are_not_townships():
    assert place_in_name("温岭市住房和城乡建设局").name == "温岭市"
    assert place_in_name("乡村振兴局") is None


@pytest.mark.parametrize("name,kind,department", [
    ("高平市司法局", "department", "司法局"),
    ("江苏省交通运输厅", "department", "交通运输局"),
    ("温岭市住房和城乡建设局", "department", "住建局"),
    ("昌乐县人民政府", "government", ""),
    ("东湖街道办事处", "street_office", ""),
    ("中共长春市委长春市人民政府", "party_and_government", ""),
    ("各区县局", None, None),
    ("组配分类政府建设发布机构区司法局", None, None),
])
def test_bodies_are_named_with_their_place_or_not_at_all(name, kind, department):
    body = parse_body(name)
    assert (body.body_type, body.department) == (kind, department) if kind else body is None


def test_joint_bodies_keep_both_organs():
    assert parse_body("中共长春市委长春市人民政府").name == "中共长春市委 长春市人民政府"


def test_a_self_reference_never_invents_a_body():
    m = _meta("关于2023年法治政府建设情况的报告\n"
              "2023年，我局在市委、市政府的领导下，坚持依法行政。全市法治建设稳步推进。")
    assert m.body == "" and m.body_type == "department" and m.region == ""
    m = _meta("2022年，在市委、市政府的正确领导下，"
              "市人力资源和社会保障局坚持以习近平法治思想为指导，扎实推进法治人社。")
    assert (m.body, m.body_type, m.department) == ("", "department", "人社局")


def test_the_addressee_is_not_the_issuer():
    m = _meta("哈尔滨市双城区2021年度法治政府建设情况报告\n哈尔滨市人民政府：\n"
              "2021年，双城区政府在市委、市政府的领导下，推进法治政府建设。")
    assert (m.region, m.level, m.prefecture, m.body) == ("双城区", "county", "哈尔滨市", "双城区政府")


def test_a_department_report_names_its_department_and_its_government_place():
    m = _meta("2023年，在区委、区政府的正确领导和区司法局的指导下，前进区教育局深入开展法治政府建设工作。")
    assert (m.body, m.body_type, m.department, m.region, m.level) == (
        "前进区教育局", "department", "教育局", "前进区", "county")


def test_townships_and_their_province():
    m = _meta("2022年，在区委、区政府的坚强领导下，"
              "东城街道深入学习贯彻习近平法治思想，认真落实《广东省法治政府建设实施纲要》。")
    assert (m.region, m.level, m.township, m.province) == ("东城街道", "township", "东城街道", "广东省")
    assert any("only province" in w for w in m.warnings)


def test_a_doubled_title_and_a_work_reports_year(tmp_path):
    from nlp.ingest.pipeline import ingest_file

    f = tmp_path / "1993.md"  # outside the corpus layout: the year comes from the title, not the path
    f.write_text("---\ntitle: 1993年广州市政府工作报告1993年广州市政府工作报告\n---\n\n"
                 "1992年，全市经济稳步发展。各位代表：", "utf-8")
    m = ingest_file(f).meta
    assert (m.title, m.year, m.doc_type, m.region) == ("1993年广州市政府工作报告", 1993, "gov_work_report", "广州市")


def test_a_readme_is_not_a_report():
    m = _meta((ROOT / "README.md").read_text("utf-8"), "README.md")
    assert m.doc_type == "other" and m.region == "" and m.body == ""


@pytest.mark.skipif(not (SHARED / "ingenre-dev" / "docs.jsonl").exists(), reason="needs ../shared/ingenre-dev")
def test_no_wrong_metadata_on_the_development_reports():
    """On the 121 real reports and the seeds, no field is ever wrong, and most are found.

    Floors sit just under what was measured (region 99/115, level 99/121, body 51/59 on ingenre-dev)
    so a change that loses ground fails here; the table is ``tools/evaluate_metadata.py``.
    """
    spec = importlib.util.spec_from_file_location("evaluate_metadata", ROOT / "tools" / "evaluate_metadata.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    sets = tool.gold_sets(SHARED)
    table, errors = tool.score(sets["ingenre-dev"])
    assert all(c["wrong"] == 0 for c in table.values()), errors
    assert table["region"]["right"] >= 95 and table["level"]["right"] >= 95 and table["body"]["right"] >= 48
    assert table["year"]["right"] >= 112
    seeds, errors = tool.score(sets["seeds"])
    assert all(c["wrong"] == 0 and c["empty"] == 0 for c in seeds.values()), errors
