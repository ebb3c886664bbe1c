"""A whole district for benchmarks: a seeded generator, usable as a library and a CLI.

    from district import build_district
    ids = build_district(seed=2022, streets=15, tasks=2000, months=24, units=300, users=600)

    # CLI: on the database DUBAN_* points at (use a throwaway one: it writes a lot)
    DUBAN_DATA_DIR=$(mktemp -d) .venv/bin/python bench/district.py [--tasks 2000] [--json]

What it writes (issue 14's data set), on SQLite and PostgreSQL alike:

- a district office (区) with `streets` street offices under it; the district's five
  categories for every year the reports span (its streets share them);
- `units` units spread over the streets (科室 and 居民区, the same names in every street
  as real streets have), one of them, 「填报基准单位」 in the first street, leading
  BATCH_TASKS of this year's tasks (the batch page's sheet);
- `users` people: a 单位填报员 and a 单位负责人 per unit (as many as `users` allows), a
  督查管理员 and a 领导 for every street and for the district; one shared password hash;
- for every year of the `months` months ending with the month before `today`: `tasks`
  key tasks spread over the streets (5 categories, a lead unit, 0–3 partner units, 2–4
  milestones, a quantified target for a third), with the creation rows of their history
  (the task page's 变更记录);
- for every task and month of the window: an accepted report (submitted by the unit's
  reporter, accepted by the street's 督查管理员 — both steps in the reviews), and the
  office's judgement (研判) with the engine's flags and light. Lagging tasks stay lagging
  (their streak grows, the light turns red) and their share grows over the window to
  `lag_share` in the last month; about a tenth of the tasks are completed towards the
  end of their year;
- the current month: drafts for the batch unit's tasks and for a third of the others.

Everything goes through bulk_create (no per-row services: they would only add audit
rows); the ids a benchmark needs come back as a small dict.
"""

import argparse
import datetime as dt
import json
import os
import random
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from ledger_bench import (  # noqa: E402 - bench/ is not a package
    ACTIONS,
    CATEGORIES,
    COMMUNITIES,
    DEPARTMENTS,
    LEADERS,
    STEPS,
    SUBJECTS,
)

PASSWORD = "bench-district-2022"
BATCH_UNIT = "填报基准单位"
BATCH_TASKS = 50
PROGRESS_TEXTS = [
    "本月完成方案深化设计，召开居民意见征询会两次，启动施工招标准备工作。",
    "已完成现场踏勘和立项审批，正在编制施工图，计划下月进场施工。",
    "主体施工按计划推进，完成工程量约六成，居民反映良好。",
    "完成招投标，施工单位已进场，围挡和临时设施搭设完毕。",
    "组织专题推进会一次，协调解决管线迁移问题，工程进入收尾阶段。",
]
REASONS = [
    "受前期手续影响，施工许可尚未取得，开工时间顺延。",
    "部分居民对方案有不同意见，需再次征询，进度推迟。",
    "资金拨付滞后，施工单位暂缓进场。",
    "涉及区级部门审批，流程较长，节点未能按期完成。",
]
NEXT_STEPS = "加强与相关部门沟通协调，倒排工期，确保按期完成。"
UNIT_WORDS = ["处", "个", "台", "户", "平方米"]


def window(today, months):
    """The `months` month keys ending with the month before `today`, oldest first."""
    year, month = today.year, today.month
    keys = []
    for _ in range(months):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        keys.append((year, month))
    return list(reversed(keys))


