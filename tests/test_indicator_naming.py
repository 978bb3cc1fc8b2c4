"""How the extractor names what a number counts (issue #19): each rule of
``nlp/data/indicators.yaml`` on invented sentences in the reports' style, with the sentences
where it must not fire."""

from __future__ import annotations

import re

import pytest

from nlp.indicators.extract import find_quantities, load_rules


def named(text: str) -> list[tuple[str, str]]:
    return [(text[q.start : q.end], q.indicator) for q in find_quantities(text)]


@pytest.mark.parametrize("text,expected", [
    # a cue in the comma phrase before names nothing in this one: the meeting is no study session
    ("将学习贯彻会议精神纳入支部学习计划，召开党组会20场次。", [("20场次", "other")]),
    ("我县选送5件案件参加省级评查，有3件获评优秀。", [("5件", "other"), ("3件", "other")]),
    # ... but a cue in the number's own phrase still does, and a bare count still inherits
    ("局党组理论学习中心组集中学习法律法规12场次。", [("12场次", "law_study_sessions")]),
    ("全年受理法律援助案件704件，办结471件。", [("704件", "legal_aid_cases"), ("471件", "legal_aid_cases")]),
])
def test_the_cue_before_a_number_is_in_its_comma_phrase(text, expected):
    assert named(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("将全县941项依申请政务服务事项纳入中心集中办理。", [("941项", "approval_items")]),
    ("组织对各部门进行了2次行政处罚案卷集中评查。", [("2次", "case_file_reviews")]),
    ("目前保留78个审批项目。", [("78个", "approval_items")]),
    # the noun of a count of places is not the noun of the verb's object further on
    ("完成对全镇15个村居实施调整下放行政执法职权事项。", [("15个", "other")]),
])
def test_the_counted_noun_may_carry_a_short_modifier(text, expected):
    assert named(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("组织80余名公职人员参加法治专题培训，38名干部参学。", [("80余名", "trainees"), ("38名", "trainees")]),
    ("聘请9名执业律师担任政府法律顾问。", [("9名", "legal_advisers")]),
    ("公开增聘20名专家人才，涵盖法律、审计等领域。", [("20名", "other")]),
    ("全县351名科级以上干部参加法治理论考试。", [("351名", "other")]),  # an exam is no training
])
def test_a_count_of_people_is_named_by_what_they_are_or_did(text, expected):
    assert named(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("组织法律知识学习考试9期，参与人数21万人次。", [("9期", "law_study_sessions"), ("21万人次", "trainees")]),
    ("组织法治专题学习4次，覆盖镇村干部200余人次。", [("4次", "law_study_sessions"), ("200余人次", "trainees")]),
    ("发放宣传手册200份，悬挂横幅30幅，现场讲解58人次。",
     [("200份", "publicity_materials"), ("58人次", "publicity_audience")]),
    ("开展法治讲座12场，受众3000余人次。", [("12场", "publicity_events"), ("3000余人次", "publicity_audience")]),
    # only attendance (人次) is an audience: people counted otherwise are not
    ("举办执法人员培训30场，新增就业1200人。", [("30场", "trainings"), ("1200人", "other")]),
    ("开展普法讲座12场，服务群众300人。", [("12场", "publicity_events"), ("300人", "other")]),
    # a cue of its own wins over the audience
    ("开展普法活动20场，解答法律咨询500人次。", [("20场", "publicity_events"), ("500人次", "legal_consultations")]),
    # households an activity reached are its audience too; households otherwise named are not
    ("开展入户送法走访群众2.1万户。", [("2.1万户", "publicity_audience")]),
    ("全市共有人民调解委员会120个，服务群众3000户。", [("120个", "mediation_organizations"), ("3000户", "other")]),
])
def test_attendance_is_the_audience_of_the_activity(text, expected):
    assert named(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("法律援助中心2起案例入选省级案例汇编，2起入选全国案例库。", [("2起", "other"), ("2起", "other")]),
    ("全年完成为民办实事项目58项。", [("58项", "other")]),  # 实事项目 holds 事项 across two words
    ("完成重点改革事项45项。", [("45项", "other")]),
    ("外地执法队来我区观摩学习10余次。", [("10余次", "other")]),
    # the words they hold still name what they name elsewhere
    ("梳理公布行政许可事项297项。", [("297项", "approval_items")]),
    ("区政府常务会议集体学法5次。", [("5次", "law_study_sessions")]),
])
def test_not_cues_leave_a_quantity_other(text, expected):
    assert named(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("全年受理仲裁案件790件，其中调解结案325件。", [("790件", "arbitration_cases"), ("325件", "arbitration_cases")]),
    ("全年受理仲裁案件790件，调解结案325件。", [("790件", "arbitration_cases"), ("325件", "disputes_mediated")]),
    # 其中 after an untyped count: the part's own cue names it
    ("受理各类案件1000件，其中法律援助案件200件。", [("1000件", "other"), ("200件", "legal_aid_cases")]),
])
def test_a_part_introduced_by_qizhong_keeps_the_type_of_the_whole(text, expected):
    assert named(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("全年受理法律援助案件704件，办结471件。", [("704件", "legal_aid_cases"), ("471件", "legal_aid_cases")]),
    ("梳理告知承诺审批事项204项，17个委办局对182个事项实施告知承诺。",
     [("204项", "approval_items"), ("17个", "other"), ("182个", "approval_items")]),
    ("开展法治培训2万人次，城镇新增就业3万人以上，帮助5000名劳动力实现就业。",
     [("2万人次", "trainees"), ("3万人", "other"), ("5000名", "other")]),
])
def test_a_count_inherits_only_when_it_ends_its_phrase(text, expected):
    assert named(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("市政府常务会议集体学法6次，听取法治政府建设汇报13次。", [("6次", "law_study_sessions"), ("13次", "other")]),
    ("党委会专题学法3次，主要负责同志述职述法各1次。", [("3次", "law_study_sessions"), ("1次", "other")]),
    ("提请审议地方性法规草案20件，向省人大常委会报告专项工作13项。",
     [("20件", "local_regulations"), ("13项", "other")]),
    # a not-cue of the counted thing does not stop inheritance: 改革事项清单 still lists approval items
    ("推动140项高频政务服务事项跨省通办，梳理“证照分离”改革事项清单86项。",
     [("140项", "approval_items"), ("86项", "approval_items")]),
])
def test_a_count_whose_phrase_names_a_report_heard_inherits_nothing(text, expected):
    assert named(text) == expected


