"""What an import from the admin may do: a bounded number of events (a preview in the
request, an import in the worker) and a time limit, each refused with one clear line and
nothing written."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from seminars.importing import ImportOptions, import_data
from seminars.models import FeedSource, Series, Talk
from tests.factories import ics_calendar, ics_event, ics_time, make_series
from tests.worker import run_queued_tasks

pytestmark = pytest.mark.django_db

FIVE = ics_calendar(
    *(ics_event(f"{n}@x", f"Talk {n}", f"2030010{n + 1}T100000Z") for n in range(5))
)
# Recurrences are expanded up to a horizon from today.
WEEKLY = ics_calendar(
    ics_event(
        "weekly@x",
        "Weekly",
        ics_time(timezone.now() + dt.timedelta(days=1)),
        rrule="FREQ=WEEKLY;COUNT=10",
    )
)


@pytest.fixture
def organiser(client, django_user_model):
    user = django_user_model.objects.create_user("ann", password="pw", is_staff=True)
    series = make_series("Logic")
    series.organisers.add(user)
    client.force_login(user)
    return series


def import_now(client, source):
    """Press "Import now", let the worker run it, and open the page showing what it did."""
    pressed = client.post(reverse("admin:seminars_feedsource_import", args=[source.pk]))
    run_queued_tasks()
    return client.get(pressed.url)


def upload(series, data):
    return FeedSource.objects.create(location="upload:logic/c.ics", series=series, upload=data)


@pytest.mark.parametrize("view", ["preview", "import"])
def test_the_admin_refuses_a_calendar_with_more_events_than_the_setting(
    client, organiser, settings, view
):
    settings.IMPORT_MAX_EVENTS = 3
    source = upload(organiser, FIVE)
    if view == "preview":
        response = client.get(reverse("admin:seminars_feedsource_preview", args=[source.pk]))
    else:
        response = import_now(client, source)
    text = response.content.decode()
    assert response.status_code == 200
    assert (
        "the calendar has 5 events, more than the 3 an import here may have "
        "(IMPORT_MAX_EVENTS); split it, or import it with manage.py import_ics"
    ) in text
    assert not Talk.objects.exists()


def test_repetitions_of_a_recurring_event_count_towards_the_limit(client, organiser, settings):
    settings.IMPORT_MAX_EVENTS = 5
    source = upload(organiser, WEEKLY)
    response = import_now(client, source)
    assert "the calendar has 10 talks (with repetitions), more than the 5" in (
        response.content.decode()
    )
    assert not Talk.objects.exists()


def test_a_calendar_within_the_limit_imports(client, organiser, settings):
    settings.IMPORT_MAX_EVENTS = 5
    source = upload(organiser, FIVE)
    import_now(client, source)
    assert Talk.objects.filter(series=organiser).count() == 5


def test_the_command_has_no_event_limit(settings):
    settings.IMPORT_MAX_EVENTS = 3
    report = import_data(FIVE, "/tmp/five.ics", ImportOptions(series="Five"))
    assert (report.error, report.result.created) == ("", 5)


def test_an_import_past_its_time_limit_stops_says_so_and_writes_nothing():
    with pytest.raises(Exception) as stopped:
        import_data(FIVE, "/tmp/five.ics", ImportOptions(series="Five", time_limit=0))
    assert str(stopped.value) == (
        "stopped after 0 s, reading the calendar: the calendar is too large to import here; "
        "nothing imported (import it with manage.py import_ics)"
    )
    assert (Talk.objects.count(), Series.objects.count(), FeedSource.objects.count()) == (0, 0, 0)
