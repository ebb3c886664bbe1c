from django.db import migrations

# The default levels of 效能问责 (issue 12; duban.supervision.accountability.DEFAULT_LEVELS).
LEVELS = [
    ("prompt", "效能提示"),
    ("warning", "效能告诫"),
    ("interview", "约谈"),
    ("public_criticism", "通报批评"),
    ("suggestion", "问责建议"),
]


def seed(apps, schema_editor):
    Level = apps.get_model("supervision", "AccountabilityLevel")
    for order, (code, name) in enumerate(LEVELS, start=1):
        Level.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    apps.get_model("supervision", "LadderRule").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
