"""重点工作台账导入: the office's Excel ledger into key tasks, as the ledger issue specifies."""

import datetime as dt
from decimal import Decimal

import openpyxl
import pytest

from duban.core import audit
from duban.ledger.exporter import build_workbook
from duban.ledger.importer import LedgerImport
from duban.ledger.models import DEFAULT_CATEGORIES, Category, KeyTask, Milestone
from duban.org.models import Office, Unit
from tests.factories import MilestoneFactory, UnitFactory
from tests.xlsx import LEDGER_HEADERS, write_ledger, write_xlsx

D = dt.date


def row(**values):
    """A complete, valid ledger row; keyword arguments replace columns by header."""
    base = {
        "编号": "MS-01",
        "类别": "街道民生实事项目",
        "事项名称": "老旧小区综合改造",
        "工作目标": "完成3个小区改造，惠及居民2327户",
        "牵头单位": "城建中心",
        "协同单位": "东苑居民区、西苑居民区",
        "责任领导": "张建华",
        "完成时限": "2022-12-31",
        "节点计划": "3月底前：完成方案设计\n6月底前：完成主体施工",
    }
    base.update(values)
    return base


def three_rows():
    return [
        row(),
        row(编号="MS-02", 事项名称="社区食堂建设", 牵头单位="东苑居民区", 协同单位="城建中心"),
        row(
            编号="ZB-01",
            类别="街道重点工作专班推进项目",
            事项名称="垃圾分类示范创建",
            牵头单位="西苑居民区",
            协同单位="",
            节点计划="",
        ),
    ]


def preview(office, path, year=2022, **kwargs):
    return LedgerImport(office, year, **kwargs).preview(path)


def apply(office, path, year=2022, **kwargs):
    return LedgerImport(office, year, **kwargs).apply(path)


def errors_of(report):
    return [str(error) for error in report.errors]


def counts():
    return {
        "tasks": KeyTask.objects.count(),
        "milestones": Milestone.objects.count(),
        "units": Unit.objects.count(),
        "categories": Category.objects.count(),
        "task history": KeyTask.history.count(),
        "milestone history": Milestone.history.count(),
        "unit history": Unit.history.count(),
    }


@pytest.fixture
def ledger(tmp_path, units):
    """The three-row ledger file, over the units of the conftest personas."""
    return write_ledger(tmp_path / "台账.xlsx", three_rows())


# ----- creating and re-importing -----


def test_import_creates_every_task_with_its_partners_and_milestones(office, ledger):
    report = apply(office, ledger)

    assert report.ok and report.applied
    assert [c.key for c in report.created] == ["MS-01", "MS-02", "ZB-01"]
    task = KeyTask.objects.get(office=office, year=2022, code="MS-01")
    assert task.category.name == "街道民生实事项目"
    assert task.title == "老旧小区综合改造"
    assert task.goal == "完成3个小区改造，惠及居民2327户"
    assert task.lead_unit.name == "城建中心"
    assert sorted(u.name for u in task.partner_units.all()) == ["东苑居民区", "西苑居民区"]
    assert task.leader == "张建华"
    assert task.deadline == D(2022, 12, 31)
    assert [(m.order, m.due, m.description) for m in task.milestones.order_by("order")] == [
        (1, D(2022, 3, 31), "完成方案设计"),
        (2, D(2022, 6, 30), "完成主体施工"),
    ]
    assert "新增 3 项" in report.summary()


def test_import_writes_history_for_every_created_task_and_milestone_in_one_batch(office, ledger):
    report = apply(office, ledger)

    rows = list(KeyTask.history.all())
    assert len(rows) == 3
    assert {(r.history_type, r.channel, r.batch_id) for r in rows} == {
        ("+", audit.Channel.IMPORT, report.batch_id)
    }
    milestone_rows = list(Milestone.history.all())
    assert len(milestone_rows) == 4
    assert {r.batch_id for r in milestone_rows} == {report.batch_id}
    # the creation snapshot holds the partners
    first = KeyTask.history.get(code="MS-01")
    assert sorted(p.unit.name for p in first.partner_units.all()) == ["东苑居民区", "西苑居民区"]