@pytest.mark.parametrize("text,expected", [
    # proposals answered and fees cut are no documents or approval items (work reports, every year)
    ("审查备案规范性文件20件，办结市人大代表建议110件、政协提案116件。",
     [("20件", "normative_documents"), ("110件", "other"), ("116件", "other")]),
    ("取消行政审批事项103项，取消行政事业性收费26项。", [("103项", "approval_items"), ("26项", "other")]),
    # the words are whole: 复议案件 holds 议案, but only 人大议案 / 代表议案 stop inheritance
    ("共收到行政复议申请58件，受理54件，审结49件。",
     [("58件", "reconsideration_cases"), ("54件", "reconsideration_cases"), ("49件", "reconsideration_cases")]),
    # a rate whose phrase names a rate is that rate, not the one before it ...
    ("矛盾纠纷排查化解率达到94.5%，信访事项按期办结率100%。",
     [("94.5%", "mediation_success_rate"), ("100%", "other")]),
    # ... and a change in % after a rate is some count's; a change in points is the rate's
    ("矛盾纠纷调解成功率96.7%，刑事案件立案数下降32.8%。",
     [("96.7%", "mediation_success_rate"), ("32.8%", "other")]),
    ("行政复议纠错率12%，同比下降3个百分点。",
     [("12%", "reconsideration_correction_rate"), ("3个百分点", "reconsideration_correction_rate")]),
    # 指标 are counted by no type
    ("全程网办事项覆盖率等13个指标获评全省优秀。", [("13个", "other")]),
])
def test_proposals_fees_and_other_rates_inherit_nothing(text, expected):
    assert named(text) == expected


