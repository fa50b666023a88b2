"""Search over talks by title, speakers, series, venue and abstract, whatever case and accents.

Each talk has a search document that database triggers keep in step with the talk, its
speakers and its series (migrations 0011 and 0012): a row of an FTS5 table on SQLite, a
tsvector with a GIN index on PostgreSQL, both with accents folded away. A search looks its
words up in that index, so it costs what its matches cost, however many talks there are.

Both databases fold letters alike, so that they find the same talks: PostgreSQL with its
unaccent extension ("Weißmann" is "weissmann", "Łódź" "lodz", "Æsir" "aesir"); SQLite with
`fold()` below, which does what unaccent does where SQLite's tokenizer, which takes off
accents itself, does not. The triggers call it as `seminars_fold()`, a function added to every
SQLite connection Django opens (a connection without it, such as the sqlite3 shell, cannot
write talks, speakers or series).

A query is cut into words at spaces. Each word is handed to the database as a quoted phrase,
never as query syntax, for its own tokenizer to split as it split the documents ("o'brien"
finds O'Brien, "3.14" Room 3.14). A talk matches when it has every word; a word of three
letters or more also matches the start of a longer one ("fern" finds Fernández, "graph"
graphs). Talks not yet over come first, then past ones; in each group the best matches
first, where title and speakers' names weigh most, their affiliations, the series and the
venue less, the abstract least; then by date.
"""

import contextlib
import re
import threading
import unicodedata
from typing import NamedTuple

from django.db import connection
from django.db.backends.signals import connection_created
from django.dispatch import receiver
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
    """The words of `query`, split at spaces, that hold a letter or a digit once folded
    ("ʼ" is an apostrophe); control and format characters taken out (FTS5 ends a string at
    NUL, PostgreSQL refuses it)."""
    text = unicodedata.normalize("NFC", query[:MAX_LENGTH])
    found = ("".join(c for c in word if not _is_control(c)) for word in text.split())
    return [word for word in found if _TOKEN.search(fold(word))][:MAX_WORDS]


def _is_control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Cn")


def _is_prefix(word: str) -> bool:
    """Whether the last part of `word`, folded, is long enough to match as a prefix."""
    return len(_TOKEN.findall(fold(word))[-1]) >= MIN_PREFIX


