"""The ledger's pages as the supervision office uses them: find, add, change, import."""

import datetime as dt
import re
from io import BytesIO
from urllib.parse import unquote

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from duban.core.models import CalendarYear
from duban.ledger.models import AssignmentSource, Category, KeyTask, Milestone
from duban.org import roles as R
from duban.org.models import Office
from tests.factories import KeyTaskFactory, MilestoneFactory, UnitFactory, make_user


@pytest.fixture
def alice(client, people):
    client.force_login(people["alice"])
    return client


@pytest.fixture
def categories(db):
    return list(Category.objects.for_year(2022).order_by("order"))


def codes_on_page(response):
    table = response.content.decode().split('id="ledger-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<td class="nowrap"><a href="/ledger/\d+/">([^<]+)</a></td>', table)


def task_data(task=None, milestones=(), **fields):
    """The edit form as a browser would post it: the task's current values, the
    milestone rows already saved, then `milestones` as new rows."""
    data = {
        "year": 2022,
        "code": "",
        "category": "",
        "title": "",
        "goal": "",
        "target_value": "",
        "target_unit": "",
        "lead_unit": "",
        "partner_units": [],
        "leader": "",
        "deadline": "",
    }
    saved = []
    if task is not None:
        data.update(
            year=task.year,
            code=task.code,
            category=task.category_id or "",
            title=task.title,
            goal=task.goal,
            lead_unit=task.lead_unit_id,
            partner_units=[u.pk for u in task.partner_units.all()],
            leader=task.leader,
            deadline=f"{task.deadline:%Y-%m-%d}" if task.deadline else "",
        )
        saved = list(task.milestones.all())
    data.update(fields)
    rows = [(m.pk, f"{m.due:%Y-%m-%d}", m.description) for m in saved]
    rows += [("", due, description) for due, description in milestones]
    data.update(
        {
            "milestones-TOTAL_FORMS": len(rows),
            "milestones-INITIAL_FORMS": len(saved),
            "milestones-MIN_NUM_FORMS": 0,
            "milestones-MAX_NUM_FORMS": 1000,
        }
    )
    for i, (pk, due, description) in enumerate(rows):
        data[f"milestones-{i}-id"] = pk
        data[f"milestones-{i}-due"] = due
        data[f"milestones-{i}-description"] = description
    return data


# ----- 台账 list -----


def test_ledger_list_filters_by_category(alice, tasks, categories):
    KeyTaskFactory(code="SS-01", category=categories[2], lead_unit=tasks["build"].lead_unit)
    response = alice.get(reverse("ledger:list"), {"category": categories[2].pk})
    assert codes_on_page(response) == ["SS-01"]


def test_ledger_list_filters_by_lead_unit(alice, tasks, units):
    response = alice.get(reverse("ledger:list"), {"lead_unit": units["east"].pk})
    assert codes_on_page(response) == ["MS-02"]


@pytest.mark.parametrize(
    ("keyword", "codes"),
    [("ZB", ["ZB-01"]), ("食堂", ["MS-02"]), ("示范点", ["MS-01"])],
)
def test_ledger_list_keyword_matches_code_title_or_goal(alice, tasks, keyword, codes):
    KeyTask.objects.filter(pk=tasks["build"].pk).update(goal="年底前建成3个示范点")
    response = alice.get(reverse("ledger:list"), {"q": keyword})
    assert codes_on_page(response) == codes


def test_ledger_list_opens_on_the_latest_year_and_can_go_back(alice, tasks, units):
    KeyTaskFactory(year=2023, code="MS-01", title="2023年的事项", lead_unit=units["build"])
    assert codes_on_page(alice.get(reverse("ledger:list"))) == ["MS-01"]
    older = alice.get(reverse("ledger:list"), {"year": 2022})
    assert codes_on_page(older) == ["MS-01", "MS-02", "ZB-01"]
    assert "2023年的事项" not in older.content.decode()


