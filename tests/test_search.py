"""Search: forgiving of case and accents, ranked, kept in step with every write, on either
database (the same tests run on SQLite and PostgreSQL)."""

import datetime as dt
import html as html_lib
import re
import sqlite3

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from seminars.ics.records import EventRecord, SpeakerRecord
from seminars.ics.sync import sync_records
from seminars.models import FeedSource, Speaker, Talk, TalkSpeaker
from seminars.search import (
    TABLE,
    documents_deferred,
    fold,
    refresh_documents,
    search_talks,
    words,
)
from tests.factories import make_series, make_speaker, make_talk

pytestmark = pytest.mark.django_db


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def days(n: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=n)


def titles(page: str) -> list[str]:
    found = re.findall(r'<h3 class="talk-title"><a href="[^"]*">(.*?)</a>', page)
    return [html_lib.unescape(title) for title in found]


def search(client, query: str, **params) -> str:
    return html(client.get("/search/", {"q": query, **params}))


def found(client, query: str) -> list[str]:
    return titles(search(client, query))


def matching(query: str) -> list[str]:
    """Titles of the talks matching `query`, asked of the search, not a cached page: writes
    without signals (update(), the importer's bulk writes) leave the page cache alone."""
    return [talk.title for talk in search_talks(query)[0:100]]


# Forgiving: case, accents, word starts


@pytest.mark.parametrize("query", ["fernandez", "FERNÁNDEZ", "Fernández", "fern", "lucia"])
def test_a_speaker_is_found_whatever_the_case_and_accents_typed(client, query):
    make_talk(title="Typen", speakers=[make_speaker("Lucía Fernández")])
    make_talk(title="Unrelated", speakers=[make_speaker("Ann Lee")])

    assert found(client, query) == ["Typen"]


@pytest.mark.parametrize("query", ["uber typen", "UBER TYPEN", "über", "typ"])
def test_a_title_is_found_without_its_umlauts(client, query):
    make_talk(title="Über Typen")
    make_talk(title="Unrelated")

    assert found(client, query) == ["Über Typen"]


def test_a_venue_or_an_abstract_is_found_without_its_accents(client):
    make_talk(title="At the venue", venue="ETH Zürich, HG G 19", start=days(1))
    make_talk(title="In the abstract", abstract="Joint work with colleagues in Zürich.")
    make_talk(title="Unrelated", venue="Basel")

    assert sorted(found(client, "zurich")) == ["At the venue", "In the abstract"]


# Letters that are not a base letter and an accent: PostgreSQL's unaccent writes them as other
# letters, and SQLite's search folds them the same way, so both find the same talks.
FOLDED_NAMES = [
    ("Weißmann", "weissmann"),
    ("WEISSMANN", "weißmann"),
    ("Łódź", "lodz"),
    ("Øksendal", "oksendal"),
    ("Đoković", "dokovic"),
    ("Ærø", "aero"),
    ("Œuvres", "oeuvres"),
    ("Þórsdóttir", "thorsdottir"),
    ("Ħal Far", "hal far"),
    ("ﬁnite ﬂows", "finite flows"),  # ligatures, as PDFs paste them
    ("Ελληνικά", "ελληνικα"),
    ("Ёлкин", "елкин"),
]


@pytest.mark.parametrize(("name", "typed"), FOLDED_NAMES)
def test_a_name_is_found_as_written_and_folded_into_plain_letters(client, name, typed):
    make_talk(title="Folded", speakers=[make_speaker(name)])
    make_talk(title="Unrelated", speakers=[make_speaker("Ann Lee")])

    assert found(client, name) == ["Folded"]
    assert found(client, typed) == ["Folded"]
    assert found(client, typed.upper()) == ["Folded"]


def test_a_folded_letter_matches_the_start_of_a_longer_word(client):
    make_talk(title="Straße und Weißmann")
    make_talk(title="Strasbourg")

    assert found(client, "weiss") == ["Straße und Weißmann"]
    assert found(client, "weiß") == ["Straße und Weißmann"]
    assert sorted(found(client, "stras")) == ["Strasbourg", "Straße und Weißmann"]


