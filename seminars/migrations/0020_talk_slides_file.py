"""Talk.slides_file: an uploaded PDF of the slides (seminars/materials.py).

Added in place (ALTER TABLE ... ADD COLUMN), as 0017 explains: AddField would make the talk
table anew on SQLite and drop its search triggers.
"""

from django.db import migrations, models

import seminars.models


def forwards(apps, schema_editor):
    schema_editor.execute(
        "ALTER TABLE seminars_talk ADD COLUMN slides_file varchar(200) NOT NULL DEFAULT ''"
    )


def backwards(apps, schema_editor):
    schema_editor.execute("ALTER TABLE seminars_talk DROP COLUMN slides_file")


class Migration(migrations.Migration):
    dependencies = [("seminars", "0019_join_access")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="talk",
                    name="slides_file",
                    field=models.FileField(
                        "slides (PDF)",
                        upload_to=seminars.models.slides_path,
                        max_length=200,
                        blank=True,
                        help_text="A PDF, shown with the talk once it is over (instead of the "
                        "slides link).",
                    ),
                )
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        )
    ]
