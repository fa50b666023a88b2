import datetime as dt
from pathlib import Path

import icalendar
import pytest

from seminars.ics import export
from seminars.ics.dialects import dialect_for
from seminars.ics.records import EventRecord, SpeakerRecord
from seminars.models import Talk
from tests.factories import make_speaker, make_talk

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "ics"
TALKSCAM = dialect_for("-//Talks.cam//talks.cam.ac.uk//")
GENERIC = dialect_for("-//Google Inc//Google Calendar 70.9054//EN")


def make_record(title, description="", **fields):
    return EventRecord(
        uid="talk-1@example.org",
        title=title,
        start=dt.datetime(2024, 9, 3, 14, tzinfo=dt.UTC),
        description=description,
        **fields,
    )


def corpus_events(filename):
    path = CORPUS / filename
    if not path.exists():
        pytest.skip(f"the shared iCalendar corpus is not checked out next to the project: {path}")
    return icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")


def talkscam_speakers(field, description=""):
    return TALKSCAM.refine(make_record(f"A talk - {field}", description)).speakers


# Choosing a dialect


@pytest.mark.parametrize(
    "prodid", ["-//Talks.cam//talks.cam.ac.uk//", "-//TALKS.CAM//EN", "talks.cam.ac.uk"]
)
def test_dialect_for_a_talkscam_prodid_is_talkscam_whatever_the_case(prodid):
    assert dialect_for(prodid).name == "talks.cam"


@pytest.mark.parametrize(
    "prodid", ["-//HKUST CSE Seminars//scraper//EN", "-//Meetup//RemoteApi//EN", "", "talks"]
)
def test_dialect_for_any_other_prodid_is_generic(prodid):
    assert dialect_for(prodid).name == "generic"


# talks.cam: the SUMMARY


def test_talkscam_seed_event_gives_title_and_both_speakers_with_affiliations():
    event = corpus_events("talkscam_seed.ics")[0]
    record = make_record(str(event.get("SUMMARY")), event.get("DESCRIPTION"))

    refined = TALKSCAM.refine(record)

    assert refined.title == "Cambridge Compiler Social Talks"
    assert refined.speakers == [
        SpeakerRecord("Markus Böck", "University of Cambridge"),
        SpeakerRecord("Jeff Niu", "Mojo"),
    ]
    assert refined.description == record.description


def test_talkscam_summary_splits_at_the_last_spaced_hyphen():
    refined = TALKSCAM.refine(make_record("Compilers - Past - Future - Jane Doe"))
    assert refined.title == "Compilers - Past - Future"
    assert refined.speakers == [SpeakerRecord("Jane Doe")]


def test_talkscam_hyphenated_words_do_not_split_the_summary():
    refined = TALKSCAM.refine(make_record("End-to-end compilers - Jean-Luc Picard"))
    assert refined.title == "End-to-end compilers"
    assert refined.speakers == [SpeakerRecord("Jean-Luc Picard")]


def test_talkscam_summary_without_spaced_hyphen_is_all_title_and_no_speakers():
    refined = TALKSCAM.refine(make_record("Cambridge Compiler Social"))
    assert refined.title == "Cambridge Compiler Social"
    assert refined.speakers == []


def test_talkscam_summary_ending_in_a_hyphen_has_an_empty_speaker_field():
    refined = TALKSCAM.refine(make_record("Part one - Part two -"))
    assert refined.title == "Part one - Part two"
    assert refined.speakers == []


def test_talkscam_keeps_the_description_and_other_fields_unchanged():
    record = make_record("A talk - Jane Doe", "Abstract.\n\nBy Jane Doe (MIT)", location="LT1")
    refined = TALKSCAM.refine(record)
    assert refined.description == "Abstract.\n\nBy Jane Doe (MIT)"
    assert (refined.uid, refined.start, refined.location) == (record.uid, record.start, "LT1")
    assert record.title == "A talk - Jane Doe"
    assert record.speakers == []


# talks.cam: the speaker field


def test_talkscam_comma_between_two_names_means_two_speakers():
    assert talkscam_speakers("Markus Böck, Jeff Niu") == [
        SpeakerRecord("Markus Böck"),
        SpeakerRecord("Jeff Niu"),
    ]


