"""`duban demo`: a realistic street in an empty database, once, and never over real data."""

import datetime as dt
import re
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from duban.core.workdays import Calendar
from duban.ledger.exporter import build_workbook
from duban.ledger.importer import LedgerImport
from duban.ledger.models import DEFAULT_CATEGORIES, Category, KeyTask, Milestone
from duban.org import roles as R
from duban.org.models import Office, Profile, Unit
from duban.progress import month as M
from duban.progress.models import Judgement, Review, Status, Submission
from tests.factories import KeyTaskFactory, UnitFactory, make_user

PASSWORD = "Xk7mPq2wLs"
ALREADY = "演示数据已存在，未做任何修改"
# "today" pinned: the demo is the year of last month, reported from January to last month
TODAY = "2022-08-01"
DEMO_YEAR = 2022


def signs_in(client, username, password):
    """Through the sign-in page, as a person does (django-axes needs the request)."""
    return client.post(reverse("login"), {"username": username, "password": password})


def run_demo(*args):
    out = StringIO()
    call_command("demo", "--date", TODAY, *args, stdout=out)
    return out.getvalue()


def call(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db):
    return run_demo("--password", PASSWORD)


def history_count():
    partner_history = apps.get_model("ledger", "HistoricalKeyTask_partner_units")
    audited = (KeyTask, Unit, Milestone, Category)
    return sum(model.history.count() for model in audited) + partner_history.objects.count()


def test_demo_writes_the_five_categories_with_10_12_14_21_3_tasks(demo):
    annual = KeyTask.objects.filter(year=DEMO_YEAR, kind=KeyTask.Kind.ANNUAL)
    per_category = [
        annual.filter(category__name=name, category__year=DEMO_YEAR).count()
        for name in DEFAULT_CATEGORIES
    ]
    assert per_category == [10, 12, 14, 21, 3]
    assert annual.count() == 60
    # 交办事项 carry a category too, so that the exported ledger imports back
    assigned = KeyTask.objects.filter(kind=KeyTask.Kind.ASSIGNED)
    assert assigned.count() == 3 and not assigned.filter(category=None).exists()
    assert (
        list(
            Category.objects.filter(year=DEMO_YEAR).order_by("order").values_list("name", flat=True)
        )
        == DEFAULT_CATEGORIES
    )


def test_demo_uses_the_office_from_the_migration_without_renaming_it(demo, settings):
    office = Office.objects.order_by("id").first()
    assert office.name == settings.DUBAN_OFFICE_NAME
    assert Office.objects.count() == 1
    assert KeyTask.objects.exclude(office=office).count() == 0
    assert Unit.objects.exclude(office=office).count() == 0


def test_demo_has_about_25_units_of_departments_communities_and_district_depts(demo):
    assert 20 <= Unit.objects.count() <= 30
    kinds = set(Unit.objects.values_list("kind", flat=True))
    assert {Unit.Kind.DEPARTMENT, Unit.Kind.COMMUNITY, Unit.Kind.DISTRICT_DEPT} <= kinds
    assert Unit.objects.filter(name="党政办公室", kind=Unit.Kind.DEPARTMENT).exists()
    assert Unit.objects.filter(kind=Unit.Kind.COMMUNITY, name__endswith="居民区").count() >= 10


def test_every_task_has_a_lead_unit_a_leader_and_milestones_in_order_by_its_deadline(demo):
    tasks = KeyTask.objects.prefetch_related("milestones").select_related("lead_unit")
    for task in tasks:
        assert task.lead_unit.office_id == task.office_id
        assert task.leader and len(task.leader) >= 2 and "X" not in task.leader
        assert task.goal
        assert task.deadline.year == DEMO_YEAR
        dues = [m.due for m in task.milestones.all()]  # ordered by `order`
        assert dues == sorted(dues), task.code
        assert all(due <= task.deadline for due in dues), task.code
        if task.kind == KeyTask.Kind.ANNUAL:
            assert 2 <= len(dues) <= 4, task.code
            assert task.partner_units.count() <= 3
    assert KeyTask.objects.exclude(target_value=None).exclude(target_unit="").count() >= 20


def test_assigned_items_take_their_deadline_from_the_source_workdays(demo):
    calendar = Calendar.load()
    assigned = KeyTask.objects.filter(kind=KeyTask.Kind.ASSIGNED).select_related("source")
    assert sorted(t.code for t in assigned) == ["JB-2022-001", "JB-2022-002", "JB-2022-003"]
    assert {t.source.name for t in assigned} == {"领导批示", "会议议定", "上级交办"}
    for task in assigned:
        assert task.assigned_on.year == DEMO_YEAR
        assert task.deadline == calendar.add_workdays(
            task.assigned_on, task.source.default_workdays
        )


def test_every_role_has_a_demo_user_with_a_profile_holding_it(demo):
    office = Office.objects.order_by("id").first()
    for code in R.ROLE_NAMES:
        profile = Profile.objects.filter(roles__code=code, user__username__startswith="demo_")
        assert profile.exists(), code
        assert profile.get().office == office
        assert profile.get().user.last_name
    admin = get_user_model().objects.get(username="demo_admin")
    assert admin.is_staff and admin.is_superuser
    assert admin.profile.unit.name == "党政办公室"


