"""`duban ledger template|import|export`: the office's Excel ledger from the command line."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from duban.core.audit import Channel, audit_context
from duban.core.commands import Command as DubanCommand
from duban.core.tabular import run_from_command
from duban.ledger.exporter import build_template, build_workbook
from duban.ledger.importer import LedgerImport
from duban.ledger.models import KeyTask
from duban.org.cli import parse_year, resolve_office


class Command(DubanCommand):
    help = "重点工作台账：下载模板、导入 Excel、导出 Excel"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="template|import|export")
        template = sub.add_parser("template", help="写出空白导入模板")
        template.add_argument("-o", "--output", required=True)

        imp = sub.add_parser("import", help="从 Excel 导入台账（按 编号 新增或更新）")
        imp.add_argument("file")
        imp.add_argument("--year", required=True)
        imp.add_argument("--dry-run", action="store_true", help="只检查并预览，不写入")
        imp.add_argument("--create-missing", action="store_true", help="自动创建不存在的单位和类别")
        imp.add_argument("--office", help="街道/区名称（系统中有多个时必填）")
        imp.add_argument("--user", help="记入变更记录的操作人用户名")

        exp = sub.add_parser("export", help="导出台账为 Excel")
        exp.add_argument("--year", required=True)
        exp.add_argument("-o", "--output", required=True)
        exp.add_argument("--office", help="只导出该街道/区")

    def handle(self, *args, **options):
        with audit_context(Channel.CLI):
            getattr(self, "do_" + options["action"])(options)

    def do_template(self, options):
        build_template().save(options["output"])
        self.stdout.write(f"已写出导入模板：{options['output']}")

    def do_export(self, options):
        year = parse_year(options["year"])
        tasks = KeyTask.objects.filter(year=year).order_by(
            "office__order", "category__order", "code"
        )
        if options["office"]:
            tasks = tasks.filter(office=resolve_office(options["office"]))
        build_workbook(tasks).save(options["output"])
        self.stdout.write(f"已导出 {tasks.count()} 项重点工作：{options['output']}")

    def do_import(self, options):
        year = parse_year(options["year"])
        office = resolve_office(options["office"])
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"找不到用户“{options['user']}”")
        importer = LedgerImport(office, year, user=user, create_missing=options["create_missing"])
        importer.create_hint = "如需新建，请加 --create-missing"
        run_from_command(
            self,
            importer,
            options["file"],
            dry_run=options["dry_run"],
            done_prefix=f"{office.name} {year}年 台账导入完成：",
        )
