"""Who sees a talk's join link, and when (seminars/joining.py): per series, and per talk.

Columns added in place (ALTER TABLE ... ADD COLUMN with constant defaults), not by AddField,
which on SQLite makes the series and talk tables anew and so drops the search triggers of
0011 and 0012 (see 0017). Every existing series is "open", as before; every talk as its series.
"""

import django.core.validators
from django.db import migrations, models

WEB_URL = django.core.validators.URLValidator(schemes=["http", "https"])
CHOICES = [
    ("open", "Open: the link is shown to everyone"),
    ("before", "Shortly before: the link is shown from a set time before the start"),
    ("external", "External registration: a registration page is shown instead of the link"),
]

SERIES = [
    (
        "join_access",
        "varchar(10) NOT NULL DEFAULT 'open'",
        models.CharField(
            "who sees the join link",
            max_length=10,
            choices=CHOICES,
            default="open",
            help_text="How people get its talks' join links (a talk may choose otherwise).",
        ),
    ),
    (
        "join_reveal_minutes",
        "smallint NULL",
        models.PositiveSmallIntegerField(
            "shown this many minutes before",
            null=True,
            blank=True,
            validators=[django.core.validators.MaxValueValidator(1440)],
            help_text="With “shortly before”: minutes before the start (0–1440; empty: the "
            "site's default, JOIN_LINK_REVEAL_MINUTES).",
        ),
    ),
    (
        "registration_url",
        "varchar(2000) NOT NULL DEFAULT ''",
        models.URLField(
            "registration page",
            max_length=2000,
            blank=True,
            validators=[WEB_URL],
            help_text="With “external registration”: your page (Eventbrite, a form) people "
            "register on to get the link.",
        ),
    ),
]
TALK = [
    (
        "join_access",
        "varchar(10) NOT NULL DEFAULT ''",
        models.CharField(
            "who sees the join link",
            max_length=10,
            choices=[("", "As the series"), *CHOICES],
            default="",
            blank=True,
            help_text="Empty: as the series chooses.",
        ),
    ),
    (
        "join_reveal_minutes",
        "smallint NULL",
        models.PositiveSmallIntegerField(
            "shown this many minutes before",
            null=True,
            blank=True,
            validators=[django.core.validators.MaxValueValidator(1440)],
            help_text="With “shortly before”: minutes before the start (0–1440; empty: the "
            "series').",
        ),
    ),
    (
        "registration_url",
        "varchar(2000) NOT NULL DEFAULT ''",
        models.URLField(
            "registration page",
            max_length=2000,
            blank=True,
            validators=[WEB_URL],
            help_text="With “external registration”: the page people register on (empty: the "
            "series').",
        ),
    ),
]
TABLES = {"series": SERIES, "talk": TALK}


def forwards(apps, schema_editor):
    for model, columns in TABLES.items():
        for name, sql, _ in columns:
            schema_editor.execute(f"ALTER TABLE seminars_{model} ADD COLUMN {name} {sql}")


def backwards(apps, schema_editor):
    for model, columns in TABLES.items():
        for name, _, _ in columns:
            schema_editor.execute(f"ALTER TABLE seminars_{model} DROP COLUMN {name}")


class Migration(migrations.Migration):
    dependencies = [("seminars", "0018_announcements")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(model_name=model, name=name, field=field)
                for model, columns in TABLES.items()
                for name, _, field in columns
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        )
    ]
