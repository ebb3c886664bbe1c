"""Ids sent in a query string or form go through one reader (`core.http.id_param`): a
word, a sign or a number longer than any id is no id, so a page answers 404 or leaves
the filter out — never a 500 from the database (SQLite cannot even bind an int past
64 bits)."""

import pytest
from django.urls import reverse

from duban.core.http import id_param, id_params

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        ("12", 12),
        (" 7 ", 7),
        (12, 12),
        ("0", 0),
        ("", None),
        (None, None),
        ("zz", None),
        ("-1", None),
        ("+3", None),
        ("1_000", None),
        ("²", None),
        ("３", None),
        (HUGE, None),
        ("9" * 18, 999_999_999_999_999_999),
    ],
)
def test_id_param_reads_only_plain_digits_an_id_can_have(sent, read):
    assert id_param(sent) == read


def test_id_params_leaves_the_junk_out():
    assert id_params(["3", "zz", HUGE, "9", "-2"]) == [3, 9]


@pytest.mark.parametrize("task", ["zz", HUGE, "-1"])
def test_a_new_notice_for_a_junk_task_is_not_found(client, people, task):
    client.force_login(people["alice"])
    response = client.get(reverse("supervision:notice_new") + f"?task={task}")
    assert response.status_code == 404


@pytest.mark.parametrize("selected", ["zz", HUGE])
def test_accepting_junk_or_huge_ids_accepts_nothing_and_says_so(client, people, selected):
    client.force_login(people["alice"])
    response = client.post(reverse("progress:accept_selected"), {"selected": [selected]})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("org:people", f"?unit={HUGE}"),
        ("progress:import", f"?office={HUGE}"),
        ("progress:judge_month", f"?office={HUGE}"),
        ("reports:preview", f"?from={HUGE}"),
        ("indicators:entry", f"?office={HUGE}"),
    ],
)
def test_a_huge_id_in_a_query_string_is_no_500(client, people, tasks, name, query):
    client.force_login(people["alice"])
    response = client.get(reverse(name) + query)
    assert response.status_code < 500


def test_a_huge_office_posted_on_the_new_task_form_is_no_500(client, people):
    client.force_login(people["alice"])
    response = client.post(reverse("ledger:create"), {"office": HUGE, "title": "某项工作"})
    assert response.status_code == 200  # the form again, with its errors


# ----- ids posted inside a form, found by posting every form of the demo with junk -----


@pytest.mark.parametrize("unit", ["zz", "2026-02-30", HUGE])
def test_dispatching_a_request_to_a_junk_unit_asks_for_a_unit(client, people, unit):
    from duban.tickets.models import Ticket

    client.force_login(people["gina"])
    client.post(
        reverse("tickets:new"),
        {
            "content": "西苑3号楼门口路灯不亮",
            "urgency": "normal",
            "reporter_name": "张三",
            "reporter_phone": "13812345678",
            "source": "grid",
        },
    )
    ticket = Ticket.objects.get()
    client.force_login(people["alice"])
    response = client.post(
        reverse("tickets:act", args=[ticket.pk, "dispatch"]), {"unit": unit}, follow=True
    )
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.state == "received" and ticket.unit is None


@pytest.mark.parametrize("unit", ["zz", HUGE])
def test_an_accountability_decision_for_a_junk_unit_asks_for_a_unit(client, people, unit):
    client.force_login(people["alice"])
    response = client.post(
        reverse("supervision:accountability"),
        {"action": "new", "unit": unit, "reason": "逾期未整改", "decided_on": "2022-08-10"},
        follow=True,
    )
    assert response.status_code == 200
    assert "请选择单位" in response.content.decode()


@pytest.mark.parametrize("partner", ["zz", HUGE])
def test_a_junk_partner_unit_on_the_task_form_is_a_field_error(client, people, tasks, partner):
    from duban.ledger.models import KeyTask

    task = tasks["build"]
    client.force_login(people["alice"])
    page = client.get(reverse("ledger:edit", args=[task.pk])).content.decode()
    assert 'name="partner_units"' in page
    response = client.post(
        reverse("ledger:edit", args=[task.pk]),
        {"year": "2022", "code": task.code, "title": "改了的名称", "partner_units": [partner]},
    )
    assert response.status_code == 200
    assert "不是一个有效的值" in response.content.decode()
    assert KeyTask.objects.get(pk=task.pk).title == task.title


def test_ids_choice_field_checks_whole_number_ids_and_leaves_text_keys_alone(db, units):
    from django import forms

    from duban.core.forms import IdsChoiceField
    from duban.org.models import Role, Unit

    field = IdsChoiceField(queryset=Unit.objects.all())
    assert list(field.clean([str(units["east"].pk)])) == [units["east"]]
    for junk in ("zz", HUGE, "-1"):
        with pytest.raises(forms.ValidationError) as raised:
            field.clean([junk])
        assert raised.value.code == "invalid_pk_value"
    role = Role.objects.get_or_create(code="reporter", defaults={"name": "单位填报员"})[0]
    assert list(IdsChoiceField(queryset=Role.objects.all()).clean(["reporter"])) == [role]
