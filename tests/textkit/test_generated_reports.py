"""Every report duban generates passes the number checker: the monthly report's Word
text, read back from the .docx, for a street and for a district."""

import datetime as dt
import io

import pytest
from docx import Document

from duban.core.periods import Period
from duban.progress.models import Judgement, ReasonCategory, Submission
from duban.reports import figures
from duban.reports.monthly_docx import render_docx
from duban.textkit import against
from duban.textkit import numbers as N
from duban.textkit.documents import paragraphs
from tests.factories import CategoryFactory, KeyTaskFactory, OfficeFactory, UnitFactory

NOW = dt.datetime(2022, 8, 1, 9, 0, tzinfo=dt.UTC)
LIGHTS = {"completed": "green", "on_track": "green", "lagging": "yellow"}


@pytest.fixture(autouse=True)
def august(time_machine):
    time_machine.move_to(NOW, tick=False)


def task(office, category, title, status, unit, reason="", value=None, target=None):
    item = KeyTaskFactory(
        office=office,
        category=category,
        title=title,
        lead_unit=unit,
        deadline=dt.date(2022, 12, 31),
        target_value=target,
        target_unit="户" if target else "",
    )
    Judgement.objects.create(
        task=item,
        period="2022-07",
        as_of=dt.date(2022, 7, 31),
        status=status,
        light=LIGHTS[status],
        proposed_status=status,
        source=Judgement.Source.ENGINE,
        reason_category=ReasonCategory.objects.get(name=reason) if reason else None,
        reason="审批未完成。" if reason else "",
    )
    if value is not None:
        Submission.objects.create(
            task=item,
            period="2022-07",
            unit=unit,
            state=Submission.State.ACCEPTED,
            progress="已完成入户走访。",
            completed_value=value,
        )
    return item


def street(office, units, suffix=""):
    names = ["民生实事项目", "专班推进项目", "市委市政府重点工作", "区委区政府重点工作"]
    cats = (
        {n: CategoryFactory(year=2022, name=n, order=i) for i, n in enumerate(names)}
        if not suffix
        else street.cats
    )
    street.cats = cats
    build, east = units
    plan = [
        ("民生实事项目", "completed", build, "", 350, 350),
        ("民生实事项目", "on_track", east, "", 215, 350),
        ("民生实事项目", "lagging", build, "前期手续与审批", None, None),
        ("专班推进项目", "on_track", east, "", None, None),
        ("专班推进项目", "on_track", east, "", None, None),
        ("专班推进项目", "lagging", build, "资金与要素保障", None, None),
        ("市委市政府重点工作", "completed", east, "", None, None),
        ("区委区政府重点工作", "lagging", build, "", None, None),
        ("区委区政府重点工作", "lagging", east, "前期手续与审批", None, None),
        ("区委区政府重点工作", "on_track", east, "", None, None),
    ]
    for i, (cat, status, unit, reason, value, target) in enumerate(plan):
        task(office, cats[cat], f"重点工作{suffix}{i}", status, unit, reason, value, target)


def docx_paragraphs(data):
    return paragraphs("报告.docx", data)


def test_the_monthly_report_of_a_street_passes(office):
    units = (UnitFactory(office=office, name="建设管理办"), UnitFactory(office=office, name="东片"))
    street(office, units)
    data = figures.monthly(office, "2022-07")
    text = docx_paragraphs(render_docx(data))
    assert any("滞后项目占比" in p for p in text)
    assert N.check(text) == []
    # and against duban's own data for the month
    assert against.compare(text, data) == []
    # the checker did read the report's groups (it is clean, not blind)
    groups = N.groups_of(N.split(text))
    assert any(N.fmt(g.whole.value) == "10" for g in groups)


def test_the_monthly_report_of_a_district_passes(office):
    district = OfficeFactory(name="示范区", kind="district")
    office.parent = district
    office.save()
    other = OfficeFactory(name="西城街道", parent=district)
    units = (UnitFactory(office=office, name="建设管理办"), UnitFactory(office=office, name="东片"))
    street(office, units)
    street(
        other,
        (UnitFactory(office=other, name="城建科"), UnitFactory(office=other, name="北片")),
        "乙",
    )
    data = figures.monthly(district, "2022-07")
    text = docx_paragraphs(render_docx(data))
    assert N.check(text) == []
    assert against.compare(text, data) == []


def test_a_changed_figure_disagrees_with_the_data(office):
    units = (UnitFactory(office=office, name="建设管理办"), UnitFactory(office=office, name="东片"))
    street(office, units)
    data = figures.monthly(office, "2022-07")
    text = (
        "截至7月底，民生实事项目共4项，其中已完成1项、推进正常2项、推进滞后1项，滞后项目占比25%。"
    )
    found = against.compare([text], data)
    assert {f.quote for f in found} >= {"4项", "2项推进正常"}
    assert all(f.kind == "data" for f in found)
    assert N.check([text]) == []  # consistent in itself, wrong against the data
    doc = Document(io.BytesIO(render_docx(data)))
    assert doc.paragraphs


def test_request_figures_against_the_periods_statistics(office, people, units):
    from duban.tickets import services

    for n in range(3):
        services.receive(
            people["gina"],
            office=office,
            now=dt.datetime(2022, 7, 10 + n, 9, 0, tzinfo=dt.UTC),
            content=f"噪声扰民{n}",
            reporter_name="李四",
            reporter_phone="13900001111",
            community=units["west"],
        )
    data = figures.monthly(office, "2022-07")
    stats = data["tickets"]
    assert stats["received"] == 3
    text = ["7月，“12345”热线共受理工单5件，办结0件，退单0件。", "本月共受理来访3件。"]
    found = against.compare_requests(text, stats, "2022年7月")
    assert [(f.quote, f.expected) for f in found] == [("5件", "3件")]
    found, _figures = against.check(text, office, Period.parse("2022-07"))
    assert [f.quote for f in found if f.kind == "data"] == ["5件"]
    # the report's own section (三、民生诉求办理情况) passes, in itself and against the data
    report = docx_paragraphs(render_docx(data))
    assert any("共受理民生诉求3件" in p for p in report)
    found, _figures = against.check(report, office, Period.parse("2022-07"))
    assert found == []