@pytest.mark.parametrize(
    ("field", "affiliation"),
    [
        ("Jane Doe, University of Oxford", "University of Oxford"),
        ("Jane Doe, Google DeepMind", "Google DeepMind"),
        ("Jane Doe, Microsoft Research", "Microsoft Research"),
        ("Jane Doe, Cavendish Laboratory", "Cavendish Laboratory"),
        ("Jane Doe, ETH Zürich", "ETH Zürich"),
        ("Jane Doe, MIT", "MIT"),
        ("Jane Doe, Dept. of Engineering, Cambridge", "Dept. of Engineering, Cambridge"),
        ("Jane Doe, Department of Physics and Astronomy", "Department of Physics and Astronomy"),
    ],
)
def test_talkscam_comma_before_an_organisation_means_one_speaker_and_affiliation(
    field, affiliation
):
    assert talkscam_speakers(field) == [SpeakerRecord("Jane Doe", affiliation)]


def test_talkscam_parenthesised_affiliation_and_honorific_are_taken_off_the_name():
    assert talkscam_speakers("Prof. Jane Doe (MIT)") == [SpeakerRecord("Jane Doe", "MIT")]


@pytest.mark.parametrize("field", ["Dr Jane Doe", "Dr. Jane Doe", "Professor Jane Doe PhD"])
def test_talkscam_honorifics_and_degrees_are_dropped(field):
    assert talkscam_speakers(field) == [SpeakerRecord("Jane Doe")]


def test_talkscam_names_each_with_parenthesised_affiliation_are_separate_speakers():
    assert talkscam_speakers("Jane Doe (MIT), Dr John Smith (Imperial College London)") == [
        SpeakerRecord("Jane Doe", "MIT"),
        SpeakerRecord("John Smith", "Imperial College London"),
    ]


def test_talkscam_comma_inside_parentheses_stays_in_the_affiliation():
    assert talkscam_speakers("Jane Doe (Department of Physics, University of Oxford)") == [
        SpeakerRecord("Jane Doe", "Department of Physics, University of Oxford")
    ]


@pytest.mark.parametrize("field", ["Jane Doe and John Smith", "Jane Doe & John Smith"])
def test_talkscam_and_or_ampersand_between_names_means_two_speakers(field):
    assert talkscam_speakers(field) == [SpeakerRecord("Jane Doe"), SpeakerRecord("John Smith")]


def test_talkscam_and_after_an_affiliation_starts_the_next_speaker():
    assert talkscam_speakers("Jane Doe, University of Oxford and John Smith, UCL") == [
        SpeakerRecord("Jane Doe", "University of Oxford"),
        SpeakerRecord("John Smith", "UCL"),
    ]


def test_talkscam_single_word_after_and_is_a_second_speaker():
    assert talkscam_speakers("Jane Doe and Cher") == [
        SpeakerRecord("Jane Doe"),
        SpeakerRecord("Cher"),
    ]


def test_talkscam_names_with_apostrophes_hyphens_and_other_scripts_are_kept_whole():
    assert talkscam_speakers("Miles O'Brien, Jean-Luc Picard; 张伟, Иван Петров") == [
        SpeakerRecord("Miles O'Brien"),
        SpeakerRecord("Jean-Luc Picard"),
        SpeakerRecord("张伟"),
        SpeakerRecord("Иван Петров"),
    ]


def test_talkscam_generational_suffix_stays_with_the_name():
    assert talkscam_speakers("Martin Luther King, Jr.") == [SpeakerRecord("Martin Luther King Jr.")]


def test_talkscam_same_person_twice_is_one_speaker():
    assert talkscam_speakers("Markus Böck and Markus Boeck") == [SpeakerRecord("Markus Böck")]


@pytest.mark.parametrize(
    "field",
    [
        "Speaker to be confirmed",
        "Speakers to be confirmed",
        "TBC",
        "tba",
        "TBD",
        "To be announced",
        "Speaker: TBC",
        "(TBC)",
        "",
    ],
)
def test_talkscam_placeholder_speaker_field_means_no_speaker_yet(field):
    refined = TALKSCAM.refine(make_record(f"Lent term seminar - {field}"))
    assert refined.title == "Lent term seminar"
    assert refined.speakers == []


