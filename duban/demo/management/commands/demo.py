"""`duban demo`: fill an empty database with a realistic demo street.

The data lives in duban/demo/data.py. The database counts as "made by the
demo" when the user demo_admin exists and its profile belongs to the first office
(the one the migrations created); then a rerun writes nothing. Any other data
(key tasks, units, users) makes the command refuse unless --force is given.
"""

import datetime as dt
import math
import secrets
import string
import unicodedata
import zlib
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from duban.core.audit import Channel, audit_context, new_batch_id
from duban.core.commands import Command as DubanCommand
from duban.core.periods import Period
from duban.core.workdays import Calendar
from duban.demo import data as D
from duban.demo import indicators as demo_indicators
from duban.demo import texts as T
from duban.demo import tickets as demo_tickets
from duban.ledger.models import AssignmentSource, Category, KeyTask, Milestone, save_task
from duban.org import roles as R
from duban.org.models import Office, Profile, Role, Unit
from duban.progress import judging, workflow
from duban.progress.models import ProgressRules, ReasonCategory, Submission
from duban.supervision import services as supervision
from duban.supervision.models import Notice
from duban.tickets import summary as ticket_summary
from duban.tickets.models import Ticket

MARKER_USERNAME = "demo_admin"
DEMO_USERNAMES = [u["username"] for u in D.USERS] + demo_tickets.HANDLER_USERNAMES
# Letters and digits that cannot be mistaken for one another when read aloud or copied.
PASSWORD_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
PASSWORD_LENGTH = 10


LOGINS_FILE = "demo-logins.txt"


def _date(text):
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期“{text}”无效，应写成 2022-08-01")


def _to_step(value, step, rounding):
    """`value` (a Fraction) rounded to a multiple of `step` (a Decimal) as a Decimal."""
    units = rounding(value / Fraction(step))
    return Decimal(units) * step


def demo_exists(office):
    """The demo marker: user demo_admin whose profile belongs to `office`."""
    return Profile.objects.filter(user__username=MARKER_USERNAME, office=office).exists()


def generate_password():
    while True:
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