def test_reimporting_the_same_file_changes_nothing_and_writes_no_history(office, ledger):
    apply(office, ledger)
    before = counts()

    report = apply(office, ledger)

    assert report.ok
    assert report.changed is False
    assert report.applied is False
    assert [c.key for c in report.unchanged] == ["MS-01", "MS-02", "ZB-01"]
    assert report.created == [] and report.updated == []
    assert "没有任何改动" in report.summary()
    assert counts() == before


def test_preview_reports_what_would_be_created_but_writes_nothing(office, ledger):
    before = counts()

    report = preview(office, ledger)

    assert report.ok and not report.applied
    assert [c.key for c in report.created] == ["MS-01", "MS-02", "ZB-01"]
    assert counts() == before


# ----- updating -----


def test_changing_one_field_reports_label_before_and_after(office, ledger, tmp_path):
    apply(office, ledger)
    rows = three_rows()
    rows[0]["责任领导"] = "李明"
    changed = write_ledger(tmp_path / "changed.xlsx", rows)

    report = preview(office, changed)

    assert [c.key for c in report.updated] == ["MS-01"]
    assert report.updated[0].changes == [("责任领导", "张建华", "李明")]
    assert [c.key for c in report.unchanged] == ["MS-02", "ZB-01"]


def test_an_update_writes_exactly_one_history_row_stamped_with_the_import(
    office, ledger, tmp_path, people
):
    apply(office, ledger)
    task = KeyTask.objects.get(code="MS-01")
    milestone_history = Milestone.history.count()
    rows = three_rows()
    rows[0]["责任领导"] = "李明"

    report = apply(office, write_ledger(tmp_path / "changed.xlsx", rows), user=people["alice"])

    task.refresh_from_db()
    assert task.leader == "李明"
    history = list(KeyTask.history.filter(id=task.pk).order_by("history_date", "history_id"))
    assert len(history) == 2
    latest = history[-1]
    assert latest.history_type == "~"
    assert latest.channel == audit.Channel.IMPORT
    assert latest.batch_id == report.batch_id
    assert latest.history_user == people["alice"]
    assert latest.leader == "李明"
    assert KeyTask.history.count() == 4  # the other two tasks were not touched
    assert Milestone.history.count() == milestone_history


def test_changing_partners_writes_one_history_row_holding_the_new_partners(
    office, ledger, tmp_path
):
    apply(office, ledger)
    task = KeyTask.objects.get(code="MS-01")
    rows = three_rows()
    rows[0]["协同单位"] = "党政办公室"

    report = apply(office, write_ledger(tmp_path / "changed.xlsx", rows))

    assert report.updated[0].changes == [("协同单位", "东苑居民区、西苑居民区", "党政办公室")]
    assert [u.name for u in task.partner_units.all()] == ["党政办公室"]
    latest = KeyTask.history.filter(id=task.pk, batch_id=report.batch_id).get()
    assert [p.unit.name for p in latest.partner_units.all()] == ["党政办公室"]


def test_history_user_is_left_empty_when_no_user_is_given(office, ledger, tmp_path):
    apply(office, ledger)
    rows = three_rows()
    rows[0]["工作目标"] = "完成4个小区改造"

    report = apply(office, write_ledger(tmp_path / "changed.xlsx", rows))

    latest = KeyTask.history.get(batch_id=report.batch_id)
    assert latest.history_user is None
    assert latest.channel == audit.Channel.IMPORT


def test_changed_milestones_are_updated_in_place(office, ledger, tmp_path):
    apply(office, ledger)
    task = KeyTask.objects.get(code="MS-01")
    ids = list(task.milestones.order_by("order").values_list("pk", flat=True))
    rows = three_rows()
    rows[0]["节点计划"] = "3月底前：完成方案设计\n7月底前：完成主体施工"

    report = apply(office, write_ledger(tmp_path / "changed.xlsx", rows))

    assert report.updated[0].changes == [
        (
            "节点计划",
            "2022-03-31：完成方案设计\n2022-06-30：完成主体施工",
            "2022-03-31：完成方案设计\n2022-07-31：完成主体施工",
        )
    ]
    milestones = list(task.milestones.order_by("order"))
    assert [m.pk for m in milestones] == ids
    assert [(m.due, m.description) for m in milestones] == [
        (D(2022, 3, 31), "完成方案设计"),
        (D(2022, 7, 31), "完成主体施工"),
    ]
    # only the milestone that changed has a new history row
    assert Milestone.history.filter(batch_id=report.batch_id).count() == 1


