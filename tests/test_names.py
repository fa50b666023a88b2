import pytest

from seminars.models import Speaker
from seminars.names import name_key
from seminars.speakers import find_or_create_speaker
from tests.factories import make_speaker


@pytest.mark.parametrize(
    "spelling",
    [
        "Markus Böck",
        "markus böck",
        "MARKUS  BÖCK",
        " Markus Boeck ",
        "Markus\tBöck",
        "Markus Bo\u0308ck",
    ],
)
def test_name_key_is_equal_across_case_accents_spacing_and_umlaut_spelling(spelling):
    assert name_key(spelling) == name_key("Markus Böck")


@pytest.mark.parametrize(
    ("umlaut", "spelled"),
    [("Böck", "Boeck"), ("Müller", "Mueller"), ("Gödel", "Goedel"), ("Jäger", "JAEGER")],
)
def test_name_key_spells_an_umlaut_as_its_letter_and_e(umlaut, spelled):
    assert name_key(umlaut) == name_key(spelled)
    assert name_key(spelled) == name_key(umlaut)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Michael Kowalski", "Michal Kowalski"),
        ("Joel", "Jol"),
        ("Samuel", "Samul"),
        # An umlaut written without its dots is another name: "Böck" is "Boeck", not "Bock".
        ("Markus Böck", "Markus Bock"),
        ("Markus Boeck", "Markus Bock"),
    ],
)
def test_name_key_keeps_names_apart_that_differ_by_an_e(a, b):
    assert name_key(a) != name_key(b)
    assert name_key(b) != name_key(a)


@pytest.mark.parametrize(
    ("a", "b"),
    [("José Núñez", "Jose Nunez"), ("Zoë Smith", "Zoe Smith"), ("Łukasz Øster", "Lukasz Oster")],
)
def test_name_key_ignores_accents(a, b):
    assert name_key(a) == name_key(b)


def test_name_key_tells_different_people_apart():
    assert name_key("Jane Doe") != name_key("John Doe")
    assert name_key("Jane Doe") != name_key("Jane Do")


@pytest.mark.django_db
def test_speaker_lookup_finds_an_existing_speaker_whatever_the_spelling():
    markus = make_speaker("Markus Böck")
    assert list(Speaker.objects.matching_name("markus  boeck")) == [markus]


@pytest.mark.django_db
def test_find_or_create_reuses_the_speaker_and_fills_a_blank_affiliation():
    markus = make_speaker("Markus Böck")
    found = find_or_create_speaker(name="MARKUS BOECK", affiliation="University of Cambridge")
    assert found.pk == markus.pk
    assert Speaker.objects.count() == 1
    assert Speaker.objects.get().affiliation == "University of Cambridge"


@pytest.mark.django_db
def test_find_or_create_keeps_an_existing_affiliation():
    make_speaker("Jeff Niu", affiliation="Modular")
    found = find_or_create_speaker(name="Jeff Niu", affiliation="Mojo")
    assert found.affiliation == "Modular"


@pytest.mark.django_db
def test_find_or_create_gives_new_speakers_unique_slugs():
    make_speaker("Ann Lee", slug="ann-lee")
    other = find_or_create_speaker(name="Ann Leé-Smith")
    third = Speaker.objects.create(name="x", slug="ann-lee-2")
    assert other.slug == "ann-lee-smith"
    assert third.slug == "ann-lee-2"


def test_name_key_keeps_names_in_other_scripts_apart():
    assert name_key("张伟") == "张伟"
    assert name_key("张伟") != name_key("李娜")
