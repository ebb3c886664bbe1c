"""Codes and outside numbers of the requests compare bytes on PostgreSQL (CodeField:
COLLATE "C"), so that a large import's index inserts skip the C library's strcoll.

SQLite compares bytes already: the state changes, its tables are not rebuilt (Django
would copy the requests table once per altered column)."""

from django.db import migrations

import duban.core.models

COLUMNS = [
    ("tickets_daycount", "dimension", "varchar(10)"),
    ("tickets_historicalticket", "source", "varchar(10)"),
    ("tickets_historicalticket", "source_number", "varchar(50)"),
    ("tickets_historicalticket", "state", "varchar(12)"),
    ("tickets_ticket", "source", "varchar(10)"),
    ("tickets_ticket", "source_number", "varchar(50)"),
    ("tickets_ticket", "state", "varchar(12)"),
]


def _collate(collation):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table, column, kind in COLUMNS:
            schema_editor.execute(
                f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE {kind} COLLATE "{collation}"'
            )

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0104_import_pipeline"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(_collate("C"), _collate("default"))],
            state_operations=[
                migrations.AlterField(
                    model_name="daycount",
                    name="dimension",
                    field=duban.core.models.CodeField(
                        choices=[
                            ("unit", "承办单位"),
                            ("category", "诉求类别"),
                            ("community", "社区"),
                        ],
                        max_length=10,
                        verbose_name="分组",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalticket",
                    name="source",
                    field=duban.core.models.CodeField(
                        choices=[
                            ("grid", "网格采集"),
                            ("talk_day", "说事日"),
                            ("hotline", "12345热线"),
                            ("petition", "信访"),
                            ("visit", "来电来访"),
                            ("other", "其他"),
                        ],
                        max_length=10,
                        verbose_name="来源",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalticket",
                    name="source_number",
                    field=duban.core.models.CodeField(
                        blank=True, max_length=50, verbose_name="工单编号"
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalticket",
                    name="state",
                    field=duban.core.models.CodeField(
                        choices=[
                            ("received", "待分单"),
                            ("reviewing", "待审单"),
                            ("dispatched", "待领单"),
                            ("returned", "已退单"),
                            ("in_progress", "办理中"),
                            ("closed", "已办结"),
                            ("rated", "已评单"),
                            ("archived", "已归档"),
                            ("merged", "已合并"),
                        ],
                        default="received",
                        max_length=12,
                        verbose_name="状态",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="source",
                    field=duban.core.models.CodeField(
                        choices=[
                            ("grid", "网格采集"),
                            ("talk_day", "说事日"),
                            ("hotline", "12345热线"),
                            ("petition", "信访"),
                            ("visit", "来电来访"),
                            ("other", "其他"),
                        ],
                        max_length=10,
                        verbose_name="来源",
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="source_number",
                    field=duban.core.models.CodeField(
                        blank=True, max_length=50, verbose_name="工单编号"
                    ),
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="state",
                    field=duban.core.models.CodeField(
                        choices=[
                            ("received", "待分单"),
                            ("reviewing", "待审单"),
                            ("dispatched", "待领单"),
                            ("returned", "已退单"),
                            ("in_progress", "办理中"),
                            ("closed", "已办结"),
                            ("rated", "已评单"),
                            ("archived", "已归档"),
                            ("merged", "已合并"),
                        ],
                        default="received",
                        max_length=12,
                        verbose_name="状态",
                    ),
                ),
            ],
        ),
    ]
