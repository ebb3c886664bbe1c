"""`duban restore 文件 --yes`: replace the database and the uploaded files with a backup's."""

from django.core.management.base import CommandError

from duban.core import backup
from duban.core.commands import Command as DubanCommand


class Command(DubanCommand):
    help = "从 duban backup 的备份文件恢复整个系统（覆盖当前的数据库和上传的文件）"

    def add_arguments(self, parser):
        parser.add_argument("file", help="duban backup 生成的 .tar.gz 文件")
        parser.add_argument(
            "--yes", action="store_true", help="确认覆盖当前的全部数据（不加则只检查备份文件）"
        )

    def handle(self, *args, file, yes=False, **options):
        try:
            if not yes:
                manifest = backup.check(file)
                self.stdout.write(
                    f"备份文件完好：{manifest['created']} 备份，"
                    f"{backup.KINDS.get(manifest['database'], manifest['database'])} 数据库，"
                    f"共 {len(manifest['files'])} 个文件。"
                    "恢复会覆盖当前的全部数据和上传的文件；确认后加 --yes 再运行。"
                )
                return
            manifest = backup.restore(file)
        except backup.BackupError as exc:
            raise CommandError(str(exc))
        self.stdout.write(
            f"已从 {file} 恢复（{manifest['created']} 的备份）。"
            "请重启网站服务和后台任务进程；升级过督办的，先运行 duban migrate。"
        )
