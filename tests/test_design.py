"""What the pages say beyond the facts: cues for days near today, abstract snippets, past
talks, attendance, no links to the page itself, and the site's branding settings."""

import datetime as dt
import importlib.util
import re
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from seminars.context_processors import ACCENTS
from seminars.models import Talk
from seminars.templatetags.seminars import day_cue, snippet
from tests.browser.contrast import contrast_ratio
from tests.factories import make_series, make_speaker, make_talk

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")
CSS = Path(__file__).resolve().parent.parent / "static" / "seminars" / "site.css"


def soup(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content.decode(), "html.parser")


def headings(page: BeautifulSoup) -> list[str]:
    return [h.get_text(" ", strip=True) for h in page.select("h2.day-heading")]


def days_from_now(days: int, hour: int = 12, zone=TOKYO) -> dt.datetime:
    day = timezone.localdate(timezone=zone) + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=zone)


# Cues for days near today


WEDNESDAY = dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    ("day", "today", "cue"),
    [
        (WEDNESDAY, WEDNESDAY, "Today"),
        (dt.date(2026, 11, 26), WEDNESDAY, "Tomorrow"),
        (dt.date(2026, 11, 24), WEDNESDAY, "Yesterday"),
        (dt.date(2026, 11, 27), WEDNESDAY, "This week"),
        (dt.date(2026, 11, 29), WEDNESDAY, "This week"),  # Sunday ends the week
        (dt.date(2026, 11, 30), WEDNESDAY, ""),  # next Monday
        (dt.date(2026, 11, 23), WEDNESDAY, ""),  # Monday gone by
        (dt.date(2026, 11, 29), dt.date(2026, 11, 28), "Tomorrow"),
        (dt.date(2026, 1, 2), dt.date(2025, 12, 31), "This week"),  # across the new year
        (dt.date(2027, 11, 25), WEDNESDAY, ""),
    ],
)
def test_a_day_near_today_gets_its_cue(day, today, cue):
    assert day_cue(day, today) == cue


def test_a_talk_tomorrow_in_the_visitors_zone_is_headed_tomorrow(client):
    make_talk(title="Next day", start=days_from_now(1))
    page = soup(client.get("/", {"tz": "Asia/Tokyo"}))
    assert headings(page)[0].endswith(" Tomorrow")
    assert page.select_one("h2.day-heading .cue").get_text() == "Tomorrow"


def zones_either_side_of_midnight(now: dt.datetime) -> tuple[str, str]:
    """Two zones an hour apart: in the first it is 23:xx at `now`, in the second 00:xx."""
    east = (23 - now.astimezone(dt.UTC).hour) % 24  # hours east of UTC
    east = east - 24 if east > 13 else east
    # Etc/GMT names have the sign the other way round: Etc/GMT-3 is three hours east.
    return f"Etc/GMT{-east:+d}", f"Etc/GMT{-(east + 1):+d}"


def test_a_talk_just_after_midnight_is_tomorrow_in_one_zone_and_today_an_hour_east(client):
    now = timezone.now()
    before_midnight, after_midnight = zones_either_side_of_midnight(now)
    make_talk(title="Early", start=now + dt.timedelta(hours=1))
    assert headings(soup(client.get("/", {"tz": before_midnight})))[0].endswith(" Tomorrow")
    assert headings(soup(client.get("/", {"tz": after_midnight})))[0].endswith(" Today")


def test_a_list_with_dates_gives_a_talk_tomorrow_its_cue(client):
    series = make_series("Logic", slug="logic")
    make_talk(series=series, start=days_from_now(1))
    make_talk(series=series, start=days_from_now(30))
    page = soup(client.get("/series/logic/", {"tz": "Asia/Tokyo"}))
    cues = [when.select_one(".cue") for when in page.select(".talk .when")]
    assert [cue and cue.get_text() for cue in cues] == ["Tomorrow", None]


def test_day_headings_give_the_year_only_for_other_years(client):
    today, june = timezone.localdate(), dt.date(timezone.localdate().year + 1, 6, 1)
    late_today = dt.datetime.combine(today, dt.time(23, 59), tzinfo=timezone.get_default_timezone())
    make_talk(start=late_today)
    make_talk(start=dt.datetime.combine(june, dt.time(12), tzinfo=dt.UTC))
    days = [h.time.get_text() for h in soup(client.get("/")).select("h2.day-heading")]
    assert days == [f"{today:%A} {today.day} {today:%B}", f"{june:%A} 1 June {june.year}"]


