"""The ladder's rules, without a database (duban/supervision/ladder.py)."""

import datetime as dt

import pytest

from duban.supervision import ladder as L

TODAY = dt.date(2022, 8, 10)


def item(status="lagging", streak=0, overdue=0, notices=(), reasons=("已连续2期推进滞后",)):
    return L.ItemIn(
        task_id=1,
        code="MS-01",
        title="老旧小区综合改造",
        unit="城建中心",
        status=status,
        deadline=dt.date(2022, 6, 30),
        lag_streak=streak,
        overdue_days=overdue,
        reasons=reasons,
        notices=tuple(notices),
    )


def notice(level, state, reply_by=dt.date(2022, 8, 5), id=7):
    return L.NoticeIn(id, level, state, reply_by)


def test_lagging_two_periods_in_a_row_proposes_blue():
    proposal = L.propose_for(item(streak=2), TODAY)
    assert proposal.level == L.BLUE
    assert proposal.rule == L.RULE_LAGGING
    assert proposal.reason == "已连续2期推进滞后"  # the engine's reasons, in words
    assert proposal.urgent_reason == ""


def test_lagging_one_period_proposes_nothing():
    assert L.propose_for(item(streak=1), TODAY) is None


def test_streak_threshold_is_the_offices():
    assert (
        L.propose_for(item(streak=1), TODAY, L.Rules(blue_after_lagging_periods=1)).level == L.BLUE
    )


def test_overdue_proposes_yellow_with_the_rule_as_recorded_reason():
    proposal = L.propose_for(item(streak=1, overdue=12, reasons=()), TODAY)
    assert proposal.level == L.YELLOW
    assert proposal.reason == "已超过完成时限12天"
    assert "超期" in proposal.urgent_reason


def test_completed_or_unjudged_items_get_no_proposal():
    assert L.propose_for(item(status="completed", overdue=3, streak=3), TODAY) is None
    assert L.propose_for(item(status="", overdue=3), TODAY) is None


def test_one_notice_per_item_while_the_reply_date_has_not_passed():
    open_blue = notice(L.BLUE, L.ISSUED, reply_by=dt.date(2022, 8, 12))
    assert L.propose_for(item(streak=3, overdue=4, notices=[open_blue]), TODAY) is None


def test_a_waiting_proposal_is_not_proposed_again():
    waiting = notice(L.BLUE, L.PROPOSED, reply_by=None)
    assert L.propose_for(item(streak=3), TODAY, L.Rules()) is not None
    assert L.propose_for(item(streak=3, notices=[waiting]), TODAY) is None


def test_unanswered_blue_past_its_date_and_still_lagging_proposes_yellow():
    blue = notice(L.BLUE, L.SIGNED, reply_by=dt.date(2022, 8, 9))
    proposal = L.propose_for(item(streak=3, notices=[blue]), TODAY)
    assert (proposal.level, proposal.previous_id, proposal.rule) == (
        L.YELLOW,
        7,
        L.RULE_BLUE_UNANSWERED,
    )


def test_reply_date_itself_is_still_in_time():
    blue = notice(L.BLUE, L.ISSUED, reply_by=TODAY)
    assert L.propose_for(item(streak=3, notices=[blue]), TODAY) is None


def test_answered_notice_is_not_escalated():
    blue = notice(L.BLUE, L.REPLIED, reply_by=dt.date(2022, 8, 1))
    assert L.propose_for(item(streak=3, notices=[blue]), TODAY) is None


def test_still_overdue_after_unanswered_yellow_proposes_red():
    yellow = notice(L.YELLOW, L.ISSUED)
    proposal = L.propose_for(item(overdue=20, notices=[yellow]), TODAY)
    assert proposal.level == L.RED
    assert proposal.rule == L.RULE_YELLOW_UNANSWERED


def test_unanswered_yellow_no_longer_overdue_gets_no_red():
    yellow = notice(L.YELLOW, L.ISSUED)
    assert L.propose_for(item(streak=4, overdue=0, notices=[yellow]), TODAY) is None


def test_unanswered_red_is_for_accountability_not_another_notice():
    red = notice(L.RED, L.ISSUED)
    assert L.propose_for(item(overdue=30, notices=[red]), TODAY) is None


def test_closed_notice_starts_the_ladder_again_at_blue():
    closed = notice(L.YELLOW, L.CLOSED)
    assert L.propose_for(item(streak=2, notices=[closed]), TODAY).level == L.BLUE


def test_new_notice_starts_blue_unless_an_urgent_reason_is_given():
    assert L.check_new(L.BLUE, [], TODAY) is None
    with pytest.raises(L.LadderError, match="越级理由"):
        L.check_new(L.RED, [], TODAY)
    assert L.check_new(L.RED, [], TODAY, urgent_reason="区领导批示，须限期办结") is None


def test_second_notice_while_one_is_in_time_is_refused():
    blue = notice(L.BLUE, L.SIGNED, reply_by=dt.date(2022, 8, 15))
    with pytest.raises(L.LadderError, match="一事一单.*2022-08-15 尚未过"):
        L.check_new(L.YELLOW, [blue], TODAY)


def test_replied_notice_must_be_verified_before_escalating():
    blue = notice(L.BLUE, L.REPLIED, reply_by=dt.date(2022, 8, 1))
    with pytest.raises(L.LadderError, match="请先核实"):
        L.check_new(L.YELLOW, [blue], TODAY)


def test_escalation_goes_one_colour_up_and_skipping_needs_a_reason():
    blue = notice(L.BLUE, L.ISSUED)
    assert L.check_new(L.YELLOW, [blue], TODAY) == blue
    with pytest.raises(L.LadderError, match="越级下发红色督办单须填写越级理由"):
        L.check_new(L.RED, [blue], TODAY)
    with pytest.raises(L.LadderError, match="应高于"):
        L.check_new(L.BLUE, [blue], TODAY)
    assert L.check_new(L.RED, [blue], TODAY, "紧急") == blue


def test_propose_keeps_the_order_and_skips_items_without_proposal():
    items = [item(streak=2), item(streak=0), item(overdue=3)]
    assert [p.level for p in L.propose(items, TODAY)] == [L.BLUE, L.YELLOW]
