"""What a page costs does not grow with the data (issue 14): the same number of queries
for 10 or 60 tasks on the ledger page, its JSON and the status adjustment, and a dashboard
of bounded size however many tasks lag. No timings here: those are in bench/pages_bench.py.
"""

import datetime as dt
import json
import re

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from duban.core.forms import NamedModelChoiceField, quick_widgets
from duban.org import roles as R
from duban.org.models import Office
from duban.reports.dashboard_views import OVERDUE_PAGE_SIZE, UNIT_BARS
from tests.factories import KeyTaskFactory, MilestoneFactory, UnitFactory, judge, make_user

NOW = dt.datetime(2022, 8, 20, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def august(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def district(office):
    """A district above the office and a second street: the supervisor sees both."""
    district = Office.objects.create(name="示范区", kind=Office.Kind.DISTRICT)
    office.parent = district
    office.save()
    Office.objects.create(name="乙街道", parent=district)
    return district


def add_tasks(office, n, start=0, units=None):
    """n tasks of 2022, each with a partner, two milestones and a lagging July judgement."""
    units = units or [UnitFactory(office=office, name=f"单位{start}")]
    for i in range(start, start + n):
        lead = units[i % len(units)]
        task = KeyTaskFactory(
            office=office,
            code=f"MS-{i:03d}",
            lead_unit=lead,
            partners=[units[(i + 1) % len(units)]],
        )
        MilestoneFactory(task=task, due=dt.date(2022, 3, 31))
        MilestoneFactory(task=task, due=dt.date(2022, 9, 30))
        judge(task, "lagging", "2022-07", "red", flags={"overdue": {"days": 10 + i}})


def count_queries(client, url, data=None, method="get"):
    call = getattr(client, method)
    call(url, data or {})  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = call(url, data or {})
    assert response.status_code in (200, 302), response.status_code
    return len(queries), response


@pytest.mark.parametrize(
    "url", [reverse("ledger:list"), "/api/v1/ledger"], ids=["ledger page", "ledger JSON"]
)
def test_the_ledger_costs_the_same_queries_for_10_or_60_tasks(client, office, district, url):
    units = [UnitFactory(office=office, name=f"单位{i}") for i in range(4)]
    supervisor = make_user("district", R.SUPERVISOR, office=district)
    client.force_login(supervisor)
    add_tasks(office, 10, units=units)
    few, response = count_queries(client, url, {"year": 2022})
    add_tasks(office, 50, start=10, units=units)
    many, response = count_queries(client, url, {"year": 2022})
    assert many == few
    assert len(set(re.findall(r"MS-\d{3}", response.content.decode()))) == 50  # a full page


def test_a_status_adjustment_costs_the_same_queries_for_a_small_or_large_month(
    client, office, people
):
    units = [UnitFactory(office=office, name=f"单位{i}") for i in range(3)]
    add_tasks(office, 3, units=units)
    client.force_login(people["alice"])
    task = office.tasks.order_by("code").first()
    url = reverse("progress:override", args=[task.pk])
    data = {"period": "2022-07", "status": "on_track", "reason": "经核实已按计划推进"}
    few, _ = count_queries(client, url, data, method="post")
    add_tasks(office, 40, start=3, units=units)
    many, _ = count_queries(client, url, data, method="post")
    assert many == few


def test_the_dashboard_stays_small_however_many_tasks_lag(client, office, people):
    units = [UnitFactory(office=office, name=f"第{i:02d}居民区") for i in range(UNIT_BARS + 5)]
    add_tasks(office, 3 * OVERDUE_PAGE_SIZE, units=units)
    client.force_login(people["lily"])
    url = reverse("dashboard:index")
    _, response = count_queries(client, url)
    page = response.content.decode()
    table = page.split('id="overdue-table"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == OVERDUE_PAGE_SIZE + 1  # the header and one page
    assert f"{3 * OVERDUE_PAGE_SIZE} 项" in page and "第 1 / 3 页" in page
    # the worst-overdue first; the next page holds the next ones
    assert "MS-059" in table and "MS-000" not in table
    third = client.get(url, {"page": 3}).content.decode()
    assert "MS-000" in third.split('id="overdue-table"', 1)[1]
    # the charts' data: no table rows, the first bars, the rest said in words
    data = json.loads(re.search(r'id="dashboard-data"[^>]*>(.*?)</script>', page, re.S)[1])
    assert "overdue" not in data
    assert len(data["lagging_by_unit"]) == UNIT_BARS
    assert 'id="units-rest"' in page and "另有 5 个单位" in page
    # the export and the API keep every item
    assert len(client.get("/api/v1/dashboard").json()["overdue"]) == 3 * OVERDUE_PAGE_SIZE
    assert len(response.content) < 100 * 1024


class Everything(forms.Form):
    name = forms.CharField(max_length=10, widget=forms.TextInput(attrs={"placeholder": "名"}))
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    count = forms.DecimalField(required=False)
    kind = forms.ChoiceField(choices=[("", "全部"), ("a", "甲<乙>"), ("b", "丙")], required=False)
    grouped = forms.ChoiceField(choices=[("组一", [("x", "X")]), ("y", "Y")])


@pytest.mark.parametrize(
    "data",
    [None, {"name": 'a"b<c>', "note": "第一行\n<b>", "count": "1.5", "kind": "a", "grouped": "x"}],
)
def test_quick_widgets_write_the_html_django_would(data):
    def html(form):
        return re.sub(r">\s+<", "><", "".join(str(field) for field in form)).strip()

    assert html(quick_widgets(Everything(data))) == html(Everything(data))


class UnitChoice(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, required=False, empty_label="全部单位")

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = queryset


@pytest.mark.parametrize("chosen", [None, "first"])
def test_quick_select_writes_a_model_choice_field_as_django_would(office, chosen):
    from duban.org.models import Unit

    first = UnitFactory(office=office, name='甲<单位>&"一"')
    UnitFactory(office=office, name="乙单位")
    queryset = Unit.objects.filter(office=office).order_by("name")
    data = {"unit": str(first.pk)} if chosen else None

    def html(form):
        return re.sub(r">\s+<", "><", str(form["unit"])).strip()

    quick = quick_widgets(UnitChoice(data, queryset=queryset))
    assert html(quick) == html(UnitChoice(data, queryset=queryset))
    assert "&lt;单位&gt;&amp;&quot;一&quot;" in html(quick)
    # options come from the field's queryset as evaluated once: a page that lists the
    # same rows (the ledger's category counts) reads them once
    quick = quick_widgets(UnitChoice(data, queryset=queryset))
    quick.is_valid()  # a chosen unit is looked up by validation, as the ledger does first
    list(quick.fields["unit"].queryset)
    with CaptureQueriesContext(connection) as queries:
        html(quick)
    assert len(queries) == 0


class NamedUnitChoice(forms.Form):
    unit = NamedModelChoiceField(queryset=None, required=False, empty_label="全部单位")

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = queryset


@pytest.mark.parametrize("chosen", [None, "first"])
def test_a_named_choice_field_writes_its_options_from_rows_as_django_would(office, chosen):
    from duban.org.models import Unit

    first = UnitFactory(office=office, name='甲<单位>&"一"')
    UnitFactory(office=office, name="乙单位")
    queryset = Unit.objects.filter(office=office).only("pk", "name")
    data = {"unit": str(first.pk)} if chosen else None

    def html(form):
        return re.sub(r">\s+<", "><", str(form["unit"])).strip()

    quick = quick_widgets(NamedUnitChoice(data, queryset=queryset))
    assert html(quick) == html(UnitChoice(data, queryset=queryset))
    assert "&lt;单位&gt;&amp;&quot;一&quot;" in html(quick)
    if chosen:
        assert quick.is_valid() and quick.cleaned_data["unit"] == first
    with CaptureQueriesContext(connection) as queries:
        html(quick)
    assert len(queries) == 1 and "SELECT" in queries[0]["sql"]  # one row per option


# The ledger's rows as its template wrote them before they were written in Python
# (the month columns were includes holding these two tags).
ROWS_TEMPLATE = """{% load progress_tags %}{% for task in page %}
          {% url 'ledger:detail' task.pk as task_url %}<tr>
            <td class="nowrap"><a href="{{ task_url }}">{{ task.code }}</a></td>
            {% if ledger.several_offices %}<td class="nowrap">{{ task.office.name }}</td>{% endif %}
            <td>{{ task.category.name|default:"—" }}</td>
            <td class="col-title wrap"><a href="{{ task_url }}">{{ task.title }}</a>{% if task.kind == "assigned" %} <span class="tag">交办</span>{% endif %}</td>
            <td class="nowrap" data-col="status">{% with judgement=task.period_judgements.0 %}{% status judgement.status %}{% endwith %}</td><td class="nowrap" data-col="light">{% with judgement=task.period_judgements.0 %}{% light judgement.light %}{% endwith %}</td>
            <td>{{ task.lead_unit.name }}</td>
            <td class="wrap">{% for unit in task.partner_units.all %}{{ unit.name }}{% if not forloop.last %}、{% endif %}{% empty %}—{% endfor %}</td>
            <td>{{ task.leader|default:"—" }}</td>
            <td class="nowrap">{{ task.deadline|date:"Y-m-d"|default:"—" }}</td>
            <td class="num">{{ task.milestone_count }}</td>
          </tr>
        {% endfor %}"""


def test_the_ledger_rows_are_the_html_the_template_wrote(client, office, district):
    from django.db.models import Prefetch
    from django.template import engines

    from duban.ledger.models import KeyTask
    from duban.ledger.views import milestone_counts
    from duban.org.models import Unit
    from duban.progress.models import Judgement

    units = [UnitFactory(office=office, name=f"单位<{i}>") for i in range(3)]
    add_tasks(office, 4, units=units)
    KeyTaskFactory(
        office=office,
        code="JB-001",
        kind=KeyTask.Kind.ASSIGNED,
        category=None,
        title='交办<b>"急"</b>&事项',
        leader="",
        deadline=None,
        lead_unit=units[0],
    )
    client.force_login(make_user("district", R.SUPERVISOR, office=district))
    response = client.get(reverse("ledger:list"), {"year": 2022})
    context = response.context
    # the rows were read as values; the template read the page's tasks as models
    ids = [row["id"] for row in context["page"]]
    tasks = KeyTask.objects.select_related("category", "lead_unit", "office").prefetch_related(
        Prefetch("partner_units", queryset=Unit.objects.order_by("order", "name").only("name")),
        Prefetch(
            "judgements",
            queryset=Judgement.objects.filter(period=context["ledger"].period.key),
            to_attr="period_judgements",
        ),
    )
    page = sorted(tasks.filter(pk__in=ids), key=lambda task: ids.index(task.pk))
    counts = milestone_counts(ids)
    for task in page:
        task.milestone_count = counts.get(task.pk, 0)
    expected = (
        engines["django"]
        .from_string(ROWS_TEMPLATE)
        .render({"page": page, "ledger": context["ledger"]})
    )

    def rows(html):
        return re.sub(r">\s+<", "><", html).strip()

    assert rows(str(context["rows"])) == rows(expected)
    assert "交办&lt;b&gt;&quot;急&quot;&lt;/b&gt;&amp;事项" in str(context["rows"])
    assert 'data-col="light"><span class="light light-red"' in str(context["rows"])


def test_the_task_page_costs_the_same_queries_for_2_or_8_reports(client, office, people):
    from duban.progress.models import Review, Submission

    task = KeyTaskFactory(office=office, lead_unit=UnitFactory(office=office))
    client.force_login(people["alice"])
    url = reverse("ledger:detail", args=[task.pk])

    def report(month):
        period = f"2022-{month:02d}"
        sent = Submission.objects.create(
            task=task,
            period=period,
            unit=task.lead_unit,
            state=Submission.State.ACCEPTED,
            progress=f"第{month}月\n<进展>",
        )
        Review.objects.create(submission=sent, action="submit", version=1, actor=people["bob"])
        Review.objects.create(submission=sent, action="accept", version=1, actor=people["alice"])
        judge(task, "lagging", period, "red")

    for month in (1, 2):
        report(month)
    few, response = count_queries(client, url)
    for month in range(3, 9):
        report(month)
    many, response = count_queries(client, url)
    assert many == few
    page = response.content.decode()
    assert page.count('<tr data-period="2022-') == 8
    assert "第8月<br>&lt;进展&gt;" in page
