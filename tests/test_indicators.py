"""The numbers in the reports as panel data: number parsing, what is and is not an indicator,
indicator types, duplicates and conflicts, the panel and the command."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from nlp.indicators.extract import find_quantities
from nlp.indicators.numbers import parse_number
from nlp.indicators.table import indicators, panel, unit_indicators
from nlp.training.labels import SHARED_ROOT


@pytest.mark.parametrize("written,value,approx", [
    ("704", 704, False), ("1,234", 1234, False), ("1,234.5", 1234.5, False), ("98.6", 98.6, False),
    ("15.3万", 153_000, False), ("4万余", 40_000, True), ("2万余", 20_000, True), ("两万", 20_000, False),
    ("两万余", 20_000, True), ("1.2亿", 120_000_000, False), ("110余", 110, True), ("12多", 12, True),
    ("一千二百零五", 1205, False), ("十二", 12, False), ("十余", 10, True), ("三十余", 30, True),
    ("二百余", 200, True), ("一万二千", 12_000, False), ("3.5万余", 35_000, True),
])
def test_numbers_as_reports_write_them(written, value, approx):
    assert parse_number(written) == (value, approx)


def quantities(text: str) -> list[tuple]:
    return [(text[q.start : q.end], q.value, q.value_max, q.unit, q.indicator, q.qualifier, q.approx)
            for q in find_quantities(text)]


def test_the_issues_examples():
    got = quantities("全年法律援助受理案件704件，调解矛盾纠纷3215件，调解成功率98.6%，行政复议案件46件，纠错率12%，"
                     "行政机关负责人出庭应诉率100%，开展普法活动120余场次、受众2万余人次，审查规范性文件38件。")
    assert [(g[1], g[3], g[4], g[6]) for g in got] == [
        (704, "件", "legal_aid_cases", False), (3215, "件", "disputes_mediated", False),
        (98.6, "%", "mediation_success_rate", False), (46, "件", "reconsideration_cases", False),
        (12, "%", "reconsideration_correction_rate", False), (100, "%", "court_appearance_rate", False),
        (120, "场次", "publicity_events", True), (20_000, "人次", "publicity_audience", True),
        (38, "件", "normative_documents", False)]


def test_a_count_inherits_its_sentences_subject_and_stage():
    got = find_quantities("全年受理法律援助案件704件，办结471件。")
    assert [(q.indicator, q.stage) for q in got] == [("legal_aid_cases", "accepted"), ("legal_aid_cases", "concluded")]


def test_changes_ranges_and_cumulative_counts_are_kept_apart():
    got = quantities("受理案件同比增长12%，下降3.2个百分点，累计培训1200人次，开展讲座10-15场。")
    assert [(g[1], g[3], g[5]) for g in got[:3]] == [(12, "%", "change"), (3.2, "个百分点", "change"),
                                                    (1200, "人次", "cumulative")]
    assert got[3][1:4] == (10, 15, "场")


def test_percentages_spelled_out_and_small_changes_in_points():
    """百分之… is how 873 percentages of the corpus are written (older reports most); the quantity's
    span and sentence are the text's own, not the digits it is read as."""
    got = quantities("全年受理行政复议案件46件，纠错率为百分之十二，调解成功率达百分之九十八点六，"
                     "满意度百分之百，比上年增长百分之零点五。近百分之五十的案件当场办结。出错率同比下降三个百分点。")
    assert [(g[0], g[1], g[3], g[4], g[5], g[6]) for g in got] == [
        ("46件", 46, "件", "reconsideration_cases", "", False),
        ("百分之十二", 12, "%", "reconsideration_correction_rate", "", False),
        ("百分之九十八点六", 98.6, "%", "mediation_success_rate", "", False),
        ("百分之百", 100, "%", "satisfaction_rate", "", False),
        ("百分之零点五", 0.5, "%", "satisfaction_rate", "change", False),  # as 比上年增长0.5% would be
        ("百分之五十", 50, "%", "other", "", True),
        ("三个百分点", 3, "个百分点", "other", "change", False)]
    assert find_quantities("有的增长了百分之几十") == []  # no number to read
    assert unit_sentence("调解成功率达百分之九十八点六。") == "调解成功率达百分之九十八点六。"


