"""`duban progress template|import`: a month's progress for every task, through Excel."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from duban.core.audit import Channel, audit_context
from duban.core.commands import Command as DubanCommand
from duban.core.tabular import run_from_command
from duban.org.cli import parse_month, resolve_office
from duban.progress.importer import ProgressImport, build_template


class Command(DubanCommand):
    help = "重点工作进展：下载某月的导入模板、从 Excel 导入某月进展（视为党政办采纳的研判结果）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="template|import")
        template = sub.add_parser("template", help="写出某月的进展导入模板（已填好编号）")
        template.add_argument("--period", required=True, help="报送月份，如 2022-07")
        template.add_argument("-o", "--output", required=True)
        template.add_argument("--office", help="街道/区名称（系统中有多个时必填）")

        imp = sub.add_parser("import", help="从 Excel 导入某月进展（按 编号 新增或更新）")
        imp.add_argument("file")
        imp.add_argument("--period", required=True, help="报送月份，如 2022-07")
        imp.add_argument("--dry-run", action="store_true", help="只检查并预览，不写入")
        imp.add_argument("--office", help="街道/区名称（系统中有多个时必填）")
        imp.add_argument("--user", help="记入变更记录的操作人用户名")

    def handle(self, *args, **options):
        with audit_context(Channel.CLI):
            getattr(self, "do_" + options["action"])(options)

    def do_template(self, options):
        period = parse_month(options["period"])
        office = resolve_office(options["office"])
        workbook = build_template(office, period)
        count = workbook.worksheets[0].max_row - 1
        workbook.save(options["output"])
        self.stdout.write(
            f"已写出 {office.name} {period.label} 进展导入模板（{count} 项重点工作）：{options['output']}"
        )

    def do_import(self, options):
        period = parse_month(options["period"])
        office = resolve_office(options["office"])
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"找不到用户“{options['user']}”")
        path = options["file"]
        run_from_command(
            self,
            ProgressImport(office, period, user=user),
            path,
            dry_run=options["dry_run"],
            done_prefix=f"{office.name} {period.label} 进展导入完成：",
        )