def test_a_folded_letter_in_a_title_venue_series_or_abstract_is_found(client):
    make_talk(title="Gauß sums", start=days(1))
    make_talk(title="At the venue", venue="Łódź, room 2", start=days(2))
    make_talk(title="In the series", series=make_series("Øresund Seminar"), start=days(3))
    make_talk(title="In the abstract", abstract="With Þórsdóttir.", start=days(4))

    assert found(client, "gauss") == ["Gauß sums"]
    assert found(client, "lodz") == ["At the venue"]
    assert found(client, "oresund") == ["In the series"]
    assert found(client, "thorsdottir") == ["In the abstract"]


@pytest.mark.parametrize(
    "query",
    ["quantum", "Noether", "gottingen", "Topology Seminar", "Hall 7", "quantum noether", "braids"],
)
def test_search_finds_talks_by_title_abstract_speaker_series_and_venue(client, query):
    make_talk(
        title="Quantum groups",
        abstract="About braids.",
        speakers=[make_speaker("Emmy Noether", affiliation="Universität Göttingen")],
        series=make_series("Topology Seminar"),
        venue="Hall 7",
    )
    make_talk(title="Unrelated", abstract="Nothing here.")

    page = search(client, query)

    assert titles(page) == ["Quantum groups"]
    assert "1 talk found" in page


def test_every_word_of_the_query_must_match(client):
    make_talk(title="Quantum groups", speakers=[make_speaker("Emmy Noether")])
    make_talk(title="Quantum fields")

    assert found(client, "quantum noether") == ["Quantum groups"]


@pytest.mark.parametrize("query", ["quant", "QUANTUM gro", "graph", "Quantum Groups"])
def test_words_of_three_letters_or_more_match_the_start_of_longer_words(client, query):
    make_talk(title="Quantum groups", abstract="Their graphs.")
    make_talk(title="Unrelated")

    assert found(client, query) == ["Quantum groups"]


def test_shorter_words_match_whole_words_only(client):
    make_talk(title="Linear maps", speakers=[make_speaker("Wei Lin")])
    make_talk(title="Lie groups", speakers=[make_speaker("Mei Li")])

    assert found(client, "li") == ["Lie groups"]
    assert sorted(found(client, "lin")) == ["Linear maps"]


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("o'brien", "Knots"),
        ("O’Brien", "Knots"),
        ("jean-pierre", "Sheaves"),
        ("jean pierre", "Sheaves"),
        ("3.14", "Sheaves"),
        ("ann@example.org", "Knots"),
    ],
)
def test_punctuation_inside_a_word_is_read_as_in_the_talk(client, query, title):
    make_talk(title="Knots", speakers=[make_speaker("Máire O'Brien")], abstract="ann@example.org")
    make_talk(title="Sheaves", speakers=[make_speaker("Jean-Pierre Serre")], venue="Room 3.14")

    assert found(client, query) == [title]


def test_a_query_is_read_as_the_words_between_its_spaces_that_hold_a_letter_or_digit():
    query = ' "o\'brien"  3.14\tNEAR *** (x)- Zu\u0308rich Fer\u00adnán\x00dez -- '

    assert words(query) == ['"o\'brien"', "3.14", "NEAR", "(x)-", "Zürich", "Fernández"]


# Hostile input: results or nothing found, never an error