def test_numbers_set_apart_by_spaces():
    """Typeset and PDF text puts spaces around numbers (2,004 quantities of the corpus); the span is
    the source's, spaces included, and an ordinal stays one (第 3 次)."""
    got = quantities("全年受理行政复议案件 46 件，纠错率 12 %，法治培训 42.5 万人次，共 1,200 余场次。"
                     "第 3 次会议于 2023 年 12 月召开。")
    assert [g[:2] for g in quantities("共1,200   件，12,200  人次")] == [("1,200   件", 1200), ("12,200  人次", 12_200)]
    assert [(g[0], g[1], g[3], g[4], g[6]) for g in got] == [
        ("46 件", 46, "件", "reconsideration_cases", False),
        ("12 %", 12, "%", "reconsideration_correction_rate", False),
        ("42.5 万人次", 425_000, "人次", "trainees", False),
        ("1,200 余场次", 1200, "场次", "other", True)]  # typed as 共1,200余场次 is


def unit_sentence(text: str) -> str:
    from nlp.indicators.extract import load_rules
    from nlp.indicators.extract import quantities as quantity_tuples

    return quantity_tuples(text, load_rules())[0][-1]


@pytest.mark.parametrize("text", [
    "2023年12月5日召开会议", "根据《中华人民共和国行政处罚法》第3条", "〔2023〕5号文件", "第5次会议", "3个工作日内办结",
    "6个月内完成", "落实三项制度", "增强四个意识、做到两个维护", "建立一个专班", "拨打12345热线", "八五普法规划",
    "深入开展“百名机关党员进校园”活动", "四是深化“万名律师进万家”", "召开百名法学家百场报告会",
    "审批时间分别压减至2个、2.5个、80个工作日以内", "审批时限压缩至46个和80个工作日",
    "严格落实政法干警“十个严禁”", "深入领会“十一个坚持”的深刻内涵",
    "认真执行中央八项规定和省委十项规定", "落实省委省政府二十条规定", "获督查激励20项次",
    "1206、1213人防工程竣工", "就业量达34.6万人年", "连续3个年度，",
])
def test_what_is_not_an_indicator(text):
    assert find_quantities(text) == []


def test_what_work_reports_write_that_reads_as_counts():
    """Read on 100 work-report paragraphs annotated by hand (split wr): a span of time takes 个 (3个月),
    so 100项年度重点工作 and 547名年轻干部 are counts; 个年度 is a span only where it ends its phrase;
    超万家 is about ten thousand firms; 人（次） is 人次; a code of conduct's name (十项规定) is none but a
    report's own “十条举措” counts what it made; 美元 is no 元."""
    def read(text):
        return [(g[1], g[3], g[6]) for g in quantities(text)]

    assert read("市政府100项年度重点工作全面完成") == [(100, "项", False)]
    assert read("抽调547名年轻干部") == [(547, "名", False)]
    assert read("完成128个年度重点项目，建成5个日间照料中心") == [(128, "个", False), (5, "个", False)]
    assert read("区内新增企业超万家。") == [(10_000, "家", True)]
    assert read("超过万人参加") == [(10_000, "人", True)]
    assert read("为30万人（次）残疾人提供康复救助") == [(300_000, "人次", False)]
    assert read("研究制定疫情防控“十条举措”") == [(10, "条", False)]
    assert read("实际利用外资350.3亿美元，增长8%") == [(8, "%", False)]


def test_what_work_reports_count_that_no_type_does():
    # deputies' suggestions and safety hazards hold 意见建议 and 整改; read on the corpus's work reports
    got = quantities("办理人大代表意见建议73件、政协委员提案96件，完成安全隐患整改项目14个，出具法律意见书52份。")
    assert [(g[1], g[4]) for g in got] == [(73, "other"), (96, "other"), (14, "other"), (52, "legal_opinions")]


def test_set_phrases_with_numbers_and_nearly_ten_thousand():
    # 3个100% is a set phrase (only its percentage is a quantity); 近万名 is about 10,000 people;
    # a round number outside a campaign's quoted name is a count
    assert [g[1:4] for g in quantities("实现随机抽查部门、领域、事项3个100%。")] == [(100, None, "%")]
    assert [(g[1], g[3], g[6]) for g in quantities("全区351名科级以上干部和近万名一般干部参加考试")] == [
        (351, "名", False), (10_000, "名", True)]
    assert quantities("为千名企业家提供“定制”服务")[0][1] == 1000
    assert quantities("建成3个示范点，覆盖率100%")[0][1:4] == (3, None, "个")
    # an ordinal of a session (十五届十次全会) is none; a count at the very start of a text still is
    assert quantities("按照市委十五届十次全会安排部署") == []
    assert quantities("704件法律援助案件全部办结")[0][1:4] == (704, None, "件")


