"""SQLite's search documents fold letters as PostgreSQL's unaccent does (see seminars/search.py).

FTS5's tokenizer takes accents off letters but leaves letters such as ß, ł, ø, đ, æ, œ and þ
as they are, so on SQLite "weissmann" did not find "Weißmann" where PostgreSQL did. The
triggers of 0011 now pass each text through `seminars_fold()`, which seminars.search adds to
every SQLite connection, and every document is built again. PostgreSQL needs nothing: its
documents were unaccented from the start.

The triggers' SQL is written out here, not imported, so that the migration stands alone;
the fold itself is the site's (a trigger can only call the function the connection has).
"""

from django.db import migrations

TABLE = "seminars_talk_search"

# 0011's refresh, with each text passed through `{fold}`: "seminars_fold" or nothing.
SQLITE_REFRESH = """
    DELETE FROM seminars_talk_search WHERE rowid IN ({talks});
    INSERT INTO seminars_talk_search
        (rowid, title, speakers, affiliations, series, venue, abstract)
    SELECT t.id, {fold}(t.title),
        {fold}((SELECT group_concat(p.name, ' ') FROM seminars_talkspeaker AS ts
         JOIN seminars_speaker AS p ON p.id = ts.speaker_id WHERE ts.talk_id = t.id)),
        {fold}((SELECT group_concat(p.affiliation, ' ') FROM seminars_talkspeaker AS ts
         JOIN seminars_speaker AS p ON p.id = ts.speaker_id WHERE ts.talk_id = t.id)),
        {fold}(s.name), {fold}(t.venue), {fold}(t.abstract)
    FROM seminars_talk AS t JOIN seminars_series AS s ON s.id = t.series_id
    WHERE t.id IN ({talks});
"""

# 0011's triggers that refresh documents, as 0011 made them (talk_delete stays as it is).
SQLITE_TRIGGERS = {
    "talk_insert": ("AFTER INSERT ON seminars_talk", "NEW.id"),
    "talk_update": (
        "AFTER UPDATE OF title, venue, abstract, series_id ON seminars_talk "
        "WHEN OLD.title IS NOT NEW.title OR OLD.venue IS NOT NEW.venue "
        "OR OLD.abstract IS NOT NEW.abstract OR OLD.series_id IS NOT NEW.series_id",
        "NEW.id",
    ),
    "talkspeaker_insert": ("AFTER INSERT ON seminars_talkspeaker", "NEW.talk_id"),
    "talkspeaker_update": (
        "AFTER UPDATE OF talk_id, speaker_id ON seminars_talkspeaker",
        "OLD.talk_id, NEW.talk_id",
    ),
    "talkspeaker_delete": ("AFTER DELETE ON seminars_talkspeaker", "OLD.talk_id"),
    "speaker_update": (
        "AFTER UPDATE OF name, affiliation ON seminars_speaker "
        "WHEN OLD.name IS NOT NEW.name OR OLD.affiliation IS NOT NEW.affiliation",
        "SELECT talk_id FROM seminars_talkspeaker WHERE speaker_id = NEW.id",
    ),
    "series_update": (
        "AFTER UPDATE OF name ON seminars_series WHEN OLD.name IS NOT NEW.name",
        "SELECT id FROM seminars_talk WHERE series_id = NEW.id",
    ),
}

NO_FOLD = (
    "The SQLite connection has no seminars_fold() function: seminars.search adds it to "
    "every connection Django opens; run the migration with manage.py migrate."
)


def rebuild(cursor, *, fold: str):
    """Make the refreshing triggers again with `fold`, and every document with it."""
    for name, (when, talks) in SQLITE_TRIGGERS.items():
        cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{name}")
        body = SQLITE_REFRESH.format(talks=talks, fold=fold)
        cursor.execute(f"CREATE TRIGGER {TABLE}_{name} {when} BEGIN {body} END")
    cursor.execute(f"DELETE FROM {TABLE}")
    refresh = SQLITE_REFRESH.format(talks="SELECT id FROM seminars_talk", fold=fold)
    for statement in refresh.split(";"):
        if statement.strip():
            cursor.execute(statement)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        try:
            cursor.execute("SELECT seminars_fold('')")
        except Exception as error:
            raise RuntimeError(f"{NO_FOLD} ({error})") from error
        rebuild(cursor, fold="seminars_fold")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        rebuild(cursor, fold="")


class Migration(migrations.Migration):
    dependencies = [("seminars", "0011_search")]

    operations = [migrations.RunPython(forwards, backwards)]