def test_a_deleted_milestone_line_removes_the_milestone(office, ledger, tmp_path):
    apply(office, ledger)
    task = KeyTask.objects.get(code="MS-01")
    rows = three_rows()
    rows[0]["节点计划"] = "3月底前：完成方案设计"

    report = apply(office, write_ledger(tmp_path / "changed.xlsx", rows))

    assert report.ok
    assert [m.description for m in task.milestones.all()] == ["完成方案设计"]
    deleted = Milestone.history.get(batch_id=report.batch_id)
    assert (deleted.history_type, deleted.description) == ("-", "完成主体施工")


def test_an_added_milestone_line_adds_a_milestone(office, ledger, tmp_path):
    apply(office, ledger)
    rows = three_rows()
    rows[2]["节点计划"] = "年底前：通过区级验收"

    apply(office, write_ledger(tmp_path / "changed.xlsx", rows))

    task = KeyTask.objects.get(code="ZB-01")
    assert [(m.due, m.description) for m in task.milestones.all()] == [
        (D(2022, 12, 31), "通过区级验收")
    ]


# ----- reading the sheet -----


def test_columns_may_come_in_any_order_and_extra_columns_are_ignored(office, tmp_path, units):
    headers = ["备注", "牵头单位", "事项名称", "编号", "序号", "类别", "完成时限"]
    path = write_ledger(
        tmp_path / "shuffled.xlsx",
        [
            {
                "备注": "区里重点关注",
                "牵头单位": "城建中心",
                "事项名称": "加装电梯",
                "编号": "MS-09",
                "序号": 1,
                "类别": "街道民生实事项目",
                "完成时限": "12月底",
            }
        ],
        headers=headers,
    )

    report = apply(office, path)

    assert report.ok, errors_of(report)
    task = KeyTask.objects.get(code="MS-09")
    assert (task.title, task.lead_unit.name, task.deadline) == (
        "加装电梯",
        "城建中心",
        D(2022, 12, 31),
    )
    assert task.goal == "" and task.leader == ""


def test_a_title_row_above_the_header_row_is_skipped(office, tmp_path, units):
    path = write_ledger(
        tmp_path / "titled.xlsx",
        three_rows(),
        above=[["示范街道2022年重点工作台账"], ["制表：党政办公室", None, None, "2022年1月"]],
    )

    report = apply(office, path)

    assert report.ok, errors_of(report)
    assert [c.row for c in report.created] == [4, 5, 6]  # rows as Excel numbers them
    assert KeyTask.objects.count() == 3


def test_a_missing_required_header_is_named_and_nothing_is_written(office, tmp_path, units):
    headers = [h for h in LEDGER_HEADERS if h != "牵头单位"]
    path = write_ledger(tmp_path / "no-lead.xlsx", three_rows(), headers=headers)
    before = counts()

    report = apply(office, path)

    assert errors_of(report) == ["第1行【牵头单位】缺少必需的表头列"]
    assert counts() == before


def test_headers_written_with_spaces_stars_or_aliases_are_recognised(office, tmp_path, units):
    headers = ["*编号", "类 别", "工作事项", "责任单位", "完成时限："]
    path = write_xlsx(
        tmp_path / "aliases.xlsx",
        headers,
        [["MS-01", "街道民生实事项目", "加装电梯", "城建中心", "6月底"]],
    )

    report = apply(office, path)

    assert report.ok, errors_of(report)
    assert KeyTask.objects.get(code="MS-01").deadline == D(2022, 6, 30)


def test_an_excel_date_cell_is_read_as_the_deadline(office, tmp_path, units):
    path = write_ledger(tmp_path / "dates.xlsx", [row(完成时限=dt.datetime(2022, 9, 30))])

    apply(office, path)

    assert KeyTask.objects.get(code="MS-01").deadline == D(2022, 9, 30)