def test_projects_for_the_people_are_no_approval_items():
    # 为民办实事事项 holds 事项 (a cue) and 办 (a word approval items require): a not-cue, 实事事项
    assert ("20项", "other") in named("分解的69项任务、12项责任状事项、20项为民办实事事项全部完成。")


@pytest.mark.parametrize("text,expected", [
    ("清理规范性文件2次、100余件，废止7件。",
     [("2次", "other"), ("100余件", "normative_documents"), ("7件", "normative_documents")]),
    ("全市共有人民调解委员会120个、覆盖群众3000户。", [("120个", "mediation_organizations"), ("3000户", "other")]),
])
def test_counts_in_a_list_share_the_phrase_before_them(text, expected):
    assert named(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("深化改革，取消行政审批19项，下放行政权力118项。", [("19项", "approval_items"), ("118项", "approval_items")]),
    # the same words inside the name of something else: departments, the reform itself
    ("全区47个行政审批部门开展自查。", [("47个", "other")]),
    ("确定了70个省级行政许可主体。", [("70个", "other")]),
    ("向乡镇下放行政执法职权事项120项。", [("120项", "approval_items")]),
])
def test_approval_items_are_named_by_their_classes(text, expected):
    assert named(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("常务会议集体学法7次，举办科级干部法治讲座2次。", [("7次", "law_study_sessions"), ("2次", "law_study_sessions")]),
    ("组织集中学习12次，开展“以案释法”研讨活动10余场，覆盖民警700余人次。",
     [("12次", "law_study_sessions"), ("10余场", "law_study_sessions"), ("700余人次", "trainees")]),
    # a lecture anywhere else is a publicity event (the first type that lists the cue)
    ("举办法治讲座12场，受众3000余人次。", [("12场", "publicity_events"), ("3000余人次", "publicity_audience")]),
    ("开展普法宣传活动30场，举办法治讲座12场。", [("30场", "publicity_events"), ("12场", "publicity_events")]),
    ("集体学法7次。举办法治讲座12场。", [("7次", "law_study_sessions"), ("12场", "publicity_events")]),
])
def test_a_cue_of_two_types_takes_the_one_its_clause_counts(text, expected):
    assert named(text) == expected


@pytest.mark.parametrize("text", ["我镇是全区唯一一家示范单位。", "做到一一对应。"])
def test_numerals_spelled_digit_by_digit_are_no_count(text):
    assert find_quantities(text) == []


def test_an_unknown_audience_is_an_error(tmp_path):
    rules = tmp_path / "indicators.yaml"
    rules.write_text("units: [场]\ntypes:\n  talks:\n    cues: [讲座]\n    units: [场]\n    audience: nobody\n",
                     encoding="utf-8")
    with pytest.raises(ValueError, match="nobody"):
        load_rules(str(rules))


def test_a_users_file_without_the_new_keys_still_loads(tmp_path):
    rules = tmp_path / "indicators.yaml"
    rules.write_text("units: [场, 人次]\ntypes:\n  talks:\n    cues: [讲座]\n    units: [场]\n", encoding="utf-8")
    got = find_quantities("举办讲座3场，其中专题讲座12场，受众500人次。", load_rules(str(rules)))
    assert [q.indicator for q in got] == ["talks", "talks", "other"]


