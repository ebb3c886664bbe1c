import datetime

from django.db import migrations

CATEGORIES = [
    "街道民生实事项目",
    "街道重点工作专班推进项目",
    "市委市政府重点工作",
    "区委区政府重点工作",
    "区领导调研提出的工作",
]

SOURCES = [
    ("领导批示", 15),
    ("会议议定", 20),
    ("上级交办", 10),
    ("人大建议政协提案", 60),
]


def seed(apps, schema_editor):
    Category = apps.get_model("ledger", "Category")
    year = datetime.date.today().year
    if not Category.objects.exists():
        for order, name in enumerate(CATEGORIES, start=1):
            Category.objects.create(year=year, name=name, order=order)
    AssignmentSource = apps.get_model("ledger", "AssignmentSource")
    for order, (name, days) in enumerate(SOURCES, start=1):
        AssignmentSource.objects.get_or_create(
            name=name, defaults={"default_workdays": days, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