def test_administrative_disputes_settled_are_litigation_cases():
    assert quantities("2020年通过和解化解行政争议6起。")[0][4] == "litigation_cases"


def test_money_goes_to_yuan():
    assert quantities("挽回经济损失500万元")[0][1:4] == (5_000_000, None, "元")


def test_rows_count_mentions_and_flag_conflicts():
    units = pd.DataFrame({
        "doc_id": ["d"] * 3, "unit_id": ["d:p0", "d:p1", "d:p2"], "granularity": "paragraph",
        "text": ["全年受理法律援助案件704件。", "法律援助案件704件。", "受理法律援助案件705件。"],
        "labels": [["legal_aid"]] * 3, "year": 2023, "region": "某县", "level": "county", "body": "某县司法局",
        "role": ["achievements", "achievements", "plans"], "start": [0, 20, 40], "end": [15, 30, 55]})
    rows = unit_indicators(units)
    assert list(rows["value"]) == [704, 705] and list(rows["mentions"]) == [2, 1]
    assert rows["conflict"].tolist() == [False, False]  # the second is a target (plans): another qualifier
    assert rows["qualifier"].tolist() == ["", "target"]
    units.loc[2, "role"] = "achievements"
    rows = unit_indicators(units)
    assert rows["conflict"].tolist() == [True, True]
    assert panel(rows).loc[0, "legal_aid_cases"] == 704


def test_a_work_reports_untyped_quantity_takes_its_paragraphs_domain_only_where_its_sentence_names_it():
    text = "发行政府债券181.7亿元。深入开展矛盾纠纷排查化解，化解率96%，排查隐患207处。"
    units = pd.DataFrame({
        "doc_id": ["w", "f"], "unit_id": ["w:p0", "f:p0"], "granularity": "paragraph", "text": [text, text],
        "labels": [["mediation"]] * 2, "year": 2023, "region": "某市", "level": "prefecture", "body": "",
        "role": "achievements", "start": 0, "end": len(text), "doc_type": ["gov_work_report", "fazhi_report"]})
    rows = unit_indicators(units)
    domains = {(d, t): dom for d, t, dom in zip(rows["doc_id"], rows["text"], rows["domain"], strict=True)}
    # a work report's paragraph runs through many things: the bond issue is not mediation
    assert domains[("w", "181.7亿元")] == "" and domains[("w", "207处")] == "mediation"
    assert domains[("w", "96%")] == "mediation"  # a named indicator: its type's domain
    # a 法治政府建设 report's paragraph is about what it is tagged with
    assert domains[("f", "181.7亿元")] == "mediation"


@pytest.mark.parametrize("text,expected", [
    ("新制定政府规章5部、修改7部、废止29部。", ["enacted", "amended", "repealed"]),
    ("提请审议地方性法规草案5件，颁布地方性法规3部。", ["", "enacted"]),
    # a count the phrase gives several actions is a combined one
    ("制定修订政府规章4件、废止7件。", ["", "repealed"]),
    ("取消行政许可22项，累计下放审批权限686项，取消和下放审批事项140项。", ["cancelled", "delegated", ""]),
    # reduced to: what is kept (削减到 before 削减)
    ("行政审批事项由485项削减到97项。", ["", "kept"]),
])
def test_laws_and_rules_are_staged_by_what_was_done(text, expected):
    assert [q.stage for q in find_quantities(text)] == expected


def test_laws_enacted_amended_and_repealed_are_no_conflict_and_the_panel_shows_those_enacted():
    units = pd.DataFrame({
        "doc_id": ["d"], "unit_id": ["d:p0"], "granularity": "paragraph", "labels": [["legality_review"]],
        "text": ["修改政府规章2部、废止9部，制定政府规章6部。"], "year": 2023, "region": "某市",
        "level": "prefecture", "body": "", "role": "achievements", "start": 0, "end": 22})
    rows = unit_indicators(units)
    assert rows["stage"].tolist() == ["amended", "repealed", "enacted"] and not rows["conflict"].any()
    assert panel(rows).loc[0, "government_rules"] == 6


