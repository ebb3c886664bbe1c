"""One audit path for every way of writing.

django-simple-history keeps a historical row for every create, update and
delete of an audited model. This module adds to each row *through which
channel* the change came (web, admin, import, CLI) and, for an import, one
batch id shared by all rows the import wrote. Pages, admin, imports and
commands only need to open an `audit_context`; the web channels are set by
`AuditChannelMiddleware`.
"""

import contextvars
import uuid
from contextlib import contextmanager

from django.db import models
from django.utils.translation import gettext_lazy as _

from duban.core.bulk import insert_rows, insert_select_sql


class Channel(models.TextChoices):
    WEB = "web", _("网页")
    ADMIN = "admin", _("管理后台")
    IMPORT = "import", _("导入")
    CLI = "cli", _("命令行")
    SYSTEM = "system", _("系统")


_current = contextvars.ContextVar("duban_audit", default=None)


class AuditFields(models.Model):
    """Extra columns on every historical table (used as `bases=` of HistoricalRecords)."""

    channel = models.CharField(
        _("渠道"), max_length=10, choices=Channel.choices, default=Channel.SYSTEM
    )
    batch_id = models.CharField(_("批次号"), max_length=36, blank=True, db_index=True)

    class Meta:
        abstract = True


@contextmanager
def audit_context(channel, user=None, batch_id=""):
    token = _current.set({"channel": channel, "user": user, "batch_id": batch_id})
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def new_batch_id():
    return uuid.uuid4().hex


def current():
    return _current.get()


def stamp_historical_record(sender, instance, history_instance, **kwargs):
    ctx = _current.get()
    if not ctx:
        return
    history_instance.channel = ctx["channel"]
    history_instance.batch_id = ctx["batch_id"] or ""
    user = ctx.get("user")
    if history_instance.history_user_id is None and user is not None and user.is_authenticated:
        history_instance.history_user = user


