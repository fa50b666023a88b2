"""Search over talks by title, speakers, series, venue and abstract, whatever case and accents.

Each talk has a search document that database triggers keep in step with the talk, its
speakers and its series (migration 0011): a row of an FTS5 table on SQLite, a tsvector with a
GIN index on PostgreSQL, both with accents folded away. A search looks its words up in that
index, so it costs what its matches cost, however many talks there are.

A query is cut into words at spaces. Each word is handed to the database as a quoted phrase,
never as query syntax, for its own tokenizer to split as it split the documents ("o'brien"
finds O'Brien, "3.14" Room 3.14). A talk matches when it has every word; a word of three
letters or more also matches the start of a longer one ("fern" finds Fernández, "graph"
graphs). Talks not yet over come first, then past ones; in each group the best matches
first, where title and speakers' names weigh most, their affiliations, the series and the
venue less, the abstract least; then by date.
"""

import re
import unicodedata
from typing import NamedTuple

from django.db import connection
from django.utils import timezone

from .models import Talk

TABLE = "seminars_talk_search"
MAX_LENGTH = 200  # characters of a query read
MAX_WORDS = 8
MIN_PREFIX = 3  # shorter words match whole words only: "a" would match nearly everything
_TOKEN = re.compile(r"[^\W_]+")  # letters and digits, roughly what both databases index

# Weights 1 : 0.4 : 0.2, PostgreSQL's defaults for its weights A, B, C, which the documents
# give title and speaker names; affiliations, series and venue; abstract. bm25() takes them per
# column, in the FTS5 table's order (title, speakers, affiliations, series, venue, abstract);
# lower is better.
_SQLITE_RANK = f"bm25({TABLE}, 10, 10, 4, 4, 4, 2)"
# A word as a tsquery phrase, its last part a prefix if asked: phraseto_tsquery() reads no
# syntax, and its result, written out, is quoted so that to_tsquery() reads it back as it was.
_POSTGRES_PHRASE = (
    "(SELECT CASE WHEN %s AND numnode(p) > 0 THEN to_tsquery('simple', p::text || ':*') "
    "ELSE p END FROM phraseto_tsquery('simple', seminars_search_text(%s)) AS p)"
)


def words(query: str) -> list[str]:
    """The words of `query`, split at spaces, that hold a letter or a digit; control and
    format characters taken out (FTS5 ends a string at NUL, PostgreSQL refuses it)."""
    text = unicodedata.normalize("NFC", query[:MAX_LENGTH])
    found = ("".join(c for c in word if not _is_control(c)) for word in text.split())
    return [word for word in found if _TOKEN.search(word)][:MAX_WORDS]


def _is_control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Cn")


def _is_prefix(word: str) -> bool:
    return len(_TOKEN.findall(word)[-1]) >= MIN_PREFIX


def fts5_query(words: list[str]) -> str:
    """An FTS5 MATCH expression: every word a quoted phrase, all of them required."""
    return " ".join(
        '"' + word.replace('"', '""') + '"' + ("*" if _is_prefix(word) else "") for word in words
    )


class Matches(NamedTuple):
    """SQL of the documents matching a query: FROM, the talk id, WHERE, their parameters,
    and the ORDER BY term of the rank, best first."""

    source: str
    key: str
    where: str
    params: list
    rank: str


class SearchResults:
    """The talks matching a query, in order, for Django's Paginator: count() and slices.

    Each talk sliced out comes with its series and speakers, and `is_past`: whether it is over.
    """

    def __init__(self, query: str, *, now=None):
        self.words = words(query)
        self.now = now or timezone.now()
        self._count = None

    def _matches(self) -> Matches:
        if connection.vendor == "postgresql":
            query = " && ".join([_POSTGRES_PHRASE] * len(self.words))
            return Matches(
                f"{TABLE} AS d CROSS JOIN (SELECT {query}) AS q (query)",
                "d.talk_id",
                "d.document @@ q.query",
                [p for word in self.words for p in (_is_prefix(word), word)],
                "ts_rank(d.document, q.query) DESC",
            )
        # FTS5 takes no alias for its table in MATCH or bm25().
        return Matches(
            TABLE, f"{TABLE}.rowid", f"{TABLE} MATCH %s", [fts5_query(self.words)], _SQLITE_RANK
        )

    def count(self) -> int:
        if self._count is None:
            self._count = 0
            if self.words:
                # The documents alone: reading every matching talk's row would cost more than
                # the index lookup, and the triggers keep one document per talk.
                m = self._matches()
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT count(*) FROM {m.source} WHERE {m.where}", m.params)
                    self._count = cursor.fetchone()[0]
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[Talk]:
        """Talks `index.start` to `index.stop` (both needed) of the results."""
        start, stop = index.start or 0, index.stop
        if not self.words or stop <= start:
            return []
        m = self._matches()
        end = connection.ops.quote_name("end")
        past = f"COALESCE(t.{end}, t.start) < %s"
        now = connection.ops.adapt_datetimefield_value(self.now)
        # Within a rank, talks to come soonest first and past ones latest first.
        sql = (
            f"SELECT t.id, {past} FROM {m.source} JOIN {Talk._meta.db_table} AS t "
            f"ON t.id = {m.key} WHERE {m.where} "
            f"ORDER BY {past}, {m.rank}, CASE WHEN {past} THEN NULL ELSE t.start END, "
            "t.start DESC, t.id LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [now, *m.params, now, now, stop - start, start])
            rows = cursor.fetchall()
        talks = Talk.objects.with_speakers().in_bulk([pk for pk, _ in rows])
        found = []
        for pk, is_past in rows:
            if pk in talks:  # unless deleted in between
                talks[pk].is_past = bool(is_past)
                found.append(talks[pk])
        return found


def search_talks(query: str, *, now=None) -> SearchResults:
    """Talks matching `query`: see the module's docstring."""
    return SearchResults(query, now=now)