def test_talkscam_placeholder_next_to_a_name_keeps_the_name():
    assert talkscam_speakers("Jane Doe and TBC") == [SpeakerRecord("Jane Doe")]


# talks.cam: what the description says about the speakers


def test_talkscam_description_affiliation_matches_across_transliteration_and_summary_name_wins():
    description = "Quidditch - by Markus Boeck (University of Cambridge)\n\nAbstract."
    assert talkscam_speakers("Markus Böck", description) == [
        SpeakerRecord("Markus Böck", "University of Cambridge")
    ]


def test_talkscam_description_affiliation_matches_across_accents_and_honorifics():
    description = "A talk by Prof. José Núñez (Universidad de Chile)."
    assert talkscam_speakers("Jose Nunez", description) == [
        SpeakerRecord("Jose Nunez", "Universidad de Chile")
    ]


def test_talkscam_description_speaker_line_gives_affiliations():
    description = "Speakers: Jane Doe (MIT), Zoë Smith (Inria)\n\nAbstract."
    assert talkscam_speakers("Jane Doe, Zoe Smith", description) == [
        SpeakerRecord("Jane Doe", "MIT"),
        SpeakerRecord("Zoe Smith", "Inria"),
    ]


def test_talkscam_affiliation_in_the_summary_wins_over_the_description():
    description = "Talk by Jane Doe (Somewhere Else)"
    assert talkscam_speakers("Jane Doe (MIT)", description) == [SpeakerRecord("Jane Doe", "MIT")]


def test_talkscam_description_naming_a_one_word_speaker_makes_the_comma_separate_people():
    description = "First half by Jane Doe (MIT), second half by Cher (Island Records)."
    assert talkscam_speakers("Jane Doe, Cher", description) == [
        SpeakerRecord("Jane Doe", "MIT"),
        SpeakerRecord("Cher", "Island Records"),
    ]


def test_talkscam_one_word_after_a_comma_is_an_affiliation_when_nothing_says_otherwise():
    assert talkscam_speakers("Jane Doe, Cher") == [SpeakerRecord("Jane Doe", "Cher")]


def test_talkscam_description_affiliation_tells_a_comma_part_is_an_organisation():
    description = "Talk by Jane Doe (Acme Widgets)."
    assert talkscam_speakers("Jane Doe, Acme Widgets", description) == [
        SpeakerRecord("Jane Doe", "Acme Widgets")
    ]


def test_talkscam_people_only_in_the_description_are_not_added_as_speakers():
    description = "Talk by Jane Doe (MIT), hosted by John Smith (Oxford)."
    assert talkscam_speakers("Jane Doe", description) == [SpeakerRecord("Jane Doe", "MIT")]


# talks.cam: odd input


@pytest.mark.parametrize(
    ("summary", "title", "speakers"),
    [
        ("", "", []),
        ("-", "-", []),
        ("!!! - ?!,;", "!!!", []),
        ("A talk - ,,, and & ;;", "A talk", []),
        ("A talk - ((((", "A talk", []),
        ("A talk - ))))", "A talk", []),
        ("A talk - (MIT)", "A talk", []),
        ("A talk - " + "Jane Doe, " * 5_000, "A talk", [SpeakerRecord("Jane Doe")]),
        ("A talk - Jane Doe " + "(" * 5_000, "A talk", [SpeakerRecord("Jane Doe", "(" * 4_999)]),
        ("A talk - " + "x" * 100_000, "A talk", [SpeakerRecord("x" * 100_000)]),
    ],
)
def test_talkscam_odd_summaries_give_at_worst_no_speakers(summary, title, speakers):
    refined = TALKSCAM.refine(make_record(summary, "by " * 1_000 + "(" * 1_000))
    assert refined.title == title
    assert refined.speakers == speakers


def test_talkscam_parentheses_inside_an_affiliation_are_kept():
    assert talkscam_speakers("Jane Doe (Department (DAMTP))") == [
        SpeakerRecord("Jane Doe", "Department (DAMTP)")
    ]