def test_ledger_list_counts_tasks_per_category_for_the_year(alice, tasks, categories, units):
    KeyTaskFactory(code="SS-01", category=categories[1], lead_unit=units["east"])
    KeyTaskFactory(year=2021, code="OLD", category=categories[1], lead_unit=units["east"])
    page = alice.get(reverse("ledger:list"), {"year": 2022, "q": "食堂"}).content.decode()
    chips = dict(re.findall(r'data-category="([^"]+)">[^<]*<b>(\d+)</b>', page))
    # Counted over the year, whatever the other filters: the chips are the year's overview.
    assert chips[categories[0].name] == "3"
    assert chips[categories[1].name] == "1"
    assert chips[categories[4].name] == "0"
    assert "全部 <b>4</b>" in page


def test_category_chip_links_keep_the_other_filters(alice, tasks, categories):
    page = alice.get(reverse("ledger:list"), {"year": 2022, "q": "改造"}).content.decode()
    assert f'href="?year=2022&amp;q=%E6%94%B9%E9%80%A0&amp;category={categories[1].pk}"' in page


def test_ledger_list_pages_by_fifty_and_keeps_filters_in_page_links(alice, units):
    for n in range(60):
        KeyTaskFactory(code=f"T{n:03d}", lead_unit=units["build"], goal="加装电梯")
    first = alice.get(reverse("ledger:list"), {"year": 2022, "q": "电梯"})
    assert len(codes_on_page(first)) == 50
    assert "第 1 / 2 页" in first.content.decode()
    assert 'href="?year=2022&amp;q=%E7%94%B5%E6%A2%AF&amp;page=2"' in first.content.decode()
    second = alice.get(reverse("ledger:list"), {"year": 2022, "q": "电梯", "page": 2})
    assert codes_on_page(second) == [f"T{n:03d}" for n in range(50, 60)]


def test_export_link_carries_the_current_filters(alice, tasks, units):
    page = alice.get(
        reverse("ledger:list"), {"year": 2022, "lead_unit": units["east"].pk, "page": 1}
    ).content.decode()
    assert f'href="/ledger/export/?year=2022&amp;lead_unit={units["east"].pk}"' in page


def make_tasks(count, units):
    for _ in range(count):
        task = KeyTaskFactory(lead_unit=UnitFactory(), partners=[units["build"], units["east"]])
        MilestoneFactory(task=task)
        MilestoneFactory(task=task, due=dt.date(2022, 9, 30))


def test_ledger_list_query_count_does_not_grow(alice, units):
    url = reverse("ledger:list")
    make_tasks(5, units)
    alice.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        response = alice.get(url)
    assert len(codes_on_page(response)) == 5
    make_tasks(55, units)
    with CaptureQueriesContext(connection) as many:
        response = alice.get(url)
    assert len(codes_on_page(response)) == 50
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


def test_ledger_list_shows_partners_and_milestone_count(alice, tasks):
    MilestoneFactory(task=tasks["east"])
    MilestoneFactory(task=tasks["east"], due=dt.date(2022, 10, 31))
    page = alice.get(reverse("ledger:list")).content.decode()
    row = page.split(">MS-02<", 1)[1].split("</tr>", 1)[0]
    assert "城建中心" in row
    assert '<td class="num">2</td>' in row


@pytest.fixture
def district(office):
    """示范街道 and 北街道 under one district, each with a task."""
    district = Office.objects.create(name="示范区", kind=Office.Kind.DISTRICT)
    office.parent = district
    office.save()
    north = Office.objects.create(name="北街道", parent=district)
    north_unit = UnitFactory(office=north, name="北街道城建中心", kind="department")
    KeyTaskFactory(office=north, code="BJ-01", lead_unit=north_unit)
    return {"district": district, "north": north, "north_unit": north_unit}


def test_district_users_filter_the_ledger_by_street(client, tasks, district):
    client.force_login(make_user("dora", R.LEADER, office=district["district"]))
    page = client.get(reverse("ledger:list"))
    assert sorted(codes_on_page(page)) == ["BJ-01", "MS-01", "MS-02", "ZB-01"]
    assert 'title="按所属街道排序"' in page.content.decode()
    north = client.get(reverse("ledger:list"), {"office": district["north"].pk})
    assert codes_on_page(north) == ["BJ-01"]


