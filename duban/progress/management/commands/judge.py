"""`duban judge --period 2022-07`: run the status engine for a month and keep the results."""

import datetime as dt

from django.core.management.base import CommandError

from duban.core.audit import Channel, audit_context
from duban.core.commands import Command as DubanCommand
from duban.core.numfmt import pct
from duban.core.workdays import Calendar
from duban.ledger.models import KeyTask
from duban.org.cli import parse_month, resolve_office
from duban.progress.judging import judge_period
from duban.progress.models import Judgement, Light, Status
from duban.progress.month import lag_rate


def parse_as_of(value, period):
    try:
        day = dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise CommandError(f"--as-of 应为日期，如 {period.end.isoformat()}；收到“{value}”")
    if day < period.start:
        raise CommandError(f"--as-of {day} 早于报送周期 {period.label} 的第一天")
    return day


class Command(DubanCommand):
    help = "研判：按规则判定某月每项重点工作的状态和预警灯（人工调整和导入的状态保持不变）"

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="报送月份，如 2022-07")
        parser.add_argument("--as-of", help="研判日期（默认：今天与该月最后一天中较早者）")
        parser.add_argument("--office", help="街道/区名称（系统中有多个时必填）")

    def handle(self, *args, **options):
        period = parse_month(options["period"])
        as_of = parse_as_of(options["as_of"], period) if options["as_of"] else None
        office = resolve_office(options["office"])
        tasks = KeyTask.objects.filter(office=office, year=period.year)
        calendar = Calendar.load()
        with audit_context(Channel.CLI):
            results = judge_period(tasks, period.key, as_of=as_of, calendar=calendar)
        for warning in calendar.warnings():
            self.stderr.write(f"注意：{warning}")
        if not results:
            self.stdout.write(f"{office.name} {period.year} 年度没有重点工作，未研判")
            return
        judgements = list(
            Judgement.objects.filter(task__in=tasks, period=period.key).only(
                "status", "light", "source", "as_of"
            )
        )
        total = len(judgements)
        by_status = {s: sum(j.status == s for j in judgements) for s in Status.values}
        by_light = {c: sum(j.light == c for j in judgements) for c in Light.values}
        kept = sum(j.source != Judgement.Source.ENGINE for j in judgements)
        differ = sum(results[j.task_id].status != j.status for j in judgements)
        lagging = by_status[Status.LAGGING]
        self.stdout.write(
            f"{office.name} {period.label}研判完成（研判日期 {judgements[0].as_of}）：共 {total} 项"
        )
        self.stdout.write(
            "  状态："
            + "，".join(f"{Status(s).label} {n} 项" for s, n in by_status.items())
            + f"；滞后率 {pct(lag_rate(lagging, total))}"
        )
        self.stdout.write(
            "  预警灯：" + "，".join(f"{Light(c).label} {n} 项" for c, n in by_light.items())
        )
        if kept:
            self.stdout.write(
                f"  其中 {kept} 项为导入或人工调整的结果，保持原状态"
                f"（与系统建议不同的 {differ} 项）"
            )