def display_width(text):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def table(rows):
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [
            cell + " " * (width - display_width(cell))
            for cell, width in zip(row, widths, strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


class DemoWriter:
    """Writes the demo street into `office`, skipping whatever already exists by name/code.

    The demo's year is the year of the month before `today`; its tasks report from
    January to that month, accepted and judged month by month through the product's
    own paths (`workflow.accept_imported`, `judging.judge_month`)."""

    def __init__(self, office, password, today):
        self.office = office
        self.password_hash = make_password(password)  # one slow hash per run, not per user
        self.created = {"units": 0, "tasks": 0, "assigned": 0, "milestones": 0, "users": 0}
        self.skipped = {"units": 0, "tasks": 0, "users": 0}
        self.logins = []  # (username, role name, unit name, created?)
        self.calendar = Calendar.load()
        self.year, self.last_month = D.last_month(today)
        self.today = today

    def day(self, mm_dd):
        month, day_ = mm_dd.split("-")
        return dt.date(self.year, int(month), int(day_))

    def write(self):
        self.units = self.write_units()
        self.write_tasks()
        self.write_assigned()
        self.write_users()
        self.write_progress()
        self.write_supervision()
        self.write_tickets()
        self.write_indicators()

    def plan(self, tasks):
        """{task pk: (lagging from month or None, completed in month or None)}."""
        by_category = {}
        for task in sorted(tasks, key=lambda t: t.code):
            if task.kind == KeyTask.Kind.ANNUAL:
                by_category.setdefault(task.category.name, []).append(task)
        lagging, completed = {}, {}
        last = self.last_month
        for (name, quota), done in zip(
            D.LAGGING_PER_CATEGORY.items(), D.COMPLETED_PER_CATEGORY, strict=True
        ):
            group = by_category.get(name, [])
            for task in group[:done]:
                completed[task.pk] = max(1, last - D.COMPLETED_BEFORE_LAST)
            for index, task in enumerate(group[done : done + quota]):
                lagging[task.pk] = max(1, last - D.LAGGING_SINCE[index % 2])
        plan = {}
        for task in tasks:
            done = completed.get(task.pk)
            lag = lagging.get(task.pk)
            if done is None and lag is None and task.deadline and task.deadline.year == self.year:
                # the rest finish in their deadline's month
                if task.deadline.month <= last:
                    done = task.deadline.month
            plan[task.pk] = (lag, done)
        return plan

    def report_for(self, task, month, lag, done, pace, reasons):
        """One month's report of a task, consistent with the status it will be judged."""
        period = Period(self.year, month, month)
        start = task.assigned_on or dt.date(self.year, 1, 1)
        end = task.deadline or dt.date(self.year, 12, 31)
        as_of = period.end
        share = Fraction(
            max(0, min((as_of - start).days, (end - start).days)), max(1, (end - start).days)
        )
        status = "on_track"
        if done is not None and month >= done:
            status = "completed"
        elif lag is not None and month >= lag:
            status = "lagging"
        value = None
        target = task.target_value
        if target is not None:
            step = Decimal(1) if target == target.to_integral_value() else Decimal("0.1")
            exact = Fraction(target) * share
            if status == "completed":
                value = target
            elif status == "lagging":
                value = _to_step(exact * Fraction(45, 100), step, math.floor)
            else:
                # on pace: a little ahead of the share of time gone, never under the line
                wanted = max(exact * Fraction(102, 100), exact * Fraction(pace) + Fraction(1, 1000))
                value = _to_step(wanted, step, math.ceil)
                if value >= target:
                    status, value = "completed", target
        reason = None
        if status == "lagging" and reasons:
            reason = reasons[zlib.crc32(task.code.encode()) % len(reasons)]
        submission = Submission(
            task=task,
            period=period.key,
            unit=task.lead_unit,
            progress=T.progress(
                task.code, task.title, month, status, value, target, task.target_unit
            ),
            completed_value=value,
            self_status=status,
            reason_category=reason,
            reason=T.lag_reason(reason.name, task.code) if reason else "",
            next_steps=T.next_steps(status, task.code, month),
        )
        return submission, status

    def write_progress(self):
        """Accepted monthly reports from January to the last month, each month accepted
        and judged before the next, so that the workbench, the ledger's lights and the
        task strips have a history; a task completed is not asked again afterwards."""
        tasks = list(
            KeyTask.objects.filter(office=self.office, year=self.year).select_related(
                "category", "lead_unit"
            )
        )
        if Submission.objects.filter(task__in=tasks).exists():
            return
        # the reasons a unit can name, without 其他 (the last one)
        reasons = list(ReasonCategory.objects.filter(active=True).order_by("order"))[:-1]
        admin = get_user_model().objects.filter(username=MARKER_USERNAME).first()
        pace = ProgressRules.current().pace_threshold
        plan = self.plan(tasks)
        finished = set()
        for month in range(1, self.last_month + 1):
            period = Period(self.year, month, month)
            written = []
            for task in sorted(tasks, key=lambda t: t.code):
                if task.pk in finished or (task.assigned_on and task.assigned_on > period.end):
                    continue
                submission, status = self.report_for(task, month, *plan[task.pk], pace, reasons)
                if status == "completed":
                    finished.add(task.pk)
                written.append(submission)
            workflow.accept_imported(written, admin, "演示数据")
            # reported a few days before the month's deadline, as units do
            reported_at = timezone.make_aware(dt.datetime(self.year, month, 20, 10, 0))
            Submission.objects.filter(pk__in=[s.pk for s in written]).update(
                submitted_at=reported_at, updated_at=reported_at
            )
            judging.judge_month(
                self.office, period, as_of=period.end, user=admin, calendar=self.calendar
            )
        self.created["months"] = self.last_month

    def write_supervision(self):
        """The last month's notice proposals as the ladder makes them today; the first
        two issued to their units, the rest left 待确认 on the office's board."""
        admin = get_user_model().objects.filter(username="demo_admin").first()
        if admin is None or Notice.objects.filter(office=self.office).exists():
            return
        period = Period(self.year, self.last_month, self.last_month)
        _found, proposed = supervision.propose(self.office, period, self.today)
        for notice in proposed[:2]:
            supervision.confirm(notice, admin, self.today, calendar=self.calendar)
        self.created["notices"] = len(proposed)

    def write_tickets(self):
        """民生诉求 received from January to the last month, each moved through the loop
        by `tickets.services` at its own time (`demo/tickets.py`)."""
        if Ticket.objects.filter(office=self.office).exists():
            return
        User = get_user_model()
        for username, unit_name, last_name, first_name in demo_tickets.HANDLERS:
            if User.objects.filter(username=username).exists():
                continue
            user = User.objects.create(
                username=username,
                password=make_password(None),  # acts in the demo only; no sign-in
                last_name=last_name,
                first_name=first_name,
            )
            profile = Profile.objects.create(
                user=user, office=self.office, unit=self.units[unit_name]
            )
            profile.roles.set([Role.objects.get(code=R.UNIT_HEAD)])
        names = DEMO_USERNAMES
        users = {u.username: u for u in User.objects.filter(username__in=names)}
        last = Period(self.year, self.last_month, self.last_month).end
        cutoff = min(
            timezone.make_aware(dt.datetime.combine(last, dt.time(18, 0))),
            timezone.make_aware(dt.datetime.combine(self.today, dt.time(0, 0))),
        )
        # the statistics' summary of the days played, once at the end (not at every step)
        with ticket_summary.deferred():
            self.created["tickets"] = demo_tickets.TicketWriter(self).write(
                self.units, users, self.year, self.last_month, cutoff
            )

    def write_indicators(self):
        """经济社会指标 with targets and values from January to the last month."""
        self.created["indicators"] = demo_indicators.write(self.office, self.year, self.last_month)

    def write_units(self):
        units = {}
        for order, (name, kind) in enumerate(D.UNITS, start=1):
            unit, created = Unit.objects.get_or_create(
                office=self.office, name=name, defaults={"kind": kind, "order": order}
            )
            self.count("units", created)
            units[name] = unit
        return units

    def categories(self):
        Category.objects.ensure_for(self.office, self.year)
        result = {}
        for order, name in enumerate(D.TASKS, start=1):
            result[name] = Category.objects.usable_by(self.office, self.year).filter(
                name=name
            ).first() or Category.objects.create(
                office=self.office, year=self.year, name=name, order=order
            )
        return result

    def write_tasks(self):
        categories = self.categories_by_name = self.categories()
        for category_name, tasks in D.TASKS.items():
            for spec in tasks:
                target_value, target_unit = spec["target"] or (None, "")
                self.create_task(
                    spec,
                    category=categories[category_name],
                    target_value=target_value,
                    target_unit=target_unit,
                    deadline=self.day(spec["deadline"]),
                    milestones=[(self.day(due), text) for due, text in spec["milestones"]],
                )

    def write_assigned(self):
        calendar = self.calendar
        month_end = Period(self.year, self.last_month, self.last_month).end
        for spec in D.ASSIGNED:
            source, _ = AssignmentSource.objects.get_or_create(
                name=spec["source"],
                defaults={"default_workdays": D.SOURCE_WORKDAYS[spec["source"]]},
            )
            assigned_on = max(
                month_end - dt.timedelta(days=spec["days_before_month_end"]),
                dt.date(self.year, 1, 4),
            )
            self.create_task(
                {**spec, "code": spec["code"].format(year=self.year)},
                kind=KeyTask.Kind.ASSIGNED,
                category=self.categories_by_name[spec["category"]],
                source=source,
                source_note=spec["source_note"],
                assigned_on=assigned_on,
                deadline=calendar.add_workdays(assigned_on, source.default_workdays),
                milestones=[
                    (calendar.add_workdays(assigned_on, n), text) for n, text in spec["milestones"]
                ],
            )

    def create_task(self, spec, milestones, **fields):
        if KeyTask.objects.filter(office=self.office, year=self.year, code=spec["code"]).exists():
            self.skipped["tasks"] += 1
            return
        task = KeyTask(
            office=self.office,
            year=self.year,
            code=spec["code"],
            title=spec["title"],
            goal=spec["goal"],
            lead_unit=self.units[spec["lead"]],
            leader=spec["leader"],
            **fields,
        )
        save_task(task, [self.units[name] for name in spec["partners"]])
        for order, (due, text) in enumerate(milestones, start=1):
            Milestone.objects.create(task=task, due=due, description=text, order=order)
        self.created["assigned" if task.kind == KeyTask.Kind.ASSIGNED else "tasks"] += 1
        self.created["milestones"] += len(milestones)

    def write_users(self):
        User = get_user_model()
        for spec in D.USERS:
            unit = self.units[spec["unit"]] if spec["unit"] else None
            role_name = str(R.ROLE_NAMES[spec["role"]])
            where = unit.name if unit else self.office.name
            if User.objects.filter(username=spec["username"]).exists():
                self.count("users", False)
                self.logins.append((spec["username"], role_name, where, False))
                continue
            superuser = spec.get("superuser", False)
            user = User.objects.create(
                username=spec["username"],
                password=self.password_hash,
                last_name=spec["last_name"],
                first_name=spec["first_name"],
                is_staff=superuser,
                is_superuser=superuser,
            )
            profile = Profile.objects.create(user=user, office=self.office, unit=unit)
            profile.roles.set([Role.objects.get(code=spec["role"])])
            self.count("users", True)
            self.logins.append((spec["username"], role_name, where, True))

    def count(self, what, created):
        (self.created if created else self.skipped)[what] += 1


class Command(DubanCommand):
    help = (
        "在空数据库中写入一个演示街道：约 25 个单位、今年 60 项重点工作（五个类别）及节点、"
        "3 项交办事项，1 月至上月的进展填报（已采纳、已研判）和约 200 件民生诉求（按五单闭环流转，近几周的仍在办理），每个角色一个账号（demo_admin 等，共用一个密码，首次运行时显示，并保存在数据目录的 demo-logins.txt 中）。"
        "若用户 demo_admin 已存在且属于本街道，即视为演示数据已写入，再次运行不做任何修改。"
        "数据库中已有其他数据时拒绝写入，除非加 --force（已存在的同名单位、同编号事项、同名账号跳过）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--password", help="所有演示账号共用的密码；不指定则随机生成 10 位密码")
        parser.add_argument(
            "--force",
            action="store_true",
            help="数据库中已有非演示数据时仍写入（跳过已存在的单位、事项和账号）",
        )
        parser.add_argument("--quiet", action="store_true", help="不打印账号密码表")
        parser.add_argument(
            "--date",
            type=_date,
            help="把哪一天当作今天（默认今天），如 2022-08-01：演示数据为该日上月所在年度，填报到上月",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="数据库中已有非演示数据时什么也不做并正常退出（make run 使用）",
        )

    def handle(
        self, *args, password=None, force=False, quiet=False, if_empty=False, date=None, **options
    ):
        office = Office.objects.order_by("id").first()
        if office is None:
            raise CommandError("尚未创建街道，请先运行 duban migrate")
        if demo_exists(office):
            self.stdout.write("演示数据已存在，未做任何修改。")
            self.stdout.write(
                "账号密码已在首次运行时显示并保存在数据目录的 demo-logins.txt；如需重置，请运行 duban changepassword demo_admin"
                "（其他演示账号同理）。"
            )
            return
        if not force:
            try:
                self.refuse_foreign_data()
            except CommandError as exc:
                if not if_empty:
                    raise
                self.stdout.write(f"未写入演示数据：{exc}")
                return
        if password is None:
            password = generate_password()
        else:
            try:
                password_validation.validate_password(password)
            except ValidationError as exc:
                raise CommandError("密码不符合要求：" + "；".join(exc.messages))

        writer = DemoWriter(office, password, date or timezone.localdate())
        with transaction.atomic(), audit_context(Channel.CLI, batch_id=new_batch_id()):
            writer.write()
        self.report(office, writer, password, quiet)

    def refuse_foreign_data(self):
        tasks = KeyTask.objects.count()
        units = Unit.objects.count()
        users = get_user_model().objects.exclude(username__in=DEMO_USERNAMES).count()
        if tasks or units or users:
            raise CommandError(
                f"数据库中已有数据（{tasks} 项重点工作、{units} 个单位、{users} 个用户），"
                "不是演示数据创建的；如确需写入演示数据，请加 --force"
            )

    def report(self, office, writer, password, quiet):
        c = writer.created
        self.stdout.write(
            self.style.SUCCESS(
                f"已在「{office.name}」写入演示数据：{c['units']} 个单位、"
                f"{writer.year} 年重点工作 {c['tasks']} 项、交办事项 {c['assigned']} 项、"
                f"节点 {c['milestones']} 个、账号 {c['users']} 个；"
                f"进展填报 {'1' if writer.last_month == 1 else f'1—{writer.last_month}'} 月，"
                "已采纳并研判"
                + (f"；民生诉求 {c['tickets']} 件" if c.get("tickets") else "")
                + (f"；经济社会指标 {c['indicators']} 项" if c.get("indicators") else "")
                + "。"
            )
        )
        s = writer.skipped
        if any(s.values()):
            self.stdout.write(
                f"已存在而跳过：单位 {s['units']} 个、事项 {s['tasks']} 项、账号 {s['users']} 个。"
            )
        rows = [("用户名", "角色", "单位", "密码")]
        for username, role, where, created in writer.logins:
            rows.append((username, role, where, password if created else "（已存在，未修改）"))
        if c["users"]:
            # kept beside the data (owner-only) so that `make run` can show the logins again
            path = settings.DATA_DIR / LOGINS_FILE
            path.write_text("演示账号（首次写入演示数据时生成）：\n" + table(rows) + "\n")
            path.chmod(0o600)
        if quiet:
            if c["users"]:
                self.stdout.write(
                    f"已按 --quiet 省略账号密码表；账号密码保存在 {settings.DATA_DIR / LOGINS_FILE}"
                    "（仅本机用户可读），也可用 duban changepassword 重设密码。"
                )
            return
        self.stdout.write("")
        self.stdout.write("演示账号：")
        self.stdout.write(table(rows))
        self.stdout.write("")
        if c["users"]:
            self.stdout.write(
                f"账号密码另存在 {settings.DATA_DIR / LOGINS_FILE}（仅本机用户可读）；"
                "忘记后可运行 duban changepassword demo_admin 重设。"
            )