# Abstracts in lists


def test_a_snippet_ends_after_a_whole_word_or_a_whole_sentence():
    words = "Graphs " * 30
    assert snippet(words, 20) == "Graphs Graphs Graphs…"
    assert snippet("One sentence here. And another, much longer one after it.", 30) == (
        "One sentence here."
    )
    assert snippet("Short\n\nand   spaced", 140) == "Short and spaced"
    assert snippet("x" * 200, 10) == "x" * 10 + "…"


def test_a_list_shows_the_abstracts_start_as_escaped_plain_text(client):
    abstract = "<script>alert(1)</script> We count\n\ncurves. " + "More words here. " * 20
    make_talk(title="Curves", start=days_from_now(2), abstract=abstract)
    response = client.get("/")
    text = soup(response).select_one(".talk .snippet").get_text()
    assert text.startswith("<script>alert(1)</script> We count curves.")
    assert len(text) <= 141
    assert "<script>alert" not in response.content.decode()


# Past talks


def test_a_past_talk_says_when_it_took_place_with_its_recording_and_slides(client):
    talk = make_talk(
        title="Done",
        start=dt.datetime(2021, 5, 4, 14, tzinfo=dt.UTC),
        join_url="https://meet.example.org/done",
        recording_url="https://video.example.org/done",
        slides_url="https://example.org/done.pdf",
    )
    page = soup(client.get(talk.get_absolute_url()))
    notice = page.select_one(".notice")
    assert notice.get_text().startswith("This talk took place on Tuesday 4 May 2021.")
    assert notice.time["datetime"] == "2021-05-04"
    links = {a.get_text(): a["href"] for a in notice.select("a")}
    assert links == {
        "Watch the recording": "https://video.example.org/done",
        "See the slides": "https://example.org/done.pdf",
    }
    assert "https://meet.example.org/done" not in str(page.main)  # no joining it now
    assert page.select_one(".add-to-calendar") is None


def test_an_upcoming_or_cancelled_past_talk_has_no_took_place_notice(client):
    upcoming = make_talk(start=days_from_now(3))
    cancelled = make_talk(start=dt.datetime(2021, 5, 4, tzinfo=dt.UTC), status="cancelled")
    for talk in (upcoming, cancelled):
        assert soup(client.get(talk.get_absolute_url())).select_one(".notice") is None


def test_a_list_of_past_and_upcoming_talks_marks_the_past_ones(client):
    make_talk(title="Quasar old", start=dt.datetime(2021, 5, 4, tzinfo=dt.UTC))
    make_talk(title="Quasar new", start=days_from_now(3))
    page = soup(client.get("/search/", {"q": "Quasar"}))
    marked = {
        talk.select_one(".talk-title").get_text(): bool(talk.select(".badge-past"))
        for talk in page.select(".talk")
    }
    assert marked == {"Quasar old": True, "Quasar new": False}
    archive = soup(client.get("/archive/"))
    assert archive.select(".talk.is-past") and not archive.select(".badge-past")


def test_a_talk_in_progress_is_marked_in_progress(client):
    make_talk(title="Running", start=timezone.now() - dt.timedelta(minutes=10))
    badge = soup(client.get("/")).select_one(".talk .badge-live")
    assert badge.get_text() == "In progress"


# Speakers, places, and no links to the page itself


def test_a_list_says_speaker_to_be_announced_for_a_talk_without_speakers(client):
    make_talk(title="Mystery", start=days_from_now(2))
    make_talk(title="Known", start=days_from_now(3), speakers=[make_speaker("Ann")])
    speakers = [p.get_text() for p in soup(client.get("/")).select(".talk .speakers")]
    assert speakers == ["Speaker to be announced", "Ann"]


