"""Give every category an office (issue 10: categories leaked between streets).

A category used by the tasks of one office goes to that office; one used by several
streets of one district goes to the district (its streets share the district's list);
one used by unrelated offices stays with the first and is copied for each other, its
tasks moved to the copy. A category no task uses goes to the deployment's top office
(the street of a one-street deployment, else the first district).
"""

from django.db import migrations


def seed(apps, schema_editor):
    Category = apps.get_model("ledger", "Category")
    KeyTask = apps.get_model("ledger", "KeyTask")
    Office = apps.get_model("org", "Office")
    top = Office.objects.filter(parent__isnull=True).order_by("order", "id").first()
    parents = dict(Office.objects.values_list("pk", "parent_id"))
    for category in Category.objects.filter(office__isnull=True).order_by("id"):
        offices = sorted(
            set(KeyTask.objects.filter(category=category).values_list("office_id", flat=True))
        )
        if not offices:
            if top is not None:
                category.office_id = top.pk
                category.save(update_fields=["office"])
            continue
        shared = {parents.get(pk) for pk in offices}
        if len(offices) > 1 and len(shared) == 1 and None not in shared:
            category.office_id = shared.pop()
            category.save(update_fields=["office"])
            continue
        first, *others = offices
        category.office_id = first
        category.save(update_fields=["office"])
        for office_id in others:
            copy, _ = Category.objects.get_or_create(
                office_id=office_id,
                year=category.year,
                name=category.name,
                defaults={"order": category.order},
            )
            KeyTask.objects.filter(category=category, office_id=office_id).update(category=copy)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_category_office"), ("org", "0002_seed")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