@pytest.mark.parametrize("text,expected", [
    ("开展“第一议题”学习42次。", [("42次", "other")]),  # political study: no law in its clause
    ("党委理论学习中心组2次集中学习党的二十大报告。", [("2次", "other")]),
    ("专题学习习近平法治思想4次。", [("4次", "law_study_sessions")]),
    ("市政府常务会议集体学法6次。", [("6次", "law_study_sessions")]),
    # a theory study group's session in a unit that speaks of 法治, though its clause does not ...
    ("把习近平法治思想列为中心组学习内容。共开展党组理论学习中心组学习18期。", [("18期", "law_study_sessions")]),
    # ... but not another study of that unit, nor the study group's where the unit never says 法治
    ("深学习近平法治思想。开展党组理论学习中心组12场次，专题学习党的二十大精神12次。",
     [("12场次", "law_study_sessions"), ("12次", "other")]),
    ("政法干警学习。党委理论学习中心组2次集中学习党的二十大报告。", [("2次", "other")]),
])
def test_law_study_sessions_are_about_law(text, expected):
    assert named(text) == expected


@pytest.mark.parametrize("text,expected", [
    # 办 alone (办理 of proposals) does not make the meeting's 事项 approval items ...
    ("提请市委常委会审议“三重一大”事项78项，办理市人大代表建议126件。", [("78项", "other"), ("126件", "other")]),
    ("成功举办科学家论坛，促成合作事项71项。", [("71项", "other")]),
    # ... the ways services are done do
    ("新增“全市通办”事项100项。", [("100项", "approval_items")]),
    ("推出“信用容缺办”事项565项。", [("565项", "approval_items")]),
    ("4186个事项实现“立等可取”。", [("4186个", "approval_items")]),
])
def test_approval_items_are_services_done_not_any_business(text, expected):
    assert named(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("推进法治乡村建设，获评全国乡村治理示范村5个。", [("5个", "other")]),
    ("创建省级善治示范村30个、民主法治村10个。", [("30个", "other"), ("10个", "demonstration_villages")]),
    ("新增全国民主法治示范村（社区）3个。", [("3个", "demonstration_villages")]),
])
def test_demonstration_villages_are_the_rule_of_law_programmes(text, expected):
    assert named(text) == expected


@pytest.mark.parametrize("text,expected", [
    # the second figure of an untyped count's "from … to …" is as untyped as the first
    ("行政审批事项由193项减少到87项，行政事业性收费由98项减少到48项。",
     [("193项", "approval_items"), ("87项", "approval_items"), ("98项", "other"), ("48项", "other")]),
    # after a comma a bare count still inherits the clause's type
    ("取消行政审批事项244项，取消行政事业性收费16项，下放219项。",
     [("244项", "approval_items"), ("16项", "other"), ("219项", "approval_items")]),
])
def test_an_untyped_counts_second_figure_stays_untyped(text, expected):
    assert named(text) == expected


@pytest.mark.parametrize("text,expected", [
    # administrative powers are counted as approval items, as 行政执法职权事项 is
    ("取消调整行政职权114项，清理变相审批54项。", [("114项", "approval_items"), ("54项", "approval_items")]),
    ("其他行政职权由9221项精简后公布3393项。", [("9221项", "approval_items"), ("3393项", "approval_items")]),
])
def test_administrative_powers_are_approval_items(text, expected):
    assert named(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("提请市人大常委会审议地方性法规草案5件，制定修改政府规章9件，废止规范性文件12件。",
     [("5件", "local_regulations"), ("9件", "government_rules"), ("12件", "normative_documents")]),
    # the cue nearest the number names it: rules and documents cleared together are documents
    ("清理政府规章和规范性文件282件，提请审议法规草案3件，制定规章7件、修改2件。",
     [("282件", "normative_documents"), ("3件", "local_regulations"), ("7件", "government_rules"),
      ("2件", "government_rules")]),
    # laws, regulations and rules together are no government rules, and articles no regulations
    ("编制包含27部法律法规规章273条的清单。", [("27部", "other"), ("273条", "other")]),
    # 部 counts laws and rules as 件 does, before or after the noun
    ("提请市人大常委会审议地方性法规草案7部，制定政府规章2部。",
     [("7部", "local_regulations"), ("2部", "government_rules")]),
    ("制定实施停车场建设管理等3部地方性法规，修订6部地方性法规和1部政府规章。",
     [("3部", "local_regulations"), ("6部", "local_regulations"), ("1部", "government_rules")]),
    ("提请审议法规案14件，提请市人大出台地方法规7部。", [("14件", "local_regulations"), ("7部", "local_regulations")]),
    ("在线上推出婚姻类、物业类等180部普法短视频。", [("180部", "publicity_materials")]),
    # and other things that are counts of no type: devices, elevators, films
    ("配备执法记录仪等音像设备760多部，加装电梯445部。", [("760多部", "other"), ("445部", "other")]),
])
def test_regulations_drafted_and_enacted(text, expected):
    assert named(text) == expected


