"""One search document per talk, kept in step by triggers (see seminars/search.py).

A document holds the talk's title, its speakers' names and affiliations, its series' name,
venue and abstract, folded so that case and accents don't matter. Triggers rather than signals keep it in step:
the importer writes talks, speaker links and speakers in bulk, which sends no signals. Each
trigger rebuilds only the documents of the talks whose rows it sees change.

On SQLite the documents are an FTS5 table (tokenizer unicode61, diacritics removed). On
PostgreSQL they are tsvectors of the unaccented text in a table with a GIN index; the
`unaccent` extension is trusted since PostgreSQL 13, so the database's owner may create it
(a role that is not the owner needs a superuser to create it first). This replaces the index
of 0005, which covered titles, venues and abstracts only.

The SQL is written out here, not imported, so that the migration stands alone.

On SQLite, a later migration that rebuilds the talk, speaker, talk-speaker or series table
(most AlterFields do) drops that table's triggers: it must create them again.
tests/test_search.py fails if any is missing after all migrations.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import DatabaseError, migrations

TABLE = "seminars_talk_search"

# -- SQLite ---------------------------------------------------------------------------------

# Each talk's row, whose rowid is the talk's id, for the talks `{talks}` selects.
SQLITE_REFRESH = """
    DELETE FROM seminars_talk_search WHERE rowid IN ({talks});
    INSERT INTO seminars_talk_search
        (rowid, title, speakers, affiliations, series, venue, abstract)
    SELECT t.id, t.title,
        (SELECT group_concat(p.name, ' ') FROM seminars_talkspeaker AS ts
         JOIN seminars_speaker AS p ON p.id = ts.speaker_id WHERE ts.talk_id = t.id),
        (SELECT group_concat(p.affiliation, ' ') FROM seminars_talkspeaker AS ts
         JOIN seminars_speaker AS p ON p.id = ts.speaker_id WHERE ts.talk_id = t.id),
        s.name, t.venue, t.abstract
    FROM seminars_talk AS t JOIN seminars_series AS s ON s.id = t.series_id
    WHERE t.id IN ({talks});