def test_a_past_talk_without_speakers_says_nothing_about_speakers_in_lists(client):
    series = make_series("S", slug="s")
    make_talk(title="Old mystery", series=series, start=days_from_now(-3))
    make_talk(
        title="Old known", series=series, start=days_from_now(-2), speakers=[make_speaker("Ann")]
    )
    make_talk(title="New mystery", series=series, start=days_from_now(2))

    for url in ("/archive/", "/series/s/", "/search/?q=mystery"):
        cards = soup(client.get(url)).select(".talk")
        speakers = {
            card.select_one(".talk-title").get_text(): [
                p.get_text() for p in card.select(".speakers")
            ]
            for card in cards
        }
        assert speakers["Old mystery"] == [], url
        assert "to be announced" not in " ".join(
            c.get_text() for c in cards if "Old" in c.get_text()
        )
    assert speakers["New mystery"] == ["Speaker to be announced"]


def test_a_past_talk_page_without_speakers_says_nothing_about_speakers(client):
    past = make_talk(title="Old mystery", start=days_from_now(-3))
    upcoming = make_talk(title="New mystery", start=days_from_now(3))

    page = soup(client.get(past.get_absolute_url()))
    assert page.select(".speaker-list") == []
    assert "to be announced" not in page.get_text()
    assert soup(client.get(upcoming.get_absolute_url())).select_one(".speaker-list").get_text() == (
        "Speaker to be announced"
    )


@pytest.mark.parametrize(
    ("venue", "join_url", "meta"),
    [
        ("Room 5", "", "S · Room 5"),
        ("", "https://meet.example.org/x", "S · Online"),
        ("Room 5", "https://meet.example.org/x", "S · Room 5 · Hybrid"),
        ("", "", "S"),
    ],
)
def test_a_list_says_whether_a_talk_is_in_a_room_online_or_both(client, venue, join_url, meta):
    make_talk(series=make_series("S"), start=days_from_now(2), venue=venue, join_url=join_url)
    assert soup(client.get("/")).select_one(".talk .meta").get_text() == meta


def test_a_series_page_does_not_name_or_link_its_own_series_on_each_talk(client):
    series = make_series("Logic", slug="logic")
    make_talk(series=series, start=days_from_now(2), venue="Room 5")
    make_talk(series=series, start=dt.datetime(2021, 5, 4, tzinfo=dt.UTC))
    page = soup(client.get("/series/logic/"))
    assert page.select(".talk") and not page.select('main a[href="/series/logic/"]')
    assert [meta.get_text() for meta in page.select(".talk .meta")] == ["Room 5"]
    assert not page.select(".talk .meta a")
    filtered = soup(client.get("/", {"series": "logic"}))
    assert not filtered.select('main a[href="/series/logic/"]')


def test_a_speaker_page_names_only_the_other_speakers_of_each_talk(client):
    ann, bo = make_speaker("Ann", slug="ann"), make_speaker("Bo", slug="bo")
    make_talk(title="Together", speakers=[ann, bo], start=days_from_now(2))
    make_talk(title="Alone", speakers=[ann], start=days_from_now(3))
    page = soup(client.get("/speakers/ann/"))
    assert not page.select('a[href="/speakers/ann/"]')
    assert [p.get_text() for p in page.select(".talk .speakers")] == ["With Bo"]


@pytest.mark.parametrize(
    ("path", "current"),
    [("/series/", ("Series", "page")), ("/series/s/", ("Series", "true")), ("/talks/", None)],
)
def test_the_navigation_marks_the_section_of_the_page(client, path, current):
    talk = make_talk(series=make_series("S", slug="s"))
    path = talk.get_absolute_url() if path == "/talks/" else path
    marked = soup(client.get(path)).select("nav[aria-label=Main] [aria-current]")
    assert [(a.get_text(), a["aria-current"]) for a in marked] == ([current] if current else [])


# Branding


def test_a_logo_stands_in_for_the_site_name_with_the_name_as_its_alt_text(client, settings):
    settings.SITE_NAME = "Maths Seminars"
    settings.SITE_LOGO = "brand/logo.svg"
    logo = soup(client.get("/")).select_one("header .site-name img")
    assert (logo["src"], logo["alt"]) == ("/static/brand/logo.svg", "Maths Seminars")
    settings.SITE_LOGO = "/brand/logo.png"
    assert soup(client.get("/series/")).select_one("header img")["src"] == "/brand/logo.png"


@pytest.mark.parametrize("logo", ["https://elsewhere.example/logo.png", "//cdn.example/x.png"])
def test_a_logo_on_another_site_is_left_out(client, settings, logo):
    settings.SITE_LOGO = logo
    header = soup(client.get("/")).select_one("header .site-name")
    assert header.img is None and header.get_text() == "Seminars"


