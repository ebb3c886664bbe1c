from django.db import migrations, models

from duban.progress.advice import DEFAULT_ADVICE


def seed(apps, schema_editor):
    ReasonCategory = apps.get_model("progress", "ReasonCategory")
    for name, text in DEFAULT_ADVICE.items():
        ReasonCategory.objects.filter(name=name, advice="").update(advice=text)


class Migration(migrations.Migration):
    dependencies = [("progress", "0003_rules_wording")]
    operations = [
        migrations.AddField(
            model_name="reasoncategory",
            name="advice",
            field=models.TextField(
                blank=True,
                help_text="督查报告“相关工作建议”中针对此类原因的默认段落，生成报告前可在页面上修改",
                verbose_name="默认工作建议",
            ),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