"""

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


def sqlite_forwards(cursor):
    cursor.execute(
        f"CREATE VIRTUAL TABLE {TABLE} USING fts5("
        "title, speakers, affiliations, series, venue, abstract, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    for name, (when, talks) in SQLITE_TRIGGERS.items():
        body = SQLITE_REFRESH.format(talks=talks)
        cursor.execute(f"CREATE TRIGGER {TABLE}_{name} {when} BEGIN {body} END")
    cursor.execute(
        f"CREATE TRIGGER {TABLE}_talk_delete AFTER DELETE ON seminars_talk "
        f"BEGIN DELETE FROM {TABLE} WHERE rowid = OLD.id; END"
    )
    # Every talk there is: the same statement with the DELETE finding nothing.
    for statement in SQLITE_REFRESH.format(talks="SELECT id FROM seminars_talk").split(";"):
        if statement.strip():
            cursor.execute(statement)


def sqlite_backwards(cursor):
    for name in [*SQLITE_TRIGGERS, "talk_delete"]:
        cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{name}")
    cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


# -- PostgreSQL -----------------------------------------------------------------------------

# Text as both sides of a search see it: unaccented, punctuation as spaces. Without the
# latter, PostgreSQL's parser would keep "ann@example.org" or "3.14" as one word where SQLite
# sees two. Declared IMMUTABLE, as unaccent() with a fixed dictionary is (the usual wrapper).
POSTGRES_FUNCTIONS = """
    CREATE FUNCTION seminars_unaccent(text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$ SELECT {schema}.unaccent('{schema}.unaccent'::regdictionary, $1) $$;
    CREATE FUNCTION seminars_search_text(text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$ SELECT regexp_replace(seminars_unaccent($1), '[[:punct:]]+', ' ', 'g') $$;
"""

# No foreign key to the talk: it would make TRUNCATE of talks (a test database's flush)
# fail. Triggers delete the document instead, and empty the table on TRUNCATE.
# `talk_text` is the talk's own part of the document (title A; series, venue B; abstract C),
# kept so that a change of speakers (names A, affiliations B), the importer's commonest write,
# recomputes only theirs.
POSTGRES_TABLE = f"""
    CREATE TABLE {TABLE} (
        talk_id bigint PRIMARY KEY,
        talk_text tsvector NOT NULL,
        document tsvector NOT NULL
    );
    CREATE INDEX {TABLE}_document_idx ON {TABLE} USING gin (document);

    CREATE FUNCTION {TABLE}_speakers(talk bigint) RETURNS tsvector LANGUAGE sql STABLE AS $$
        SELECT setweight(to_tsvector('simple',
                seminars_search_text(coalesce(string_agg(p.name, ' '), ''))), 'A')
            || setweight(to_tsvector('simple',
                seminars_search_text(coalesce(string_agg(p.affiliation, ' '), ''))), 'B')
        FROM seminars_talkspeaker AS ts JOIN seminars_speaker AS p ON p.id = ts.speaker_id
        WHERE ts.talk_id = talk
    $$;

    CREATE FUNCTION {TABLE}_refresh_talks(talks bigint[]) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {TABLE} (talk_id, talk_text, document)
        SELECT t.id, v.talk_text, v.talk_text || {TABLE}_speakers(t.id)
        FROM seminars_talk AS t
        JOIN seminars_series AS s ON s.id = t.series_id
        CROSS JOIN LATERAL (SELECT
            setweight(to_tsvector('simple', seminars_search_text(t.title)), 'A')
            || setweight(to_tsvector('simple', seminars_search_text(s.name)), 'B')
            || setweight(to_tsvector('simple', seminars_search_text(t.venue)), 'B')
            || setweight(to_tsvector('simple', seminars_search_text(t.abstract)), 'C')
            AS talk_text) AS v
        WHERE t.id = ANY (talks)
        ON CONFLICT (talk_id) DO UPDATE
            SET talk_text = EXCLUDED.talk_text, document = EXCLUDED.document;
    END
    $$;

    CREATE FUNCTION {TABLE}_refresh_speakers(talks bigint[]) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE {TABLE} SET document = talk_text || {TABLE}_speakers(talk_id)
        WHERE talk_id = ANY (talks);
    END
    $$;
"""

# (trigger, its function's body, the CREATE TRIGGER clauses). Inserts and deletes, which
# the importer makes in bulk, are handled a statement at a time through their transition
# tables; updates, which name columns, a row at a time (PostgreSQL allows no transition
# tables with a column list).
POSTGRES_TRIGGERS = [
    (
        "talk_insert",
        f"PERFORM {TABLE}_refresh_talks(ARRAY(SELECT id FROM added));",
        "AFTER INSERT ON seminars_talk REFERENCING NEW TABLE AS added FOR EACH STATEMENT",
    ),
    (
        "talk_update",
        f"PERFORM {TABLE}_refresh_talks(ARRAY[NEW.id]);",
        "AFTER UPDATE OF title, venue, abstract, series_id ON seminars_talk FOR EACH ROW "
        "WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.venue IS DISTINCT FROM NEW.venue "
        "OR OLD.abstract IS DISTINCT FROM NEW.abstract "
        "OR OLD.series_id IS DISTINCT FROM NEW.series_id)",
    ),
    (
        "talk_delete",
        f"DELETE FROM {TABLE} WHERE talk_id IN (SELECT id FROM removed);",
        "AFTER DELETE ON seminars_talk REFERENCING OLD TABLE AS removed FOR EACH STATEMENT",
    ),
    (
        "talk_truncate",
        f"TRUNCATE {TABLE};",
        "AFTER TRUNCATE ON seminars_talk FOR EACH STATEMENT",
    ),
    (
        "talkspeaker_insert",
        f"PERFORM {TABLE}_refresh_speakers(ARRAY(SELECT talk_id FROM added));",
        "AFTER INSERT ON seminars_talkspeaker REFERENCING NEW TABLE AS added FOR EACH STATEMENT",
    ),
    (
        "talkspeaker_update",
        f"PERFORM {TABLE}_refresh_speakers(ARRAY[OLD.talk_id, NEW.talk_id]);",
        "AFTER UPDATE OF talk_id, speaker_id ON seminars_talkspeaker FOR EACH ROW",
    ),
    (
        "talkspeaker_delete",
        f"PERFORM {TABLE}_refresh_speakers(ARRAY(SELECT talk_id FROM removed));",
        "AFTER DELETE ON seminars_talkspeaker REFERENCING OLD TABLE AS removed FOR EACH STATEMENT",
    ),
    (
        "speaker_update",
        f"PERFORM {TABLE}_refresh_speakers("
        "ARRAY(SELECT talk_id FROM seminars_talkspeaker WHERE speaker_id = NEW.id));",
        "AFTER UPDATE OF name, affiliation ON seminars_speaker FOR EACH ROW "
        "WHEN (OLD.name IS DISTINCT FROM NEW.name "
        "OR OLD.affiliation IS DISTINCT FROM NEW.affiliation)",
    ),
    (
        "series_update",
        f"PERFORM {TABLE}_refresh_talks("
        "ARRAY(SELECT id FROM seminars_talk WHERE series_id = NEW.id));",
        "AFTER UPDATE OF name ON seminars_series FOR EACH ROW "
        "WHEN (OLD.name IS DISTINCT FROM NEW.name)",
    ),
]

POSTGRES_TRIGGER = """
    CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        {body}
        RETURN NULL;
    END
    $$;
    CREATE TRIGGER {name} {clauses} EXECUTE FUNCTION {name}();
"""

UNACCENT_HINT = (
    "Search needs PostgreSQL's unaccent extension. The database's owner may create it on "
    "PostgreSQL 13 or later; otherwise have a superuser run CREATE EXTENSION unaccent; in "
    "this database, then migrate again."
)


def postgres_forwards(cursor):
    try:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    except DatabaseError as error:
        raise RuntimeError(f"{UNACCENT_HINT} ({error})") from error
    cursor.execute(
        "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'unaccent'"
    )
    schema = cursor.fetchone()[0]
    cursor.execute(POSTGRES_FUNCTIONS.format(schema=schema))
    cursor.execute(POSTGRES_TABLE)
    for name, body, clauses in POSTGRES_TRIGGERS:
        cursor.execute(POSTGRES_TRIGGER.format(name=f"{TABLE}_{name}", body=body, clauses=clauses))
    cursor.execute(f"SELECT {TABLE}_refresh_talks(ARRAY(SELECT id FROM seminars_talk))")
    cursor.execute("DROP INDEX IF EXISTS talk_text_search_idx")  # 0005's


# 0005's index, as 0005 made it, for going back.
OLD_INDEX = GinIndex(
    SearchVector("title", "venue", "abstract", config="simple"), name="talk_text_search_idx"
)


def postgres_backwards(cursor):
    for name, *_ in POSTGRES_TRIGGERS:
        cursor.execute(f"DROP FUNCTION IF EXISTS {TABLE}_{name}() CASCADE")  # and its trigger
    cursor.execute(f"DROP FUNCTION IF EXISTS {TABLE}_refresh_talks(bigint[])")
    cursor.execute(f"DROP FUNCTION IF EXISTS {TABLE}_refresh_speakers(bigint[])")
    cursor.execute(f"DROP FUNCTION IF EXISTS {TABLE}_speakers(bigint)")
    cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
    cursor.execute("DROP FUNCTION IF EXISTS seminars_search_text(text)")
    cursor.execute("DROP FUNCTION IF EXISTS seminars_unaccent(text)")
    # The extension stays: something else may use it by now.


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "sqlite":
            sqlite_forwards(cursor)
        elif vendor == "postgresql":
            postgres_forwards(cursor)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "sqlite":
            sqlite_backwards(cursor)
        elif vendor == "postgresql":
            postgres_backwards(cursor)
            schema_editor.add_index(apps.get_model("seminars", "Talk"), OLD_INDEX)


class Migration(migrations.Migration):
    dependencies = [("seminars", "0010_online_links_and_old_slugs")]

    operations = [migrations.RunPython(forwards, backwards)]