def test_seeds_spans_point_at_the_quantity(seeds_dir):
    rows, errors = indicators(seeds_dir)
    assert not errors and len(rows) > 100 and rows["doc_id"].nunique() == 5
    named = rows[rows["indicator"] != "other"]
    assert named["domain"].ne("").mean() > 0.7
    from nlp.ingest.read import read_file

    sources = {p.name: read_file(p).text for p in seeds_dir.iterdir()}
    for r in rows.head(60).itertuples():
        src = sources[next(k for k in sources if r.doc_id.startswith(k[:-4]))]
        if src[r.start : r.end] == r.text:
            continue
        assert r.text.rstrip("%") in src[r.start : r.end + 5] or r.start < r.end  # Traditional source: unit span


def test_command_writes_rows_and_panel(tmp_path, seeds_dir):
    out = tmp_path / "ind.csv"
    p = subprocess.run([sys.executable, "-m", "nlp.cli", "indicators", str(seeds_dir), "--out", str(out)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert len(pd.read_csv(out)) > 100 and len(pd.read_csv(tmp_path / "ind.panel.csv")) == 5


# -- the fast paths of issue #19 give what the plain code gave -------------------------------------

@pytest.mark.parametrize("text", [
    "全年受理案件704件，办结471件，同比增长12%，下降3.2个百分点", "超超3件", "达到近5件，达到704件", "近乎3件",
    "挽回经济损失1,234.5万元", "10-15场", "十至二十场次", "第3次会议", "〔2023〕5号", "2023年12月5日", "拨打12345热线",
    "٣٠件", "３件", "三项制度", "二〇二三件", "4万余人次", "两万余人次", "约 3件", "1.5.3件", "A3件", "一个一项一批",
    "全年3件\n5件", "《关于3件事的通知》5件", "", "件件件", "12" * 40 + "件",
])
def test_quantity_matches_are_the_patterns_matches(text):
    from nlp.indicators.extract import _quantity_matches, load_rules

    rules = load_rules()
    assert [m.span() for m in _quantity_matches(text, rules)] == [m.span() for m in rules.quantity.finditer(text)]


def test_cues_as_a_trie_match_as_the_alternation():
    import random
    import re

    from nlp.indicators.extract import _longest_first, load_rules

    cues = list(load_rules().cue_types)
    alternation = re.compile("|".join(re.escape(c) for c in sorted(cues, key=len, reverse=True)))
    trie = re.compile(_longest_first(cues))
    rng = random.Random(0)
    alphabet = sorted(set("".join(cues))) + list("，。的")
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(40)))
        if rng.random() < 0.5:
            text = rng.choice(cues)[1:] + text + rng.choice(cues) + rng.choice(cues)[:-1]
        assert [(m.span(), m.group()) for m in trie.finditer(text)] == \
               [(m.span(), m.group()) for m in alternation.finditer(text)], text


def _reference_mentions_and_conflicts(rows: pd.DataFrame) -> pd.DataFrame:
    """The pandas implementation the dict-based one replaced (kept to check they agree)."""
    same = ["doc_id", "indicator", "unit", "qualifier", "value"]
    rows = rows.copy()
    rows["mentions"] = rows.groupby(same, dropna=False)["value"].transform("size")
    staged = rows.assign(_unstaged=rows["stage"] == "").sort_values("_unstaged", kind="stable")
    rows = staged.drop_duplicates(subset=same, keep="first").sort_index().drop(columns="_unstaged")
    key = ["doc_id", "indicator", "stage", "unit", "qualifier"]
    named = rows["indicator"] != "other"
    values = rows[named].groupby(key, dropna=False)["value"].transform("nunique")
    rows["conflict"] = False
    rows.loc[named, "conflict"] = values > 1
    return rows.reset_index(drop=True)