def test_query_syntax_in_the_input_is_searched_for_as_words(client):
    make_talk(title="Near and far")
    make_talk(title="Not a talk")
    make_talk(title="Quantum groups")

    assert found(client, "NEAR") == ["Near and far"]
    assert found(client, "NOT") == ["Not a talk"]
    for query in ['"quantum', "quantum*", "(quantum)", "-quantum", "^quantum", "quantum:"]:
        assert found(client, query) == ["Quantum groups"], query


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        "'",
        "''",
        "*",
        "-",
        "(",
        ")",
        "((",
        "a OR b",
        "a AND NOT b",
        "NEAR(a b, 2)",
        "{title speakers}: a",
        "title : a",
        ":*",
        "a & b | !c <-> d",
        "\\",
        "\\'",
        'quan"tum',
        "%",
        "%s %(x)s",
        "ʼ ŉ",
        "\x00",
        "quantum\x00groups",
        "\x01\x1f\x7f",
        "\u202e\u200b",
        "🙂",
        "x" * 10_000,
        "quantum " * 2_000,
        "a" * 5 + " " + "-" * 500,
    ],
)
def test_hostile_queries_give_results_or_nothing_found(client, query):
    make_talk(title="Quantum groups")

    page = search(client, query)

    assert "found for" in page
    assert titles(page) in ([], ["Quantum groups"])


def test_a_query_of_no_words_finds_nothing(client):
    make_talk(title="Something")

    page = search(client, "*** --- ()")

    assert "0 talks found" in page
    assert "Nothing matches" in page


def test_search_with_no_match_says_so(client):
    make_talk(title="Something")

    page = search(client, "zzzz")

    assert "0 talks found" in page
    assert "Nothing matches" in page


def test_empty_search_shows_just_the_form(client):
    page = html(client.get("/search/"))

    assert 'name="q"' in page and "found" not in page


# Order: upcoming before past, best match first


def test_title_and_speaker_matches_rank_above_series_and_venue_then_abstract(client):
    # Dates the other way round, so that only the rank can give this order.
    make_talk(title="About it", abstract="On spectra, briefly.", start=days(1))
    make_talk(title="Where", venue="Spectra Hall", start=days(2))
    make_talk(title="Who", speakers=[make_speaker("Ivo Spectra")], start=days(3))
    make_talk(title="Spectra", start=days(4))

    ranked = found(client, "spectra")

    assert set(ranked[:2]) == {"Spectra", "Who"}
    assert ranked[2:] == ["Where", "About it"]


def test_upcoming_talks_come_first_and_past_ones_are_marked(client):
    make_talk(title="Spectra then", start=days(-30))
    make_talk(title="Other", abstract="Some spectra.", start=days(5))
    make_talk(title="Spectra soon", start=days(2))

    page = search(client, "spectra")

    assert titles(page) == ["Spectra soon", "Other", "Spectra then"]
    upcoming, past = page.split("Past talks</h2>")
    assert "Upcoming talks</h2>" in upcoming and "Spectra soon" in upcoming
    assert "Spectra then" in past and "Other" not in past


def test_equal_matches_list_upcoming_soonest_first_and_past_latest_first(client):
    series = make_series("Knots")
    talks = [make_talk(title="Knots", series=series, start=days(n)) for n in (9, -9, 3, -3)]

    page = search(client, "knots")

    hrefs = re.findall(r'<h3 class="talk-title"><a href="([^"]*)"', page)
    assert hrefs == [talks[i].get_absolute_url() for i in (2, 0, 3, 1)]


def test_a_talk_under_way_is_not_past(client):
    make_talk(title="Spectra now", start=timezone.now() - dt.timedelta(minutes=20))

    page = search(client, "spectra")

    assert "Upcoming talks</h2>" in page and "Past talks" not in page


# Paging and queries


def test_results_are_paged_and_counted_in_full(client):
    for n in range(30):
        make_talk(title=f"Spectra {n}", start=days(n + 1))

    first = search(client, "spectra")
    second = search(client, "spectra", page=2)

    assert "30 talks found" in first and "30 talks found" in second
    assert titles(first) == [f"Spectra {n}" for n in range(25)]
    assert titles(second) == [f"Spectra {n}" for n in range(25, 30)]


def test_search_with_a_page_number_beyond_the_results_shows_the_last_page(client):
    make_talk(title="Quantum groups")

    page = search(client, "quantum", page="9" * 30)

    assert titles(page) == ["Quantum groups"] and "1 talk found" in page


