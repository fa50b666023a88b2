"""History records (django-simple-history's) for rows written in bulk, which send no signals:
an import's creates and updates, and QuerySet updates such as cancelling talks.

One INSERT … SELECT per batch copies the rows as they are now into the model's history
table, in the database: django-simple-history's own `bulk_history_create` builds a model
instance per row in Python, which made an import of 10,000 events take half as long again.
The account is the request's, as the library's middleware gives it, when there is one.
"""

from django.db import connections, router
from django.utils import timezone

BATCH = 500  # ids per statement, well under SQLite's limit on parameters

CREATED, CHANGED = "+", "~"


def record(model, pks, *, kind: str = CHANGED, reason: str = "", when=None) -> None:
    """Add a history record of each of `model`'s rows `pks`, as it is now."""
    pks = list(pks)
    if not pks:
        return
    history = model.history.model
    db = router.db_for_write(model)
    connection = connections[db]
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(f.column) for f in history._meta.concrete_fields if not f.name.startswith("history_")
    )
    extra = ", ".join(
        quote(history._meta.get_field(name).column)
        for name in ("history_date", "history_change_reason", "history_type", "history_user")
    )
    pk_column = quote(model._meta.pk.column)
    when = connection.ops.adapt_datetimefield_value(when or timezone.now())
    user = _request_user()
    with connection.cursor() as cursor:
        for i in range(0, len(pks), BATCH):
            batch = pks[i : i + BATCH]
            cursor.execute(
                f"INSERT INTO {quote(history._meta.db_table)} ({columns}, {extra}) "
                f"SELECT {columns}, %s, %s, %s, %s FROM {quote(model._meta.db_table)} "
                f"WHERE {pk_column} IN ({', '.join(['%s'] * len(batch))})",
                [when, reason[:100] or None, kind, user, *batch],
            )


def _request_user() -> int | None:
    from simple_history.models import HistoricalRecords

    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None
