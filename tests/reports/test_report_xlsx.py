"""The monthly report's Excel attachment (附表), rendered from figures.monthly alone."""

import datetime as dt
import re
from io import BytesIO

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from duban.org.models import Office
from duban.progress.models import Judgement, ReasonCategory, Submission
from duban.reports import figures
from duban.reports.monthly_xlsx import render_xlsx
from tests.factories import CategoryFactory, KeyTaskFactory, OfficeFactory, UnitFactory

PERIOD = "2022-07"
END_OF_JULY = dt.date(2022, 7, 31)
TODAY = dt.date(2022, 8, 5)
LIVELIHOOD = "街道民生实事项目"
TASK_FORCE = "街道重点工作专班推进项目"
LEADERS = "区领导调研提出的工作"  # no task this month
CATEGORIES = [LIVELIHOOD, TASK_FORCE, LEADERS]
TASK_HEADERS = [
    "序号",
    "编号",
    "事项名称",
    "牵头单位",
    "完成时限",
    "状态",
    "预警",
    "最新进展",
    "滞后原因类别",
    "滞后原因",
    "超期天数",
]


def make_categories(names=CATEGORIES, office=None):
    office = office or Office.objects.order_by("id").first()
    return {
        name: CategoryFactory(office=office, year=2022, name=name, order=order)
        for order, name in enumerate(names, start=1)
    }


def judge(task, status, light, *, reason_category=None, reason="", overdue_days=0):
    Judgement.objects.create(
        task=task,
        period=PERIOD,
        as_of=END_OF_JULY,
        status=status,
        light=light,
        proposed_status=status,
        source="engine",
        reason_category=reason_category,
        reason=reason,
        flags={"overdue": {"days": overdue_days}} if overdue_days else {},
    )


def accept(task, progress):
    Submission.objects.create(
        task=task,
        period=PERIOD,
        unit=task.lead_unit,
        state=Submission.State.ACCEPTED,
        progress=progress,
    )


def open_xlsx(figs):
    return load_workbook(BytesIO(render_xlsx(figs)))


def values(ws, row):
    return [cell.value for cell in ws[row]]


def shown(cell):
    """The text a reader sees for a rate cell."""
    if cell.number_format == "0.0%":
        return f"{cell.value:.1%}"
    if cell.number_format == "0%":
        return f"{cell.value:.0%}"
    return cell.value


def task_rows(ws):
    """{编号: {header: cell}} of a category sheet (title in row 1, header in row 2)."""
    headers = values(ws, 2)
    return {
        row[headers.index("编号")].value: dict(zip(headers, row, strict=True))
        for row in ws.iter_rows(min_row=3)
    }


def rgb(cell):
    code = cell.fill.fgColor.rgb[-6:]
    return tuple(int(code[i : i + 2], 16) for i in (0, 2, 4))


def reddish(cell):
    r, g, b = rgb(cell)
    return r > g + 20 and r > b + 20


def greenish(cell):
    r, g, b = rgb(cell)
    return g > r + 20 and g > b + 20


def bluish(cell):
    r, g, b = rgb(cell)
    return b > r + 15 and b >= g


def yellowish(cell):
    r, g, b = rgb(cell)
    return r > b + 50 and g > b + 50


@pytest.fixture
def street_figures(office, units):
    """One street: 民生实事 4 tasks (1 done, 1 on track, 2 lagging: 50.0%), 专班 7 tasks
    (1 lagging: 14.3%), 区领导调研 none."""
    cats = make_categories()
    funds = ReasonCategory.objects.get(name="资金与要素保障")

    def task(category, code, title, unit, deadline=dt.date(2022, 12, 31)):
        return KeyTaskFactory(
            category=cats[category],
            code=code,
            title=title,
            lead_unit=units[unit],
            deadline=deadline,
        )

    judge(task(LIVELIHOOD, "MS-01", "老旧小区综合改造", "build"), "completed", "green")
    canteen = task(LIVELIHOOD, "MS-02", "社区食堂建设", "east")
    judge(canteen, "on_track", "blue")
    accept(canteen, "食堂主体装修完成，7月底试运营。")
    lift = task(LIVELIHOOD, "MS-03", "既有多层住宅加装电梯", "build", dt.date(2022, 6, 30))
    judge(lift, "lagging", "red", reason_category=funds, reason="资金尚未到位", overdue_days=31)
    judge(task(LIVELIHOOD, "MS-04", "非机动车充电设施加装", "west"), "lagging", "yellow")
    for n in range(1, 7):
        judge(task(TASK_FORCE, f"ZB-0{n}", f"专班项目{n}", "party"), "on_track", "blue")
    judge(task(TASK_FORCE, "ZB-07", "垃圾分类示范创建", "west"), "lagging", "yellow")
    return figures.monthly(office, PERIOD, today=TODAY)


