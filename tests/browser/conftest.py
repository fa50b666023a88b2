"""Fixtures for the browser tests: Debian's Chromium, driven by Playwright, against a live server.

Every test in this folder is marked `browser`, so `make test` leaves it out and
`make test-browser` runs it. Playwright is imported inside the fixtures: `make test` collects
this folder without having it installed.
"""

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.utils import timezone

from seminars.models import Series, Speaker, Talk
from tests.browser.chromium import DESKTOP, launch_chromium
from tests.factories import make_series, make_speaker, make_talk

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
AXE_CORE_JS = Path(
    os.environ.get("AXE_CORE_JS", ROOT / ".venv/axe/node_modules/axe-core/axe.min.js")
)
LONDON = ZoneInfo("Europe/London")


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as env, sync_playwright() as playwright:
        # Playwright's sync API keeps its asyncio loop running in another greenlet of this
        # thread, so Django takes the tests' ORM calls for calls from async code and refuses
        # them. They are synchronous: tell Django so while Playwright runs, and no longer.
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _empty_cache():
    # Each test builds its own rows in a freshly emptied database; pages cached by an earlier
    # test must not answer for them.
    cache.clear()


@pytest.fixture
def open_page(browser, live_server):
    """`open_page(path, **context_options)` opens `path` of the live server in a new browser
    context (a viewport, a colour scheme…) and returns the page."""
    contexts = []

    def open_page(path="/", *, viewport=DESKTOP, **options):
        context = browser.new_context(base_url=live_server.url, viewport=viewport, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(path)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def axe_source():
    assert AXE_CORE_JS.is_file(), f"{AXE_CORE_JS} is missing: `make test-browser` installs it"
    return AXE_CORE_JS.read_text()


@dataclass
class Seminar:
    """The rows a visitor meets: two series, speakers, upcoming, cancelled and past talks."""

    series: Series
    other_series: Series
    speaker: Speaker
    co_speaker: Speaker
    talk: Talk
    cancelled: Talk
    past: Talk
    all_day: Talk


def soon(days, hour=14, minute=0):
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


@pytest.fixture
def seminar(transactional_db) -> Seminar:
    series = make_series(
        "Logic Seminar",
        slug="logic",
        description="Talks on proof, computation and the foundations of mathematics.\n\n"
        "Everyone is welcome; tea from 15:30.",
        website="https://example.org/logic",
        contact="Ann Organiser, ann@example.org",
    )
    other_series = make_series("Algebra Colloquium", slug="algebra")
    speaker = make_speaker(
        "Ada Lovelace",
        slug="ada-lovelace",
        affiliation="Analytical Society",
        homepage="https://example.org/ada",
        bio="Ada works on the Analytical Engine.",
    )
    co_speaker = make_speaker("Alan Turing", slug="alan-turing", affiliation="Manchester")
    talk = make_talk(
        title="Proofs as programs",
        series=series,
        speakers=[speaker, co_speaker],
        start=soon(1),
        venue="Room 2.14, Mathematics Institute",
        abstract="How a proof becomes a program, and what the program computes.\n\n"
        "Slides: https://example.org/slides/proofs-as-programs-a-long-address-that-must-wrap.pdf",
        url="https://example.org/logic/proofs-as-programs",
        contact="Ann Organiser, ann@example.org",
    )
    cancelled = make_talk(
        title="Undecidable tea",
        series=series,
        speakers=[speaker],
        start=soon(2),
        venue="Common Room",
        status=Talk.Status.CANCELLED,
    )
    past = make_talk(
        title="Lambda calculus revisited",
        series=series,
        speakers=[speaker],
        start=soon(-30),
        venue="Room 2.14, Mathematics Institute",
        abstract="A look back at Church's calculus.",
    )
    all_day = make_talk(
        title="Workshop on rings",
        series=other_series,
        start=soon(3, hour=0),
        duration=dt.timedelta(days=2),
        all_day=True,
        venue="Conference Centre",
    )
    return Seminar(series, other_series, speaker, co_speaker, talk, cancelled, past, all_day)


@pytest.fixture
def page_urls(seminar) -> dict[str, str]:
    """One address of each type of page, by name."""
    return {
        "home": "/",
        "talk": seminar.talk.get_absolute_url(),
        "past talk": seminar.past.get_absolute_url(),
        "cancelled talk": seminar.cancelled.get_absolute_url(),
        "all-day talk": seminar.all_day.get_absolute_url(),
        "series index": "/series/",
        "series": seminar.series.get_absolute_url(),
        "speaker": seminar.speaker.get_absolute_url(),
        "archive": "/archive/",
        "search": "/search/?q=proof",
        "empty search": "/search/",
        "404": "/no/such/page/",
    }


PAGE_TYPES = [
    "home",
    "talk",
    "past talk",
    "cancelled talk",
    "all-day talk",
    "series index",
    "series",
    "speaker",
    "archive",
    "search",
    "empty search",
    "404",
]


@pytest.fixture(params=PAGE_TYPES)
def page_path(request, page_urls) -> str:
    """The address of each type of page in turn."""
    return page_urls[request.param]
