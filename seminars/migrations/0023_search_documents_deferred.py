"""SQLite's row triggers of search documents (0011, 0012) skip rows written while the writer
defers documents (`seminars.search.documents_deferred()`): an import makes its talks'
documents afterwards, one statement per batch, instead of three times per talk.

`seminars_documents_deferred()` is a function seminars.search adds to every SQLite connection
(as `seminars_fold()`); it says 0 unless that connection's writer deferred documents. The
triggers' SQL is written out here, as 0012's, so that the migration stands alone.
PostgreSQL needs nothing: its insert triggers run a statement at a time already.
"""

from django.db import migrations

TABLE = "seminars_talk_search"

REFRESH = """
    DELETE FROM seminars_talk_search WHERE rowid IN ({talks});
    INSERT INTO seminars_talk_search
        (rowid, title, speakers, affiliations, series, venue, abstract)
    SELECT t.id, seminars_fold(t.title),
        seminars_fold((SELECT group_concat(p.name, ' ') FROM seminars_talkspeaker AS ts
         JOIN seminars_speaker AS p ON p.id = ts.speaker_id WHERE ts.talk_id = t.id)),
        seminars_fold((SELECT group_concat(p.affiliation, ' ') FROM seminars_talkspeaker AS ts
         JOIN seminars_speaker AS p ON p.id = ts.speaker_id WHERE ts.talk_id = t.id)),
        seminars_fold(s.name), seminars_fold(t.venue), seminars_fold(t.abstract)
    FROM seminars_talk AS t JOIN seminars_series AS s ON s.id = t.series_id
    WHERE t.id IN ({talks});
"""

TALK_CHANGED = (
    "OLD.title IS NOT NEW.title OR OLD.venue IS NOT NEW.venue "
    "OR OLD.abstract IS NOT NEW.abstract OR OLD.series_id IS NOT NEW.series_id"
)
# (the trigger's event, its condition or None, the talks it refreshes): 0012's triggers that
# bulk writes fire.
TRIGGERS = {
    "talk_insert": ("AFTER INSERT ON seminars_talk", None, "NEW.id"),
    "talk_update": (
        "AFTER UPDATE OF title, venue, abstract, series_id ON seminars_talk",
        TALK_CHANGED,
        "NEW.id",
    ),
    "talkspeaker_insert": ("AFTER INSERT ON seminars_talkspeaker", None, "NEW.talk_id"),
    "talkspeaker_update": (
        "AFTER UPDATE OF talk_id, speaker_id ON seminars_talkspeaker",
        None,
        "OLD.talk_id, NEW.talk_id",
    ),
    "talkspeaker_delete": ("AFTER DELETE ON seminars_talkspeaker", None, "OLD.talk_id"),
}
DEFERRED = "seminars_documents_deferred() = 0"


def make(cursor, *, deferrable: bool):
    for name, (event, condition, talks) in TRIGGERS.items():
        conditions = [c for c in (condition and f"({condition})", deferrable and DEFERRED) if c]
        when = f" WHEN {' AND '.join(conditions)}" if conditions else ""
        cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{name}")
        body = REFRESH.format(talks=talks)
        cursor.execute(f"CREATE TRIGGER {TABLE}_{name} {event}{when} BEGIN {body} END")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            make(cursor, deferrable=True)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            make(cursor, deferrable=False)


class Migration(migrations.Migration):
    dependencies = [("seminars", "0022_speaker_links")]

    operations = [migrations.RunPython(forwards, backwards)]
