"""`duban tidy [--days 30] [--dry-run]`: the nightly housekeeping (core/tidy.py)."""

from django.core.management.base import CommandError

from duban.core import tidy
from duban.core.commands import Command as DubanCommand


class Command(DubanCommand):
    help = "日常清理：过期登录、已完成的后台任务及其结果文件、事项数据版本的合并（每晚运行）"

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=30,
            help="后台任务完成多少天后清理（默认 30）",
        )
        parser.add_argument("--dry-run", action="store_true", help="只列出将清理的数量，不改动")

    def handle(self, *args, days=30, dry_run=False, **options):
        if days < 1:
            raise CommandError("--days 须为正整数（天数）")
        failed = 0
        for line, done in tidy.run(days=days, dry_run=dry_run):
            (self.stdout if done else self.stderr).write(line)
            failed += not done
        if failed:
            raise SystemExit(1)