def test_street_users_see_no_street_filter(alice, tasks, district):
    page = alice.get(reverse("ledger:list"))
    assert 'name="office"' not in page.content.decode()
    assert "BJ-01" not in codes_on_page(page)


def test_district_supervisor_files_a_task_under_a_chosen_street(client, units, district):
    client.force_login(make_user("dan", R.SUPERVISOR, office=district["district"]))
    data = task_data(
        office=district["north"].pk,
        code="BJ-02",
        category=Category.objects.get(office=district["north"], name="街道民生实事项目").pk,
        title="北街道口袋公园",
        lead_unit=units["build"].pk,  # a unit of 示范街道, not of 北街道
    )
    response = client.post(reverse("ledger:create"), data)
    assert "牵头单位不属于所选街道" in response.content.decode()
    data["lead_unit"] = district["north_unit"].pk
    client.post(reverse("ledger:create"), data)
    task = KeyTask.objects.get(code="BJ-02")
    assert task.office == district["north"]
    assert (task.category.name, task.category.office) == ("街道民生实事项目", district["north"])


# ----- export -----


def test_export_downloads_the_filtered_view_with_a_chinese_file_name(alice, tasks, units):
    response = alice.get(reverse("ledger:export"), {"year": 2022, "lead_unit": units["west"].pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert unquote(response["Content-Disposition"]).endswith("''重点工作台账-2022.xlsx")
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "ZB-01" in values
    assert "MS-01" not in values


# ----- detail -----


def test_task_detail_shows_all_fields_and_milestones(alice, tasks):
    task = tasks["east"]
    KeyTask.objects.filter(pk=task.pk).update(target_value=3, target_unit="个", leader="王副主任")
    MilestoneFactory(task=task, due=dt.date(2022, 3, 31), description="完成选址")
    page = alice.get(reverse("ledger:detail", args=[task.pk])).content.decode()
    for text in [
        "MS-02",
        "社区食堂建设",
        "3个",
        "东苑居民区",
        "城建中心",
        "王副主任",
        "2022-12-31",
        "2022-03-31",
        "完成选址",
    ]:
        assert text in page


# ----- create and edit -----


def test_supervisor_creates_a_task_with_milestones_and_the_audit_trail_names_her(
    alice, people, units, categories
):
    data = task_data(
        code="MS-09",
        category=categories[0].pk,
        title="口袋公园建设",
        goal="建成口袋公园2个",
        lead_unit=units["build"].pk,
        partner_units=[units["east"].pk],
        deadline="2022-11-30",
        milestones=[("2022-06-30", "完成设计"), ("2022-09-30", "开工建设"), ("", "")],
    )
    response = alice.post(reverse("ledger:create"), data, follow=True)
    task = KeyTask.objects.get(code="MS-09")
    assert response.redirect_chain[-1][0] == reverse("ledger:detail", args=[task.pk])
    assert list(task.milestones.values_list("description", flat=True)) == ["完成设计", "开工建设"]
    assert list(task.partner_units.all()) == [units["east"]]
    assert task.office == people["alice"].profile.office
    created = task.history.earliest()
    assert (created.history_type, created.channel, created.history_user) == (
        "+",
        "web",
        people["alice"],
    )
    milestone_records = Milestone.history.filter(task_id=task.pk)
    assert {(r.channel, r.history_user_id) for r in milestone_records} == {
        ("web", people["alice"].pk)
    }
    page = response.content.decode()
    assert "已新增：MS-09 口袋公园建设" in page
    assert "节点 2022-06-30 完成设计" in page


def test_edit_changes_show_in_the_change_log_with_names_not_ids(alice, people, tasks, units):
    task = tasks["build"]
    milestone = MilestoneFactory(task=task, due=dt.date(2022, 6, 30), description="完成方案设计")
    data = task_data(
        task,
        title="老旧小区综合改造（一期）",
        lead_unit=units["east"].pk,
        partner_units=[units["west"].pk],
    )
    data["milestones-0-description"] = "完成方案设计并公示"
    response = alice.post(reverse("ledger:edit", args=[task.pk]), data, follow=True)
    assert response.status_code == 200
    milestone.refresh_from_db()
    assert milestone.description == "完成方案设计并公示"

    log = response.content.decode().split('id="change-log"', 1)[1]
    assert "alice" in log
    assert "网页" in log
    assert "<del>老旧小区综合改造</del> → <ins>老旧小区综合改造（一期）</ins>" in log
    assert "牵头单位</span>：<del>城建中心</del> → <ins>东苑居民区</ins>" in log
    assert "协同单位</span>：<del>（空）</del> → <ins>西苑居民区</ins>" in log
    assert "<del>完成方案设计</del> → <ins>完成方案设计并公示</ins>" in log
    # newest first: the edit is listed before the creation by the factory (系统)
    assert log.index("老旧小区综合改造（一期）") < log.index("系统")


def test_saving_without_changes_writes_no_history(alice, tasks):
    task = tasks["build"]
    before = task.history.count()
    response = alice.post(reverse("ledger:edit", args=[task.pk]), task_data(task), follow=True)
    assert "没有修改任何内容" in response.content.decode()
    assert task.history.count() == before


def test_supervisor_removes_a_milestone_by_ticking_delete(alice, tasks):
    task = tasks["build"]
    MilestoneFactory(task=task, due=dt.date(2022, 6, 30), description="完成方案设计")
    MilestoneFactory(task=task, due=dt.date(2022, 9, 30), description="开工")
    data = task_data(task)
    data["milestones-0-DELETE"] = "on"
    alice.post(reverse("ledger:edit", args=[task.pk]), data)
    assert list(task.milestones.values_list("description", flat=True)) == ["开工"]
    page = alice.get(reverse("ledger:detail", args=[task.pk])).content.decode()
    assert "删除" in page.split('id="change-log"', 1)[1]


def test_a_code_already_used_that_year_is_refused_in_chinese(alice, tasks, units, categories):
    data = task_data(
        code="MS-01", category=categories[0].pk, title="重复编号", lead_unit=units["build"].pk
    )
    response = alice.post(reverse("ledger:create"), data)
    assert response.status_code == 200
    assert "2022年度已有编号为“MS-01”的事项，请换一个编号" in response.content.decode()
    assert KeyTask.objects.filter(code="MS-01").count() == 1


def test_the_same_code_may_be_used_again_in_another_year(alice, tasks, units):
    category = Category.objects.for_year(2023).first()
    data = task_data(
        year=2023, code="MS-01", category=category.pk, title="新一年", lead_unit=units["build"].pk
    )
    alice.post(reverse("ledger:create"), data)
    assert KeyTask.objects.filter(code="MS-01", year=2023).exists()


def test_a_category_of_another_year_must_be_chosen_again(alice, units, categories):
    data = task_data(
        year=2023,
        code="X-1",
        category=categories[0].pk,
        title="年度不符",
        lead_unit=units["build"].pk,
    )
    response = alice.post(reverse("ledger:create"), data)
    assert "该类别不属于所选年度，请重新选择类别" in response.content.decode()
    assert not KeyTask.objects.filter(code="X-1").exists()


def test_inactive_units_are_not_offered_as_partners(alice, units):
    units["west"].active = False
    units["west"].save()
    page = alice.get(reverse("ledger:create")).content.decode()
    partners = page.split('id="field-partner_units"', 1)[1].split('id="field-leader"', 1)[0]
    assert "东苑居民区" in partners
    assert "西苑居民区" not in partners


# ----- 交办事项 -----


def assigned_data(units, **fields):
    source = AssignmentSource.objects.get(name="领导批示")
    data = task_data(
        title="背街小巷整治",
        lead_unit=units["build"].pk,
        source=source.pk,
        assigned_on="2022-09-29",
        source_note="区领导批示〔2022〕12号",
    )
    data.update(fields)
    return data


def test_assigned_item_deadline_defaults_to_working_days_after_assignment(alice, units):
    # 领导批示 allows 15 working days. From Thursday 2022-09-29: 9-30 is day 1, the
    # National Day holiday runs 10-1..10-7, the 调休 Saturday and Sunday 10-8/10-9 are
    # days 2 and 3, then 10-10..10-14 (4-8), 10-17..10-21 (9-13), 10-24 (14), 10-25 (15).
    alice.post(reverse("ledger:create_assigned"), assigned_data(units))
    task = KeyTask.objects.get(title="背街小巷整治")
    assert task.kind == KeyTask.Kind.ASSIGNED
    assert task.deadline == dt.date(2022, 10, 25)
    assert task.code == "JB-2022-001"
    assert task.source_note == "区领导批示〔2022〕12号"


def test_assigned_item_keeps_a_deadline_given_by_hand(alice, units):
    alice.post(reverse("ledger:create_assigned"), assigned_data(units, deadline="2022-10-10"))
    assert KeyTask.objects.get(title="背街小巷整治").deadline == dt.date(2022, 10, 10)


def test_assigned_item_codes_count_up_within_the_year(alice, units):
    KeyTaskFactory(code="JB-2022-007", lead_unit=units["build"], kind=KeyTask.Kind.ASSIGNED)
    page = alice.get(reverse("ledger:create_assigned"), {"year": 2022}).content.decode()
    assert 'placeholder="JB-2022-008"' in page
    alice.post(reverse("ledger:create_assigned"), assigned_data(units))
    assert KeyTask.objects.get(title="背街小巷整治").code == "JB-2022-008"


def test_assigned_item_in_a_year_without_holiday_data_falls_back_to_weekdays(alice, units):
    response = alice.post(
        reverse("ledger:create_assigned"),
        assigned_data(units, year=2099, assigned_on="2099-03-02"),
        follow=True,
    )
    assert "2099年没有节假日数据，工作日暂按周一至周五计算" in response.content.decode()
    # Monday 2099-03-02 + 15 working days, Monday to Friday: no source knows 2099
    assert KeyTask.objects.get(title="背街小巷整治").deadline == dt.date(2099, 3, 23)
    KeyTask.objects.filter(title="背街小巷整治").delete()
    CalendarYear.objects.create(year=2099)
    alice.post(
        reverse("ledger:create_assigned"),
        assigned_data(units, year=2099, assigned_on="2099-03-02"),
    )
    # a hand-kept year counts Monday to Friday too, without a warning
    assert KeyTask.objects.get(title="背街小巷整治").deadline == dt.date(2099, 3, 23)


# ----- import -----


@pytest.fixture
def upload_dir(settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    return settings.UPLOAD_DIR


HEADER = "编号 类别 事项名称 工作目标 牵头单位 协同单位 责任领导 完成时限 节点计划".split()


def ledger_workbook(rows):
    """An .xlsx in the ledger's contract columns; each row a dict by header."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append([row.get(name, "") for name in HEADER])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_import_refuses_a_file_that_is_not_xlsx(alice, upload_dir):
    upload = SimpleUploadedFile("台账.xls", b"old excel", content_type="application/vnd.ms-excel")
    response = alice.post(reverse("ledger:import"), {"file": upload, "year": 2022})
    assert response.status_code == 200
    assert "只能导入 .xlsx 格式的 Excel 文件" in response.content.decode()
    assert not upload_dir.exists() or not any(upload_dir.iterdir())


def test_import_refuses_a_file_over_the_size_limit(alice, upload_dir, settings):
    settings.DUBAN_IMPORT_MAX_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("台账.xlsx", b"x" * (1024 * 1024 + 1))
    response = alice.post(reverse("ledger:import"), {"file": upload, "year": 2022})
    assert "文件过大（1.0 MB），上限为 1 MB" in response.content.decode()


def test_import_of_a_damaged_file_is_reported_not_crashed(alice, upload_dir):
    upload = SimpleUploadedFile("台账.xlsx", b"this is not a zip file")
    response = alice.post(reverse("ledger:import"), {"file": upload, "year": 2022}, follow=True)
    errors = response.content.decode().split('id="import-errors"', 1)[1]
    assert "文件不是有效的 Excel 文件，无法读取" in errors


def test_import_preview_without_an_upload_goes_back_to_step_one(alice):
    response = alice.get(reverse("ledger:import_preview"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("ledger:import")
    assert "没有待确认的导入" in response.content.decode()


def test_import_previews_then_writes_after_confirmation(alice, tasks, categories, upload_dir):
    same = {"类别": categories[0].name, "完成时限": "2022-12-31"}
    content = ledger_workbook(
        [
            {**same, "编号": "MS-01", "事项名称": "老旧小区综合改造", "牵头单位": "城建中心"},
            {**same, "编号": "MS-10", "事项名称": "社区花园", "牵头单位": "东苑居民区"},
        ]
    )
    upload = SimpleUploadedFile("2022台账.xlsx", content)
    response = alice.post(reverse("ledger:import"), {"file": upload, "year": 2022}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("ledger:import_preview")
    page = response.content.decode()
    created = page.split('id="import-created"', 1)[1].split("</section>", 1)[0]
    assert "MS-10" in created
    assert "确认导入" in page
    assert not KeyTask.objects.filter(code="MS-10").exists()

    response = alice.post(reverse("ledger:import_confirm"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("ledger:list") + "?year=2022"
    assert "导入完成" in response.content.decode()
    assert "MS-10" in codes_on_page(response)
    assert KeyTask.objects.get(code="MS-10").history.earliest().channel == "import"
    assert not any(upload_dir.iterdir())


def test_importing_an_export_again_changes_nothing(alice, tasks, upload_dir):
    exported = alice.get(reverse("ledger:export"), {"year": 2022}).content
    upload = SimpleUploadedFile("重点工作台账-2022.xlsx", exported)
    response = alice.post(reverse("ledger:import"), {"file": upload, "year": 2022}, follow=True)
    assert "未变 3 项" in response.content.decode()
    before = KeyTask.history.count()
    response = alice.post(reverse("ledger:import_confirm"), follow=True)
    assert "导入完成" in response.content.decode()
    assert KeyTask.history.count() == before


def test_import_with_errors_has_no_confirm_button_and_offers_a_new_upload(alice, tasks, upload_dir):
    content = ledger_workbook(
        [{"编号": "MS-11", "类别": "不存在的类别", "牵头单位": "不存在的单位"}]
    )
    upload = SimpleUploadedFile("错误台账.xlsx", content)
    response = alice.post(reverse("ledger:import"), {"file": upload, "year": 2022}, follow=True)
    page = response.content.decode()
    assert 'id="import-errors"' in page
    assert "请修改 Excel 后重新上传" in page
    assert "确认导入" not in page  # no button to write a ledger with errors
    assert 'name="file"' in page
    assert alice.post(reverse("ledger:import_confirm")).status_code == 200
    assert not KeyTask.objects.filter(code="MS-11").exists()


# ----- sorting by a column, and the export in the same order -----


def test_ledger_sorts_by_a_column_and_exports_in_that_order(alice, tasks):
    page = alice.get(reverse("ledger:list"), {"year": 2022, "sort": "-code"})
    assert codes_on_page(page) == ["ZB-01", "MS-02", "MS-01"]
    text = page.content.decode()
    assert 'class="sort sort-active" href="?year=2022&amp;sort=code"' in text
    assert 'href="/ledger/export/?year=2022&amp;sort=-code"' in text
    exported = alice.get(reverse("ledger:export"), {"year": 2022, "sort": "-code"})
    sheet = openpyxl.load_workbook(BytesIO(exported.content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        "ZB-01",
        "MS-02",
        "MS-01",
    ]


def test_an_unknown_sort_is_ignored(alice, tasks):
    page = alice.get(reverse("ledger:list"), {"year": 2022, "sort": "lead_unit__password"})
    assert page.status_code == 200
    assert codes_on_page(page) == ["MS-01", "MS-02", "ZB-01"]
