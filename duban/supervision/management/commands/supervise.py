"""`duban supervise propose --period 2022-07 [--dry-run]`: the period's notice and
accountability proposals, from cron or by hand. Prints each proposal; without
--dry-run keeps them as 待确认 notices and 待决定 accountability records, for the
office to confirm, edit or dismiss. Nothing is issued or decided here."""

from django.utils import timezone

from duban.core.audit import Channel, audit_context
from duban.core.commands import Command as DubanCommand
from duban.org.cli import parse_date, parse_month, resolve_office
from duban.progress.models import Judgement
from duban.supervision import ladder, services
from duban.supervision.accountability import DEFAULT_LEVELS


class Command(DubanCommand):
    help = "督查督办：按研判结果生成督办单建议和效能问责建议（须人工确认）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="propose")
        propose = sub.add_parser("propose", help="生成某月的督办单建议和问责建议")
        propose.add_argument("--period", required=True, help="研判月份，如 2022-07")
        propose.add_argument("--as-of", help="以哪一天判断答复期限（默认今天）")
        propose.add_argument("--office", help="街道/区名称（系统中有多个时必填）")
        propose.add_argument("--dry-run", action="store_true", help="只列出建议，不保存")

    def handle(self, *args, **options):
        period = parse_month(options["period"])
        office = resolve_office(options["office"])
        today = timezone.localdate()
        if options["as_of"]:
            today = parse_date(options["as_of"], "--as-of")
        dry = options["dry_run"]
        judged = Judgement.objects.filter(
            task__office=office, task__year=period.year, period=period.key
        ).exists()
        if not judged:
            self.stderr.write(f"提示：{office.name} {period.label}尚未研判，没有可依据的研判结果")
        with audit_context(Channel.CLI):
            found, created = services.propose(office, period, today, dry_run=dry)
            accountable, recorded = services.propose_accountability(office, today, dry_run=dry)
        verb = "建议（未保存）" if dry else "建议"
        self.stdout.write(f"{office.name} {period.label}督办单{verb}：{len(found)} 条")
        for p in found:
            self.stdout.write(
                f"  {p.code} {p.title}｜{p.unit}｜{p.level_name}｜"
                f"{ladder.RULE_NAMES[p.rule]}｜{p.reason}"
            )
        names = dict(DEFAULT_LEVELS)
        self.stdout.write(f"效能问责{verb}：{len(accountable)} 条")
        for p in accountable:
            self.stdout.write(f"  {p.unit}｜{names.get(p.level, p.level)}｜{p.reason}")
        if not dry:
            self.stdout.write(
                f"已保存 {len(created)} 条督办单建议、{len(recorded)} 条问责建议，"
                "请在「督查督办」页面逐条确认、修改或撤销"
            )