def test_the_footer_line_is_plain_text(client, settings):
    settings.SITE_FOOTER = "Dept. of <b>Maths</b> & Stats, 1 Road"
    response = client.get("/")
    footer = soup(response).select_one("footer .site-footer-text")
    assert footer.get_text() == "Dept. of <b>Maths</b> & Stats, 1 Road"
    assert "&lt;b&gt;Maths&lt;/b&gt; &amp; Stats" in response.content.decode()


@pytest.mark.parametrize(
    ("value", "palette"),
    [
        ("teal", "teal"),
        (" Crimson ", "crimson"),
        ("red;}body{display:none", "blue"),
        ("#ff0000", "blue"),
        ('blue" onload="x', "blue"),
    ],
)
def test_the_accent_is_one_of_the_palettes_and_anything_else_is_ignored(
    client, settings, value, palette
):
    settings.SITE_ACCENT = value
    response = client.get("/")
    assert soup(response).html["data-accent"] == palette
    assert "display:none" not in response.content.decode()


def palettes() -> dict[str, dict[str, dict[str, str]]]:
    """The colours of site.css by scheme ("light", "dark") and accent palette."""
    light, dark = CSS.read_text().split("@media (prefers-color-scheme: dark)")
    found = {}
    for scheme, css in (("light", light), ("dark", dark.split("@media")[0])):
        base = dict(re.findall(r"--([\w-]+): (#\w+)", css.split("}")[0]))
        found[scheme] = {"blue": base}
        for name, block in re.findall(r':root\[data-accent="(\w+)"\] \{([^}]*)\}', css):
            found[scheme][name] = base | dict(re.findall(r"--([\w-]+): (#\w+)", block))
    return found


def rgb(hex_colour: str) -> str:
    return "rgb({}, {}, {})".format(*(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_accent_palette_reads_at_aa_contrast(scheme):
    found = palettes()[scheme]
    assert sorted(found) == sorted(ACCENTS)
    for colours in found.values():
        accent = rgb(colours["accent"])
        # Links on the page, in the tinted boxes and notices, and button text on the accent.
        for background in ("bg", "accent-bg", "note-bg"):
            assert contrast_ratio(accent, rgb(colours[background])) >= 4.5


# Queries


def test_branding_cues_and_snippets_cost_no_queries(client, settings, django_assert_num_queries):
    series, ann = make_series("S", slug="s"), make_speaker("Ann", slug="ann")
    for days in range(-3, 4):
        make_talk(series=series, speakers=[ann], start=days_from_now(days), abstract="Text.")
    Talk.objects.filter(start__lt=timezone.now()).update(recording_url="https://v.example/1")
    for path in ("/", "/series/s/", "/speakers/ann/", "/archive/"):
        with CaptureQueriesContext(connection) as plain:
            client.get(path)
        settings.SITE_LOGO, settings.SITE_ACCENT, settings.SITE_FOOTER = "l.svg", "teal", "Dept"
        with django_assert_num_queries(len(plain.captured_queries)):
            client.get(path, {"tz": "Asia/Tokyo"})
        settings.SITE_LOGO, settings.SITE_ACCENT, settings.SITE_FOOTER = "", "blue", ""


# The README's screenshots


def screenshots_module():
    path = Path(__file__).resolve().parent.parent / "docs" / "screenshots.py"
    spec = importlib.util.spec_from_file_location("screenshots", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db(False)
def test_screenshots_go_to_a_folder_git_ignores_unless_asked_to_write_the_readmes(tmp_path):
    screenshots = screenshots_module()
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)

    options = screenshots.screenshot_options([], root=tmp_path)
    options["out"].mkdir()
    (options["out"] / "home-desktop.png").write_bytes(b"\x89PNG")
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )

    assert options == {"out": tmp_path / "build" / "screenshots"}
    assert status.stdout == ""  # nothing for git to track
    assert screenshots.screenshot_options(["--write"], root=tmp_path) == {
        "out": screenshots.ROOT / "docs" / "screenshots"
    }
    assert screenshots.screenshot_options(["--all", "look"], root=tmp_path) == {
        "pages": screenshots.PAGES | screenshots.MORE_PAGES,
        "out": Path("look"),
        "full_page": True,
    }
