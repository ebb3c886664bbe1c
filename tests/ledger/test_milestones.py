"""节点计划 cells: one milestone per line or per ；, each starting with a date."""

import datetime as dt

import pytest

from duban.ledger.milestones import MilestoneParseError, format_milestones, parse_milestones

D = dt.date


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3月底前：完成方案设计", (D(2022, 3, 31), "完成方案设计")),
        ("2022-06-30 开工", (D(2022, 6, 30), "开工")),
        ("6月底前完成主体施工", (D(2022, 6, 30), "完成主体施工")),
        ("9月30日前，完成验收", (D(2022, 9, 30), "完成验收")),
        ("年底前完成审计", (D(2022, 12, 31), "完成审计")),
        ("2023年底前完成审计", (D(2023, 12, 31), "完成审计")),
        ("3月上旬:启动", (D(2022, 3, 10), "启动")),
    ],
)
def test_each_written_form_of_a_milestone_is_read(text, expected):
    assert parse_milestones(text, 2022) == [expected]


def test_milestones_on_separate_lines_keep_their_written_order():
    text = "6月底前完成主体施工\n3月底前：完成方案设计\r\n2022-09-30 竣工验收\n"
    assert parse_milestones(text, 2022) == [
        (D(2022, 6, 30), "完成主体施工"),
        (D(2022, 3, 31), "完成方案设计"),
        (D(2022, 9, 30), "竣工验收"),
    ]


def test_milestones_separated_by_semicolons_are_split():
    text = "3月底前：完成方案设计；6月底前完成主体施工;2022-06-30 开工"
    assert parse_milestones(text, 2022) == [
        (D(2022, 3, 31), "完成方案设计"),
        (D(2022, 6, 30), "完成主体施工"),
        (D(2022, 6, 30), "开工"),
    ]


def test_a_semicolon_not_followed_by_a_date_stays_in_the_description():
    text = "3月底前：完成方案设计；报区发改委审批；6月底前：开工;完成围挡；"
    assert parse_milestones(text, 2022) == [
        (D(2022, 3, 31), "完成方案设计；报区发改委审批"),
        (D(2022, 6, 30), "开工;完成围挡"),
    ]


def test_blank_lines_and_an_empty_cell_give_no_milestones():
    assert parse_milestones(None, 2022) == []
    assert parse_milestones("", 2022) == []
    assert parse_milestones("\n\n3月底前：完成方案设计\n\n", 2022) == [
        (D(2022, 3, 31), "完成方案设计")
    ]


def test_an_item_without_a_date_is_refused_naming_the_item_and_its_place():
    with pytest.raises(MilestoneParseError) as caught:
        parse_milestones("3月底前：完成方案设计\n完成招投标", 2022)
    message = str(caught.value)
    assert "第2个节点" in message
    assert "“完成招投标”" in message
    assert "没有以日期开头" in message


def test_an_item_with_an_impossible_date_is_refused_naming_the_item():
    with pytest.raises(MilestoneParseError) as caught:
        parse_milestones("2月30日前完成设计", 2022)
    assert "“2月30日前完成设计”" in str(caught.value)
    assert "日期不存在" in str(caught.value)


def test_an_item_with_a_date_but_nothing_to_do_is_refused():
    with pytest.raises(MilestoneParseError, match="缺少节点内容"):
        parse_milestones("3月底前：", 2022)


def test_formatted_milestones_read_back_to_the_same_milestones():
    milestones = parse_milestones("3月底前：完成方案设计；6月底前完成主体施工\n年底 通过验收", 2022)
    text = format_milestones(milestones)
    assert text == "2022-03-31：完成方案设计\n2022-06-30：完成主体施工\n2022-12-31：通过验收"
    # the year written out wins, so the text reads the same under any import year
    assert parse_milestones(text, 2030) == milestones