def street_units(street_no, per_street):
    """(name, kind) of one street's units: departments first, then communities."""
    departments = DEPARTMENTS[: max(1, min(len(DEPARTMENTS), per_street // 2))]
    shift = (street_no * 7) % len(COMMUNITIES)
    communities = (COMMUNITIES[shift:] + COMMUNITIES[:shift]) * 3
    names = [(n, "department") for n in departments]
    n = 0
    while len(names) < per_street:
        base = communities[n % len(communities)]
        name = base if n < len(COMMUNITIES) else base.replace("居民区", f"{n // 23 + 1}村居民区")
        names.append((name, "community"))
        n += 1
    return names[:per_street]


def build_district(
    *,
    seed=2022,
    streets=15,
    tasks=2000,
    months=24,
    units=300,
    users=600,
    lag_share=0.6,
    today=None,
    quiet=True,
):
    """Write the district (see the module's docstring); returns the ids benchmarks use."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from duban.core import audit
    from duban.ledger.models import Category, KeyTask, Milestone
    from duban.org import roles as R
    from duban.org.models import Office, Profile, Unit
    from duban.progress.models import Judgement, ReasonCategory, Review, Submission
    from duban.progress.status import Rules, flags_for, light_for

    today = today or dt.date.today()
    rng = random.Random(seed)
    User = get_user_model()
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, file=sys.stderr))

    with transaction.atomic():
        district = Office.objects.create(name="基准区", kind=Office.Kind.DISTRICT, order=900)
        offices = [
            Office.objects.create(name=f"基准区第{i}街道", parent=district, order=900 + i)
            for i in range(1, streets + 1)
        ]

        # ----- units -----
        per_street = max(2, units // streets)
        unit_rows = []
        for s, street in enumerate(offices):
            names = street_units(s, per_street - (1 if s == 0 else 0))
            if s == 0:
                names.append((BATCH_UNIT, "department"))
            unit_rows += [
                Unit(office=street, name=name, kind=kind, order=order)
                for order, (name, kind) in enumerate(names)
            ]
        Unit.objects.bulk_create(unit_rows, batch_size=1000)
        by_street = {o.pk: [] for o in offices}
        for unit in Unit.objects.filter(office__in=offices).order_by("office_id", "order"):
            by_street[unit.office_id].append(unit)
        all_units = [u for us in by_street.values() for u in us]
        batch_unit = next(u for u in by_street[offices[0].pk] if u.name == BATCH_UNIT)
        say(f"units: {len(all_units)}")

        # ----- people -----
        password = make_password(PASSWORD)
        people = []  # (username, last, first, office, unit, role)
        family = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
        given = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛"]

        def person(username, office, unit, role):
            people.append(
                (
                    username,
                    rng.choice(family),
                    rng.choice(given) + rng.choice(given),
                    office,
                    unit,
                    role,
                )
            )

        person("bench_district_admin", district, None, R.SUPERVISOR)
        person("bench_district_leader", district, None, R.LEADER)
        for s, street in enumerate(offices, start=1):
            person(f"bench_s{s:02d}_admin", street, None, R.SUPERVISOR)
            person(f"bench_s{s:02d}_leader", street, None, R.LEADER)
        unit_people = max(0, users - len(people))
        for n in range(unit_people):
            unit = all_units[n % len(all_units)]
            role = R.REPORTER if n < len(all_units) else R.UNIT_HEAD
            person(f"bench_u{unit.pk}_{role}", unit.office, unit, role)
        User.objects.bulk_create(
            [
                User(username=u, last_name=last, first_name=first, password=password)
                for u, last, first, *_ in people
            ],
            batch_size=1000,
        )
        user_ids = dict(
            User.objects.filter(username__startswith="bench_").values_list("username", "pk")
        )
        Profile.objects.bulk_create(
            [
                Profile(user_id=user_ids[u], office=office, unit=unit)
                for u, _l, _f, office, unit, _r in people
            ],
            batch_size=1000,
        )
        profile_ids = dict(
            Profile.objects.filter(user_id__in=user_ids.values()).values_list("user_id", "pk")
        )
        Profile.roles.through.objects.bulk_create(
            [
                Profile.roles.through(profile_id=profile_ids[user_ids[u]], role_id=role)
                for u, _l, _f, _o, _u, role in people
            ],
            batch_size=1000,
        )
        reporter_of = {}
        for u, _l, _f, _o, unit, role in people:
            if unit is not None and role == R.REPORTER:
                reporter_of[unit.pk] = user_ids[u]
        admin_of = {
            office.pk: user_ids[f"bench_s{s:02d}_admin"] for s, office in enumerate(offices, 1)
        }
        say(f"people: {len(people)}")

        # ----- the ledger of every year of the window -----
        periods = window(today, months)
        years = sorted({y for y, _m in periods} | {today.year})
        reasons = list(ReasonCategory.objects.filter(active=True).order_by("order"))
        rules = Rules()
        counts = {"tasks": 0, "milestones": 0, "submissions": 0, "reviews": 0, "judgements": 0}
        for year in years:
            categories = list(Category.objects.ensure_for(district, year))
            year_tasks = []
            batch_left = BATCH_TASKS if year == today.year else 0
            for n in range(tasks):
                street = offices[n % len(offices)]
                prefix, _name = CATEGORIES[n % len(CATEGORIES)]
                subject = rng.choice(SUBJECTS)
                lead = rng.choice(by_street[street.pk])
                if batch_left and street == offices[0] and lead != batch_unit and n % 2:
                    lead = batch_unit
                if lead == batch_unit:
                    if not batch_left:
                        lead = by_street[street.pk][0]
                    else:
                        batch_left -= 1
                quantified = n % 3 == 0
                year_tasks.append(
                    KeyTask(
                        office=street,
                        year=year,
                        code=f"{prefix}-{n // len(offices) + 1:04d}",
                        category=categories[n % len(categories)],
                        title=f"{subject}{rng.choice(ACTIONS)}（第{n + 1}项）",
                        goal=(
                            f"完成{rng.randint(2, 40)}处{subject}{rng.choice(ACTIONS)}，"
                            f"惠及居民{rng.randint(100, 5000)}户"
                        ),
                        target_value=Decimal(rng.choice([12, 30, 100, 1200]))
                        if quantified
                        else None,
                        target_unit=rng.choice(UNIT_WORDS) if quantified else "",
                        lead_unit=lead,
                        leader=rng.choice(LEADERS),
                        deadline=dt.date(year, rng.randint(6, 12), 28),
                    )
                )
            KeyTask.objects.bulk_create(year_tasks, batch_size=1000)
            year_tasks = list(KeyTask.objects.filter(office__in=offices, year=year).order_by("id"))
            partners, milestones = [], []
            for task in year_tasks:
                others = [u for u in by_street[task.office_id] if u.pk != task.lead_unit_id]
                for unit in rng.sample(others, rng.randint(0, 3)):
                    partners.append(
                        KeyTask.partner_units.through(keytask_id=task.pk, unit_id=unit.pk)
                    )
                steps = sorted(rng.sample(range(1, 13), rng.randint(2, 4)))
                milestones += [
                    Milestone(task=task, due=dt.date(year, m, 20), description=d, order=i)
                    for i, (m, d) in enumerate(
                        zip(steps, rng.sample(STEPS, len(steps)), strict=True), start=1
                    )
                ]
            KeyTask.partner_units.through.objects.bulk_create(partners, batch_size=2000)
            Milestone.objects.bulk_create(milestones, batch_size=2000)
            audit.bulk_create_history(KeyTask, year_tasks)
            audit.bulk_create_history(Milestone, milestones)
            counts["tasks"] += len(year_tasks)
            counts["milestones"] += len(milestones)

            # ----- a year's months: reports, reviews, judgements -----
            months_of_year = [m for y, m in periods if y == year]
            if not months_of_year:
                continue
            last = months_of_year[-1]
            # a task starts lagging in some month (or never); the share lagging in the
            # window's last month is lag_share; some tasks complete late in the year
            fate = {}
            for task in year_tasks:
                draw = rng.random()
                if draw < lag_share:
                    fate[task.pk] = ("lagging", rng.randint(1, last))
                elif draw < lag_share + 0.1 and last >= 9:
                    fate[task.pk] = ("completed", rng.randint(9, last))
                else:
                    fate[task.pk] = ("on_track", 13)
            submissions, judgements = [], []
            for task in year_tasks:
                kind, since = fate[task.pk]
                value = Decimal(0)
                streak = 0
                previous = []
                for month in months_of_year:
                    period = f"{year}-{month:02d}"
                    if kind == "completed" and month >= since:
                        status = "completed"
                    elif kind == "lagging" and month >= since:
                        status = "lagging"
                    else:
                        status = "on_track"
                    streak = streak + 1 if status == "lagging" else 0
                    if task.target_value:
                        share = (
                            100
                            if status == "completed"
                            else rng.randint(2, 9 if status == "lagging" else 14)
                        )
                        value = min(task.target_value, value + task.target_value * share / 100)
                    reason = rng.choice(reasons) if status == "lagging" and reasons else None
                    submitted = dt.datetime(
                        year, month, 20, 9 + rng.randint(0, 8), rng.randint(0, 59)
                    )
                    submissions.append(
                        Submission(
                            task=task,
                            period=period,
                            unit_id=task.lead_unit_id,
                            state=Submission.State.ACCEPTED,
                            progress=rng.choice(PROGRESS_TEXTS),
                            self_status=status,
                            completed_value=value.quantize(Decimal("0.01"))
                            if task.target_value
                            else None,
                            reason_category=reason,
                            reason=rng.choice(REASONS) if status == "lagging" else "",
                            next_steps=NEXT_STEPS,
                            submitted_by_id=reporter_of.get(task.lead_unit_id),
                            submitted_at=aware(submitted),
                            version=1,
                        )
                    )
                    flags = {}
                    if status == "lagging":
                        flags["milestone_missed"] = {
                            "description": rng.choice(STEPS),
                            "due": f"{year}-{month:02d}-20",
                            "days_late": rng.randint(3, 60),
                            "count": 1,
                        }
                    as_of = dt.date(year, month, 28)
                    if status == "lagging" and task.deadline and task.deadline < as_of:
                        days = (as_of - task.deadline).days
                        flags["overdue"] = {"days": days, "workdays": days * 5 // 7}
                    elif status != "completed" and task.deadline and task.deadline.month == month:
                        flags["due_soon"] = {"workdays": rng.randint(1, 5)}
                    flags = flags_for(status, flags, previous)
                    judgements.append(
                        Judgement(
                            task=task,
                            period=period,
                            as_of=as_of,
                            status=status,
                            proposed_status=status,
                            light=light_for(status, flags, rules),
                            flags=flags,
                            source=Judgement.Source.ENGINE,
                            reason_category=reason,
                            reason=rng.choice(REASONS) if status == "lagging" else "",
                            judged_by_id=admin_of[task.office_id],
                        )
                    )
                    previous.append(status)
            Submission.objects.bulk_create(submissions, batch_size=2000)
            if submissions[0].pk is None:  # backends without RETURNING on bulk insert
                submissions = list(
                    Submission.objects.filter(task__in=year_tasks).select_related("task")
                )
            reviews = []
            for sub in submissions:
                reviews.append(
                    Review(
                        submission=sub,
                        action=Review.Action.SUBMIT,
                        version=1,
                        actor_id=sub.submitted_by_id,
                    )
                )
                reviews.append(
                    Review(
                        submission=sub,
                        action=Review.Action.ACCEPT,
                        version=1,
                        actor_id=admin_of[sub.task.office_id],
                    )
                )
            Review.objects.bulk_create(reviews, batch_size=2000)
            Judgement.objects.bulk_create(judgements, batch_size=2000)
            counts["submissions"] += len(submissions)
            counts["reviews"] += len(reviews)
            counts["judgements"] += len(judgements)
            say(f"{year}: {len(year_tasks)} tasks, {len(submissions)} reports")

        # ----- the month being reported now: drafts -----
        current = f"{today.year}-{today.month:02d}"
        this_year = list(
            KeyTask.objects.filter(office__in=offices, year=today.year).values_list(
                "pk", "lead_unit_id"
            )
        )
        drafts = [
            Submission(
                task_id=pk,
                period=current,
                unit_id=lead,
                state=Submission.State.DRAFT,
                progress=rng.choice(PROGRESS_TEXTS),
                self_status="on_track",
            )
            for pk, lead in this_year
            if lead == batch_unit.pk or rng.random() < 1 / 3
        ]
        Submission.objects.bulk_create(drafts, batch_size=2000)
        counts["drafts"] = len(drafts)

    # fresh planner statistics, as autovacuum would have after a month of real writes
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    last_year, last_month = periods[-1]
    lagging = Judgement.objects.filter(
        task__office=offices[0],
        task__year=today.year,
        period=f"{last_year}-{last_month:02d}",
        status="lagging",
    )
    task_id = lagging.order_by("task_id").values_list("task_id", flat=True).first() or (
        KeyTask.objects.filter(office=offices[0], year=today.year).order_by("id").first().pk
    )
    return {
        "district": district.pk,
        "street": offices[0].pk,
        "district_admin": user_ids["bench_district_admin"],
        "district_leader": user_ids["bench_district_leader"],
        "street_admin": admin_of[offices[0].pk],
        "reporter": reporter_of[batch_unit.pk],
        "batch_unit": batch_unit.pk,
        "task": task_id,
        "year": today.year,
        "period": f"{last_year}-{last_month:02d}",
        "current_period": current,
        "password": PASSWORD,
        "counts": {**counts, "units": len(all_units), "users": len(people)},
    }


def aware(moment):
    from django.utils import timezone

    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--streets", type=int, default=15)
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--users", type=int, default=600)
    parser.add_argument("--lag-share", type=float, default=0.6)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--migrate", action="store_true", help="migrate the database first")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    sys.path.insert(0, str(ROOT.parent))
    import django

    django.setup()
    if args.migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    ids = build_district(
        seed=args.seed,
        streets=args.streets,
        tasks=args.tasks,
        months=args.months,
        units=args.units,
        users=args.users,
        lag_share=args.lag_share,
        today=args.today,
        quiet=False,
    )
    print(json.dumps(ids, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