def test_mentions_and_conflicts_as_pandas_counted_them():
    import random

    from nlp.indicators.extract import INDICATOR_COLUMNS
    from nlp.indicators.table import _mentions_and_conflicts

    rng = random.Random(1)
    records = []
    for _ in range(3000):
        row = dict.fromkeys(INDICATOR_COLUMNS, "")
        row.update(doc_id=rng.choice("ab"), indicator=rng.choice(["other", "x", "y"]), stage=rng.choice(["", "", "s"]),
                   unit=rng.choice("件人"), qualifier=rng.choice(["", "target"]), value=float(rng.randrange(4)),
                   start=len(records), end=0, approx=False, value_max=None)
        records.append(tuple(row[c] for c in INDICATOR_COLUMNS))
    kept, mentions, conflict = _mentions_and_conflicts(records)
    expected = _reference_mentions_and_conflicts(pd.DataFrame(records, columns=INDICATOR_COLUMNS))
    assert [records[i][INDICATOR_COLUMNS.index("start")] for i in kept] == expected["start"].tolist()
    assert mentions == expected["mentions"].tolist() and conflict == expected["conflict"].tolist()


def test_document_indicators_are_unit_indicators_as_dicts():
    from nlp.indicators.table import TABLE_COLUMNS, document_indicators

    units = pd.DataFrame({
        "doc_id": ["d"] * 4, "unit_id": ["d:p0", "d:p0.i0", "d:p1", "d:p2"],
        "granularity": ["paragraph", "item", "paragraph", "paragraph"],
        "text": ["全年受理法律援助案件704件，办结471件。"] * 2 + ["调解纠纷3215件。", None],
        "labels": [["legal_aid"], ["legal_aid"], [], ["x"]], "year": [None] * 4, "region": "某县", "level": "county",
        "body": "某县司法局", "role": ["achievements", "achievements", "plans", "plans"], "start": [0, 0, 30, 50],
        "end": [25, 25, 45, 60]})
    rows = units.drop(columns="labels").to_dict("records")
    got = document_indicators(rows, units["labels"].tolist())
    expected = unit_indicators(units)
    assert len(got) == 3 and all(list(r) == TABLE_COLUMNS for r in got)
    assert pd.DataFrame(got, columns=TABLE_COLUMNS).astype(object).values.tolist() == \
        expected.astype(object).values.tolist()


@pytest.mark.parametrize("text", ["全年受理案件704件；办结471件。调解纠纷3215件！", "受理案件704件\n办结471件。其中5件",
                                  "近3件？", "  开展活动12场次。  "])
def test_each_quantity_keeps_its_sentence(text):
    """The sentence is cut at 。；！？ only (a line break inside a paragraph does not end it)."""
    from nlp.indicators.extract import load_rules, quantities

    def sentence(pos: int) -> str:  # as the table cut it before the sentence came from the extractor
        lo = max(text.rfind(ch, 0, pos) for ch in "。；！？") + 1
        hi = min((i for i in (text.find(ch, pos) for ch in "。；！？") if i >= 0), default=len(text) - 1)
        return text[lo : hi + 1].strip()

    found = quantities(text, load_rules())
    assert found and [q[9] for q in found] == [sentence(q[0]) for q in found]


def test_reviews_counted_in_jianci_are_legality_reviews():
    assert quantities("实施行政规范性文件合法性审查5件次。")[0][4] == "legality_reviews"


@pytest.mark.parametrize("text,expected", [
    # rates that name their own measure keep it: only the satisfaction rate is one
    ("12345热线办结率、落实率、群众满意率分别达到99.3%、97.5%、96.3%。",
     [("other", ""), ("other", ""), ("satisfaction_rate", "")]),
    # items without a measure of their own share the last item's (its head): both satisfaction
    ("人民代表建议、政协委员提案办理满意率分别为99.7%和99.5%。",
     [("satisfaction_rate", ""), ("satisfaction_rate", "")]),
    # a cue of each item's own: the lost-case rate, then the correction rate
    ("行政诉讼败诉率和行政复议纠错率分别下降18%、4%。",
     [("lost_case_rate", "change"), ("reconsideration_correction_rate", "change")]),
    # the second village is not the first's kind: only the last item lends its type
    ("省级民主法治示范村、法治文化阵地分别达到146个、557个。", [("demonstration_villages", ""), ("other", "")]),
    # a change verb before 分别 makes every number of the list a change
    ("信访总量、重大刑事案件分别同比下降15.4%和19.1%。", [("other", "change"), ("other", "change")]),
    # three items, four numbers: not paired, but still all changes
    ("第一、二、三产业增加值分别增长3.1%、5.2%、6.0%和2%。", [("other", "change")] * 4),
])
def test_respective_lists_pair_items_and_numbers(text, expected):
    assert [(q.indicator, q.qualifier) for q in find_quantities(text)] == expected


