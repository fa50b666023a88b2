"""FeedSource.kind, decided once from the location; sources that never imported into a series
(a mistyped file, an unreachable URL) are dropped, as the importer no longer records them."""

import re

from django.db import migrations, models

URL = re.compile(r"^(https?|webcals?)://", re.IGNORECASE)


def kind_for(location):
    # FeedSource.kind_for as it is at this migration.
    if URL.match(location):
        return "url"
    if location.startswith("upload:"):
        return "upload"
    if location == "stdin" or location.startswith("stdin:"):
        return "stdin"
    if location.startswith("demo:"):
        return "demo"
    return "file"


def fill_kinds(apps, schema_editor):
    FeedSource = apps.get_model("seminars", "FeedSource")
    FeedSource.objects.filter(
        series__isnull=True, last_success__isnull=True, talks__isnull=True
    ).delete()
    for source in FeedSource.objects.only("pk", "location"):
        FeedSource.objects.filter(pk=source.pk).update(kind=kind_for(source.location))


class Migration(migrations.Migration):
    dependencies = [
        ("seminars", "0012_search_folding"),
    ]

    operations = [
        migrations.AddField(
            model_name="feedsource",
            name="kind",
            field=models.CharField(
                choices=[
                    ("url", "URL"),
                    ("upload", "Uploaded file"),
                    ("file", "File on the server"),
                    ("stdin", "Standard input"),
                    ("demo", "Demo calendar"),
                ],
                default="file",
                editable=False,
                help_text="Where the calendar comes from, decided from the location when the "
                "source is recorded: only URLs are synced again by `import_ics --all`.",
                max_length=10,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill_kinds, migrations.RunPython.noop),
    ]