@pytest.mark.parametrize("text,expected", [
    # a 化解率 is mediation's when its clause speaks of disputes or petitions, not of debt or housing
    ("偿还政府债务本息23.34亿元，隐性债务年度目标化解率达100%。", [("23.34亿元", "other"), ("100%", "other")]),
    ("化解问题小区383个，化解率超过80%。", [("383个", "other"), ("80%", "other")]),  # 套 is no measure word
    ("全市矛盾纠纷化解率98.5%。", [("98.5%", "mediation_success_rate")]),
    ("实施“治重访、化积案”专项行动，“万件化访行动”化解率达97.5%。", [("97.5%", "mediation_success_rate")]),
    # opinions and suggestions are legal opinions when the clause speaks of legal advice
    ("为市政府重大合同、决策和文件出具法律意见书50份，提供意见建议142条。",
     [("50份", "legal_opinions"), ("142条", "legal_opinions")]),
    ("自觉接受法律监督，办理各民主党派、工商联提出的意见建议50条。", [("50条", "other")]),
])
def test_rates_and_opinions_of_the_right_thing(text, expected):
    assert named(text) == expected


@pytest.mark.parametrize("text", [
    "12部门联合印发实施方案", "会同3部委开展检查", "对10部分项目开展评估", "2部署到位",
])
def test_bu_that_begins_a_noun_is_no_measure_word(text):
    assert named(text) == []


def test_a_measure_word_excluded_before_characters_must_be_a_measure_word(tmp_path):
    import yaml

    from nlp.resources import read_data_text

    data = yaml.safe_load(read_data_text("indicators.yaml"))
    data["not_measure_word_before"] = {"册子": ["门"]}
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="not_measure_word_before names no measure word: 册子"):
        load_rules(str(path))


@pytest.mark.parametrize("text,expected", [
    # a lecture for officials is their law study (taxonomy rule 3); for the public it is publicity
    ("组织省政府常务会议法治专题讲座2次，新任命的国家工作人员全部进行宪法宣誓。", [("2次", "law_study_sessions")]),
    ("举办领导干部法治讲座12场。", [("12场", "law_study_sessions")]),
    ("深入社区开展法治讲座120场，发放宣传资料3000份。",
     [("120场", "publicity_events"), ("3000份", "publicity_materials")]),
])
def test_lectures_for_officials_are_their_law_study(text, expected):
    assert named(text) == expected


# -- indicator types of the user's own (``extends: packaged``) ------------------------------------

STATIONS = """\
extends: packaged
types:
  legal_service_stations:
    domain: public_legal_services
    label: 公共法律服务工作站
    cues: [公共法律服务工作站, 法律服务工作站]
    units: [个, 座]
  legal_opinions: null
not_cues: [综合性文化服务中心]
"""


