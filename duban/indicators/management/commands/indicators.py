"""`duban indicators import|export`: 经济社会指标 from and to Excel on the command line."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from duban.core.audit import Channel, audit_context
from duban.core.commands import Command as DubanCommand
from duban.core.tabular import run_from_command
from duban.indicators.exporter import build_workbook
from duban.indicators.importer import IndicatorImport
from duban.org.cli import parse_year, resolve_office


class Command(DubanCommand):
    help = "经济社会指标：导入、导出 Excel"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="import|export")
        imp = sub.add_parser("import", help="从 Excel 或 CSV 导入指标的月度值和年度目标")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="只检查并预览，不写入")
        imp.add_argument("--create-missing", action="store_true", help="自动创建不存在的指标")
        imp.add_argument("--office", help="街道/区名称（系统中有多个时必填）")
        imp.add_argument("--user", help="记入变更记录的操作人用户名")

        exp = sub.add_parser("export", help="导出一年的指标为 Excel（可改后再导入）")
        exp.add_argument("--year", required=True)
        exp.add_argument("-o", "--output", help="输出文件，默认 指标-年份.xlsx")
        exp.add_argument("--office", help="街道/区名称（系统中有多个时必填）")

    def handle(self, *args, **options):
        with audit_context(Channel.CLI):
            getattr(self, "do_" + options["action"])(options)

    def do_export(self, options):
        year = parse_year(options["year"])
        office = resolve_office(options["office"])
        output = options["output"] or f"指标-{year}.xlsx"
        workbook, rows = build_workbook(office, year)
        try:
            workbook.save(output)
        except OSError as exc:
            raise CommandError(f"无法写入 {output}：{exc.strerror or exc}")
        self.stdout.write(f"已导出 {office.name} {year}年指标 {rows} 行：{output}")

    def do_import(self, options):
        office = resolve_office(options["office"])
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"找不到用户“{options['user']}”")
        importer = IndicatorImport(office, user=user, create_missing=options["create_missing"])
        importer.create_hint = "如需新建，请加 --create-missing"
        run_from_command(
            self,
            importer,
            options["file"],
            dry_run=options["dry_run"],
            done_prefix=f"{office.name} 指标导入完成：",
        )
