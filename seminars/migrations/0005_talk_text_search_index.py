"""A GIN index for full-text search of talks, on PostgreSQL only (see seminars/search.py).

It is created through the schema editor from the same expression the search uses, so the
planner can match the two; other databases search without it.
"""

from django.db import migrations


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from seminars.search import TALK_TEXT_INDEX

        schema_editor.add_index(apps.get_model("seminars", "Talk"), TALK_TEXT_INDEX)


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from seminars.search import TALK_TEXT_INDEX

        schema_editor.remove_index(apps.get_model("seminars", "Talk"), TALK_TEXT_INDEX)


class Migration(migrations.Migration):
    dependencies = [("seminars", "0004_content_version")]

    operations = [migrations.RunPython(add_index, remove_index)]
