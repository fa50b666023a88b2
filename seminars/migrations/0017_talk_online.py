"""Talk.online: a talk held online only, in no room (seminars/online.py).

Added with ALTER TABLE ... ADD COLUMN, not Django's AddField: on SQLite AddField of a field
with a default makes the talk table anew, which drops the search triggers 0011 and 0012 put
on it and breaks those on the tables beside it. A constant default lets SQLite and
PostgreSQL add the column in place; existing talks are not online only.
"""

from django.db import migrations, models

FIELD = models.BooleanField(
    default=False,
    help_text="Held online, in no room (a calendar's location such as “Online” or “via Zoom”).",
    verbose_name="online only",
)


def forwards(apps, schema_editor):
    false = "0" if schema_editor.connection.vendor == "sqlite" else "false"
    schema_editor.execute(
        f"ALTER TABLE seminars_talk ADD COLUMN online boolean NOT NULL DEFAULT {false}"
    )


def backwards(apps, schema_editor):
    schema_editor.execute("ALTER TABLE seminars_talk DROP COLUMN online")


class Migration(migrations.Migration):
    dependencies = [("seminars", "0016_invitations")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddField(model_name="talk", name="online", field=FIELD)],
            database_operations=[migrations.RunPython(forwards, backwards)],
        )
    ]
