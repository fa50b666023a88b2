"""A GIN index for full-text search of talks, on PostgreSQL only (see seminars/search.py).

It is created through the schema editor from the same expression the search uses, so the
planner can match the two; other databases search without it. The expression is copied from
seminars/search.py (TALK_TEXT_INDEX) as it was, so that the migration stands alone.
Migration 0011 replaces it with a search table kept up to date by triggers.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

TALK_TEXT_INDEX = GinIndex(
    SearchVector("title", "venue", "abstract", config="simple"), name="talk_text_search_idx"
)


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("seminars", "Talk"), TALK_TEXT_INDEX)


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("seminars", "Talk"), TALK_TEXT_INDEX)


class Migration(migrations.Migration):
    dependencies = [("seminars", "0004_content_version")]

    operations = [migrations.RunPython(add_index, remove_index)]
