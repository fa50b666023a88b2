"""Feeds no longer remember what they served: a feed's Last-Modified now comes from the
content version and the hour (seminars/feeds/calendars.py), and serving writes nothing."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("seminars", "0005_talk_text_search_index")]

    operations = [migrations.DeleteModel(name="PublishedFeed")]