def test_a_search_page_takes_the_same_queries_for_3_and_60_matches(
    client, django_assert_num_queries
):
    speakers = [make_speaker("Ann Lee"), make_speaker("Bo Chen")]
    for n in range(3):
        make_talk(title=f"Spectra {n}", speakers=speakers)
    # The content version, the count, the page's ids, its talks and their speakers.
    with django_assert_num_queries(5):
        html(client.get("/search/", {"q": "spectra lee"}))
    for n in range(57):
        make_talk(title=f"Spectra {n}", speakers=speakers)
    with django_assert_num_queries(5):
        page = search(client, "spectra lee")
    assert "60 talks found" in page


def test_serving_a_search_only_reads_the_database(client):
    make_talk(title="Spectra")

    with CaptureQueriesContext(connection) as queries:
        search(client, "spectra")

    assert [q["sql"] for q in queries if not q["sql"].startswith("SELECT")] == []


def test_slices_of_the_results_follow_the_order_of_the_whole():
    for n in range(6):
        make_talk(title=f"Spectra {n}", start=days(n + 1))
    results = search_talks("spectra")

    assert [t.title for t in results[2:5]] == ["Spectra 2", "Spectra 3", "Spectra 4"]
    assert results[4:4] == [] and len(results) == 6


# Kept in step with every write, bulk ones included


def record(uid, title, *, speakers=(), **fields) -> EventRecord:
    start = days(3)
    return EventRecord(
        uid=uid,
        title=title,
        start=start,
        end=start + dt.timedelta(hours=1),
        speakers=[SpeakerRecord(name) for name in speakers],
        **fields,
    )


@pytest.fixture
def source():
    return FeedSource.objects.create(location="/feeds/logic.ics", series=make_series("Logic"))


def sync(records, source):
    with transaction.atomic():
        sync_records(records, source=source, series=source.series)


def test_an_import_is_searchable_at_once(client, source):
    sync(
        [
            record("a@x", "Über Typen", speakers=["Lucía Fernández"], location="ETH Zürich"),
            record("b@x", "Unrelated", speakers=["Ann Lee"]),
        ],
        source,
    )

    assert found(client, "fernandez") == ["Über Typen"]
    assert found(client, "uber typen zurich") == ["Über Typen"]
    assert found(client, "logic lee") == ["Unrelated"]


def test_a_reimport_that_changes_a_title_and_speakers_changes_the_results(client, source):
    sync([record("a@x", "Über Typen", speakers=["Lucía Fernández"])], source)
    sync([record("a@x", "Kategorien", speakers=["Ann Lee"])], source)

    assert found(client, "typen") == [] and found(client, "fernandez") == []
    assert found(client, "kategorien lee") == ["Kategorien"]


def test_renaming_a_speaker_or_their_affiliation_changes_the_results(client):
    speaker = make_speaker("Lucia Fernandez", affiliation="Basel")
    make_talk(title="Typen", speakers=[speaker])
    speaker.name, speaker.affiliation = "Lucía García", "ETH Zürich"
    speaker.save()

    assert found(client, "garcia zurich") == ["Typen"]
    assert found(client, "fernandez") == [] and found(client, "basel") == []


def test_a_rename_without_signals_changes_the_results_too():
    make_talk(title="Typen", speakers=[make_speaker("Ann Lee")], series=make_series("Logic"))
    Speaker.objects.update(name="Bo Chen")
    Talk.objects.update(title="Kategorien", venue="Zürich")

    assert matching("chen kategorien zurich logic") == ["Kategorien"]
    assert matching("lee") == [] and matching("typen") == []


def test_renaming_or_changing_the_series_changes_the_results(client):
    logic, algebra = make_series("Logic"), make_series("Algebra")
    talk = make_talk(title="Typen", series=logic)
    logic.name = "Beweistheorie"
    logic.save()

    assert found(client, "beweistheorie") == ["Typen"] and found(client, "logic") == []
    talk.series = algebra
    talk.save()
    assert found(client, "algebra") == ["Typen"] and found(client, "beweistheorie") == []