def test_unit_people_see_tasks_of_their_own_unit(demo):
    User = get_user_model()
    head = User.objects.get(username="demo_head")
    grid = User.objects.get(username="demo_grid")
    assert KeyTask.objects.visible_to(head).count() >= 3
    assert KeyTask.objects.visible_to(grid).exists()
    assert KeyTask.objects.visible_to(grid).count() < KeyTask.objects.count()
    assert KeyTask.objects.visible_to(User.objects.get(username="demo_viewer")).count() == 63


def test_logins_table_is_printed_once_with_the_given_password_and_it_logs_in(demo, client):
    assert demo.count("用户名") == 1
    for header in ("角色", "单位", "密码"):
        assert header in demo
    for username in ("demo_admin", "demo_leader", "demo_head", "demo_reporter", "demo_grid"):
        assert username in demo
    assert demo.count(PASSWORD) == 6  # one row per user, in one table
    assert signs_in(client, "demo_reporter", "wrong-password").status_code == 200
    assert signs_in(client, "demo_reporter", PASSWORD).status_code == 302


def test_a_random_password_is_generated_and_printed_when_none_is_given(db, client):
    output = run_demo()
    admin_line = next(line for line in output.splitlines() if line.startswith("demo_admin"))
    password = admin_line.split()[-1]
    assert len(password) == 10
    assert signs_in(client, "demo_admin", password).status_code == 302


def test_quiet_prints_no_logins_table(db):
    output = run_demo("--password", PASSWORD, "--quiet")
    assert PASSWORD not in output
    assert "用户名" not in output
    assert KeyTask.objects.count() == 63


def test_a_weak_password_is_refused_before_writing(db):
    with pytest.raises(CommandError, match="密码"):
        run_demo("--password", "123")
    assert KeyTask.objects.count() == 0
    assert Unit.objects.count() == 0


def test_rerun_changes_nothing_and_prints_no_password(demo):
    before = history_count()
    users = get_user_model().objects.count()
    output = run_demo("--password", "AnotherPw99")
    assert ALREADY in output
    assert "changepassword demo_admin" in output
    assert PASSWORD not in output and "AnotherPw99" not in output
    assert "用户名" not in output
    assert history_count() == before
    assert get_user_model().objects.count() == users
    assert KeyTask.objects.count() == 63


def test_rerun_with_force_still_changes_nothing(demo):
    before = history_count()
    output = run_demo("--force")
    assert ALREADY in output
    assert history_count() == before


def test_a_database_with_units_it_did_not_create_is_refused(db):
    UnitFactory(name="东苑居民区")
    with pytest.raises(CommandError) as error:
        run_demo("--password", PASSWORD)
    message = str(error.value)
    assert "0 项重点工作、1 个单位、0 个用户" in message
    assert "--force" in message
    assert KeyTask.objects.count() == 0
    assert Unit.objects.count() == 1


def test_a_database_with_tasks_or_other_users_is_refused(db):
    KeyTaskFactory(code="MS-01")
    with pytest.raises(CommandError, match="1 项重点工作"):
        run_demo()
    KeyTask.objects.all().delete()
    Unit.objects.all().delete()
    get_user_model().objects.create_superuser("admin", password="pass12345")
    with pytest.raises(CommandError, match="0 项重点工作、0 个单位、1 个用户"):
        run_demo()
    assert not get_user_model().objects.filter(username__startswith="demo_").exists()


def test_force_adds_the_demo_alongside_and_skips_what_exists(db):
    build = UnitFactory(name="城建中心", kind=Unit.Kind.DEPARTMENT)
    KeyTaskFactory(code="MS-01", title="本街道自己的事项", lead_unit=build)
    make_user("demo_viewer", R.READONLY, password="own-password-1")

    output = run_demo("--password", PASSWORD, "--force")

    assert Unit.objects.filter(name="城建中心").count() == 1
    assert Unit.objects.count() == 25
    assert KeyTask.objects.get(code="MS-01").title == "本街道自己的事项"
    assert KeyTask.objects.count() == 63
    assert "已存在而跳过：单位 1 个、事项 1 项、账号 1 个" in output
    viewer = get_user_model().objects.get(username="demo_viewer")
    assert viewer.check_password("own-password-1")
    assert "（已存在，未修改）" in output
    assert ALREADY in run_demo()


def test_history_records_say_they_came_from_the_command_line(demo):
    for model in (KeyTask, Unit, Milestone, Category):
        channels = set(model.history.values_list("channel", flat=True))
        assert channels == {"cli"}, model.__name__
    batches = set(KeyTask.history.values_list("batch_id", flat=True))
    assert len(batches) == 1 and "" not in batches


# ----- the demo is this year, January to last month, judged the product's way -----


@pytest.fixture
def december_2026(time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC), tick=False)


