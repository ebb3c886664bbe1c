"""`duban plan extract 计划.docx --year 2024 -o candidates.xlsx`: a work plan's concrete
commitments as candidate key tasks, in the ledger import's columns (plus 来源原文 and
数量指标). Edit the file, then `duban ledger import candidates.xlsx --year 2024`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from duban.ledger.models import Category
from duban.org.cli import parse_year, resolve_office
from duban.org.models import Unit
from duban.textkit import plans
from duban.textkit.documents import DocumentError, paragraphs
from duban.textkit.plan_xlsx import workbook_bytes


class Command(BaseCommand):
    help = "工作计划 → 台账：从计划文字中提取候选重点工作，输出为可直接导入的台账 Excel"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="extract")
        extract = sub.add_parser("extract", help="提取候选重点工作")
        extract.add_argument("file", help="计划文件（.docx 或 .txt）")
        extract.add_argument("--year", required=True, help="台账年度，如 2024")
        extract.add_argument("-o", "--output", required=True, help="输出的 .xlsx 文件")
        extract.add_argument("--office", help="街道/区名称（用于识别牵头单位）")

    def handle(self, *args, **options):
        year = parse_year(options["year"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        output = Path(options["output"])
        if output.suffix.lower() != ".xlsx":
            raise CommandError("-o 应为 .xlsx 文件")
        if not output.parent.is_dir():
            raise CommandError(f"输出目录不存在：{output.parent}")
        try:
            text = paragraphs(path.name, path.read_bytes())
        except DocumentError as error:
            raise CommandError(str(error))
        office = resolve_office(options["office"])
        units = Unit.objects.filter(office_id__in=office.lineage_ids()).values_list(
            "name", flat=True
        )
        found = plans.extract(
            text,
            year,
            categories=Category.objects.names_for(office, year),
            units=list(units),
        )
        output.write_bytes(workbook_bytes(found, year))
        dated = sum(1 for c in found if c.deadline)
        self.stdout.write(
            f"已写出 {output}：候选重点工作 {len(found)} 项（{dated} 项识别出完成时限）。"
            f"请核对类别、牵头单位后用 duban ledger import 导入"
        )
