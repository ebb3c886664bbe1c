"""`duban backup [-o 文件]`: the database and the uploaded files in one archive (core/backup.py)."""

from django.core.management.base import CommandError

from duban.core import backup
from duban.core.commands import Command as DubanCommand


class Command(DubanCommand):
    help = "备份整个系统（数据库和上传的文件）到一个 .tar.gz 文件"

    def add_arguments(self, parser):
        parser.add_argument(
            "-o",
            "--output",
            help="备份文件路径（默认 $DUBAN_DATA_DIR/backups/duban-年月日-时分秒.tar.gz）",
        )

    def handle(self, *args, output=None, **options):
        try:
            path, manifest = backup.backup(output)
        except backup.BackupError as exc:
            raise CommandError(str(exc))
        media = sum(1 for name in manifest["files"] if name.startswith(backup.MEDIA + "/"))
        self.stdout.write(
            f"已备份到 {path}（{path.stat().st_size / 1024 / 1024:.1f} MB；"
            f"{backup.KINDS[manifest['database']]} 数据库，上传文件 {media} 个）"
        )
