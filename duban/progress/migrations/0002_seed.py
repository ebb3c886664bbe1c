from django.db import migrations

REASONS = [
    "客观因素（疫情、天气、政策调整等）",
    "前期手续与审批",
    "资金与要素保障",
    "统筹协调不足/工作合力不够",
    "主观攻坚意识不强/观望畏难",
    "其他",
]


def seed(apps, schema_editor):
    ReasonCategory = apps.get_model("progress", "ReasonCategory")
    for order, name in enumerate(REASONS, start=1):
        ReasonCategory.objects.get_or_create(name=name, defaults={"order": order})
    apps.get_model("progress", "ProgressRules").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("progress", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