def fts5_query(words: list[str]) -> str:
    """An FTS5 MATCH expression: every word folded and a quoted phrase, all of them required."""
    return " ".join(
        '"' + fold(word).replace('"', '""') + '"' + ("*" if _is_prefix(word) else "")
        for word in words
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
        past = f"COALESCE(t.{end}, t.start) < %s"  # Talk.is_over(), in SQL
        now = connection.ops.adapt_datetimefield_value(self.now)
        # Within a rank, talks to come soonest first and past ones latest first.
        sql = (
            f"SELECT t.id FROM {m.source} JOIN {Talk._meta.db_table} AS t "
            f"ON t.id = {m.key} WHERE {m.where} "
            f"ORDER BY {past}, {m.rank}, CASE WHEN {past} THEN NULL ELSE t.start END, "
            "t.start DESC, t.id LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*m.params, now, now, stop - start, start])
            rows = cursor.fetchall()
        talks = Talk.objects.with_speakers().in_bulk([pk for (pk,) in rows])
        found = []
        for (pk,) in rows:
            if pk in talks:  # unless deleted in between
                talks[pk].is_past = talks[pk].is_over(self.now)
                found.append(talks[pk])
        return found


def search_talks(query: str, *, now=None) -> SearchResults:
    """Talks matching `query`: see the module's docstring."""
    return SearchResults(query, now=now)


def fold(text: str | None) -> str | None:
    """`text` with the letters PostgreSQL's unaccent folds folded as it does them, where
    SQLite's tokenizer (unicode61, remove_diacritics 2) does not already do the same."""
    if text is None or text.isascii():
        return text
    # Only what needs folding is looked up: str.translate() would look up every character.
    return _FOLDABLE.sub(lambda match: _FOLDS[match[0]], text)


@receiver(connection_created, dispatch_uid="seminars-search-fold")
def _add_fold(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function("seminars_fold", 1, fold, deterministic=True)
        # Read by the row triggers (migration 0023) on each row: never deterministic.
        connection.connection.create_function("seminars_documents_deferred", 0, _deferred)


# Bulk writes on SQLite: its triggers run once per row, and an import of 10,000 talks made
# each talk's document three times over (the talk, then each speaker's link). While
# `documents_deferred()` is on, this thread's connection skips them, and the writer makes
# the documents of the talks it wrote afterwards, one statement per batch. PostgreSQL's
# triggers take inserts a statement at a time already.
_state = threading.local()

_SQLITE_REFRESH = [
    f"DELETE FROM {TABLE} WHERE rowid IN ({{talks}})",
    f"""INSERT INTO {TABLE} (rowid, title, speakers, affiliations, series, venue, abstract)
    SELECT t.id, seminars_fold(t.title),
        seminars_fold((SELECT group_concat(p.name, ' ') FROM seminars_talkspeaker AS ts
         JOIN seminars_speaker AS p ON p.id = ts.speaker_id WHERE ts.talk_id = t.id)),
        seminars_fold((SELECT group_concat(p.affiliation, ' ') FROM seminars_talkspeaker AS ts
         JOIN seminars_speaker AS p ON p.id = ts.speaker_id WHERE ts.talk_id = t.id)),
        seminars_fold(s.name), seminars_fold(t.venue), seminars_fold(t.abstract)
    FROM seminars_talk AS t JOIN seminars_series AS s ON s.id = t.series_id
    WHERE t.id IN ({{talks}})""",
]
_REFRESH_BATCH = 500


def _deferred() -> int:
    return 1 if getattr(_state, "deferred", False) else 0


@contextlib.contextmanager
def documents_deferred():
    """Within: this thread's writes on SQLite leave search documents alone; the caller then
    gives `refresh_documents()` every talk it wrote, before its transaction commits."""
    before = _deferred()
    _state.deferred = True
    try:
        yield
    finally:
        _state.deferred = bool(before)


def refresh_documents(talk_ids) -> None:
    """Make the search documents of `talk_ids` anew from their rows (SQLite; PostgreSQL's
    triggers keep them already)."""
    if connection.vendor != "sqlite":
        return
    ids = sorted(set(talk_ids))
    with connection.cursor() as cursor:
        for i in range(0, len(ids), _REFRESH_BATCH):
            batch = ids[i : i + _REFRESH_BATCH]
            marks = ", ".join(["%s"] * len(batch))
            for statement in _SQLITE_REFRESH:
                cursor.execute(statement.format(talks=marks), batch)


# PostgreSQL 15's unaccent.rules, less what SQLite's tokenizer reads alike already: each
# character here is split into the same words by both databases (tests/test_search.py checks
# this against PostgreSQL's own unaccent). A change here needs a migration that rebuilds the
# SQLite documents, as 0012 did.
# fmt: off
_FOLDS = {
    "©": "(C)", "®": "(R)", "¼": "1/4", "½": "1/2", "¾": "3/4", "Æ": "AE", "Ð": "D", "Ø": "O",
    "Þ": "TH", "ß": "ss", "æ": "ae", "ð": "d", "ø": "o", "þ": "th", "Đ": "D", "đ": "d",
    "Ħ": "H", "ħ": "h", "ı": "i", "Ĳ": "IJ", "ĳ": "ij", "ĸ": "q", "Ŀ": "L", "ŀ": "l", "Ł": "L",
    "ł": "l", "ŉ": "'n", "Ŋ": "N", "ŋ": "n", "Œ": "OE", "œ": "oe", "Ŧ": "T", "ŧ": "t", "ƀ": "b",
    "Ɓ": "B", "Ƃ": "B", "ƃ": "b", "Ƈ": "C", "ƈ": "c", "Ɖ": "D", "Ɗ": "D", "Ƌ": "D", "ƌ": "d",
    "Ɛ": "E", "Ƒ": "F", "ƒ": "f", "Ɠ": "G", "ƕ": "hv", "Ɩ": "I", "Ɨ": "I", "Ƙ": "K", "ƙ": "k",
    "ƚ": "l", "Ɲ": "N", "ƞ": "n", "Ƣ": "OI", "ƣ": "oi", "Ƥ": "P", "ƥ": "p", "ƫ": "t", "Ƭ": "T",
    "ƭ": "t", "Ʈ": "T", "Ʋ": "V", "Ƴ": "Y", "ƴ": "y", "Ƶ": "Z", "ƶ": "z", "Ǆ": "DZ", "ǅ": "Dz",
    "ǆ": "dz", "Ǉ": "LJ", "ǈ": "Lj", "ǉ": "lj", "Ǌ": "NJ", "ǋ": "Nj", "ǌ": "nj", "Ǡ": "A",
    "ǡ": "a", "Ǥ": "G", "ǥ": "g", "Ǳ": "DZ", "ǲ": "Dz", "ǳ": "dz", "ȡ": "d", "Ȥ": "Z", "ȥ": "z",
    "ȴ": "l", "ȵ": "n", "ȶ": "t", "ȷ": "j", "ȸ": "db", "ȹ": "qp", "Ⱥ": "A", "Ȼ": "C", "ȼ": "c",
    "Ƚ": "L", "Ⱦ": "T", "ȿ": "s", "ɀ": "z", "Ƀ": "B", "Ʉ": "U", "Ɇ": "E", "ɇ": "e", "Ɉ": "J",
    "ɉ": "j", "Ɍ": "R", "ɍ": "r", "Ɏ": "Y", "ɏ": "y", "ɓ": "b", "ɕ": "c", "ɖ": "d", "ɗ": "d",
    "ɛ": "e", "ɟ": "j", "ɠ": "g", "ɡ": "g", "ɢ": "G", "ɦ": "h", "ɧ": "h", "ɨ": "i", "ɪ": "I",
    "ɫ": "l", "ɬ": "l", "ɭ": "l", "ɱ": "m", "ɲ": "n", "ɳ": "n", "ɴ": "N", "ɶ": "OE", "ɼ": "r",
    "ɽ": "r", "ɾ": "r", "ʀ": "R", "ʂ": "s", "ʈ": "t", "ʉ": "u", "ʋ": "v", "ʏ": "Y", "ʐ": "z",
    "ʑ": "z", "ʙ": "B", "ʛ": "G", "ʜ": "H", "ʝ": "j", "ʟ": "L", "ʠ": "q", "ʣ": "dz", "ʥ": "dz",
    "ʦ": "ts", "ʪ": "ls", "ʫ": "lz", "ʹ": "'", "ʺ": "\"", "ʻ": "'", "ʼ": "'", "ʽ": "'",
    "ˆ": "^", "ˈ": "'", "ˋ": "`", "ː": ":", "Ά": "Α", "Έ": "Ε", "Ή": "Η", "Ί": "Ι", "Ό": "Ο",
    "Ύ": "Υ", "Ώ": "Ω", "ΐ": "ι", "Ϊ": "Ι", "Ϋ": "Υ", "ά": "α", "έ": "ε", "ή": "η", "ί": "ι",
    "ΰ": "υ", "ϊ": "ι", "ϋ": "υ", "ό": "ο", "ύ": "υ", "ώ": "ω", "Ё": "Е", "ё": "е", "ᴀ": "A",
    "ᴁ": "AE", "ᴃ": "B", "ᴄ": "C", "ᴅ": "D", "ᴆ": "D", "ᴇ": "E", "ᴊ": "J", "ᴋ": "K", "ᴌ": "L",
    "ᴍ": "M", "ᴏ": "O", "ᴘ": "P", "ᴛ": "T", "ᴜ": "U", "ᴠ": "V", "ᴡ": "W", "ᴢ": "Z", "ᵫ": "ue",
    "ᵬ": "b", "ᵭ": "d", "ᵮ": "f", "ᵯ": "m", "ᵰ": "n", "ᵱ": "p", "ᵲ": "r", "ᵳ": "r", "ᵴ": "s",
    "ᵵ": "t", "ᵶ": "z", "ᵺ": "th", "ᵻ": "I", "ᵽ": "p", "ᵾ": "U", "ᶀ": "b", "ᶁ": "d", "ᶂ": "f",
    "ᶃ": "g", "ᶄ": "k", "ᶅ": "l", "ᶆ": "m", "ᶇ": "n", "ᶈ": "p", "ᶉ": "r", "ᶊ": "s", "ᶌ": "v",
    "ᶍ": "x", "ᶎ": "z", "ᶏ": "a", "ᶑ": "d", "ᶒ": "e", "ᶓ": "e", "ᶖ": "i", "ᶙ": "u", "ẚ": "a",
    "ẜ": "s", "ẝ": "s", "ẞ": "SS", "Ỻ": "LL", "ỻ": "ll", "Ỽ": "V", "ỽ": "v", "Ỿ": "Y", "ỿ": "y",
    "ἀ": "α", "ἁ": "α", "ἂ": "α", "ἃ": "α", "ἄ": "α", "ἅ": "α", "ἆ": "α", "ἇ": "α", "Ἀ": "Α",
    "Ἁ": "Α", "Ἂ": "Α", "Ἃ": "Α", "Ἄ": "Α", "Ἅ": "Α", "Ἆ": "Α", "Ἇ": "Α", "ἐ": "ε", "ἑ": "ε",
    "ἒ": "ε", "ἓ": "ε", "ἔ": "ε", "ἕ": "ε", "Ἐ": "Ε", "Ἑ": "Ε", "Ἒ": "Ε", "Ἓ": "Ε", "Ἔ": "Ε",
    "Ἕ": "Ε", "ἠ": "η", "ἡ": "η", "ἢ": "η", "ἣ": "η", "ἤ": "η", "ἥ": "η", "ἦ": "η", "ἧ": "η",
    "Ἠ": "Η", "Ἡ": "Η", "Ἢ": "Η", "Ἣ": "Η", "Ἤ": "Η", "Ἥ": "Η", "Ἦ": "Η", "Ἧ": "Η", "ἰ": "ι",
    "ἱ": "ι", "ἲ": "ι", "ἳ": "ι", "ἴ": "ι", "ἵ": "ι", "ἶ": "ι", "ἷ": "ι", "Ἰ": "Ι", "Ἱ": "Ι",
    "Ἲ": "Ι", "Ἳ": "Ι", "Ἴ": "Ι", "Ἵ": "Ι", "Ἶ": "Ι", "Ἷ": "Ι", "ὀ": "ο", "ὁ": "ο", "ὂ": "ο",
    "ὃ": "ο", "ὄ": "ο", "ὅ": "ο", "Ὀ": "Ο", "Ὁ": "Ο", "Ὂ": "Ο", "Ὃ": "Ο", "Ὄ": "Ο", "Ὅ": "Ο",
    "ὐ": "υ", "ὑ": "υ", "ὒ": "υ", "ὓ": "υ", "ὔ": "υ", "ὕ": "υ", "ὖ": "υ", "ὗ": "υ", "Ὑ": "Υ",
    "Ὓ": "Υ", "Ὕ": "Υ", "Ὗ": "Υ", "ὠ": "ω", "ὡ": "ω", "ὢ": "ω", "ὣ": "ω", "ὤ": "ω", "ὥ": "ω",
    "ὦ": "ω", "ὧ": "ω", "Ὠ": "Ω", "Ὡ": "Ω", "Ὢ": "Ω", "Ὣ": "Ω", "Ὤ": "Ω", "Ὥ": "Ω", "Ὦ": "Ω",
    "Ὧ": "Ω", "ὰ": "α", "ὲ": "ε", "ὴ": "η", "ὶ": "ι", "ὸ": "ο", "ὺ": "υ", "ὼ": "ω", "ᾀ": "α",
    "ᾁ": "α", "ᾂ": "α", "ᾃ": "α", "ᾄ": "α", "ᾅ": "α", "ᾆ": "α", "ᾇ": "α", "ᾈ": "Α", "ᾉ": "Α",
    "ᾊ": "Α", "ᾋ": "Α", "ᾌ": "Α", "ᾍ": "Α", "ᾎ": "Α", "ᾏ": "Α", "ᾐ": "η", "ᾑ": "η", "ᾒ": "η",
    "ᾓ": "η", "ᾔ": "η", "ᾕ": "η", "ᾖ": "η", "ᾗ": "η", "ᾘ": "Η", "ᾙ": "Η", "ᾚ": "Η", "ᾛ": "Η",
    "ᾜ": "Η", "ᾝ": "Η", "ᾞ": "Η", "ᾟ": "Η", "ᾠ": "ω", "ᾡ": "ω", "ᾢ": "ω", "ᾣ": "ω", "ᾤ": "ω",
    "ᾥ": "ω", "ᾦ": "ω", "ᾧ": "ω", "ᾨ": "Ω", "ᾩ": "Ω", "ᾪ": "Ω", "ᾫ": "Ω", "ᾬ": "Ω", "ᾭ": "Ω",
    "ᾮ": "Ω", "ᾯ": "Ω", "ᾰ": "α", "ᾱ": "α", "ᾲ": "α", "ᾳ": "α", "ᾴ": "α", "ᾶ": "α", "ᾷ": "α",
    "Ᾰ": "Α", "Ᾱ": "Α", "Ὰ": "Α", "ᾼ": "Α", "ῂ": "η", "ῃ": "η", "ῄ": "η", "ῆ": "η", "ῇ": "η",
    "Ὲ": "Ε", "Ὴ": "Η", "ῌ": "Η", "ῐ": "ι", "ῑ": "ι", "ῒ": "ι", "ῖ": "ι", "ῗ": "ι", "Ῐ": "Ι",
    "Ῑ": "Ι", "Ὶ": "Ι", "ῠ": "υ", "ῡ": "υ", "ῢ": "υ", "ῤ": "ρ", "ῥ": "ρ", "ῦ": "υ", "ῧ": "υ",
    "Ῠ": "Υ", "Ῡ": "Υ", "Ὺ": "Υ", "Ῥ": "Ρ", "ῲ": "ω", "ῳ": "ω", "ῴ": "ω", "ῶ": "ω", "ῷ": "ω",
    "Ὸ": "Ο", "Ὼ": "Ω", "ῼ": "Ω", "₠": "CE", "₢": "Cr", "₣": "Fr.", "₤": "L.", "₧": "Pts",
    "₹": "Rs", "₺": "TL", "℀": "a/c", "℁": "a/s", "ℂ": "C", "℃": "°C", "℅": "c/o", "℆": "c/u",
    "℉": "°F", "ℊ": "g", "ℋ": "H", "ℌ": "x", "ℍ": "H", "ℎ": "h", "ℐ": "I", "ℑ": "I", "ℒ": "L",
    "ℓ": "l", "ℕ": "N", "№": "No", "℗": "(P)", "℘": "P", "ℙ": "P", "ℚ": "Q", "ℛ": "R", "ℜ": "R",
    "ℝ": "R", "℞": "Rx", "℡": "TEL", "ℤ": "Z", "ℨ": "Z", "ℬ": "B", "ℭ": "C", "ℯ": "e", "ℰ": "E",
    "ℱ": "F", "ℳ": "M", "ℴ": "o", "ℹ": "i", "℻": "FAX", "ⅅ": "D", "ⅆ": "d", "ⅇ": "e", "ⅈ": "i",
    "ⅉ": "j", "⅐": "1/7", "⅑": "1/9", "⅒": "1/10", "⅓": "1/3", "⅔": "2/3", "⅕": "1/5",
    "⅖": "2/5", "⅗": "3/5", "⅘": "4/5", "⅙": "1/6", "⅚": "5/6", "⅛": "1/8", "⅜": "3/8",
    "⅝": "5/8", "⅞": "7/8", "⅟": "1/", "Ⅰ": "I", "Ⅱ": "II", "Ⅲ": "III", "Ⅳ": "IV", "Ⅴ": "V",
    "Ⅵ": "VI", "Ⅶ": "VII", "Ⅷ": "VIII", "Ⅸ": "IX", "Ⅹ": "X", "Ⅺ": "XI", "Ⅻ": "XII", "Ⅼ": "L",
    "Ⅽ": "C", "Ⅾ": "D", "Ⅿ": "M", "ⅰ": "i", "ⅱ": "ii", "ⅲ": "iii", "ⅳ": "iv", "ⅴ": "v",
    "ⅵ": "vi", "ⅶ": "vii", "ⅷ": "viii", "ⅸ": "ix", "ⅹ": "x", "ⅺ": "xi", "ⅻ": "xii", "ⅼ": "l",
    "ⅽ": "c", "ⅾ": "d", "ⅿ": "m", "↉": "0/3", "⑴": "(1)", "⑵": "(2)", "⑶": "(3)", "⑷": "(4)",
    "⑸": "(5)", "⑹": "(6)", "⑺": "(7)", "⑻": "(8)", "⑼": "(9)", "⑽": "(10)", "⑾": "(11)",
    "⑿": "(12)", "⒀": "(13)", "⒁": "(14)", "⒂": "(15)", "⒃": "(16)", "⒄": "(17)", "⒅": "(18)",
    "⒆": "(19)", "⒇": "(20)", "⒈": "1.", "⒉": "2.", "⒊": "3.", "⒋": "4.", "⒌": "5.", "⒍": "6.",
    "⒎": "7.", "⒏": "8.", "⒐": "9.", "⒑": "10.", "⒒": "11.", "⒓": "12.", "⒔": "13.", "⒕": "14.",
    "⒖": "15.", "⒗": "16.", "⒘": "17.", "⒙": "18.", "⒚": "19.", "⒛": "20.", "⒜": "(a)",
    "⒝": "(b)", "⒞": "(c)", "⒟": "(d)", "⒠": "(e)", "⒡": "(f)", "⒢": "(g)", "⒣": "(h)",
    "⒤": "(i)", "⒥": "(j)", "⒦": "(k)", "⒧": "(l)", "⒨": "(m)", "⒩": "(n)", "⒪": "(o)",
    "⒫": "(p)", "⒬": "(q)", "⒭": "(r)", "⒮": "(s)", "⒯": "(t)", "⒰": "(u)", "⒱": "(v)",
    "⒲": "(w)", "⒳": "(x)", "⒴": "(y)", "⒵": "(z)", "Ⱡ": "L", "ⱡ": "l", "Ɫ": "L", "Ᵽ": "P",
    "Ɽ": "R", "ⱥ": "a", "ⱦ": "t", "Ⱨ": "H", "ⱨ": "h", "Ⱪ": "K", "ⱪ": "k", "Ⱬ": "Z", "ⱬ": "z",
    "Ɱ": "M", "ⱱ": "v", "Ⱳ": "W", "ⱳ": "w", "ⱴ": "v", "ⱸ": "e", "ⱺ": "o", "Ȿ": "S", "Ɀ": "Z",
    "〇": "0", "㍱": "hPa", "㍲": "da", "㍳": "AU", "㍴": "bar", "㍵": "oV", "㍶": "pc",
    "㍷": "dm", "㍺": "IU", "㎀": "pA", "㎁": "nA", "㎃": "mA", "㎄": "kA", "㎅": "KB",
    "㎆": "MB", "㎇": "GB", "㎈": "cal", "㎉": "kcal", "㎊": "pF", "㎋": "nF", "㎎": "mg",
    "㎏": "kg", "㎐": "Hz", "㎑": "kHz", "㎒": "MHz", "㎓": "GHz", "㎔": "THz", "㎙": "fm",
    "㎚": "nm", "㎜": "mm", "㎝": "cm", "㎞": "km", "㎧": "m/s", "㎩": "Pa", "㎪": "kPa",
    "㎫": "MPa", "㎬": "GPa", "㎭": "rad", "㎮": "rad/s", "㎰": "ps", "㎱": "ns", "㎳": "ms",
    "㎴": "pV", "㎵": "nV", "㎷": "mV", "㎸": "kV", "㎹": "MV", "㎺": "pW", "㎻": "nW",
    "㎽": "mW", "㎾": "kW", "㎿": "MW", "㏂": "a.m.", "㏃": "Bq", "㏄": "cc", "㏅": "cd",
    "㏆": "C/kg", "㏇": "Co.", "㏈": "dB", "㏉": "Gy", "㏊": "ha", "㏋": "HP", "㏌": "in",
    "㏍": "KK", "㏎": "KM", "㏏": "kt", "㏐": "lm", "㏑": "ln", "㏒": "log", "㏓": "lx",
    "㏔": "mb", "㏕": "mil", "㏖": "mol", "㏗": "pH", "㏘": "p.m.", "㏙": "PPM", "㏚": "PR",
    "㏛": "sr", "㏜": "Sv", "㏝": "Wb", "㏞": "V/m", "㏟": "A/m", "ꜰ": "F", "ꜱ": "S", "Ꜳ": "AA",
    "ꜳ": "aa", "Ꜵ": "AO", "ꜵ": "ao", "Ꜷ": "AU", "ꜷ": "au", "Ꜹ": "AV", "ꜹ": "av", "Ꜻ": "AV",
    "ꜻ": "av", "Ꜽ": "AY", "ꜽ": "ay", "Ꝁ": "K", "ꝁ": "k", "Ꝃ": "K", "ꝃ": "k", "Ꝅ": "K", "ꝅ": "k",
    "Ꝇ": "L", "ꝇ": "l", "Ꝉ": "L", "ꝉ": "l", "Ꝋ": "O", "ꝋ": "o", "Ꝍ": "O", "ꝍ": "o", "Ꝏ": "OO",
    "ꝏ": "oo", "Ꝑ": "P", "ꝑ": "p", "Ꝓ": "P", "ꝓ": "p", "Ꝕ": "P", "ꝕ": "p", "Ꝗ": "Q", "ꝗ": "q",
    "Ꝙ": "Q", "ꝙ": "q", "Ꝟ": "V", "ꝟ": "v", "Ꝡ": "VY", "ꝡ": "vy", "Ꝥ": "TH", "ꝥ": "th",
    "Ꝧ": "TH", "ꝧ": "th", "ꝱ": "d", "ꝲ": "l", "ꝳ": "m", "ꝴ": "n", "ꝵ": "r", "ꝶ": "R", "ꝷ": "t",
    "Ꝺ": "D", "ꝺ": "d", "Ꝼ": "F", "ꝼ": "f", "Ꞇ": "T", "ꞇ": "t", "Ꞑ": "N", "ꞑ": "n", "Ꞓ": "C",
    "ꞓ": "c", "Ꞡ": "G", "ꞡ": "g", "Ꞣ": "K", "ꞣ": "k", "Ꞥ": "N", "ꞥ": "n", "Ꞧ": "R", "ꞧ": "r",
    "Ꞩ": "S", "ꞩ": "s", "Ɦ": "H", "ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl",
    "ﬅ": "st", "ﬆ": "st", "０": "0", "１": "1", "２": "2", "３": "3", "４": "4", "５": "5",
    "６": "6", "７": "7", "８": "8", "９": "9", "Ａ": "A", "Ｂ": "B", "Ｃ": "C", "Ｄ": "D",
    "Ｅ": "E", "Ｆ": "F", "Ｇ": "G", "Ｈ": "H", "Ｉ": "I", "Ｊ": "J", "Ｋ": "K", "Ｌ": "L",
    "Ｍ": "M", "Ｎ": "N", "Ｏ": "O", "Ｐ": "P", "Ｑ": "Q", "Ｒ": "R", "Ｓ": "S", "Ｔ": "T",
    "Ｕ": "U", "Ｖ": "V", "Ｗ": "W", "Ｘ": "X", "Ｙ": "Y", "Ｚ": "Z", "ａ": "a", "ｂ": "b",
    "ｃ": "c", "ｄ": "d", "ｅ": "e", "ｆ": "f", "ｇ": "g", "ｈ": "h", "ｉ": "i", "ｊ": "j",
    "ｋ": "k", "ｌ": "l", "ｍ": "m", "ｎ": "n", "ｏ": "o", "ｐ": "p", "ｑ": "q", "ｒ": "r",
    "ｓ": "s", "ｔ": "t", "ｕ": "u", "ｖ": "v", "ｗ": "w", "ｘ": "x", "ｙ": "y", "ｚ": "z",
    "🄀": "0.", "🄁": "0,", "🄂": "1,", "🄃": "2,", "🄄": "3,", "🄅": "4,", "🄆": "5,", "🄇": "6,",
    "🄈": "7,", "🄉": "8,", "🄊": "9,", "🄐": "(A)", "🄑": "(B)", "🄒": "(C)", "🄓": "(D)", "🄔": "(E)",
    "🄕": "(F)", "🄖": "(G)", "🄗": "(H)", "🄘": "(I)", "🄙": "(J)", "🄚": "(K)", "🄛": "(L)",
    "🄜": "(M)", "🄝": "(N)", "🄞": "(O)", "🄟": "(P)", "🄠": "(Q)", "🄡": "(R)", "🄢": "(S)",
    "🄣": "(T)", "🄤": "(U)", "🄥": "(V)", "🄦": "(W)", "🄧": "(X)", "🄨": "(Y)", "🄩": "(Z)",
}
# fmt: on
# Combining marks standing alone, which unaccent takes out.
_FOLDS.update(
    dict.fromkeys(
        map(chr, [*range(0x300, 0x363), *range(0x20DD, 0x20E1), *range(0x20E2, 0x20E5)]), ""
    )
)


def _character_class(chars) -> str:
    """A regular expression's class of `chars`, in ranges: far quicker to match than a list."""
    ranges: list[list[int]] = []
    for code in sorted(map(ord, chars)):
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "[" + "".join(re.escape(chr(a)) + "-" + re.escape(chr(b)) for a, b in ranges) + "]"


_FOLDABLE = re.compile(_character_class(_FOLDS))