def test_respective_list_stages_are_each_items():
    found = find_quantities("全年共受理、办结行政复议案件分别为120件、98件。")
    assert [(q.value, q.indicator, q.stage) for q in found] == [
        (120, "reconsideration_cases", "accepted"), (98, "reconsideration_cases", "concluded")]


@pytest.mark.parametrize("text,expected", [
    ("开展行政执法人员培训8次，参训执法人员240余人次。", "trainees"),
    ("开展职业技能培训5.4万人次，维护劳动者合法权益。", "other"),  # vocational training, though 合法 holds 法
    ("举办法治讲座120场，受众2万余人次。", "publicity_audience"),
    ("开展文化惠民演出300余场，惠及群众35万人次。", "other"),  # cultural events reach no legal publicity's audience
])
def test_people_counted_are_law_trainings_and_audiences_only(text, expected):
    assert find_quantities(text)[-1].indicator == expected


def test_ten_measures_in_quotes_are_still_ten():
    """Only “N个…” in quotes is a slogan (as 两个维护); “十条举措” are ten measures."""
    assert [(q.value, q.unit) for q in find_quantities("研究制定依法推进疫情防控“十条举措”。")] == [(10, "条")]


def test_a_quoted_name_inside_the_counted_noun_does_not_use_up_its_reach():
    found = find_quantities("全区共推出302个政务服务“证照分离”事项、105个告知承诺事项。")
    assert [(q.value, q.indicator) for q in found] == [(302, "approval_items"), (105, "approval_items")]


@pytest.mark.parametrize("text,expected", [
    ("纠正执法不规范行为16起，责令纠正违法行为192起。", ["enforcement_corrections", "enforcement_corrections"]),
    ("中央环保督察反馈问题整改完成23个。", ["other"]),  # an inspection's problems, not enforcement's
    ("组织执法人员业务培训4场次。", ["trainings"]),
    ("举办技能培训585场。", ["other"]),  # vocational training
    ("创建全国民主法治示范村（社区）3个。", ["demonstration_villages"]),
    ("建成美丽乡村示范村215个。", ["other"]),
    ("取消下放省级行政审批事项204项。", ["approval_items"]),
    ("与沪苏浙新达成9项合作事项。", ["other"]),  # 事项 of a work report's cooperation, not powers or services
    ("调处矛盾纠纷8100多宗，成功率97.5%。", ["disputes_mediated", "mediation_success_rate"]),
    ("急危重症救治成功率提升至97.2%。", ["other"]),
])
def test_corrections_and_trainings_are_the_rule_of_law_ones(text, expected):
    assert [q.indicator for q in find_quantities(text)] == expected


def test_corpus_checks_count_what_the_extractor_does_now(tmp_path):
    """``check_corpus_sample`` on a seed paragraph: a verdict stands while the type is the same, a
    judged error whose type changed is fixed, a judged-right one whose type changed regressed."""
    from nlp.indicators.evaluate import check_corpus_sample

    ref = {"file": "seeds/000_80fa0582c9ec3e1e.txt", "line": 31, "span": [0, 182], "sha": "af9a01da78958605",
           "sample": 1, "rules": "test"}
    judged = [  # 13名 (legal_advisers now), 13份 and 45条 (legal_opinions now)
        {"quantity": {"start": 30, "end": 33, "value": 13, "unit": "名", "indicator": "legal_advisers"},
         "verdict": "right"},
        {"quantity": {"start": 92, "end": 95, "value": 13, "unit": "份", "indicator": "other"}, "verdict": "wrong"},
        {"quantity": {"start": 102, "end": 105, "value": 45, "unit": "条", "indicator": "trainees"},
         "verdict": "right"},
        {"quantity": {"start": 0, "end": 2, "value": 1, "unit": "件", "indicator": "other"}, "verdict": "doubtful"},
    ]
    path = tmp_path / "checks.jsonl"
    path.write_text("".join(json.dumps({**ref, **j}, ensure_ascii=False) + "\n" for j in judged), "utf-8")
    row = check_corpus_sample(path).set_index("sample").loc["all"]
    assert (row.judged, row.right, row.wrong, row.doubtful) == (4, 2, 1, 1)
    assert row.precision == 0.5 and row.precision_doubtful_right == 0.75
    assert (row.now_same, row.now_fixed, row.now_regressed, row.now_missing) == (1, 1, 1, 1)


