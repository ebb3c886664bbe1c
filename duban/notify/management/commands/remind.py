"""`duban remind [--date 2022-07-25] [--dry-run]`: today's 催报 and 催办, run daily by cron
or a systemd timer (docs/reminders.md). Safe to run more than once a day."""

from django.utils import timezone

from duban.core.commands import Command as DubanCommand
from duban.core.dates import chinese_date
from duban.notify import reminders
from duban.notify.models import ReminderLog
from duban.org.cli import parse_date

STATUS_LABELS = {
    reminders.SENT: "已发送",
    reminders.FAILED: "失败",
    reminders.SKIPPED: "今日已发送，跳过",
    reminders.PLANNED: "将发送",
}
CHANNEL_LABELS = dict(ReminderLog.Channel.choices)


class Command(DubanCommand):
    help = "发送今天的催报（截止前、已逾期）和红灯催办；同一天重复运行不会重复发送"

    def add_arguments(self, parser):
        parser.add_argument("--date", type=parse_date, help="按哪一天计算，默认今天，如 2022-07-25")
        parser.add_argument("--dry-run", action="store_true", help="只列出将发送的提醒，不发送")

    def handle(self, *args, date=None, dry_run=False, **options):
        today = date or timezone.localdate()
        report = reminders.run(today, send=not dry_run)
        write = self.stdout.write
        heading = f"{chinese_date(today, weekday=True)} 催报/催办"
        write(heading + ("（演示运行，不发送）" if dry_run else ""))
        for warning in report.warnings:
            self.stderr.write(f"注意：{warning}")
        if not report.workday:
            write("今天不是工作日，不发送催报/催办。")
            return
        if not report.reminders:
            write("今天没有需要发送的催报/催办。")
            return
        for reminder in report.reminders:
            codes = "、".join(item.code for item in reminder.items)
            if reminder.total > len(reminder.items):
                codes += " 等"
            write(f"{reminder.kind_label} {reminder.unit.name}：{reminder.total} 项（{codes}）")
            outcomes = [o for o in report.outcomes if o.reminder is reminder]
            if not outcomes:
                write("  无接收人：该单位没有单位填报员或单位负责人账号，也未配置群机器人")
            for outcome in outcomes:
                line = (
                    f"  {CHANNEL_LABELS[outcome.channel]} {outcome.recipient}："
                    f"{STATUS_LABELS[outcome.status]}"
                )
                if outcome.detail:
                    line += f"（{outcome.detail}）"
                write(line)
        units = len({reminder.unit.pk for reminder in report.reminders})
        by_channel = "，".join(
            f"{label} {report.count(reminders.PLANNED if dry_run else reminders.SENT, channel)}"
            for channel, label in CHANNEL_LABELS.items()
        )
        if dry_run:
            write(
                f"合计：{units} 个单位、{len(report.reminders)} 条提醒；"
                f"将发送 {report.planned}（{by_channel}），今日已发送而跳过 {report.skipped}。"
            )
        else:
            write(
                f"合计：{units} 个单位、{len(report.reminders)} 条提醒；"
                f"已发送 {report.sent}（{by_channel}），失败 {report.failed}，"
                f"今日已发送而跳过 {report.skipped}。"
            )
        if report.failed:
            self.stderr.write(
                f"有 {report.failed} 条发送失败，详见“设置 › 催办记录”；再次运行会重试。"
            )