def test_a_numeric_code_is_read_without_a_trailing_point_zero(office, tmp_path, units):
    path = write_ledger(tmp_path / "numbers.xlsx", [row(编号=7)])

    apply(office, path)

    assert KeyTask.objects.get().code == "7"


def test_blank_rows_between_tasks_are_skipped(office, tmp_path, units):
    rows = three_rows()
    path = write_ledger(tmp_path / "gaps.xlsx", [rows[0], {}, {}, rows[1]])

    report = apply(office, path)

    assert report.ok
    assert [(c.row, c.key) for c in report.created] == [(2, "MS-01"), (5, "MS-02")]


# ----- errors -----


def test_an_empty_required_cell_names_the_row_and_the_field(office, tmp_path, units):
    rows = three_rows()
    rows[1]["事项名称"] = "  "
    rows[2]["编号"] = None

    report = preview(office, write_ledger(tmp_path / "blank.xlsx", rows))

    assert errors_of(report) == ["第3行【事项名称】不能为空", "第4行【编号】不能为空"]


def test_a_code_repeated_in_the_file_names_both_rows(office, tmp_path, units):
    rows = three_rows()
    rows[2]["编号"] = "MS-01"

    report = preview(office, write_ledger(tmp_path / "twice.xlsx", rows))

    (error,) = errors_of(report)
    assert error.startswith("第4行【编号】")
    assert "“MS-01”与第2行重复" in error


def test_an_unknown_unit_is_refused_suggesting_the_closest_names(office, tmp_path, units):
    path = write_ledger(tmp_path / "unit.xlsx", [row(牵头单位="城建中")])

    report = preview(office, path)

    (error,) = errors_of(report)
    assert error.startswith("第2行【牵头单位】单位“城建中”不存在")
    assert "相近的单位：城建中心" in error
    assert "请勾选“自动创建缺失的单位和类别”" in error
    assert "--create-missing" not in error  # the page has a checkbox, not an option


def test_an_unknown_partner_unit_is_refused_in_the_partner_column(office, tmp_path, units):
    path = write_ledger(tmp_path / "unit.xlsx", [row(协同单位="东苑居民区、北苑居民区")])

    (error,) = errors_of(preview(office, path))

    assert error.startswith("第2行【协同单位】单位“北苑居民区”不存在")
    assert "东苑居民区" in error and "西苑居民区" in error


def test_an_inactive_unit_is_refused(office, tmp_path, units):
    Unit.objects.filter(pk=units["west"].pk).update(active=False)
    path = write_ledger(tmp_path / "inactive.xlsx", [row()])

    assert errors_of(preview(office, path)) == ["第2行【协同单位】单位“西苑居民区”已停用"]


def test_an_unknown_category_is_refused_suggesting_the_closest_names(office, tmp_path, units):
    path = write_ledger(tmp_path / "category.xlsx", [row(类别="民生实事")])

    (error,) = errors_of(preview(office, path))

    assert error.startswith("第2行【类别】类别“民生实事”不存在")
    assert "街道民生实事项目" in error


def test_an_unrelated_category_is_refused_listing_the_years_categories(office, tmp_path, units):
    path = write_ledger(tmp_path / "category.xlsx", [row(类别="其他")])

    (error,) = errors_of(preview(office, path))

    assert "2022年的类别有：" + "、".join(DEFAULT_CATEGORIES) in error


def test_create_missing_creates_units_and_categories_with_import_history(office, tmp_path, units):
    path = write_ledger(
        tmp_path / "new.xlsx",
        [row(类别="营商环境", 牵头单位="营商办", 协同单位="东苑居民区、南苑居民区")],
    )

    report = apply(office, path, create_missing=True)

    assert report.ok, errors_of(report)
    assert report.created_refs == ["类别“营商环境”", "单位“营商办”", "单位“南苑居民区”"]
    assert "新建 类别“营商环境”、单位“营商办”、单位“南苑居民区”" in report.summary()
    task = KeyTask.objects.get(code="MS-01")
    assert task.category.name == "营商环境"
    assert task.category.year == 2022
    assert task.lead_unit.name == "营商办" and task.lead_unit.office == office
    south = Unit.objects.get(name="南苑居民区")
    assert south.kind == Unit.Kind.COMMUNITY
    created = Unit.history.get(name="营商办")
    assert (created.history_type, created.channel, created.batch_id) == (
        "+",
        audit.Channel.IMPORT,
        report.batch_id,
    )


