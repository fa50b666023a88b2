import datetime

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("seminars", "0008_feedsource_fingerprint"),
    ]

    operations = [
        # What visitors see keeps its data under its new name.
        migrations.RenameField("series", "organiser", "contact"),
        migrations.AlterField(
            model_name="series",
            name="contact",
            field=models.CharField(
                blank=True,
                help_text="Who visitors may write to about the series: a name, an email or both.",
                max_length=200,
            ),
        ),
        migrations.AddField(
            model_name="series",
            name="organisers",
            field=models.ManyToManyField(
                blank=True,
                help_text="The accounts that run this series in the admin: its talks, speakers "
                "and calendar sources.",
                related_name="organised_series",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="feedsource",
            name="interval",
            field=models.DurationField(
                default=datetime.timedelta(seconds=3600),
                help_text="How often `import_ics --all` syncs a URL source (hh:mm:ss).",
                verbose_name="sync interval",
            ),
        ),
        migrations.AddField(
            model_name="feedsource",
            name="public_only",
            field=models.BooleanField(
                default=False,
                help_text="Fetch only from public addresses (URLs added in the admin), unless "
                "the host is in IMPORT_ALLOWED_HOSTS.",
            ),
        ),
        migrations.AddField(
            model_name="feedsource",
            name="upload",
            field=models.BinaryField(
                editable=False,
                help_text="The calendar file an organiser uploaded, for a source that is not a "
                "URL.",
                null=True,
            ),
        ),
    ]
