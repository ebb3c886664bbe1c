from django.conf import settings
from django.db import migrations

ROLES = [
    ("supervisor", "督查管理员"),
    ("leader", "领导"),
    ("unit_head", "单位负责人"),
    ("reporter", "单位填报员"),
    ("grid_worker", "网格员"),
    ("readonly", "只读"),
]


def seed(apps, schema_editor):
    Role = apps.get_model("org", "Role")
    for code, name in ROLES:
        Role.objects.update_or_create(code=code, defaults={"name": name})
    Office = apps.get_model("org", "Office")
    if not Office.objects.exists():
        Office.objects.create(name=settings.DUBAN_OFFICE_NAME, kind="street")


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