def test_create_missing_in_preview_creates_nothing(office, tmp_path, units):
    path = write_ledger(tmp_path / "new.xlsx", [row(牵头单位="营商办")])
    before = counts()

    report = preview(office, path, create_missing=True)

    assert report.ok and [c.key for c in report.created] == ["MS-01"]
    assert counts() == before


def test_an_unreadable_deadline_names_the_row_and_the_field(office, tmp_path, units):
    rows = three_rows()
    rows[1]["完成时限"] = "下半年"

    (error,) = errors_of(preview(office, write_ledger(tmp_path / "date.xlsx", rows)))

    assert error.startswith("第3行【完成时限】无法识别的日期“下半年”")


def test_an_unreadable_milestone_names_the_row_the_field_and_the_item(office, tmp_path, units):
    rows = three_rows()
    rows[0]["节点计划"] = "3月底前：完成方案设计\n尽快开工"

    (error,) = errors_of(preview(office, write_ledger(tmp_path / "ms.xlsx", rows)))

    assert error.startswith("第2行【节点计划】第2个节点“尽快开工”没有以日期开头")


def test_every_error_of_every_row_is_reported_at_once(office, tmp_path, units):
    rows = three_rows()
    rows[0]["完成时限"] = "2022-13-01"
    rows[1]["牵头单位"] = "城建中"
    rows[2]["类别"] = None

    errors = errors_of(preview(office, write_ledger(tmp_path / "many.xlsx", rows)))

    assert [e[:4] for e in errors] == ["第2行【", "第3行【", "第4行【"]


def test_a_text_too_long_for_its_field_is_refused(office, tmp_path, units):
    path = write_ledger(tmp_path / "long.xlsx", [row(事项名称="改" * 201)])

    assert errors_of(preview(office, path)) == ["第2行【事项名称】超过 200 个字"]


def test_names_too_long_to_create_are_refused_instead_of_failing_in_the_database(
    office, tmp_path, units
):
    path = write_ledger(tmp_path / "long.xlsx", [row(类别="类" * 101, 牵头单位="单" * 101)])

    report = apply(office, path, create_missing=True)

    assert errors_of(report) == [
        "第2行【类别】类别名称超过 100 个字",
        "第2行【牵头单位】单位名称超过 100 个字",
    ]
    assert not Unit.objects.filter(name="单" * 101).exists()


def test_a_milestone_too_long_is_refused_naming_it(office, tmp_path, units):
    path = write_ledger(
        tmp_path / "long.xlsx", [row(节点计划="3月底前：完成方案设计\n6月底前：" + "做" * 301)]
    )

    assert errors_of(apply(office, path)) == ["第2行【节点计划】第2个节点超过 300 个字"]
    assert KeyTask.objects.count() == 0


def test_a_file_that_is_not_an_xlsx_is_refused_in_chinese(office, tmp_path, units):
    fake = tmp_path / "台账.xlsx"
    fake.write_bytes(b"\xd0\xcf\x11\xe0 this is an old .xls, not a zip")

    report = preview(office, fake)

    assert errors_of(report) == ["文件：文件不是有效的 Excel 文件，无法读取"]


def test_a_csv_file_imports_like_an_xlsx(office, tmp_path, units):
    csv = tmp_path / "台账.csv"
    csv.write_bytes(
        "编号,类别,事项名称,牵头单位\nMS-01,街道民生实事项目,加装电梯,城建中心\n".encode("gb18030")
    )

    report = apply(office, csv)

    assert report.ok, errors_of(report)
    assert KeyTask.objects.get(code="MS-01").title == "加装电梯"


