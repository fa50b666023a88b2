"""Real-world calendars from ../shared/corpus/ics, read in place (they are not ours to copy)."""

import datetime as dt
from pathlib import Path

import pytest

from seminars.models import Talk
from tests.commands import run_import

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "ics"
FILES = sorted(CORPUS.glob("*.ics")) if CORPUS.is_dir() else []
UTC = dt.UTC

# Files that are not calendars at all: they must fail with one clear line.
NOT_CALENDARS = {
    "empty_zero-bytes.ics": "the source is empty",
    "fuzz_malformed-lone-cr.ics": "not a calendar",
}

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not FILES, reason=f"the shared corpus is not at {CORPUS}"),
]


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_corpus_file_imports_without_a_traceback(path):
    code, out, err = run_import(path, "--series", "Corpus")
    assert "Traceback" not in out + err
    if path.name in NOT_CALENDARS:
        assert code == 1
        assert NOT_CALENDARS[path.name] in err
        assert Talk.objects.count() == 0
        return
    assert code == 0, err
    assert Talk.objects.exists()
    summary = [line for line in out.splitlines() if line.startswith(str(path))]
    assert len(summary) == 1
    # And the second run is a pure sync: nothing new, nothing changed.
    count = Talk.objects.count()
    code, out, err = run_import(path, "--series", "Corpus", "--force")
    assert code == 0, err
    assert " 0 created, 0 updated, " in out
    assert Talk.objects.count() == count


def test_talkscam_seed_imports_field_by_field():
    code, out, err = run_import(CORPUS / "talkscam_seed.ics", "--series", "Compiler Social")
    assert code == 0, err
    talk = Talk.objects.with_speakers().get()
    assert talk.series.name == "Compiler Social"
    assert talk.title == "Cambridge Compiler Social Talks"
    assert [(s.name, s.affiliation) for s in talk.speaker_list] == [
        ("Markus Böck", "University of Cambridge"),
        ("Jeff Niu", "Mojo"),
    ]
    assert talk.start == dt.datetime(2024, 9, 3, 14, 0, tzinfo=UTC)
    assert talk.end == dt.datetime(2024, 9, 3, 15, 0, tzinfo=UTC)
    assert talk.venue == "Computer Laboratory, William Gates Building, LT1"
    assert talk.contact == "Luisa Cicolini"
    assert talk.uid == "TALK220468@talks.cam.ac.uk"
    assert talk.all_day is False and talk.status == "confirmed"
    assert talk.abstract.startswith("Within the next Compiler Social we will host two talks:")
    assert "\n\nMojo’s Wishlist for MLIR 2.0 - by Jeff Niu (Mojo)\n\n" in talk.abstract
    assert "accelerators with software-managed caches - by Markus Boeck" in talk.abstract
    assert talk.abstract.endswith("More on: https://grosser.science/compiler-social-2024-09-03/")


def test_thunderbird_cancelled_occurrence_is_kept_as_cancelled():
    run_import(CORPUS / "thunderbird_cancelled-occurrence.ics", "--series", "S")
    statuses = list(Talk.objects.order_by("start").values_list("status", flat=True))
    assert statuses == ["confirmed", "cancelled", "confirmed"]


def test_apple_cancelled_event_is_kept_as_cancelled():
    run_import(CORPUS / "apple-macos_status-tentative-cancelled.ics", "--series", "S")
    assert Talk.objects.filter(status="cancelled").count() == 1
    assert Talk.objects.count() == 4


def test_outlook_gmt_standard_time_overrides_are_applied():
    code, _, err = run_import(
        CORPUS / "exchange2010_w-europe-standard-time_recurring-overrides.ics", "--series", "S"
    )
    assert code == 0, err
    # The occurrence of 1 April 2021 at 15:00 in Berlin (13:00 UTC) was moved to 14:00: it keeps
    # its slot's UID and takes the override's time, once, in UTC+2 (summer time).
    master = "040000008200E00074C5B7101A82E00800000000E9C052427816D70100000000000000001000000"
    master += "08F01F7E13E614043AD1987096D963151"
    moved = Talk.objects.filter(uid__startswith=master, start__date=dt.date(2021, 4, 1))
    assert list(moved.values_list("uid", "start")) == [
        (f"{master}/20210401T130000Z", dt.datetime(2021, 4, 1, 12, 0, tzinfo=dt.UTC))
    ]
    assert Talk.objects.count() == 236


def test_latin1_corpus_file_is_decoded():
    _, out, _ = run_import(CORPUS / "google_latin1-encoded_not-utf8.ics", "--series", "S")
    assert "not valid UTF-8" in out
    talk = Talk.objects.get(uid="0eedefedba891fcbb49dcfa4279d9d93")
    assert (talk.title, talk.abstract, talk.venue) == (
        "graue Restmülltonne",
        "graue Restmülltonne nicht vergessen!",
        "Luitpoldstraße, Treuchtlingen",
    )


def test_hkust_speakers_and_affiliations_come_from_the_description():
    run_import(CORPUS / "hkust-cse_seminar-scraper_tzid-without-vtimezone.ics")
    talk = Talk.objects.with_speakers().get(uid__startswith="20260202T093000-")
    assert talk.series.name == "HKUST CSE Seminars"
    assert [(s.name, s.affiliation) for s in talk.speaker_list] == [
        ("Lingkai Kong", "Harvard SEAS")
    ]
    assert talk.start == dt.datetime(2026, 2, 2, 1, 30, tzinfo=UTC)


def test_owa_display_name_zones_use_their_offset_with_a_warning():
    code, out, _ = run_import(
        CORPUS / "owa2012_display-name-tzids-no-vtimezone.ics", "--series", "S"
    )
    assert code == 0
    assert "used its UTC offset +10:00" in out
