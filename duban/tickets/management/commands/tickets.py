"""`duban tickets import|stats`: 12345 work orders in, the request statistics out."""

import datetime as dt
import json

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from duban.core.audit import Channel, audit_context
from duban.core.commands import Command as DubanCommand
from duban.core.tabular import run_from_command
from duban.org.cli import resolve_office
from duban.org.models import Unit
from duban.tickets import metrics
from duban.tickets.export import stats_workbook
from duban.tickets.importer import TicketImport
from duban.tickets.models import Ticket, TicketSettings


def _day(value, option):
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise CommandError(f"{option} 应为日期，如 2023-01-01，收到“{value}”")


class Command(DubanCommand):
    help = "民生诉求：导入 12345 工单、统计"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="import|stats")
        imp = sub.add_parser(
            "import", help="导入工单（.xlsx 或 .csv，按 来源+工单编号 新增或更新）"
        )
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="只检查并预览，不写入")
        imp.add_argument(
            "--create-missing", action="store_true", help="自动创建不存在的诉求类别、社区和单位"
        )
        imp.add_argument("--office", help="街道/区名称（系统中有多个时必填）")
        imp.add_argument("--user", help="记入变更记录的操作人用户名")

        stats = sub.add_parser("stats", help="诉求统计（受理、办结、退单、解决率、满意率……）")
        stats.add_argument("--from", dest="start", required=True, help="起始日期，如 2023-01-01")
        stats.add_argument("--to", dest="end", required=True, help="截止日期，如 2023-12-31")
        stats.add_argument("--unit", help="只统计该承办单位")
        stats.add_argument("--community", help="只统计该社区")
        stats.add_argument("--office", help="只统计该街道/区")
        stats.add_argument("--format", choices=["json", "xlsx"], default="json")
        stats.add_argument("-o", "--output", help="输出文件；JSON 不指定时写到标准输出")

    def handle(self, *args, **options):
        with audit_context(Channel.CLI):
            getattr(self, "do_" + options["action"])(options)

    def do_import(self, options):
        office = resolve_office(options["office"])
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"找不到用户“{options['user']}”")
        importer = TicketImport(office, user=user, create_missing=options["create_missing"])
        importer.create_hint = "如需新建，请加 --create-missing"
        run_from_command(
            self,
            importer,
            options["file"],
            dry_run=options["dry_run"],
            done_prefix=f"{office.name} 工单导入完成：",
        )

    def _unit(self, name, option):
        if not name:
            return None
        found = Unit.objects.filter(name=name).first()
        if found is None:
            raise CommandError(f"{option}：找不到单位“{name}”")
        return found

    def do_stats(self, options):
        start, end = _day(options["start"], "--from"), _day(options["end"], "--to")
        if end < start:
            raise CommandError("--to 不能早于 --from")
        tickets = Ticket.objects.all()
        offices = None
        if options["office"]:
            offices = resolve_office(options["office"]).scope_ids()
            tickets = tickets.filter(office_id__in=offices)
        unit = self._unit(options["unit"], "--unit")
        community = self._unit(options["community"], "--community")
        weight = TicketSettings.load().basic_weight
        if unit is None and community is None:
            # whole offices: from the summary table (the same figures, see tickets.summary)
            stats = metrics.summarized(offices, start, end, weight)
        else:
            tickets = metrics.between(tickets, start, end, unit=unit, community=community)
            stats = metrics.compute(tickets, weight)
        out = options["output"]
        if options["format"] == "xlsx":
            if not out:
                raise CommandError("导出 Excel 须用 -o 指定输出文件")
            stats_workbook(stats, f"民生诉求统计（{start}至{end}）").save(out)
            self.stdout.write(f"已写出统计表：{out}")
            return
        text = json.dumps(stats, ensure_ascii=False, indent=2)
        if out:
            with open(out, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
            self.stdout.write(f"已写出统计：{out}")
        else:
            self.stdout.write(text)
