"""`duban check-numbers 报告.docx [--period 2022-07] [--office 名称] [--format text|json]`.

Exit status: 0 when the text is clean, 1 when something was found, 2 for bad arguments or
an unreadable file (one Chinese line on stderr)."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from duban.org.cli import parse_period, resolve_office
from duban.textkit import against
from duban.textkit import numbers as N
from duban.textkit.documents import DocumentError, paragraphs


class Command(BaseCommand):
    help = "数字核对：找出文稿中空缺的数字、对不上的合计、百分比和增幅（可与系统数据比对）"

    def add_arguments(self, parser):
        parser.add_argument("file", help="要核对的 .docx 或 .txt 文件")
        parser.add_argument("--period", help="与系统数据比对的周期，如 2022-07、2022-H1")
        parser.add_argument("--office", help="街道或区的名称（与 --period 一起使用）")
        parser.add_argument("--format", default="text", help="输出格式：text 或 json（默认 text）")

    def fail(self, message):
        self.stderr.write(message)
        sys.exit(2)

    def handle(self, *args, **options):
        fmt = (options["format"] or "").lower()
        if fmt not in ("text", "json"):
            self.fail(f"--format 应为 text 或 json，收到“{options['format']}”")
        path = Path(options["file"])
        if not path.is_file():
            self.fail(f"找不到文件：{path}")
        try:
            text = paragraphs(path.name, path.read_bytes())
            if options["period"]:
                period = parse_period(options["period"])
                office = resolve_office(options["office"], district=True)
                findings, _figures = against.check(text, office, period)
            else:
                if options["office"]:
                    self.fail("--office 需与 --period 一起使用")
                findings = N.check(text)
        except (DocumentError, CommandError) as error:
            self.fail(str(error))
        if fmt == "json":
            out = {"file": str(path), "count": len(findings)}
            out["findings"] = [f.as_dict() for f in findings]
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))
        elif findings:
            for finding in findings:
                self.stdout.write(finding.line())
            self.stdout.write(f"共发现 {len(findings)} 处问题")
        else:
            self.stdout.write("未发现数字问题")
        sys.stdout.flush()
        sys.exit(1 if findings else 0)
