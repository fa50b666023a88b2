"""A speaker's own edit link (seminars/speaker_links/), their photo, how they are shown on
one talk, and the history of talks, speakers and their places on talks (django-simple-history).

The speaker's and talk-speaker's columns are added in place (ALTER TABLE ... ADD COLUMN), not
by AddField, which on SQLite makes those tables anew and drops their search triggers (0017).
"""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import seminars.models
import simple_history.models
from django.conf import settings
from django.db import migrations, models


COLUMNS = [
    ("seminars_speaker", "photo", "varchar(200) NOT NULL DEFAULT ''"),
    ("seminars_talkspeaker", "shown_name", "varchar(200) NOT NULL DEFAULT ''"),
    ("seminars_talkspeaker", "shown_affiliation", "varchar(300) NOT NULL DEFAULT ''"),
    ("seminars_talkspeaker", "shown_homepage", "varchar(500) NOT NULL DEFAULT ''"),
]


def forwards(apps, schema_editor):
    for table, column, definition in COLUMNS:
        schema_editor.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")


def backwards(apps, schema_editor):
    for table, column, _ in reversed(COLUMNS):
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


class Migration(migrations.Migration):

    dependencies = [
        ('seminars', '0021_registration'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name='speaker',
                    name='photo',
                    field=models.ImageField(blank=True, help_text='A portrait, scaled to at most 800 px with its metadata removed.', max_length=200, upload_to=seminars.models.photo_path),
                ),
                migrations.AddField(
                    model_name='talkspeaker',
                    name='shown_affiliation',
                    field=models.CharField(blank=True, max_length=300, verbose_name='affiliation on this talk'),
                ),
                migrations.AddField(
                    model_name='talkspeaker',
                    name='shown_homepage',
                    field=models.URLField(blank=True, max_length=500, validators=[django.core.validators.URLValidator(schemes=['http', 'https'])], verbose_name='homepage on this talk'),
                ),
                migrations.AddField(
                    model_name='talkspeaker',
                    name='shown_name',
                    field=models.CharField(blank=True, max_length=200, verbose_name='name on this talk'),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
        migrations.AlterField(
            model_name='speaker',
            name='bio',
            field=models.TextField(blank=True, help_text='A few sentences; plain text.'),
        ),
        migrations.CreateModel(
            name='HistoricalSpeaker',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(max_length=200)),
                ('slug', models.SlugField(help_text="Used in the speaker's URL.", max_length=100)),
                ('affiliation', models.CharField(blank=True, max_length=300)),
                ('homepage', models.URLField(blank=True, max_length=500)),
                ('bio', models.TextField(blank=True, help_text='A few sentences; plain text.')),
                ('photo', models.TextField(blank=True, help_text='A portrait, scaled to at most 800 px with its metadata removed.', max_length=200)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical speaker',
                'verbose_name_plural': 'historical speakers',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalTalk',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('title', models.CharField(max_length=500)),
                ('abstract', models.TextField(blank=True, help_text='Plain text; blank lines split paragraphs.')),
                ('start', models.DateTimeField()),
                ('end', models.DateTimeField(blank=True, null=True)),
                ('all_day', models.BooleanField(default=False, help_text='Whole days: start at midnight of the first day, end at midnight after the last.')),
                ('venue', models.CharField(blank=True, max_length=500)),
                ('join_access', models.CharField(blank=True, choices=[('', 'As the series'), ('open', 'Open: the link is shown to everyone'), ('before', 'Shortly before: the link is shown from a set time before the start'), ('external', 'External registration: a registration page is shown instead of the link'), ('register', 'Registration: people give their email address and get the link by email')], default='', help_text='Empty: as the series chooses.', max_length=10, verbose_name='who sees the join link')),
                ('join_reveal_minutes', models.PositiveSmallIntegerField(blank=True, help_text="With “shortly before”: minutes before the start (0–1440; empty: the series').", null=True, validators=[django.core.validators.MaxValueValidator(1440)], verbose_name='shown this many minutes before')),
                ('registration_url', models.URLField(blank=True, help_text="With “external registration”: the page people register on (empty: the series').", max_length=2000, validators=[django.core.validators.URLValidator(schemes=['http', 'https'])], verbose_name='registration page')),
                ('online', models.BooleanField(default=False, help_text="Held online, in no room (a calendar's location such as “Online” or “via Zoom”).", verbose_name='online only')),
                ('status', models.CharField(choices=[('confirmed', 'Confirmed'), ('cancelled', 'Cancelled')], default='confirmed', max_length=20)),
                ('url', models.URLField(blank=True, max_length=2000, verbose_name='external URL')),
                ('join_url', models.URLField(blank=True, help_text='The video call people join to take part online.', max_length=2000, validators=[django.core.validators.URLValidator(schemes=['http', 'https'])], verbose_name='join link')),
                ('livestream_url', models.URLField(blank=True, max_length=2000, validators=[django.core.validators.URLValidator(schemes=['http', 'https'])], verbose_name='livestream link')),
                ('recording_url', models.URLField(blank=True, max_length=2000, validators=[django.core.validators.URLValidator(schemes=['http', 'https'])], verbose_name='recording link')),
                ('slides_url', models.URLField(blank=True, max_length=2000, validators=[django.core.validators.URLValidator(schemes=['http', 'https'])], verbose_name='slides link')),
                ('slides_file', models.TextField(blank=True, help_text='A PDF, shown with the talk once it is over (instead of the slides link).', max_length=200, verbose_name='slides (PDF)')),
                ('contact', models.CharField(blank=True, max_length=300)),
                ('uid', models.CharField(db_index=True, default=seminars.models.new_talk_uid, help_text='Identity of the talk in calendar feeds; never changes.', max_length=255, verbose_name='iCalendar UID')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('series', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='seminars.series')),
                ('source', models.ForeignKey(blank=True, db_constraint=False, help_text='The calendar this talk was imported from, if any.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='seminars.feedsource')),
            ],
            options={
                'verbose_name': 'historical talk',
                'verbose_name_plural': 'historical talks',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalTalkSpeaker',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField(default=0)),
                ('shown_name', models.CharField(blank=True, max_length=200, verbose_name='name on this talk')),
                ('shown_affiliation', models.CharField(blank=True, max_length=300, verbose_name='affiliation on this talk')),
                ('shown_homepage', models.URLField(blank=True, max_length=500, validators=[django.core.validators.URLValidator(schemes=['http', 'https'])], verbose_name='homepage on this talk')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('speaker', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='seminars.speaker')),
                ('talk', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='seminars.talk')),
            ],
            options={
                'verbose_name': 'historical speaker',
                'verbose_name_plural': 'historical speakers',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='SpeakerLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('nonce', models.CharField(editable=False, max_length=32)),
                ('created', models.DateTimeField(default=django.utils.timezone.now)),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('emailed_to', models.EmailField(blank=True, help_text='Where the link was last emailed.', max_length=254)),
                ('emailed_at', models.DateTimeField(blank=True, null=True)),
                ('email_failure', models.CharField(blank=True, max_length=300)),
                ('last_used', models.DateTimeField(blank=True, null=True)),
                ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('talk_speaker', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='speaker_links', to='seminars.talkspeaker')),
            ],
            options={
                'ordering': ['-created', '-id'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('revoked_at__isnull', True)), fields=('talk_speaker',), name='speakerlink_one_live_per_speaker')],
            },
        ),
    ]