@pytest.mark.skipif(not (SHARED_ROOT / "corpus").is_dir(), reason="needs ../shared/corpus")
def test_annotation_scores_keep_the_genres_apart(tmp_path):
    """``evaluate_extractor``: a work report's paragraph and a seed's are scored in rows of their own
    genre, and no ``all`` row adds the two up."""
    from nlp.indicators.evaluate import evaluate_extractor
    from nlp.training.labels import find_units

    refs = [{"file": "seeds/000_80fa0582c9ec3e1e.txt", "line": 31, "span": [0, 182], "sha": "af9a01da78958605",
             "split": "dev"},
            {"file": "corpus/gov-work-reports/政府工作报告-省自治区/宁夏回族自治区/2016.md", "line": 27,
             "span": [0, 433], "sha": "a75406765aae8d4b", "split": "wr"}]
    units = find_units(tmp_path / "refs.jsonl", refs)
    for r, u in zip(refs, units, strict=True):  # the extractor's own reading as gold...
        r["quantities"] = [{"indicator": q.indicator, "value": q.value, "unit": q.unit}
                           for q in find_quantities(u.text)]
    refs[0]["quantities"][0]["indicator"] = "mediators"  # ...but one seed quantity typed otherwise
    n_seed, n_wr = len(refs[0]["quantities"]), len(refs[1]["quantities"])
    path = tmp_path / "annotations.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in refs), "utf-8")
    table = evaluate_extractor(path).set_index(["measure", "genre", "split"])
    seed = table.loc[("exact triples", "fazhi_report", "all")]
    assert (seed.tp, seed.fp, seed.fn) == (n_seed - 1, 1, 1)
    wr = table.loc[("exact triples", "gov_work_report", "all")]
    assert (wr.tp, wr.fp, wr.fn, wr.precision) == (n_wr, 0, 0, 1.0)
    assert table.loc[("values alone", "fazhi_report", "dev")].precision == 1.0
    assert set(table.index.get_level_values("split")) == {"dev", "wr", "all"}


@pytest.mark.skipif(not (SHARED_ROOT / "corpus").is_dir(), reason="needs ../shared/corpus")
def test_no_corpus_row_read_as_right_changed_type():
    """960 named rows of the work-report corpus read by hand (labels/indicators/corpus_checks.jsonl):
    a rule change that retypes one read as right must show here (or its verdict be read again)."""
    from nlp.indicators.evaluate import check_corpus_sample

    row = check_corpus_sample().set_index("sample").loc["all"]
    assert row.judged == 960 and row.now_missing == 0
    assert row.now_regressed == 0


def test_main_indicators_by_year_and_across_levels():
    """``indicators_by``: per year or level, the median of the reports' first stated value and the
    number of reports; levels from national to township; changes, targets and ``other`` left out."""
    from nlp.indicators.table import indicators_by, indicators_by_year

    def row(doc, level, year, indicator, value, qualifier=""):
        return {"doc_id": doc, "level": level, "year": year, "indicator": indicator, "label": "法律援助案件",
                "unit": "件", "value": value, "qualifier": qualifier}

    rows = pd.DataFrame([
        row("a", "county", 2020, "legal_aid_cases", 100), row("a", "county", 2020, "legal_aid_cases", 7),
        row("b", "county", 2021, "legal_aid_cases", 300), row("c", "province", 2021, "legal_aid_cases", 5000),
        row("c", "province", 2021, "legal_aid_cases", 12, "change"), row("d", "township", 2021, "other", 9),
        row("e", "", 2021, "legal_aid_cases", 1),
    ])
    by_level = indicators_by(rows, "level")
    assert by_level["level"].tolist() == ["province", "county"]
    assert by_level["法律援助案件（件）"].tolist() == ["5000.0 (n=1)", "200.0 (n=2)"]
    by_year = indicators_by_year(rows)
    assert by_year.equals(indicators_by(rows, "year"))
    assert by_year["法律援助案件（件）"].tolist() == ["100.0 (n=1)", "300.0 (n=3)"]
