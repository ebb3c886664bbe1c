"""The request loop's rules (tickets/flow.py), without a database."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from duban.core.workdays import Calendar
from duban.tickets import flow
from duban.tickets.flow import Action, FlowError, Snapshot, State, Urgency

TZ = ZoneInfo("Asia/Shanghai")
# Monday to Friday, no holidays: the rules' arithmetic is easy to follow.
CAL = Calendar(manual_years={2023, 2024})
MONDAY = dt.datetime(2023, 3, 6, 9, 30, tzinfo=TZ)


def test_normal_request_is_due_seven_working_days_after_dispatch():
    # Monday + 7 working days = the Wednesday of the following week, same time of day
    assert flow.deadline_for(MONDAY, Urgency.NORMAL, CAL) == dt.datetime(
        2023, 3, 15, 9, 30, tzinfo=TZ
    )


def test_urgent_request_is_due_next_working_day_and_critical_in_two_hours():
    friday = dt.datetime(2023, 3, 10, 16, 0, tzinfo=TZ)
    assert flow.deadline_for(friday, Urgency.URGENT, CAL) == dt.datetime(
        2023, 3, 13, 16, 0, tzinfo=TZ
    )
    assert flow.deadline_for(friday, Urgency.CRITICAL, CAL) == dt.datetime(
        2023, 3, 10, 18, 0, tzinfo=TZ
    )


def test_deadline_uses_the_official_calendar_over_a_holiday():
    # 2023-04-28 (Fri) dispatched; 4/29-5/3 劳动节 holiday, 4/23 and 5/6 调休 working days
    start = dt.datetime(2023, 4, 28, 10, 0, tzinfo=TZ)
    assert flow.deadline_for(start, Urgency.URGENT, Calendar()).date() == dt.date(2023, 5, 4)


def _dispatched(**kw):
    s = Snapshot(State.RECEIVED)
    return flow.step(s, Action.DISPATCH, now=MONDAY, calendar=CAL, unit=7, **kw).after


def test_dispatch_to_a_category_needing_review_waits_for_the_committee():
    after = _dispatched(needs_review=True)
    assert after.state == State.REVIEWING and after.unit == 7
    approved = flow.step(after, Action.APPROVE, now=MONDAY, calendar=CAL).after
    assert approved.state == State.DISPATCHED


def test_return_needs_a_reason_and_goes_back_to_dispatch():
    s = _dispatched()
    with pytest.raises(FlowError, match="理由"):
        flow.step(s, Action.RETURN, now=MONDAY, calendar=CAL, reason="  ")
    move = flow.step(s, Action.RETURN, now=MONDAY, calendar=CAL, reason="不属我单位职责")
    assert move.after.state == State.RETURNED and move.after.unit is None
    assert move.unit == 7  # the transition names the unit that returned it


def test_return_after_the_limit_is_refused():
    s = _dispatched()
    # dispatched Monday: Tuesday and Wednesday are the two working days; Thursday is late
    wednesday = MONDAY + dt.timedelta(days=2)
    flow.step(s, Action.RETURN, now=wednesday, calendar=CAL, reason="非本单位职责")
    with pytest.raises(FlowError, match="已超过退单时限"):
        flow.step(
            s,
            Action.RETURN,
            now=wednesday + dt.timedelta(days=1),
            calendar=CAL,
            reason="非本单位职责",
        )


def test_unsatisfied_rating_reopens_once_only():
    s = Snapshot(State.CLOSED, unit=7)
    s = flow.step(s, Action.FOLLOW_UP, now=MONDAY, calendar=CAL, satisfaction="unsatisfied").after
    s = flow.step(s, Action.REOPEN, now=MONDAY, calendar=CAL, reason="群众不满意").after
    assert s.state == State.IN_PROGRESS and s.reopen_count == 1
    s = flow.step(s, Action.CLOSE, now=MONDAY, calendar=CAL, reason="已重新处理").after
    s = flow.step(s, Action.FOLLOW_UP, now=MONDAY, calendar=CAL, satisfaction="unsatisfied").after
    with pytest.raises(FlowError, match="重办过一次"):
        flow.step(s, Action.REOPEN, now=MONDAY, calendar=CAL)


def test_satisfied_request_cannot_be_reopened():
    s = Snapshot(State.RATED, unit=7, satisfaction=flow.Satisfaction.SATISFIED, followed_up=True)
    with pytest.raises(FlowError, match="不满意"):
        flow.step(s, Action.REOPEN, now=MONDAY, calendar=CAL)


def test_claim_before_dispatch_names_the_state():
    with pytest.raises(FlowError, match="待分单"):
        flow.step(Snapshot(State.RECEIVED), Action.CLAIM, now=MONDAY, calendar=CAL)


# ----- property: no sequence of actions reaches an invalid state or loses a request -----

actions = st.tuples(
    st.sampled_from([a for a in Action if a not in (Action.RECEIVE, Action.IMPORT)]),
    st.integers(min_value=0, max_value=6),  # days later
    st.sampled_from([None, 1, 2]),  # unit
    st.sampled_from(["", "理由"]),
    st.sampled_from([None, *flow.Satisfaction]),
    st.booleans(),  # needs_review
)


def check(s):
    assert s.state in State
    if s.state == State.MERGED:  # merged into another: counted there, not here
        assert s.state not in flow.COUNTED
        return
    assert flow.BUCKET[s.state] in {flow.AWAITING, flow.IN_PROGRESS, flow.CLOSED, flow.RETURNED}
    if s.state in flow.WITH_UNIT or s.state == State.REVIEWING:
        assert s.unit is not None
        assert s.deadline is not None
    if s.state in (State.RECEIVED, State.RETURNED):
        assert s.unit is None
    if s.state == State.RATED:
        assert s.followed_up
    assert 0 <= s.reopen_count <= flow.MAX_REOPEN


@settings(max_examples=300, deadline=None)
@given(
    urgency=st.sampled_from(list(Urgency)),
    steps=st.lists(actions, max_size=25),
)
def test_no_sequence_of_actions_reaches_an_invalid_state(urgency, steps):
    s = Snapshot(State.RECEIVED, urgency=urgency)
    now = MONDAY
    history = [s.state]
    for action, days, unit, reason, satisfaction, review in steps:
        now = now + dt.timedelta(days=days)
        try:
            move = flow.step(
                s,
                action,
                now=now,
                calendar=CAL,
                unit=unit,
                reason=reason,
                needs_review=review,
                satisfaction=satisfaction,
            )
        except FlowError as error:
            assert str(error)  # refused with words, and the request is unchanged
            continue
        assert move.before == s.state
        s = move.after
        check(s)
        history.append(s.state)
    # archived only ever follows closed or rated
    for before, after in zip(history, history[1:], strict=False):
        if after == State.ARCHIVED:
            assert before in (State.CLOSED, State.RATED)