def test_talkscam_unclosed_parenthesis_keeps_the_name():
    assert talkscam_speakers("Jane Doe (Univers") == [SpeakerRecord("Jane Doe", "Univers")]


# generic: the SUMMARY


@pytest.mark.parametrize(
    "title",
    ["Deep learning - Jane Doe", "Jane Doe, University of Oxford", "Talk by Jane Doe (MIT)"],
)
def test_generic_never_guesses_speakers_from_the_summary(title):
    refined = GENERIC.refine(make_record(title))
    assert refined.title == title
    assert refined.speakers == []


# generic: Speaker lines in the description


def test_generic_speaker_line_with_affiliation_line_gives_speaker_and_abstract():
    description = "Speaker: Dr. Ada Lovelace\nAffiliation: Analytical Engines Ltd\nHost: C. Babbage"
    refined = GENERIC.refine(make_record("Notes on the engine", description))
    assert refined.title == "Notes on the engine"
    assert refined.speakers == [SpeakerRecord("Ada Lovelace", "Analytical Engines Ltd")]
    assert refined.description == "Host: C. Babbage"


def test_generic_speaker_line_with_parenthesised_affiliation():
    refined = GENERIC.refine(make_record("Talk", "Speaker: Jane Doe (MIT)\n\nThe abstract."))
    assert refined.speakers == [SpeakerRecord("Jane Doe", "MIT")]
    assert refined.description == "The abstract."


def test_generic_speakers_line_with_several_parenthesised_affiliations():
    description = "The abstract.\nSpeakers: Jane Doe (MIT), John Smith (Oxford)"
    refined = GENERIC.refine(make_record("Talk", description))
    assert refined.speakers == [
        SpeakerRecord("Jane Doe", "MIT"),
        SpeakerRecord("John Smith", "Oxford"),
    ]
    assert refined.description == "The abstract."


def test_generic_speakers_line_with_commas_and_and_lists_every_speaker():
    description = "Speakers: Jane Doe, John Smith and Zoë Brown\nThe abstract."
    refined = GENERIC.refine(make_record("Talk", description))
    assert refined.speakers == [
        SpeakerRecord("Jane Doe"),
        SpeakerRecord("John Smith"),
        SpeakerRecord("Zoë Brown"),
    ]
    assert refined.description == "The abstract."


def test_generic_speakers_line_with_a_comma_before_and_lists_every_speaker():
    refined = GENERIC.refine(make_record("Talk", "Speakers: Jane Doe, John Smith, and Zoë Brown"))
    assert refined.speakers == [
        SpeakerRecord("Jane Doe"),
        SpeakerRecord("John Smith"),
        SpeakerRecord("Zoë Brown"),
    ]


def test_generic_speaker_comma_before_an_organisation_is_an_affiliation():
    refined = GENERIC.refine(make_record("Talk", "Speaker: Jane Doe, University of Oxford"))
    assert refined.speakers == [SpeakerRecord("Jane Doe", "University of Oxford")]
    assert refined.description == ""


def test_generic_speaker_label_is_case_insensitive_and_may_be_indented():
    refined = GENERIC.refine(make_record("Talk", "Intro.\n  SPEAKER : Jane Doe\nMore."))
    assert refined.speakers == [SpeakerRecord("Jane Doe")]
    assert refined.description == "Intro.\nMore."


def test_generic_affiliation_line_under_a_speakers_line_applies_to_each_speaker():
    description = "Speakers: Jane Doe, John Smith (Oxford)\nAffiliation: MIT\nAbstract."
    refined = GENERIC.refine(make_record("Talk", description))
    assert refined.speakers == [
        SpeakerRecord("Jane Doe", "MIT"),
        SpeakerRecord("John Smith", "Oxford"),
    ]
    assert refined.description == "Abstract."


def test_generic_affiliation_line_not_under_a_speaker_line_stays_in_the_abstract():
    description = "Speaker: Jane Doe\nHost: John Smith\nAffiliation: MIT"
    refined = GENERIC.refine(make_record("Talk", description))
    assert refined.speakers == [SpeakerRecord("Jane Doe")]
    assert refined.description == "Host: John Smith\nAffiliation: MIT"