@pytest.fixture
def district_figures(office):
    """A district with two streets, each with its own tasks; the district has none; the
    streets share the district's categories."""
    district = OfficeFactory(name="东湖区", kind=Office.Kind.DISTRICT)
    cats = make_categories(office=district)
    plan = {
        "甲街道": [(LIVELIHOOD, "completed"), (LIVELIHOOD, "lagging"), (TASK_FORCE, "on_track")],
        "乙街道": [(TASK_FORCE, "lagging"), (TASK_FORCE, "lagging")],
    }
    for order, (name, tasks) in enumerate(plan.items(), start=1):
        street = OfficeFactory(name=name, parent=district, order=order)
        unit = UnitFactory(office=street, name=f"{name}城建中心")
        for n, (category, status) in enumerate(tasks, start=1):
            task = KeyTaskFactory(
                office=street,
                category=cats[category],
                code=f"{name[0]}-{n:02d}",
                lead_unit=unit,
            )
            judge(task, status, "red" if status == "lagging" else "blue")
    return figures.monthly(district, PERIOD, today=TODAY)


def test_summary_rows_show_each_category_count_and_rate_as_in_the_figures(street_figures):
    ws = open_xlsx(street_figures)["汇总"]

    assert values(ws, 3) == ["类别", "总数", "已完成", "推进正常", "推进滞后", "滞后项目占比"]
    rows = [values(ws, 4 + i)[:5] + [shown(ws.cell(4 + i, 6))] for i in range(3)]
    assert rows == [
        [LIVELIHOOD, 4, 1, 1, 2, "50%"],
        [TASK_FORCE, 7, 0, 6, 1, "14.3%"],
        [LEADERS, 0, 0, 0, 0, "—"],
    ]
    for i, category in enumerate(street_figures["categories"]):
        row = values(ws, 4 + i)
        keys = ["name", "total", "completed", "on_track", "lagging"]
        assert row[:5] == [category[key] for key in keys]
        if category["lag_rate"] is not None:
            assert row[5] * 100 == pytest.approx(category["lag_rate"])


def test_summary_total_row_comes_from_the_overall_figures(street_figures):
    ws = open_xlsx(street_figures)["汇总"]

    assert values(ws, 7)[:5] == ["合计", 11, 1, 7, 3]
    assert shown(ws["F7"]) == "27.3%"
    overall = street_figures["overall"]
    assert values(ws, 7)[1:5] == [overall[k] for k in ("total", "completed", "on_track", "lagging")]
    assert ws["A7"].font.b


def test_summary_title_names_the_report_and_its_as_of_date(street_figures):
    ws = open_xlsx(street_figures)["汇总"]

    assert ws["A1"].value.startswith(street_figures["title"])
    assert "附表" in ws["A1"].value
    assert ws["A2"].value.date() == END_OF_JULY
    assert "截至" in ws["A2"].number_format and "年" in ws["A2"].number_format


def test_category_without_tasks_shows_a_dash_rate_and_keeps_its_sheet_with_a_note(
    street_figures,
):
    workbook = open_xlsx(street_figures)

    assert values(workbook["汇总"], 6)[0] == LEADERS
    assert workbook["汇总"]["F6"].value == "—"
    sheet = workbook[LEADERS]
    assert values(sheet, 2) == TASK_HEADERS
    assert sheet["A3"].value == "本期无此类事项"
    assert sheet.max_row == 3


def test_every_task_is_listed_on_its_category_sheet_with_its_status_label(street_figures):
    workbook = open_xlsx(street_figures)

    assert workbook.sheetnames == ["汇总", "推进滞后事项明细表", *CATEGORIES]
    for name in (LIVELIHOOD, TASK_FORCE):
        expected = [t for t in street_figures["tasks"] if t["category"] == name]
        rows = list(task_rows(workbook[name]).values())
        assert [r["编号"].value for r in rows] == [t["code"] for t in expected]
        assert [r["序号"].value for r in rows] == list(range(1, len(expected) + 1))
        assert [r["状态"].value for r in rows] == [t["status_label"] for t in expected]
        assert [r["预警"].value for r in rows] == [t["light_label"] for t in expected]
    rows = task_rows(workbook[LIVELIHOOD])
    assert [rows[code]["状态"].value for code in ("MS-01", "MS-02", "MS-03")] == [
        "已完成",
        "推进正常",
        "推进滞后",
    ]
    assert rows["MS-01"]["事项名称"].value == "老旧小区综合改造"
    assert rows["MS-01"]["牵头单位"].value == "城建中心"