def test_a_users_file_extends_the_packaged_types(tmp_path):
    """A file that ``extends: packaged`` adds its types to the packaged ones (a new measure word
    with them), removes a type set to null and extends the lists; the packaged rules stay as they are."""
    path = tmp_path / "mine.yaml"
    path.write_text(STATIONS, encoding="utf-8")
    mine = load_rules(path)
    text = "建立公共法律服务工作站71个、法律服务工作站3座，全年受理法律援助案件704件，提供法律意见41条。"
    got = [(q.value, q.unit, q.indicator) for q in find_quantities(text, mine)]
    assert got == [(71, "个", "legal_service_stations"), (3, "座", "legal_service_stations"),
                   (704, "件", "legal_aid_cases"), (41, "条", "other")]
    packaged = [(q.value, q.indicator) for q in find_quantities(text)]
    assert packaged == [(71, "other"), (704, "legal_aid_cases"), (41, "legal_opinions")]  # 座 is no measure word
    assert "综合性文化服务中心" in mine.not_cues and "legal_opinions" in {t.name for t in load_rules().types}


@pytest.mark.parametrize("content,problem", [
    ("extends: packaged\nwindw: 3\n", "unknown key `windw`"),
    ("extends: mine\n", "`extends` can only be `packaged`"),
    ("extends: packaged\ntypes:\n  x:\n    domain: legal_aids\n    cues: [甲]\n    units: [件]\n",
     "domain `legal_aids`, which is no taxonomy domain"),
    ("extends: packaged\ntypes:\n  x:\n    cues: [甲]\n", "type `x` needs a non-empty list `units`"),
    ("extends: packaged\nnot_cues: 甲\n", "`not_cues` must be a list"),
    ("types: [\n", "not valid YAML (line 2)"),
    ("- a list\n", "a mapping with `types`"),
    ("units: [件]\n", "no `types`"),
    ("extends: packaged\ntypes:\n  x:\n    cues: [甲]\n    units: [件]\n    stages: [制定]\n", "AttributeError"),
    ("extends: packaged\ntypes:\n  x:\n    cues: [甲]\n    units: [件]\n    audience: nobody\n",
     "unknown audience types: nobody"),
])
def test_a_bad_types_file_is_one_line_naming_it(tmp_path, content, problem):
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(problem)) as err:
        load_rules(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_the_commands_take_a_users_types(tmp_path, seeds_dir):
    """``fazhi indicators --types`` and ``fazhi tag --indicators … --indicator-types`` write the user's
    indicators; a bad file is one line and exit status 2, before any report is read."""
    import subprocess
    import sys

    import pandas as pd

    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "a.txt").write_text("2023年，我县在各乡镇建立公共法律服务工作站12个，受理法律援助案件704件。\n",
                                   encoding="utf-8")
    path = tmp_path / "mine.yaml"
    path.write_text(STATIONS, encoding="utf-8")
    cli = [sys.executable, "-m", "nlp.cli"]
    p = subprocess.run([*cli, "indicators", str(reports), "--out", str(tmp_path / "i.csv"), "--types", str(path)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert set(pd.read_csv(tmp_path / "i.csv")["indicator"]) == {"legal_service_stations", "legal_aid_cases"}
    p = subprocess.run([*cli, "tag", str(reports), "--out", str(tmp_path / "t.jsonl"), "--indicators",
                        str(tmp_path / "i.jsonl"), "--indicator-types", str(path)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert pd.read_json(tmp_path / "i.jsonl", lines=True)["indicator"].tolist() == ["legal_service_stations",
                                                                                   "legal_aid_cases"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: packaged\ntypes:\n  x:\n    domain: nope\n    cues: [甲]\n    units: [件]\n",
                   encoding="utf-8")
    for args in (["indicators", str(seeds_dir), "--out", str(tmp_path / "b.csv"), "--types", str(bad)],
                 ["tag", str(seeds_dir), "--out", str(tmp_path / "b.jsonl"), "--indicators", str(tmp_path / "b2.csv"),
                  "--indicator-types", str(bad)]):
        p = subprocess.run([*cli, *args], capture_output=True, text=True)
        assert p.returncode == 2 and p.stderr.count("\n") == 1 and "nope" in p.stderr and "Traceback" not in p.stderr
        assert not (tmp_path / "b.csv").exists() and not (tmp_path / "b.jsonl").exists()