def test_generic_speaker_mentioned_mid_line_is_not_a_speaker_line():
    description = "  Our speaker: Jane Doe (MIT) will talk about compilers.\n"
    refined = GENERIC.refine(make_record("Talk", description))
    assert refined.speakers == []
    assert refined.description == description


def test_generic_without_speaker_line_leaves_the_record_unchanged():
    record = make_record("Talk - Jane Doe", "  Abstract by Jane Doe (MIT).\n\n")
    assert GENERIC.refine(record) == record


def test_generic_placeholder_speaker_line_gives_no_speaker_and_is_removed():
    refined = GENERIC.refine(make_record("Talk", "Speaker: TBA\nAbstract."))
    assert refined.speakers == []
    assert refined.description == "Abstract."


def test_generic_hkust_corpus_events_each_give_one_speaker_from_their_lines():
    events = corpus_events("hkust-cse_seminar-scraper_tzid-without-vtimezone.ics")
    records = [make_record(str(e.get("SUMMARY")), str(e.get("DESCRIPTION"))) for e in events]

    refined = [GENERIC.refine(record) for record in records]

    assert refined[0].speakers == [SpeakerRecord("Lingkai Kong", "Harvard SEAS")]
    assert refined[10].speakers == [SpeakerRecord("Sai-Kit Yeung", "ISD, CSE & OCES")]
    assert [len(r.speakers) for r in refined] == [1] * len(records)
    assert [r.title for r in refined] == [r.title for r in records]
    # The Speaker and Affiliation lines come first; the rest is the abstract.
    assert [r.description for r in refined] == [r.description.split("\n", 2)[2] for r in records]


# Our own export


OURS = dialect_for(export.PRODID)
PAGE = "https://talks.example.org/talks/7/rings/"


def exported(title, description, url=PAGE, **fields):
    return make_record(title, description, url=url, **fields)


def test_dialect_for_our_exports_prodid_is_ours():
    assert OURS.name == "seminars"


def test_our_dialect_reads_speakers_exactly_and_strips_what_the_export_adds():
    record = exported(
        "Rings, ideals (and dreams) (Martin Luther King, Jr., Cher (singer))",
        "Speaker: Martin Luther King, Jr.\n"
        "Affiliation: Morehouse College (Atlanta), GA\n"
        "Speaker: Cher (singer)\n"
        "\n"
        "Speaker: a line of the abstract.\n\nSecond paragraph.\n"
        "\n" + PAGE,
    )

    refined = OURS.refine(record)

    assert refined.title == "Rings, ideals (and dreams)"
    assert refined.speakers == [
        SpeakerRecord("Martin Luther King, Jr.", "Morehouse College (Atlanta), GA"),
        SpeakerRecord("Cher (singer)"),
    ]
    assert refined.description == "Speaker: a line of the abstract.\n\nSecond paragraph."


def test_our_dialect_keeps_speaker_lines_when_the_summary_does_not_name_them():
    record = exported("Open problems", "Speaker: nobody in particular\n\n" + PAGE)

    refined = OURS.refine(record)

    assert (refined.title, refined.speakers) == ("Open problems", [])
    assert refined.description == "Speaker: nobody in particular"


def test_our_dialect_keeps_speaker_lines_that_run_into_the_abstract():
    record = exported("Talk (Ann)", "Speaker: Ann\nand more text\n\n" + PAGE)

    refined = OURS.refine(record)

    assert (refined.title, refined.speakers) == ("Talk (Ann)", [])
    assert refined.description == "Speaker: Ann\nand more text"


def test_our_dialect_with_only_the_link_gives_an_empty_abstract():
    refined = OURS.refine(exported("Open problems", PAGE))

    assert (refined.title, refined.speakers, refined.description) == ("Open problems", [], "")


def test_our_dialect_keeps_a_title_that_is_only_the_names():
    refined = OURS.refine(exported("(Ann)", "Speaker: Ann\n\n" + PAGE))

    assert (refined.title, refined.speakers) == ("(Ann)", [])