class AuditChannelMiddleware:
    """Marks writes made through pages as 'web' and through the Django admin as 'admin'."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        channel = Channel.ADMIN if request.path.startswith("/admin/") else Channel.WEB
        with audit_context(channel, user=getattr(request, "user", None)):
            return self.get_response(request)


def bulk_create_history(model, instances, history_type="+"):
    """Historical rows for objects written with bulk_create, stamped like any other.

    Includes the m2m snapshots of models whose HistoricalRecords track m2m fields.
    Returns the historical rows.
    """
    from django.utils import timezone

    if not instances:
        return []
    history_model = model.history.model
    ctx = _current.get() or {}
    user = ctx.get("user")
    user_id = user.pk if user is not None and user.is_authenticated else None
    now = timezone.now()
    attnames = [f.attname for f in history_model.tracked_fields]
    rows = [
        history_model(
            history_date=now,
            history_type=history_type,
            history_user_id=user_id,
            channel=ctx.get("channel", Channel.SYSTEM),
            batch_id=ctx.get("batch_id", ""),
            **{name: getattr(obj, name) for name in attnames},
        )
        for obj in instances
    ]
    m2m_fields = getattr(history_model, "_history_m2m_fields", [])
    if not m2m_fields:
        # nothing refers to these rows: inserted without bulk_create's per-value work
        insert_rows(history_model, rows)
        return rows
    history_model.objects.bulk_create(rows, batch_size=500)
    for m2m_field in m2m_fields:
        through = getattr(model, m2m_field.name).through
        m2m_history = _m2m_history_model(history_model, m2m_field)
        source_col = m2m_field.m2m_field_name() + "_id"
        target_col = m2m_field.m2m_reverse_field_name() + "_id"
        by_object = {}
        for row in through.objects.filter(**{f"{source_col}__in": [o.pk for o in instances]}):
            by_object.setdefault(getattr(row, source_col), []).append(
                (row.pk, getattr(row, target_col))
            )
        m2m_rows = [
            m2m_history(history_id=h.pk, id=row_id, **{source_col: obj.pk, target_col: target})
            for obj, h in zip(instances, rows, strict=True)
            for row_id, target in by_object.get(obj.pk, [])
        ]
        m2m_history.objects.bulk_create(m2m_rows, batch_size=500)
    return rows


def _m2m_history_model(history_model, m2m_field):
    from django.apps import apps

    name = f"{history_model.__name__}_{m2m_field.name}"
    return apps.get_model(history_model._meta.app_label, name)


def history_select_sql(model, tail, params=(), history_type="+", alias="t"):
    """(sql, params) inserting the historical rows of the `model` rows that `tail`
    selects under `alias` (e.g. "FROM tickets_ticket t WHERE …"), stamped like
    `bulk_create_history` — for rows written by SQL (a staged import's merge)."""
    from django.db import connection
    from django.utils import timezone

    history_model = model.history.model
    ctx = _current.get() or {}
    user = ctx.get("user")
    qn = connection.ops.quote_name
    exprs = {f.attname: f"{alias}.{qn(f.column)}" for f in history_model.tracked_fields}
    stamp = {
        "history_date": timezone.now(),
        "history_type": history_type,
        "history_user_id": user.pk if user is not None and user.is_authenticated else None,
        "channel": str(ctx.get("channel", Channel.SYSTEM)),
        "batch_id": ctx.get("batch_id", ""),
    }
    by_attname = {f.attname: f for f in history_model._meta.concrete_fields}
    for name, value in stamp.items():
        f = by_attname[name]
        db_type = f.cast_db_type(connection) or f.db_type(connection)
        exprs[name] = (f"CAST(%s AS {db_type})", [f.get_db_prep_save(value, connection)])
    return insert_select_sql(history_model, exprs, tail, params)


#: ids in one statement's IN (…) (SQLite allows 32,766 parameters)
ID_CHUNK = 5000


def history_for_ids(model, ids, history_type="+", column="id"):
    """Historical rows for the `model` rows whose `column` (by default the primary key)
    is one of `ids`, copied from the
    table by SQL (INSERT … SELECT) and stamped like `bulk_create_history` — for rows an
    import wrote with `bulk.insert_values` or `bulk.update_rows`. The m2m snapshots of
    models whose HistoricalRecords track m2m fields are copied too, each attached to
    the object's newest historical row (the one just written)."""
    from django.db import connection

    ids = list(ids)
    if not ids:
        return
    qn = connection.ops.quote_name
    history_model = model.history.model
    table = qn(model._meta.db_table)
    history_table = qn(history_model._meta.db_table)
    m2m_fields = getattr(history_model, "_history_m2m_fields", [])
    with connection.cursor() as cursor:
        for start in range(0, len(ids), ID_CHUNK):
            chunk = ids[start : start + ID_CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                *history_select_sql(
                    model,
                    f"FROM {table} t WHERE t.{qn(column)} IN ({marks})",
                    chunk,
                    history_type,
                )
            )
            for m2m_field in m2m_fields if column == "id" else ():
                through = getattr(model, m2m_field.name).through
                m2m_history = _m2m_history_model(history_model, m2m_field)
                source = qn(m2m_field.m2m_field_name() + "_id")
                target = qn(m2m_field.m2m_reverse_field_name() + "_id")
                cursor.execute(
                    f"INSERT INTO {qn(m2m_history._meta.db_table)} "
                    f"(history_id, id, {source}, {target}) "
                    f"SELECT h.history_id, p.id, p.{source}, p.{target} "
                    f"FROM {qn(through._meta.db_table)} p JOIN {history_table} h "
                    f"ON h.id = p.{source} AND h.history_id = "
                    f"(SELECT max(n.history_id) FROM {history_table} n WHERE n.id = p.{source}) "
                    f"WHERE p.{source} IN ({marks})",
                    chunk,
                )