def test_status_cells_are_coloured_green_blue_and_red(street_figures):
    rows = task_rows(open_xlsx(street_figures)[LIVELIHOOD])

    assert greenish(rows["MS-01"]["状态"])
    assert bluish(rows["MS-02"]["状态"])
    assert reddish(rows["MS-03"]["状态"])
    assert reddish(rows["MS-04"]["状态"])


def test_light_cells_are_coloured_by_their_light(street_figures):
    rows = task_rows(open_xlsx(street_figures)[LIVELIHOOD])

    assert greenish(rows["MS-01"]["预警"])
    assert bluish(rows["MS-02"]["预警"])
    assert reddish(rows["MS-03"]["预警"])
    assert yellowish(rows["MS-04"]["预警"])
    assert rows["MS-04"]["预警"].value == "黄灯"


def test_lagging_task_shows_its_reason_overdue_days_and_a_real_deadline_date(street_figures):
    rows = task_rows(open_xlsx(street_figures)[LIVELIHOOD])

    lift = rows["MS-03"]
    assert lift["滞后原因类别"].value == "资金与要素保障"
    assert lift["滞后原因"].value == "资金尚未到位"
    assert lift["超期天数"].value == 31
    assert lift["完成时限"].value == dt.datetime(2022, 6, 30)
    assert lift["完成时限"].number_format == 'yyyy"年"m"月"d"日"'  # 2022年6月30日
    assert rows["MS-04"]["滞后原因类别"].value == "未注明原因类别"
    assert rows["MS-02"]["超期天数"].value is None
    assert rows["MS-02"]["最新进展"].value == "食堂主体装修完成，7月底试运营。"


def test_every_sheet_freezes_filters_and_prints_its_header_on_landscape_a4(street_figures):
    workbook = open_xlsx(street_figures)

    expected = {"汇总": (3, "A3:F6"), LIVELIHOOD: (2, "A2:K6"), TASK_FORCE: (2, "A2:K9")}
    expected[LEADERS] = (2, "A2:K3")
    expected["推进滞后事项明细表"] = (2, "A2:G5")
    for name, (header, ref) in expected.items():
        ws = workbook[name]
        assert ws.freeze_panes == f"A{header + 1}", name
        assert ws.auto_filter.ref == ref, name
        assert ws.print_title_rows.replace("$", "") == f"{header}:{header}", name
        assert ws.page_setup.orientation == "landscape", name
        assert int(ws.page_setup.paperSize) == 9, name  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), name
        for column in range(1, ws.max_column + 1):
            assert ws.column_dimensions[get_column_letter(column)].customWidth, (name, column)
    tasks = workbook[LIVELIHOOD]
    widths = {
        h: tasks.column_dimensions[get_column_letter(i)].width
        for i, h in enumerate(TASK_HEADERS, start=1)
    }
    assert widths["最新进展"] > widths["事项名称"] > widths["编号"] > widths["序号"]
    assert task_rows(tasks)["MS-02"]["最新进展"].alignment.wrap_text


def test_long_progress_text_gets_a_row_tall_enough_to_print_it(office, units):
    cats = make_categories()
    task = KeyTaskFactory(category=cats[LIVELIHOOD], code="MS-01", lead_unit=units["build"])
    judge(task, "on_track", "blue")
    accept(task, "完成施工图设计并报审，" * 20)
    short = KeyTaskFactory(category=cats[LIVELIHOOD], code="MS-02", lead_unit=units["build"])
    judge(short, "on_track", "blue")

    ws = open_xlsx(figures.monthly(office, PERIOD, today=TODAY))[LIVELIHOOD]

    assert ws.row_dimensions[3].height >= 4 * 15
    assert ws.row_dimensions[4].height is None  # one line: left to the default


def test_district_report_has_a_block_per_street_and_a_street_column(district_figures):
    workbook = open_xlsx(district_figures)
    ws = workbook["汇总"]
    column_a = [cell.value for cell in ws["A"]]

    assert values(ws, 7)[:5] == ["合计", 5, 1, 1, 3]
    blocks = {}
    for street in district_figures["streets"]:
        start = column_a.index(street["name"]) + 1
        assert values(ws, start + 1)[0] == "类别"
        blocks[street["name"]] = [
            values(ws, start + 2 + i)[:5] + [shown(ws.cell(start + 2 + i, 6))] for i in range(4)
        ]
    assert blocks == {
        "甲街道": [
            [LIVELIHOOD, 2, 1, 0, 1, "50%"],
            [TASK_FORCE, 1, 0, 1, 0, "0%"],
            [LEADERS, 0, 0, 0, 0, "—"],
            ["合计", 3, 1, 1, 1, "33.3%"],
        ],
        "乙街道": [
            [LIVELIHOOD, 0, 0, 0, 0, "—"],
            [TASK_FORCE, 2, 0, 0, 2, "100%"],
            [LEADERS, 0, 0, 0, 0, "—"],
            ["合计", 2, 0, 0, 2, "100%"],
        ],
    }
    sheet = workbook[TASK_FORCE]
    assert values(sheet, 2)[:3] == ["序号", "街道", "编号"]
    assert [(r["街道"].value, r["编号"].value) for r in task_rows(sheet).values()] == [
        ("甲街道", "甲-03"),
        ("乙街道", "乙-01"),
        ("乙街道", "乙-02"),
    ]
    assert sheet.auto_filter.ref == "A2:L5"