def test_our_dialect_reads_what_the_export_writes(db):
    jane = make_speaker("Jane Doe, PhD", affiliation="MIT (CSAIL); Boston")
    talk = make_talk(speakers=[jane], title="Proofs (revisited)", abstract="Abstract.")
    talk = Talk.objects.with_speakers().get(pk=talk.pk)
    event = icalendar.Event.from_ical(
        export.event_bytes(talk, site_url="https://talks.example.org")
    )
    record = exported(str(event["SUMMARY"]), str(event["DESCRIPTION"]), url=str(event["URL"]))

    refined = OURS.refine(record)

    assert refined.title == "Proofs (revisited)"
    assert refined.speakers == [SpeakerRecord("Jane Doe, PhD", "MIT (CSAIL); Boston")]
    assert refined.description == "Abstract."


def test_our_dialect_reads_the_more_line_as_the_talks_own_link_and_not_the_page():
    record = exported(
        "Proofs",
        "Abstract.\n\nSlides: https://example.org/s.pdf\nMore: https://conf.example.org/\n\n"
        + PAGE,
    )

    refined = OURS.refine(record)

    assert (refined.url, refined.slides_url) == (
        "https://conf.example.org/",
        "https://example.org/s.pdf",
    )
    assert refined.description == "Abstract."


def test_our_dialect_without_a_more_line_gives_the_talk_no_link_of_its_own():
    refined = OURS.refine(exported("Proofs", "Abstract.\n\n" + PAGE))

    # URL is always the talk's page on the exporting site, never the talk's own link.
    assert (refined.url, refined.description) == ("", "Abstract.")


def test_generic_dialect_leaves_a_more_line_in_the_description():
    record = make_record("Proofs", "Abstract.\n\nMore: https://conf.example.org/")

    refined = GENERIC.refine(record)

    assert (refined.url, refined.description) == ("", record.description)


def test_our_dialect_takes_the_cancelled_prefix_off_a_cancelled_talks_title():
    record = exported("Cancelled: Proofs (Ann)", "Speaker: Ann\n\n" + PAGE, status="cancelled")

    refined = OURS.refine(record)

    assert (refined.title, refined.speakers, refined.status) == (
        "Proofs",
        [SpeakerRecord("Ann")],
        "cancelled",
    )


def test_our_dialect_takes_the_cancelled_prefix_off_a_title_without_speakers():
    refined = OURS.refine(exported("Cancelled: Cancelled: Proofs", PAGE, status="cancelled"))

    assert refined.title == "Cancelled: Proofs"


def test_our_dialect_keeps_a_confirmed_talks_title_that_starts_with_cancelled():
    refined = OURS.refine(exported("Cancelled: a history (Ann)", "Speaker: Ann\n\n" + PAGE))

    assert refined.title == "Cancelled: a history"


def test_our_dialect_reads_back_the_link_and_title_of_a_cancelled_talk(db):
    talk = make_talk(
        title="Proofs",
        url="https://conf.example.org/register",
        status=Talk.Status.CANCELLED,
    )
    talk = Talk.objects.with_speakers().get(pk=talk.pk)
    event = icalendar.Event.from_ical(
        export.event_bytes(talk, site_url="https://talks.example.org")
    )
    record = exported(
        str(event["SUMMARY"]), str(event["DESCRIPTION"]), url=str(event["URL"]), status="cancelled"
    )

    refined = OURS.refine(record)

    assert (refined.title, refined.url, refined.description) == (
        "Proofs",
        "https://conf.example.org/register",
        "",
    )


# Moved from test_import.py: a calendar of no known dialect, read by the generic one.

TESTS_PRODID = "-//Tests//Seminars tests//EN"  # what tests.factories.ics_calendar writes


def test_generic_feed_takes_speakers_from_description_lines():
    dialect = dialect_for(TESTS_PRODID)
    record = make_record("Topology - Jane Doe", "Speaker: Ann Lee (MIT)\n\nAbstract text.")
    refined = dialect.refine(record)
    assert dialect.name == "generic"
    assert refined.speakers == [SpeakerRecord("Ann Lee", "MIT")]
    assert refined.title == "Topology - Jane Doe"  # never guessed from another dialect's summary
    assert refined.description == "Abstract text."
