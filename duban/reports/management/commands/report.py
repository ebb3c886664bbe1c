"""`duban report monthly --period 2022-07 --format docx -o 报告.docx`,
`duban report bulletin --quarter 2022Q3 --format docx`,
`duban report summary --period 2022-H1 --format docx -o 总结.docx` (工作总结 初稿).

Every report and bulletin made here is archived with its figures, as on the 报告中心
page; `--from-archive N` renders an archived one again, unchanged.
"""

import sys
from pathlib import Path

from django.core.management.base import CommandError

from duban.core.commands import Command as DubanCommand
from duban.core.pdf import PdfFailed, PdfUnavailable
from duban.org.cli import parse_date, parse_period, resolve_office
from duban.reports import archive
from duban.reports import bulletin as B
from duban.reports import figures as F
from duban.reports.models import Report
from duban.reports.render import BULLETIN_FORMATS, FORMATS, SUMMARY_FORMATS, filename, render


class Command(DubanCommand):
    help = "生成督查报告（Word、Excel 附表、PDF 或 JSON 数据），并存入报告存档"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="kind", required=True, metavar="monthly|bulletin|summary")
        monthly = sub.add_parser("monthly", help="重点工作督查报告（月度、季度、半年、年度）")
        monthly.add_argument("--period", help="报告周期：2022-07、2022Q3、2022-H1 或 2022")
        monthly.add_argument(
            "--format", default="docx", help=f"输出格式：{'、'.join(FORMATS)}（默认 docx）"
        )
        monthly.add_argument(
            "-o", "--output", help="输出文件；省略时按报告标题命名，json 可用 - 输出到屏幕"
        )
        monthly.add_argument("--office", help="街道或区的名称（区级报告按街道分表）")
        monthly.add_argument(
            "--date",
            help="成文日期（落款），如 2022-08-05；省略时已结束的周期取其最后一天，未结束的取今天",
        )
        monthly.add_argument(
            "--from-archive", type=int, metavar="编号", help="按存档中的数据重新输出该报告"
        )

        bulletin = sub.add_parser("bulletin", help="督查督办工作通报（季度）")
        bulletin.add_argument("--quarter", help="季度，如 2022Q3")
        bulletin.add_argument(
            "--as-of", help="截至日期（默认：已结束的季度取最后一天，未结束的取今天）"
        )
        bulletin.add_argument("--format", default="docx", help="输出格式：docx、json、pdf")
        bulletin.add_argument("-o", "--output", help="输出文件；json 可用 - 输出到屏幕")
        bulletin.add_argument("--office", help="街道或区的名称")
        bulletin.add_argument(
            "--from-archive", type=int, metavar="编号", help="按存档中的数据重新输出该通报"
        )

        summary = sub.add_parser("summary", help="工作总结和下步工作计划（初稿，半年或年度）")
        summary.add_argument("--period", help="半年或年度：2022-H1、2022-H2 或 2022")
        summary.add_argument("--format", default="docx", help="输出格式：docx、json、pdf")
        summary.add_argument("-o", "--output", help="输出文件；json 可用 - 输出到屏幕")
        summary.add_argument("--office", help="街道或区的名称")
        summary.add_argument("--date", help="成文日期（落款），如 2022-07-05")
        summary.add_argument(
            "--from-archive", type=int, metavar="编号", help="按存档中的数据重新输出该总结"
        )

    def handle(self, *args, **options):
        if options["kind"] == "bulletin":
            return self.bulletin(options)
        if options["kind"] == "summary":
            return self.summary(options)
        fmt, output = checked_output(options, FORMATS)
        if options["from_archive"] is not None:
            report = archived(options["from_archive"], Report.Kind.MONTHLY)
            note = f"（存档编号 {report.pk}，{report.created_at:%Y-%m-%d %H:%M} 生成的数据）"
        else:
            if not options["period"]:
                raise CommandError("请用 --period 指定报告周期，如 2022-07、2022-H1 或 2022")
            period = parse_period(options["period"])
            date = parse_date(options["date"]) if options["date"] else None
            office = resolve_office(options["office"], district=True)
            report = None
        try:
            figures = report.figures if report else F.monthly(office, period, date=date)
            data = render(figures, fmt)
        except (PdfUnavailable, PdfFailed) as error:
            raise CommandError(str(error))
        if report is None:
            report = archive.store(office, figures)
            note = f"（已存入报告存档，编号 {report.pk}）"

        path = written(data, output, figures, fmt)
        if path is None:
            return
        overall = report.figures["overall"]
        self.stdout.write(
            f"已生成 {path}：{report.figures['title']}，重点工作 {overall['total']} 项，"
            f"推进滞后 {overall['lagging']} 项{note}"
        )

    def bulletin(self, options):
        """`duban report bulletin --quarter 2022Q3 [--as-of 2022-09-30] --format docx`."""
        fmt, output = checked_output(options, BULLETIN_FORMATS)
        if options["from_archive"] is not None:
            report = archived(options["from_archive"], Report.Kind.BULLETIN)
            figures = report.figures
            note = f"（存档编号 {report.pk}，{report.created_at:%Y-%m-%d %H:%M} 生成的数据）"
        elif not options["quarter"]:
            raise CommandError(
                "请用 --quarter 指定季度，如 2022Q3；或用 --from-archive 指定存档编号"
            )
        else:
            office = resolve_office(options["office"], district=True)
            report = None
        try:
            if report is None:
                quarter = B.parse_quarter(options["quarter"])
                as_of = parse_date(options["as_of"], "--as-of") if options["as_of"] else None
                figures = B.quarterly(office, quarter, as_of=as_of)
            data = render(figures, fmt)
        except (B.BulletinError, PdfUnavailable, PdfFailed) as error:
            raise CommandError(str(error))
        if report is None:
            report = archive.store(office, figures)
            note = f"（已存入报告存档，编号 {report.pk}）"
        path = written(data, output, figures, fmt)
        if path is None:
            return
        self.stdout.write(
            f"已生成 {path}：{figures['title']}，超期事项 {len(figures['overdue_items'])} 项，"
            f"效能问责 {len(figures['accountability'])} 起{note}"
        )

    def summary(self, options):
        """`duban report summary --period 2022-H1|2022 --format docx|json|pdf -o OUT`."""
        fmt, output = checked_output(options, SUMMARY_FORMATS)
        report = None
        if options["from_archive"] is not None:
            report = archived(options["from_archive"], Report.Kind.SUMMARY)
            figures = report.figures
            note = f"（存档编号 {report.pk}，{report.created_at:%Y-%m-%d %H:%M} 生成的数据）"
        elif not options["period"]:
            raise CommandError("请用 --period 指定半年或年度，如 2022-H1 或 2022")
        try:
            if report is None:
                period = F.summary_period(options["period"])
                date = parse_date(options["date"]) if options["date"] else None
                office = resolve_office(options["office"], district=True)
                figures = F.summary(office, period, date=date)
            data = render(figures, fmt)
        except (F.SummaryError, PdfUnavailable, PdfFailed) as error:
            raise CommandError(str(error))
        if report is None:
            report = archive.store(office, figures)
            note = f"（已存入报告存档，编号 {report.pk}）"
        path = written(data, output, figures, fmt)
        if path is None:
            return
        overall = figures["overall"]
        self.stdout.write(
            f"已生成 {path}：{figures['title']}，重点工作 {overall['total']} 项，"
            f"已完成 {overall['completed']} 项；这是初稿，请党政办公室修改完善后使用{note}"
        )


def checked_output(options, formats):
    """--format among `formats` and -o in a directory that exists, or one Chinese line."""
    fmt = (options["format"] or "").lower()
    if fmt not in formats:
        raise CommandError(f"--format 应为 {'、'.join(formats)} 之一，收到“{fmt}”")
    output = options["output"]
    if output and output != "-" and not Path(output).parent.is_dir():
        raise CommandError(f"输出目录不存在：{Path(output).parent}")
    return fmt, output


def written(data, output, figures, fmt):
    """Writes a document to -o (standard output for "-": returns None), else to its own
    file name; returns the path written."""
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return None
    path = Path(output or filename(figures, fmt))
    path.write_bytes(data)
    return path


def archived(pk, kind):
    """The archived report `pk` of `kind`; a clear error for a missing one or the other kind."""
    report = Report.objects.filter(pk=pk).first()
    if report is None:
        raise CommandError(f"报告存档中没有编号 {pk}")
    if report.kind != kind:
        command = {Report.Kind.BULLETIN: "bulletin", Report.Kind.SUMMARY: "summary"}.get(
            report.kind, "monthly"
        )
        raise CommandError(
            f"存档编号 {pk} 是{report.get_kind_display()}，请用 duban report {command} --from-archive {pk}"
        )
    return report
