"""Django set up for benchmarks: a throwaway SQLite database, never the developer's."""

import os
import tempfile
from pathlib import Path

_DIR = Path(tempfile.mkdtemp(prefix="seminars-bench-"))


def setup_django():
    os.environ["DATABASE_URL"] = f"sqlite:///{_DIR / 'bench.sqlite3'}"
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["DEBUG"] = "0"
    os.environ["ENV_FILE"] = os.devnull
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
    os.environ["SECURE_SSL_REDIRECT"] = "0"  # the test client speaks plain HTTP
    os.environ["DJANGO_SETTINGS_MODULE"] = "seminars.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # Production settings serve hashed static files, which need collectstatic's manifest.
    call_command("collectstatic", "--no-input", verbosity=0)


def empty_database():
    from seminars.models import FeedSource, Series, Speaker, Talk

    Talk.objects.all().delete()
    Speaker.objects.all().delete()
    FeedSource.objects.all().delete()
    Series.objects.all().delete()