def test_a_file_that_is_neither_xlsx_nor_csv_is_refused(office, tmp_path, units):
    text = tmp_path / "台账.txt"
    text.write_text("编号,类别,事项名称,牵头单位\n")

    report = apply(office, text)

    assert errors_of(report) == [
        "文件：只支持 .xlsx 格式的 Excel 文件或 .csv 文件（.xls 请在 Excel 中另存为 .xlsx）"
    ]
    assert KeyTask.objects.count() == 0


def test_a_sheet_without_a_header_row_is_refused_naming_the_required_headers(
    office, tmp_path, units
):
    path = write_xlsx(tmp_path / "noheader.xlsx", ["A", "B"], [["1", "2"]])

    (error,) = errors_of(preview(office, path))

    assert "找不到表头行" in error and "编号、类别、事项名称、牵头单位" in error


def test_a_sheet_with_headers_but_no_rows_is_refused(office, tmp_path, units):
    path = write_ledger(tmp_path / "empty.xlsx", [])

    assert errors_of(preview(office, path)) == ["文件：表格中没有数据行"]


# ----- all or nothing -----


def test_one_bad_row_among_good_ones_writes_nothing_at_all(office, tmp_path, units):
    rows = three_rows()
    # the good rows would create a category and a unit, the bad one has a bad date
    rows[0].update(类别="营商环境", 牵头单位="营商办")
    rows.append(row(编号="ZB-02", 完成时限="下个月"))
    path = write_ledger(tmp_path / "mixed.xlsx", rows)
    before = counts()

    report = apply(office, path, create_missing=True)

    assert errors_of(report) == [
        "第5行【完成时限】无法识别的日期“下个月”，可写成 2022-12-31、2022年12月31日、12月31日或12月底"
    ]
    assert not report.applied
    assert "未写入任何数据" in report.summary()
    assert counts() == before


def test_a_failure_while_writing_rolls_back_everything_already_written(
    office, tmp_path, units, monkeypatch
):
    path = write_ledger(tmp_path / "ledger.xlsx", [*three_rows(), row(编号="X", 牵头单位="营商办")])
    before = counts()

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    # tasks, partners, milestones, the new unit and the categories are written by now
    monkeypatch.setattr(audit, "history_for_ids", fail)
    with pytest.raises(RuntimeError):
        apply(office, path, create_missing=True)

    assert counts() == before


# ----- partners -----


@pytest.mark.parametrize("separator", ["、", "，", ",", ";", "；", "\n", " 、 "])
def test_partner_units_may_be_separated_by_any_usual_mark(office, tmp_path, units, separator):
    path = write_ledger(
        tmp_path / "partners.xlsx", [row(协同单位=separator.join(["东苑居民区", "党政办公室"]))]
    )

    apply(office, path)

    task = KeyTask.objects.get(code="MS-01")
    assert sorted(u.name for u in task.partner_units.all()) == ["东苑居民区", "党政办公室"]


def test_the_lead_unit_listed_among_partners_is_dropped(office, tmp_path, units):
    path = write_ledger(
        tmp_path / "lead.xlsx",
        [row(牵头单位="城建中心", 协同单位="城建中心、东苑居民区、东苑居民区")],
    )

    report = apply(office, path)

    assert report.ok
    task = KeyTask.objects.get(code="MS-01")
    assert [u.name for u in task.partner_units.all()] == ["东苑居民区"]
    # and importing it again sees no change
    assert apply(office, path).changed is False


# ----- round trip with the export -----


def test_an_exported_ledger_imports_back_without_any_change(office, tasks, tmp_path):
    MilestoneFactory(task=tasks["build"], due=D(2022, 3, 31), description="完成方案设计", order=1)
    MilestoneFactory(task=tasks["build"], due=D(2022, 6, 30), description="完成主体施工", order=2)
    MilestoneFactory(task=tasks["east"], due=D(2022, 9, 30), description="开业运营", order=1)
    KeyTask.objects.filter(pk=tasks["west"].pk).update(leader="王芳", deadline=None)
    path = tmp_path / "export.xlsx"
    build_workbook(KeyTask.objects.filter(office=office, year=2022)).save(path)
    before = counts()

    report = apply(office, path)

    assert report.ok, errors_of(report)
    assert report.changed is False
    assert sorted(c.key for c in report.unchanged) == ["MS-01", "MS-02", "ZB-01"]
    assert counts() == before


