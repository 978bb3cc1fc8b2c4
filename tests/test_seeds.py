"""The five real seed reports: metadata, roles, items, and clean text."""

from __future__ import annotations

import re

import pytest

EXPECTED = {
    # file prefix: (year, body, region, level, pub_date, body_type, department). 003 says 市司法局 and
    # names its city: the two make the name; 004 says only 我局: the body's kind is known, its name is not.
    "000": (2023, "高平市司法局", "高平市", "county", "2024-03-07", "department", "司法局"),
    "001": (2020, "昌乐县人民政府", "昌乐县", "county", "2021-02-03", "government", ""),
    "002": (2023, "湖滨区司法局", "湖滨区", "county", "", "department", "司法局"),
    "003": (2024, "鄂尔多斯市司法局", "鄂尔多斯市", "prefecture", "", "department", "司法局"),
    "004": (2020, "", "开平市", "county", "", "department", ""),
}


def _doc(seed_result, prefix):
    docs = seed_result.documents
    return docs[docs["doc_id"].str.startswith(prefix)].iloc[0]


def _units(seed_result, prefix, granularity="paragraph"):
    u = seed_result.units
    return u[u["doc_id"].str.startswith(prefix) & (u["granularity"] == granularity)]


def test_all_seeds_read(seed_result):
    assert len(seed_result.documents) == 5
    assert not seed_result.errors


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_seed_metadata(seed_result, prefix):
    year, body, region, level, pub, body_type, department = EXPECTED[prefix]
    d = _doc(seed_result, prefix)
    assert (d["year"], d["body"], d["region"], d["level"], d["pub_date"]) == (
        year, body, region, level, pub)
    assert (d["body_type"], d["department"]) == (body_type, department)
    assert d["doc_type"] == "fazhi_report"


def test_inferred_fields_carry_warnings(seed_result):
    d = _doc(seed_result, "003")
    assert "inferred" in d["warnings"] and "opening sentence" in d["warnings"]
    assert _doc(seed_result, "000")["warnings"] == ""


def test_seed_004_traditional_pinyin_and_damage(seed_result):
    d = _doc(seed_result, "004")
    assert d["script"] == "traditional"
    assert "unrepairable" in d["warnings"] and "六?" in d["warnings"]
    text = "".join(_units(seed_result, "004")["text"])
    assert "领导" in text and "領" not in text and "(lǐng)" not in text
    assert not re.search(r"[āáǎàēéěèīíǐìōóǒòūúǔù]", text)


def test_simplified_text_skips_opencc_and_traditional_text_does_not():
    """A text without any character OpenCC changes alone is left as it is (OpenCC's phrase rules
    misfire on Simplified text: 批覆 → 批复 inside 审批覆盖面); one such character and the whole
    text is converted, phrases included."""
    from nlp.ingest.clean import clean_string

    assert clean_string("扩大网上审批覆盖面，项目在沈落地。") == "扩大网上审批覆盖面，项目在沈落地。"
    assert clean_string("扩大網上审批覆盖面。") == "扩大网上审批复盖面。"  # as OpenCC has it, once converting
    assert clean_string("法治政府建設") == "法治政府建设"


@pytest.mark.parametrize("config", ["s2t", "s2tw", "s2hk"])
def test_regional_traditional_variants_come_back_simplified(config):
    """A report a site converted with its s2tw or s2hk button comes back as the Simplified text:
    Taiwan's 著力 (着力 in Simplified) and Hong Kong's 衞生 (卫生) included, not only OpenCC's
    standard Traditional."""
    import opencc

    from nlp.ingest.clean import clean_string

    text = "淄博市卫生健康委员会着力推进严格规范公正文明执法，沿着法治轨道，显著提升执法水平，著作权保护。"
    assert clean_string(opencc.OpenCC(config).convert(text)) == text


def test_taiwan_phrases_only_in_traditional_text():
    """Taiwan's 著 → 着 goes by phrase and needs Traditional context: a Simplified report holding a
    stray Traditional character keeps 显著 (not 显着); Hong Kong's 衞 is mapped either way."""
    from nlp.ingest.clean import clean_string

    assert clean_string("执法水平显著提升，開展普法。") == "执法水平显著提升，开展普法。"
    assert clean_string("市衞生健康委员会") == "市卫生健康委员会"


