"""The number checker's rules, one by one (duban/textkit/numbers.py)."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from duban.textkit import numbers as N


def kinds(text):
    return [(f.kind, f.quote) for f in N.check_text(text)]


def test_chinese_numerals_and_multipliers_are_read():
    qs = N.quantities("涉及22.44万平方米、二十八项、两千户、1,200人")
    assert [(q.value, q.unit) for q in qs] == [
        (Decimal("224400"), "平方米"),
        (Decimal(28), "项"),
        (Decimal(2000), "户"),
        (Decimal(1200), "人"),
    ]


def test_words_that_start_with_a_unit_are_not_counts():
    assert N.quantities("XX项目根据方案推进，3个人员到位") == []
    assert [q.value for q in N.quantities("第三项工作，一是加强，共5项")] == [Decimal(5)]


def test_approximate_figures_are_marked():
    qs = N.quantities("受众5000余人，近1000人，约30户，各8人")
    assert all(q.approx for q in qs)


def test_a_finding_says_where_and_why():
    text = "第一段没有数字。\n本月共10项，其中推进正常6项、推进滞后3项，滞后项目占比30%。"
    (finding,) = N.check_text(text)
    assert finding.kind == "sum"
    assert (finding.paragraph, finding.sentence) == (2, 1)
    assert finding.quote == "共10项，其中推进正常6项、推进滞后3项"
    assert "6+3=9项" in finding.expected
    assert "分项少于总数" in finding.why
    assert finding.as_dict()["label"] == "分项合计不符"


def test_a_list_that_need_not_be_complete_may_fall_short():
    assert kinds("共受理诉求120件，其中物业类45件，噪音类30件。") == []
    assert kinds("共受理诉求120件，其中物业类85件，噪音类60件。") != []


def test_fullwidth_digits_and_percent_signs():
    assert kinds("共１０项，其中推进正常５项、推进滞后５项，滞后项目占比５０％。") == []
    assert [
        k for k, _q in kinds("共１０项，其中推进正常５项、推进滞后５项，滞后项目占比４０％。")
    ] == ["percent"]


def test_printed_precision_decides():
    # 1/3 = 33.33…%: 33%, 33.3%, 33.33% all agree; 33.4% does not
    for shown in ("33%", "33.3%", "33.33%"):
        assert kinds(f"共3项，其中推进正常2项、推进滞后1项，滞后项目占比{shown}。") == []
    assert kinds("共3项，其中推进正常2项、推进滞后1项，滞后项目占比33.4%。")[0][0] == "percent"


def test_growth_direction_is_checked():
    assert kinds("今年受理1100件，去年同期1000件，同比增长10%。") == []
    assert kinds("今年受理900件，去年同期1000件，同比下降10%。") == []
    assert kinds("今年受理900件，去年同期1000件，同比增长10%。")[0][0] == "growth"


def test_a_rate_named_after_the_clause_before_it():
    assert kinds("全年调解纠纷214起，调解成功209起，调解成功率97.7%。") == []
    assert kinds("全年调解纠纷214起，调解成功209起，调解成功率96.7%。")[0][0] == "percent"
    # a subset said of the whole is not the rate's count
    assert kinds("调解25起纠纷，其中3起重大案件均成功化解，调解成功率达98%。") == []
    assert kinds("新增岗位1526个，完成年度目标1500个的101.7%。") == []
    assert kinds("新增岗位1526个，完成年度目标1500个的107.1%。")[0][0] == "percent"


ALPHABET = "0123456789.%％，。；：（）、其中共计分别项个件人户XX××__万一二十百两增长下降由至去年同期占比滞后推进正常已完成办结退单办理中受理率目标 \n"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=120))
def test_any_text_is_checked_without_error_and_quotes_are_exact(text):
    paragraphs = N.paragraphs_of(text)
    for finding in N.check(paragraphs):
        where = N.sentences_of(paragraphs[finding.paragraph - 1], finding.paragraph)
        sentence = where[finding.sentence - 1].text
        # a group running on across sentences quotes its start, ……, and its last part
        assert finding.quote.split("……")[0] in sentence


def test_a_named_rate_takes_the_total_not_a_sibling():
    text = "重点工作共6项，已完成2项，推进正常1项，推进滞后3项，滞后率{}。"
    assert kinds(text.format("50%")) == []
    assert kinds(text.format("30%"))[0][0] == "percent"
    # siblings without a stated total: no whole to take
    assert kinds("已完成2项，推进正常1项，推进滞后3项，滞后率30%。") == []
