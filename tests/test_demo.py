import datetime as dt
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from seminars.demo import SERIES, demo_talks
from seminars.models import Series, Speaker, Talk

pytestmark = pytest.mark.django_db


def test_load_demo_builds_several_series_with_talks_on_both_sides_of_today():
    call_command("load_demo")
    now = timezone.now()
    assert Series.objects.count() == 3
    assert Talk.objects.upcoming(now).count() >= 20
    assert Talk.objects.past(now).count() >= 10
    assert Talk.objects.filter(status="cancelled").exists()
    assert Talk.objects.filter(all_day=True).exists()
    assert Talk.objects.upcoming(now).first().start < now + dt.timedelta(days=7)


def test_load_demo_twice_creates_nothing_new():
    call_command("load_demo")
    counts = Talk.objects.count(), Speaker.objects.count(), Series.objects.count()
    call_command("load_demo")
    assert (Talk.objects.count(), Speaker.objects.count(), Series.objects.count()) == counts


def test_home_page_lists_the_demo_talks(client):
    call_command("load_demo")
    response = client.get("/")
    soonest = Talk.objects.upcoming().first()
    assert response.status_code == 200
    assert soonest.title in response.content.decode()
    assert soonest.get_absolute_url() in response.content.decode()


def _expected():
    talks = demo_talks(today=timezone.localdate(), time_zone=settings.TIME_ZONE)
    compbio = [t for t in talks if t.series == "Computational Biology Seminar"]
    return len(talks), len(compbio), sum(t.cancelled for t in compbio)


def test_load_demo_counts_every_talk_it_loads_cancelled_ones_included():
    total, compbio, cancelled = _expected()
    out = StringIO()
    call_command("load_demo", stdout=out)
    lines = out.getvalue().splitlines()
    assert (
        f"Computational Biology Seminar: {compbio - cancelled} created, 0 updated, 0 unchanged, "
        f"{cancelled} cancelled, 0 skipped"
    ) in lines
    assert lines[-1] == f"{total} demo talks in 3 series, 1 of them cancelled."
    assert (Talk.objects.count(), Talk.objects.filter(status="cancelled").count()) == (total, 1)


def test_load_demo_again_says_every_talk_is_unchanged():
    total, compbio, _ = _expected()
    call_command("load_demo")
    out = StringIO()
    call_command("load_demo", stdout=out)
    lines = out.getvalue().splitlines()
    assert (
        f"Computational Biology Seminar: 0 created, 0 updated, {compbio} unchanged, 0 cancelled, "
        "0 skipped"
    ) in lines
    assert lines[-1] == f"{total} demo talks in 3 series, 1 of them cancelled."


@pytest.mark.parametrize(
    "today",
    [dt.date(2026, 11, 25), dt.date(2026, 12, 20), dt.date(2027, 1, 3), dt.date(2027, 6, 1)],
)
def test_the_demo_has_no_talk_over_the_winter_holidays(today):
    talks = demo_talks(today=today, time_zone="Europe/London")
    assert sum(t.cancelled for t in talks) == 1
    for talk in talks:
        first = talk.start.date()
        last = (talk.end - dt.timedelta(seconds=1)).date()
        for day in (first, last):
            assert not (day.month == 12 and day.day >= 22) and not (day.month == 1 and day.day <= 2)


def test_the_demo_reads_like_a_departments_talks():
    call_command("load_demo")
    now = timezone.now()
    for series in SERIES:
        titles = set(
            Talk.objects.filter(series__slug=series["slug"]).values_list("title", flat=True)
        )
        assert titles - {"Workshop: reproducible pipelines for biological data"} <= set(
            series["titles"]
        )
    attendance = {t.attendance for t in Talk.objects.all()}
    assert {"in person", "online", "hybrid"} <= attendance
    past = Talk.objects.past(now)
    assert past.exclude(recording_url="").exists() and past.exclude(slides_url="").exists()
    assert not Talk.objects.upcoming(now).exclude(recording_url="").exists()
    assert Talk.objects.filter(status="cancelled").count() == 1
