"""The ledger keeps the indexes its queries use (`duban.core.schema`): a task is found by
office and year through the (office, year, …) indexes, so the office's and the year's own
go; the tasks' and milestones' history is found by its object, date, user or batch, so
the other columns' indexes and the batch id's `…_like` index go. A 2,000-task import
maintained each of them for every row it wrote."""

import django.db.models.deletion
from django.db import migrations, models

from duban.core.schema import drop_like_indexes


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0004_category_office_data'),
        ('org', '0004_pages_version'),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicalkeytask',
            name='category',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='ledger.category', verbose_name='类别'),
        ),
        migrations.AlterField(
            model_name='historicalkeytask',
            name='lead_unit',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='org.unit', verbose_name='牵头单位'),
        ),
        migrations.AlterField(
            model_name='historicalkeytask',
            name='office',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='org.office', verbose_name='所属街道/区'),
        ),
        migrations.AlterField(
            model_name='historicalkeytask',
            name='source',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, help_text='交办事项的来源；年度重点工作留空', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='ledger.assignmentsource', verbose_name='来源'),
        ),
        migrations.AlterField(
            model_name='historicalkeytask',
            name='year',
            field=models.PositiveIntegerField(verbose_name='年度'),
        ),
        migrations.AlterField(
            model_name='keytask',
            name='office',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='tasks', to='org.office', verbose_name='所属街道/区'),
        ),
        migrations.AlterField(
            model_name='keytask',
            name='year',
            field=models.PositiveIntegerField(verbose_name='年度'),
        ),
        drop_like_indexes(("ledger_historicalkeytask", "batch_id"), ("ledger_historicalmilestone", "batch_id")),
    ]