def test_a_milestone_written_with_a_semicolon_on_the_web_survives_the_round_trip(
    office, tasks, tmp_path
):
    MilestoneFactory(
        task=tasks["build"], due=D(2022, 3, 31), description="完成方案设计；报区发改委审批"
    )
    MilestoneFactory(task=tasks["build"], due=D(2022, 6, 30), description="开工;完成围挡", order=2)
    path = tmp_path / "export.xlsx"
    build_workbook(KeyTask.objects.filter(office=office, year=2022)).save(path)

    report = apply(office, path)

    assert report.ok, errors_of(report)
    assert report.changed is False


def test_targets_survive_the_round_trip_and_feed_the_pace_rule(office, tasks, tmp_path):
    KeyTask.objects.filter(pk=tasks["build"].pk).update(target_value=Decimal("3"), target_unit="个")
    KeyTask.objects.filter(pk=tasks["east"].pk).update(
        target_value=Decimal("1200.5"), target_unit="万元"
    )
    path = tmp_path / "export.xlsx"
    build_workbook(KeyTask.objects.filter(office=office, year=2022)).save(path)
    sheet = openpyxl.load_workbook(path).active
    header = [cell.value for cell in sheet[1]]
    assert header[4:6] == ["量化指标", "指标单位"]
    values = {row[0]: row[4:6] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["MS-01"] == (3, "个")  # a number Excel can sum, not "3.00"
    assert values["MS-02"] == (1200.5, "万元")
    assert values["ZB-01"] == (None, None)

    report = apply(office, path)

    assert report.ok, errors_of(report)
    assert report.changed is False


def test_import_sets_and_changes_a_tasks_target(office, tasks, tmp_path):
    headers = [*LEDGER_HEADERS, "量化指标", "指标单位"]
    base = row()
    rows = [[*(base[h] for h in LEDGER_HEADERS), "1,200", "户"]]
    apply(office, write_xlsx(tmp_path / "t.xlsx", headers, rows))
    task = KeyTask.objects.get(code="MS-01", year=2022)
    assert (task.target_value, task.target_unit) == (Decimal("1200"), "户")

    rows[0][-2:] = ["", ""]
    report = apply(office, write_xlsx(tmp_path / "t2.xlsx", headers, rows))
    assert [c.changes for c in report.updated] == [
        [("量化指标", "1200", ""), ("指标单位", "户", "")]
    ]
    task.refresh_from_db()
    assert (task.target_value, task.target_unit) == (None, "")


def test_a_file_without_target_columns_keeps_the_stored_target(office, tasks, tmp_path):
    KeyTask.objects.filter(pk=tasks["build"].pk).update(target_value=Decimal("3"), target_unit="个")
    path = write_ledger(tmp_path / "old.xlsx", [row()])

    report = apply(office, path)

    assert report.ok, errors_of(report)
    task = KeyTask.objects.get(pk=tasks["build"].pk)
    assert (task.target_value, task.target_unit) == (Decimal("3"), "个")


@pytest.mark.parametrize(
    ("value", "unit", "message"),
    [
        ("三个", "个", "“三个”不是数字"),
        (-2, "个", "不能为负数"),
        ("", "个", "填了指标单位“个”，请同时填写量化指标"),
    ],
)
def test_a_bad_target_is_refused_naming_row_and_column(
    office, units, tmp_path, value, unit, message
):
    headers = [*LEDGER_HEADERS, "量化指标", "指标单位"]
    base = row()
    path = write_xlsx(
        tmp_path / "bad.xlsx", headers, [[*(base[h] for h in LEDGER_HEADERS), value, unit]]
    )

    report = preview(office, path)

    errors = errors_of(report)
    assert len(errors) == 1, errors
    assert errors[0].startswith("第2行【量化指标】")
    assert message in errors[0]


# ----- categories of a new year -----


def test_a_year_without_categories_gets_the_five_defaults_on_apply(office, ledger):
    assert not Category.objects.filter(year=2022).exists()

    preview_report = preview(office, ledger)

    assert preview_report.ok
    assert not Category.objects.filter(year=2022).exists()

    apply(office, ledger)

    assert list(
        Category.objects.filter(year=2022).order_by("order").values_list("name", flat=True)
    ) == (DEFAULT_CATEGORIES)


def test_a_year_without_categories_takes_the_previous_years_list(office, tmp_path, units):
    Category.objects.create(office=office, year=2022, name="营商环境", order=1)
    Category.objects.create(office=office, year=2022, name="城市更新", order=2)
    path = write_ledger(
        tmp_path / "2023.xlsx", [row(类别="城市更新", 完成时限="12月底", 节点计划="")]
    )

    report = apply(office, path, year=2023)

    assert report.ok, errors_of(report)
    task = KeyTask.objects.get(year=2023)
    assert (task.category.year, task.category.name, task.deadline) == (
        2023,
        "城市更新",
        D(2023, 12, 31),
    )
    assert list(Category.objects.filter(year=2023).values_list("name", flat=True)) == [
        "营商环境",
        "城市更新",
    ]


def test_codes_are_per_year_so_another_year_creates_new_tasks(office, ledger):
    apply(office, ledger)

    report = apply(office, ledger, year=2023)

    assert [c.key for c in report.created] == ["MS-01", "MS-02", "ZB-01"]
    assert KeyTask.objects.filter(year=2023).count() == 3
    assert KeyTask.objects.get(year=2023, code="MS-01").deadline == D(2022, 12, 31)


# ----- offices -----


@pytest.fixture
def district(office):
    district = Office.objects.create(name="某某区", kind=Office.Kind.DISTRICT)
    office.parent = district
    office.save()
    return district


def test_a_street_import_may_name_a_unit_of_its_district(office, district, tmp_path, units):
    housing = UnitFactory(office=district, name="区建管委", kind=Unit.Kind.DISTRICT_DEPT)
    path = write_ledger(tmp_path / "district.xlsx", [row(协同单位="区建管委、东苑居民区")])

    report = apply(office, path)

    assert report.ok, errors_of(report)
    task = KeyTask.objects.get(code="MS-01")
    assert task.office == office
    assert housing in task.partner_units.all()


def test_the_streets_own_unit_wins_over_a_same_named_district_unit(
    office, district, tmp_path, units
):
    UnitFactory(office=district, name="城建中心", kind=Unit.Kind.DISTRICT_DEPT)
    path = write_ledger(tmp_path / "district.xlsx", [row()])

    apply(office, path)

    assert KeyTask.objects.get(code="MS-01").lead_unit == units["build"]


def test_a_unit_of_another_street_is_not_found(office, tmp_path, units):
    other = Office.objects.create(name="第二街道")
    UnitFactory(office=other, name="第二街道城建中心")
    path = write_ledger(tmp_path / "other.xlsx", [row(牵头单位="第二街道城建中心")])

    (error,) = errors_of(preview(office, path))

    assert "单位“第二街道城建中心”不存在" in error


def test_the_same_code_in_two_streets_makes_two_tasks(office, ledger, units):
    other = Office.objects.create(name="第二街道")
    for unit in units.values():
        UnitFactory(office=other, name=unit.name, kind=unit.kind)

    apply(office, ledger)
    report = apply(other, ledger)

    assert [c.key for c in report.created] == ["MS-01", "MS-02", "ZB-01"]
    assert KeyTask.objects.get(office=other, code="MS-01").lead_unit.office == other


def test_a_milestone_only_change_records_the_milestone_not_an_empty_task_change(
    office, ledger, tmp_path
):
    apply(office, ledger)
    before = counts()
    changed = three_rows()
    changed[0]["节点计划"] = "3月底前：完成方案设计\n6月底前：完成主体施工并通过验收"
    report = apply(office, write_ledger(tmp_path / "v2.xlsx", changed))
    assert [c.key for c in report.updated] == ["MS-01"]
    after = counts()
    assert after["task history"] == before["task history"]
    assert after["milestone history"] == before["milestone history"] + 1
    assert (
        Milestone.objects.get(task__code="MS-01", order=2).description == "完成主体施工并通过验收"
    )