def test_without_a_date_the_demo_is_this_year_reported_until_last_month(db, december_2026):
    output = call("demo", "--quiet")
    assert "2026 年重点工作 60 项" in output and "进展填报 1—11 月" in output
    assert KeyTask.objects.filter(year=2026).count() == 63
    assert sorted(
        KeyTask.objects.filter(kind=KeyTask.Kind.ASSIGNED).values_list("code", flat=True)
    ) == [
        "JB-2026-001",
        "JB-2026-002",
        "JB-2026-003",
    ]
    months = set(Submission.objects.values_list("period", flat=True))
    assert months == {f"2026-{m:02d}" for m in range(1, 12)}
    assert set(Judgement.objects.values_list("period", flat=True)) == months
    # the current month is the units' to fill: nothing reported yet
    assert M.not_reported("2026-12").count() == M.tasks_to_report("2026-12").count() > 0


def test_a_demo_made_in_january_covers_the_whole_last_year(db):
    call("demo", "--quiet", "--date", "2027-01-04")
    assert Judgement.objects.filter(period="2026-12").count() == 63
    assert not KeyTask.objects.filter(year=2027).exists()


def test_reports_are_accepted_and_judged_through_the_normal_path(demo):
    judgements = Judgement.objects.filter(period="2022-07")
    assert judgements.count() == 63  # a month is judged whole
    assert set(judgements.values_list("source", flat=True)) == {Judgement.Source.ENGINE}
    assert set(judgements.values_list("judged_by__username", flat=True)) == {"demo_admin"}
    assert Review.objects.count() == Submission.objects.count()
    assert set(Submission.objects.values_list("state", flat=True)) == {Submission.State.ACCEPTED}


def test_each_report_says_what_its_judgement_says_in_varied_words(demo):
    statuses = dict(Judgement.objects.filter(period="2022-07").values_list("task_id", "status"))
    july = Submission.objects.filter(period="2022-07")
    assert {s.task_id: s.self_status for s in july} == {
        pk: status for pk, status in statuses.items() if pk in {s.task_id for s in july}
    }
    lagging = [s for s in july if s.self_status == Status.LAGGING]
    assert len(lagging) >= 15
    for submission in lagging:
        assert "按计划" not in submission.progress
        assert submission.reason_category is not None and submission.reason
        assert submission.reason_category.name != "其他"
    assert len({s.reason for s in lagging}) >= 8
    everything = list(Submission.objects.values_list("progress", flat=True))
    assert not any("总体按计划推进" in text for text in everything)
    # a title that starts with 推进 is not followed by 推进 again (推进…推进情况良好)
    for title, text in Submission.objects.values_list("task__title", "progress"):
        if title.startswith("推进") and title in text:
            opening = re.split("[，：。]", text.split(title, 1)[1], maxsplit=1)[0]
            assert "推进" not in opening, text
    assert len({text[:8] for text in everything}) >= 30
    # a task completed is not asked again the following months
    done = Judgement.objects.filter(period="2022-06", status=Status.COMPLETED)
    assert done.exists()
    assert not july.filter(task__in=done.values("task")).exists()


def test_the_untouched_demo_ledger_exports_and_imports_back_unchanged(demo, tmp_path):
    office = Office.objects.order_by("id").first()
    path = tmp_path / "demo.xlsx"
    build_workbook(KeyTask.objects.filter(office=office, year=DEMO_YEAR)).save(path)
    tasks, milestones = KeyTask.objects.count(), Milestone.objects.count()
    history = KeyTask.history.count()

    report = LedgerImport(office, DEMO_YEAR).apply(path)

    assert report.ok, [str(error) for error in report.errors]
    assert report.changed is False
    assert len(report.unchanged) == 63
    assert (KeyTask.objects.count(), Milestone.objects.count()) == (tasks, milestones)
    assert KeyTask.history.count() == history


def test_remind_in_january_2027_on_the_demo_warns_and_goes_on(db):
    call("demo", "--quiet", "--date", "2026-12-02")
    out, err = StringIO(), StringIO()
    call_command("remind", "--date", "2027-01-04", "--dry-run", stdout=out, stderr=err)
    assert "2027年1月4日（星期一） 催报/催办" in out.getvalue()
    assert "注意：2027年的工作日按法定节假日推算，未含调休上班日" in err.getvalue()
    assert "节假日数据缺失" not in out.getvalue() + err.getvalue()


def test_demo_writes_indicators_with_targets_and_values_to_last_month(demo):
    from duban.indicators.figures import summary_rows

    office = Office.objects.order_by("id").first()
    rows = summary_rows(office, DEMO_YEAR, 7)
    assert len(rows) == 8 and "经济社会指标 8 项" in demo
    assert all(r["value"] is not None and r["target"] is not None for r in rows)
    assert all(r["growth_rate"] is not None for r in rows)  # last year's, or typed
    assert any(r["growth_rate"] < 0 for r in rows) and any(r["behind"] for r in rows)
    assert summary_rows(office, DEMO_YEAR, 8)[0]["value"] is None  # nothing after last month
