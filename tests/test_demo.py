import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

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


def test_load_demo_counts_every_talk_it_loads_cancelled_ones_included():
    out = StringIO()
    call_command("load_demo", stdout=out)
    lines = out.getvalue().splitlines()
    assert "Computational Biology Seminar: 15 created, 0 updated, 0 unchanged, 1 cancelled" in lines
    assert lines[-1] == "46 demo talks in 3 series, 1 of them cancelled."
    assert (Talk.objects.count(), Talk.objects.filter(status="cancelled").count()) == (46, 1)


def test_load_demo_again_says_every_talk_is_unchanged():
    call_command("load_demo")
    out = StringIO()
    call_command("load_demo", stdout=out)
    lines = out.getvalue().splitlines()
    assert "Computational Biology Seminar: 0 created, 0 updated, 16 unchanged, 0 cancelled" in lines
    assert lines[-1] == "46 demo talks in 3 series, 1 of them cancelled."
