"""Migrations stand alone: they keep working whatever later becomes of the project's code."""

import ast
import importlib
from pathlib import Path

import pytest
from django.apps import apps

from seminars.models import FeedSource, Speaker
from seminars.names import name_key
from tests.factories import make_series, make_speaker, make_talk

MIGRATIONS = Path(__file__).resolve().parent.parent / "seminars" / "migrations"
NAMES = ["Markus Böck", "MÜLLER", "Gödel", "Michael Kowalski", "Joel", "Zoë Ångström", "张伟"]


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is None:
            # `from . import joining`: the module joining, not the package.
            modules.update("." * node.level + alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            modules.add("." * node.level + node.module)
    return modules


def migration(name: str):
    return importlib.import_module(f"seminars.migrations.{name}")


@pytest.mark.parametrize("path", sorted(MIGRATIONS.glob("0*.py")), ids=lambda path: path.stem)
def test_migration_imports_nothing_of_the_project_but_field_defaults(path):
    project = {m for m in imported_modules(path) if m.startswith((".", "seminars"))}

    # Django writes a field's callable default as a reference to it (new_talk_uid).
    assert project <= {"seminars.models"}


@pytest.mark.parametrize("name", NAMES)
def test_name_key_migration_computes_the_keys_the_site_computes(name):
    assert migration("0007_speaker_name_key_umlauts").name_key(name) == name_key(name)


@pytest.mark.django_db
def test_name_key_migration_recomputes_every_speakers_key():
    speakers = [make_speaker(name) for name in NAMES]
    Speaker.objects.update(name_key="stale")

    migration("0007_speaker_name_key_umlauts").recompute_name_keys(apps, None)

    assert [Speaker.objects.get(pk=s.pk).name_key for s in speakers] == list(map(name_key, NAMES))


@pytest.mark.django_db
def test_name_key_migration_undone_restores_the_keys_of_before():
    michael = make_speaker("Michael Kowalski")
    boeck = make_speaker("Markus Boeck")

    migration("0007_speaker_name_key_umlauts").restore_old_name_keys(apps, None)

    michael.refresh_from_db()
    boeck.refresh_from_db()
    assert (michael.name_key, boeck.name_key) == ("michal kowalski", "markus bock")


@pytest.mark.django_db(transaction=True)
def test_the_series_organiser_text_is_kept_as_its_contact():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = (
        [("seminars", "0008_feedsource_fingerprint")],
        [("seminars", "0009_organisers_and_sources")],
    )
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("seminars", "Series")
    old.objects.create(name="Logic", slug="logic", organiser="Ann Lee, ann@example.org")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new = executor.loader.project_state(after).apps.get_model("seminars", "Series")
    assert new.objects.get(slug="logic").contact == "Ann Lee, ann@example.org"
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.parametrize(
    "location",
    [
        "https://example.org/a.ics",
        "WEBCALS://example.org/a.ics",
        "upload:logic/a.ics",
        "stdin",
        "stdin:logic",
        "demo:logic",
        "/srv/a.ics",
    ],
)
def test_source_kind_migration_decides_the_kind_the_site_decides(location):
    assert migration("0013_feedsource_kind").kind_for(location) == FeedSource.kind_for(location)


@pytest.mark.django_db
def test_source_kind_migration_fills_kinds_and_drops_sources_that_never_imported():
    series = make_series("Logic")
    kept = FeedSource.objects.create(location="HTTPS://example.org/a.ics", series=series)
    failed_once = FeedSource.objects.create(location="/srv/typo.ics", last_error="no such file")
    old = FeedSource.objects.create(location="/srv/old.ics")
    make_talk(series=series, source=old)  # its series gone, its talks still there
    FeedSource.objects.update(kind="")

    migration("0013_feedsource_kind").fill_kinds(apps, None)

    kinds = dict(FeedSource.objects.values_list("location", "kind"))
    assert kinds == {kept.location: "url", old.location: "file"}
    assert not FeedSource.objects.filter(pk=failed_once.pk).exists()
