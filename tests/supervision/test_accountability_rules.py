"""Accountability proposals and the check of a decision, without a database."""

import datetime as dt

import pytest

from duban.supervision import accountability as A

TODAY = dt.date(2022, 9, 1)


def red(id, state="issued", unit_id=1, reply_by=dt.date(2022, 8, 20), year=2022):
    return A.NoticeIn(
        id=id,
        unit_id=unit_id,
        unit="城建中心",
        level="red",
        state=state,
        year=year,
        code=f"MS-0{id}",
        title="老旧小区综合改造",
        number=f"督办〔2022〕{id}号",
        reply_by=reply_by,
    )


def test_unanswered_red_proposes_a_warning_once():
    found = A.propose([red(1)], TODAY)
    assert [(p.level, p.rule_key, p.notice_ids) for p in found] == [
        (A.WARNING, "red_unanswered:1", (1,))
    ]
    assert "逾期未答复" in found[0].reason and "督办〔2022〕1号" in found[0].reason
    assert A.propose([red(1)], TODAY, existing_keys={"red_unanswered:1"}) == []


def test_red_answered_or_still_in_time_proposes_nothing():
    assert A.propose([red(1, state="replied")], TODAY) == []
    assert A.propose([red(1, reply_by=TODAY)], TODAY) == []
    yellow = A.NoticeIn(2, 1, "城建中心", "yellow", "issued", 2022, reply_by=dt.date(2022, 8, 1))
    assert A.propose([yellow], TODAY) == []


def test_three_reds_for_one_unit_in_a_year_propose_an_interview():
    reds = [red(1, "closed"), red(2, "closed"), red(3, "replied"), red(4, "proposed")]
    found = A.propose(reds, TODAY)
    assert [(p.level, p.rule_key, p.notice_ids) for p in found] == [
        (A.INTERVIEW, "reds_in_year:1:2022", (1, 2, 3))
    ]


def test_reds_of_two_years_or_two_units_are_not_added_up():
    reds = [red(1, "closed"), red(2, "closed", year=2021), red(3, "closed", unit_id=2)]
    assert A.propose(reds, TODAY) == []


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"basis": "  "}, "依据"),
        ({"level": None}, "问责方式"),
        ({"reason": ""}, "事由"),
        ({"decided_on": None}, "决定日期"),
        ({"decided_on": dt.date(2022, 9, 2)}, "晚于今天"),
    ],
)
def test_a_decision_needs_level_basis_reason_and_date(changes, message):
    decision = {
        "level": "warning",
        "basis": "《行政效能督查督办实施细则》",
        "reason": "逾期未答复",
        "decided_on": TODAY,
    }
    decision.update(changes)
    with pytest.raises(A.DecisionError, match=message):
        A.check_decision(**decision, today=TODAY)


def test_a_complete_decision_passes():
    A.check_decision(level="warning", basis="细则", reason="逾期", decided_on=TODAY, today=TODAY)