def test_street_report_has_neither_street_blocks_nor_a_street_column(street_figures):
    workbook = open_xlsx(street_figures)

    assert workbook["汇总"].max_row == 7  # ends at 合计
    assert "街道" not in values(workbook[LIVELIHOOD], 2)


def test_category_names_become_valid_unique_sheet_names(office, units):
    long_name = "区委区政府重点工作中需要街道配合参与推进落实的各类专项任务清单汇编"
    names = ["专项/督查工作", long_name + "甲", long_name + "乙", "汇总"]
    cats = make_categories(names)
    for n, name in enumerate(names, start=1):
        task = KeyTaskFactory(category=cats[name], code=f"T-{n}", lead_unit=units["build"])
        judge(task, "on_track", "blue")

    workbook = open_xlsx(figures.monthly(office, PERIOD, today=TODAY))

    titles = workbook.sheetnames  # nothing lags: no 推进滞后事项明细表
    assert len(long_name) > 31
    assert titles == ["汇总", "专项／督查工作", long_name[:31], long_name[:28] + "(2)", "汇总(2)"]
    assert all(len(t) <= 31 and not re.search(r"[\[\]:*?/\\]", t) for t in titles)
    assert len({t.casefold() for t in titles}) == len(titles)
    for n, title in enumerate(titles[1:], start=1):
        assert [r["编号"].value for r in task_rows(workbook[title]).values()] == [f"T-{n}"]


def test_control_characters_in_progress_text_are_dropped_rather_than_fatal(office, units):
    cats = make_categories()
    task = KeyTaskFactory(category=cats[LIVELIHOOD], code="MS-01", lead_unit=units["build"])
    judge(task, "on_track", "blue")
    accept(task, "方案已报审\x0b待批复")

    rows = task_rows(open_xlsx(figures.monthly(office, PERIOD, today=TODAY))[LIVELIHOOD])

    assert rows["MS-01"]["最新进展"].value == "方案已报审待批复"


def test_rendering_reads_only_the_figures_and_never_the_database(
    street_figures, django_assert_num_queries
):
    with django_assert_num_queries(0):
        render_xlsx(street_figures)


def test_every_sheet_has_a_title_row_and_a_chinese_font(street_figures):
    workbook = open_xlsx(street_figures)
    for ws in workbook.worksheets:
        title = ws["A1"].value
        assert title and ws["A1"].font.b, ws.title
        assert any(str(r).startswith("A1:") for r in ws.merged_cells.ranges), ws.title
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    assert cell.font.name == "宋体", (ws.title, cell.coordinate)
    assert workbook[LIVELIHOOD]["A1"].value == f"{LIVELIHOOD}推进情况表（截至2022年7月31日）"


def test_the_lagging_sheet_is_the_word_attachments_table(street_figures):
    from duban.reports.monthly_text import ATTACHMENT_COLUMNS, attachment_rows, blocks

    ws = open_xlsx(street_figures)["推进滞后事项明细表"]
    assert ws["A1"].value == "附件　推进滞后事项明细表（截至2022年7月31日）"
    assert values(ws, 2) == ATTACHMENT_COLUMNS
    word = next(b for b in blocks(street_figures) if b.get("name") == "lagging")
    rows = [values(ws, r) for r in range(3, ws.max_row + 1)]
    assert len(rows) == len(word["rows"]) == 3
    for excel, doc in zip(rows, word["rows"], strict=True):
        # the same cells, but for the year: Word's title gives it, a sheet spells it out
        assert [excel[i] for i in (0, 1, 2, 3, 5, 6)] == [doc[i] for i in (0, 1, 2, 3, 5, 6)]
    assert rows == [list(r) for r in attachment_rows(street_figures, full_dates=True)]
    lift = next(r for r in rows if r[2] == "既有多层住宅加装电梯")
    assert lift[4] == "2022年6月30日\n（已超期31天）"
    assert lift[6] == "资金与要素保障：资金尚未到位"
    assert next(r for r in rows if r[2] == "垃圾分类示范创建")[4] == "2022年12月31日"
