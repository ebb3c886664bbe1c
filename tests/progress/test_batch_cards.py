"""The batch sheet's cards are written in Python (`progress/sheet.py`): each control is
the HTML Django would write, whatever was typed, and the page still says per card what
is wrong. No timings here: those are in bench/pages_bench.py."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from duban.core.periods import Period
from duban.ledger.models import KeyTask
from duban.progress.forms import SubmissionForm, reason_choices
from duban.progress.models import Submission
from duban.progress.sheet import _Writer

HOSTILE = "<script>alert(\"x\")</script> & “引号” '单'\n第二行"


def html(text):
    return re.sub(r">\s+<", "><", str(text)).strip()


def controls_match(form):
    writer = _Writer(Period.parse("2022-06"))
    for name in form.fields:
        assert html(writer.control(form, name)) == html(form[name]), name


@pytest.fixture
def target_task(tasks):
    task = tasks["build"]
    KeyTask.objects.filter(pk=task.pk).update(target_value=Decimal("1200"), target_unit="处")
    task.refresh_from_db()
    return task


@pytest.mark.parametrize("disabled", [False, True], ids=["editable", "read-only"])
def test_each_control_is_what_django_would_write(target_task, units, people, disabled):
    submission = Submission(
        task=target_task,
        period="2022-07",
        unit=units["build"],
        progress=HOSTILE,
        completed_value=Decimal("12.50"),
        self_status="lagging",
        reason=HOSTILE,
        next_steps="下月<完成>",
        issues="",
    )
    reasons = reason_choices()
    submission.reason_category_id = int(reasons[1][0])
    for form in [
        SubmissionForm(prefix="t1", task=target_task, reasons=reasons, submission=submission),
        SubmissionForm(prefix="t2", task=target_task, reasons=reasons),  # nothing yet
        SubmissionForm(
            prefix="t3", task=target_task, reasons=reasons, initial={"completed_value": 7}
        ),
    ]:
        if disabled:
            for bound_field in form:
                bound_field.field.disabled = True
        controls_match(form)


def test_a_task_without_target_has_no_value_control(tasks):
    form = SubmissionForm(prefix="t9", task=tasks["build"], reasons=reason_choices())
    assert "completed_value" not in form.fields
    controls_match(form)


def test_a_sheet_shown_again_marks_each_wrong_field_on_its_card(client, target_task, people):
    client.force_login(people["bob"])
    prefix = f"t{target_task.pk}"
    response = client.post(
        reverse("progress:batch") + "?period=2022-07",
        {
            "action": "save",
            f"{prefix}-progress": HOSTILE,
            f"{prefix}-completed_value": "很多",
            f"{prefix}-self_status": "lagging",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    card = page.split(f'<article id="row-{target_task.pk}"', 1)[1].split("</article>", 1)[0]
    opening = card.split(">", 1)[0]
    assert "row-error" in opening and "needs-reason" in opening
    assert "tf tf-value field-error" in card and "输入一个数字" in card
    assert 'aria-invalid="true"' in card  # Django's own control for a bound field
    # what was typed is kept, escaped
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in card and "<script>alert" not in page
    )
    assert Submission.objects.count() == 0