def test_no_furniture_left(seed_result):
    text = "\n".join(seed_result.units["text"])
    for junk in ("当前位置", "索引号", "扫一扫在手机打开当前页", "相关图片", "相关附件",
                 "发布机构", "内容概述", "Document"):
        assert junk not in text


def test_title_spacing_and_punctuation_normalized(seed_result):
    front = _units(seed_result, "000")
    assert "报告" in set(front[front["role"] == "front_matter"]["text"])
    text = "\n".join(seed_result.units["text"])
    assert "报    告" not in text
    assert not re.search(r"[\u4e00-\u9fff],[\u4e00-\u9fff]", text)  # half-width comma gone


@pytest.mark.parametrize("prefix,roles", [
    ("000", {"front_matter", "preamble", "achievements", "problems", "plans"}),
    ("001", {"front_matter", "preamble", "achievements", "problems", "plans"}),
    ("002", {"front_matter", "preamble", "achievements", "problems", "plans"}),
    ("003", {"preamble", "achievements", "closing"}),
    ("004", {"preamble", "achievements", "problems", "plans"}),
])
def test_section_roles(seed_result, prefix, roles):
    assert set(_units(seed_result, prefix)["role"]) == roles


def test_problem_and_plan_sections_found_by_heading(seed_result):
    u = _units(seed_result, "000")
    probs = u[u["role"] == "problems"]
    assert probs["section"].str.contains("差距和不足").all()
    assert u[u["role"] == "plans"]["section"].str.contains("2024年").all()


def test_unnumbered_heading_of_seed_002(seed_result):
    u = _units(seed_result, "002")
    row = u[u["text"] == "推进法治政府建设的主要举措和成效"].iloc[0]
    assert row["is_heading"]
    later = u[u["text"].str.startswith("（一）围绕法治政府建设")].iloc[0]
    assert later["section"].startswith("推进法治政府建设的主要举措和成效 > （一）")


def test_seed_003_items(seed_result):
    paras = _units(seed_result, "003")
    items = _units(seed_result, "003", "item")
    assert len(paras) == 6
    assert 18 <= len(items) <= 24
    assert items["text"].str.match(r"^[二三四]是").sum() >= 8


def test_spans_point_back_to_the_source(seed_result, seeds_dir):
    for row in seed_result.units.itertuples():
        src = (seeds_dir / row.source.split("/")[-1]).read_text("utf-8")
        piece = src[row.start:row.end]
        # the clean text is the source minus pinyin/furniture, converted; the first and last
        # Chinese characters survive conversion in position.
        assert piece, row.unit_id
        if row.doc_id.startswith(("000", "001", "002", "003")):
            assert piece[0] == row.text[0] or not row.text[0].isalnum()
            assert piece[-1] in (row.text[-1], ",", ";", ":", ")", "(")


def _naive_sub(text: str, offsets: list[int], pattern, repl) -> tuple[str, list[int]]:
    """The offset map built one character at a time (the reference for MappedText.sub)."""
    chars, new = [], []
    pos = 0
    for m in pattern.finditer(text):
        s, e = m.span()
        r = repl(m) if callable(repl) else m.expand(repl)
        chars.append(text[pos:s])
        new += offsets[pos:s]
        chars.append(r)
        new += offsets[s:e] if len(r) == e - s else [offsets[s]] * len(r)
        pos = e
    chars.append(text[pos:])
    new += offsets[pos:]
    return "".join(chars), new


@pytest.mark.parametrize("pattern, repl", [
    (r"(?<=[\u4e00-\u9fff]) +(?=[\u4e00-\u9fff])", ""),  # deletions (CJK gaps)
    (r" |a|\n", ""),  # deletions, some adjacent, up to the end
    (r"[a-z]+", lambda m: m.group(0).upper()),  # same length: positions kept
    (r"\d+", "#"),  # shorter
    (r"x", "yyy"),  # longer
    (r"^ab", "ab"),  # unchanged match: nothing to do
])
def test_mapped_sub_keeps_the_offset_map(pattern, repl):
    import random

    import numpy as np

    from nlp.spans import MappedText

    rng = random.Random(7)
    alphabet = "法治 政府ab x12 3\n建设"
    for _ in range(200):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        mt = MappedText(text, np.arange(5, 5 + len(text) + 1, dtype=np.int64) * 2)  # not an identity map
        got = mt.sub(re.compile(pattern), repl)
        want_text, want_map = _naive_sub(text, mt.offsets.tolist(), re.compile(pattern), repl)
        assert got.text == want_text and got.offsets.tolist() == want_map, text