def test_editing_a_talk_changes_the_results(client):
    talk = make_talk(title="Typen", venue="Basel", abstract="Short.")
    talk.title, talk.venue, talk.abstract = "Kategorien", "Zürich", "Über Funktoren."
    talk.save()

    assert found(client, "kategorien zurich funktoren") == ["Kategorien"]
    assert found(client, "typen") == [] and found(client, "basel") == []


def test_adding_removing_or_swapping_a_speaker_changes_the_results(client):
    ann, bo = make_speaker("Ann Lee"), make_speaker("Bo Chen")
    talk = make_talk(title="Typen", speakers=[ann])
    link = TalkSpeaker.objects.create(talk=talk, speaker=bo, position=1)
    assert found(client, "lee chen") == ["Typen"]

    link.delete()
    assert found(client, "chen") == []
    TalkSpeaker.objects.filter(talk=talk).update(speaker=bo)
    assert matching("chen") == ["Typen"] and matching("lee") == []


def test_a_deleted_talk_is_gone_from_the_index():
    talk = make_talk(title="Typen", speakers=[make_speaker("Ann Lee")])
    talk.delete()

    assert search_talks("typen").count() == 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        assert cursor.fetchone()[0] == 0


# The index itself

SQLITE_TRIGGERS = {
    f"{TABLE}_{name}"
    for name in (
        "talk_insert",
        "talk_update",
        "talk_delete",
        "talkspeaker_insert",
        "talkspeaker_update",
        "talkspeaker_delete",
        "speaker_update",
        "series_update",
    )
}


def triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {name for (name,) in cursor.fetchall() if name.startswith(TABLE)}


def test_every_search_trigger_is_there_after_all_migrations():
    # A later migration that rebuilds a table on SQLite drops its triggers with it.
    expected = SQLITE_TRIGGERS | (
        {f"{TABLE}_talk_truncate"} if connection.vendor != "sqlite" else set()
    )
    assert triggers() == expected


