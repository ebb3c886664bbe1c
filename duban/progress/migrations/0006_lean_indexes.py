"""Reports and judgements keep the indexes their queries use (`duban.core.schema`): a
task's rows are found through the unique (task, period) index, so the task's own goes; a
month is compared whole, so the period's `…_like` index goes; history is found by its
object, date, user or batch, so the other columns' indexes go. A month's import
maintained each of them for every row it wrote."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from duban.core.schema import drop_like_indexes


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0005_lean_indexes'),
        ('org', '0004_pages_version'),
        ('progress', '0005_self_status_wording'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicaljudgement',
            name='judged_by',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='研判人'),
        ),
        migrations.AlterField(
            model_name='historicaljudgement',
            name='period',
            field=models.CharField(max_length=7, verbose_name='报送周期'),
        ),
        migrations.AlterField(
            model_name='historicaljudgement',
            name='reason_category',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='progress.reasoncategory', verbose_name='原因类别'),
        ),
        migrations.AlterField(
            model_name='historicaljudgement',
            name='task',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='ledger.keytask', verbose_name='重点工作'),
        ),
        migrations.AlterField(
            model_name='historicalsubmission',
            name='period',
            field=models.CharField(max_length=7, verbose_name='报送周期'),
        ),
        migrations.AlterField(
            model_name='historicalsubmission',
            name='reason_category',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='progress.reasoncategory', verbose_name='原因类别'),
        ),
        migrations.AlterField(
            model_name='historicalsubmission',
            name='submitted_by',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='填报人'),
        ),
        migrations.AlterField(
            model_name='historicalsubmission',
            name='task',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='ledger.keytask', verbose_name='重点工作'),
        ),
        migrations.AlterField(
            model_name='historicalsubmission',
            name='unit',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='org.unit', verbose_name='填报单位'),
        ),
        migrations.AlterField(
            model_name='judgement',
            name='task',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='judgements', to='ledger.keytask', verbose_name='重点工作'),
        ),
        migrations.AlterField(
            model_name='submission',
            name='task',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='submissions', to='ledger.keytask', verbose_name='重点工作'),
        ),
        drop_like_indexes(("progress_historicalsubmission", "batch_id"), ("progress_historicaljudgement", "batch_id"), ("progress_submission", "period"), ("progress_judgement", "period")),
    ]