@pytest.mark.django_db(transaction=True)
def test_the_migration_indexes_the_talks_already_there_and_can_be_undone(client):
    executor = MigrationExecutor(connection)
    before = [("seminars", "0010_online_links_and_old_slugs")]
    executor.migrate(before)
    assert triggers() == set()
    old = executor.loader.project_state(before).apps
    old_talk = old.get_model("seminars", "Talk")
    series = old.get_model("seminars", "Series").objects.create(name="Logic", slug="logic")
    old_talk.objects.create(
        title="Über Typen", series_id=series.pk, slug="t", start=days(1), uid="u"
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert found(client, "uber logic") == ["Über Typen"]


@pytest.mark.django_db(transaction=True)
def test_the_folding_migration_folds_the_talks_already_there_and_can_be_undone(client):
    executor = MigrationExecutor(connection)
    state = executor.migrate([("seminars", "0011_search")])
    # The talk as 0011's models make it (today's have columns 0011's table lacks).
    old = state.apps
    series = old.get_model("seminars", "Series").objects.create(name="Logic", slug="logic")
    talk = old.get_model("seminars", "Talk").objects.create(
        series=series, title="Weißmann", slug="weissmann", uid="w@tests", start=timezone.now()
    )
    speaker = old.get_model("seminars", "Speaker").objects.create(
        name="Łukasz Øster", slug="lukasz-oster", name_key="lukasz oster"
    )
    old.get_model("seminars", "TalkSpeaker").objects.create(talk=talk, speaker=speaker, position=0)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert matching("weissmann lukasz oster") == ["Weißmann"]

    executor = MigrationExecutor(connection)
    executor.migrate([("seminars", "0011_search")])
    if connection.vendor == "sqlite":  # PostgreSQL's documents were folded all along
        assert sqlite_documents() == [("Weißmann", "Łukasz Øster")]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert matching("weissmann lukasz oster") == ["Weißmann"]
    assert triggers() >= SQLITE_TRIGGERS
    if connection.vendor == "sqlite":
        assert sqlite_documents() == [("Weissmann", "Lukasz Oster")]


def sqlite_documents() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT title, speakers FROM {TABLE}")
        return cursor.fetchall()


def fts5_words(texts: list[str]) -> list[set[str]]:
    """The words SQLite's search tokenizer makes of each text."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'unicode61 remove_diacritics 2')")
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    db.executemany("INSERT INTO t (rowid, x) VALUES (?, ?)", enumerate(texts))
    found = [set() for _ in texts]
    for row, term in db.execute("SELECT doc, term FROM v"):
        found[row].add(term)
    return found


@pytest.mark.skipif(connection.vendor != "postgresql", reason="compares with PostgreSQL's unaccent")
def test_sqlite_makes_the_words_postgresql_makes_of_every_character_unaccent_folds():
    # Each character unaccent changes, inside a word: the words PostgreSQL's documents get
    # (unaccent, punctuation as spaces, lower case), and those SQLite's get from fold().
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c, array(SELECT lexeme FROM unnest(to_tsvector('simple', "
            "seminars_search_text('x' || c || 'x')))) "
            "FROM (SELECT chr(i) AS c FROM generate_series(128, 200000) AS i "
            "WHERE i NOT BETWEEN 55296 AND 57343) AS chars WHERE seminars_unaccent(c) <> c"
        )
        postgres = dict(cursor.fetchall())
    sqlite = fts5_words([f"x{fold(c)}x" for c in postgres])

    differ = {
        c: (postgres[c], words)
        for c, words in zip(postgres, sqlite, strict=True)
        if set(postgres[c]) != words
    }
    assert differ == {}
    assert len(postgres) > 1500  # unaccent's rules were read: PostgreSQL 15 has 1,650


def page_query_plan(explain: str) -> list[str]:
    """The plan of the query that picks a page of results, as the database gives it."""
    with CaptureQueriesContext(connection) as queries:
        search_talks("spectra graphs")[0:25]
    with connection.cursor() as cursor:
        cursor.execute(f"{explain} {queries[0]['sql']}")
        return [row[-1] for row in cursor.fetchall()]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
def test_sqlite_search_looks_words_up_in_the_fts5_index_then_talks_by_id():
    plan = page_query_plan("EXPLAIN QUERY PLAN")

    assert plan[0].startswith(f"SCAN {TABLE} VIRTUAL TABLE INDEX")
    assert plan[1] == "SEARCH t USING INTEGER PRIMARY KEY (rowid=?)"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's query plan")
def test_postgres_search_looks_words_up_in_the_gin_index():
    with connection.cursor() as cursor:
        # A few rows, planned by whatever statistics other tests left: with scans and plain
        # index scans off, only an index that can answer the words is left.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")

    assert f"{TABLE}_document_idx" in "\n".join(page_query_plan("EXPLAIN"))


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL's triggers take a statement")
def test_deferred_documents_are_left_alone_until_the_writer_makes_them(client):
    series = make_series("Logic")
    with transaction.atomic(), documents_deferred():
        talk = make_talk(series=series, title="Quantales and frames")
        assert matching("quantales") == []  # the row trigger skipped it
        refresh_documents([talk.pk])
    assert matching("quantales") == ["Quantales and frames"]
    # Outside, the triggers make documents as before.
    make_talk(series=series, title="Locales without points")
    assert matching("locales") == ["Locales without points"]


@pytest.mark.django_db(transaction=True)
def test_the_deferring_migration_keeps_search_working_both_ways(client):
    executor = MigrationExecutor(connection)
    executor.migrate([("seminars", "0022_speaker_links")])
    assert triggers() == SQLITE_TRIGGERS | (
        {f"{TABLE}_talk_truncate"} if connection.vendor != "sqlite" else set()
    )
    make_talk(series=make_series("Logic"), title="Before the migration")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    make_talk(series=make_series("Algebra"), title="After the migration")
    assert set(matching("migration")) == {"After the migration", "Before the migration"}
