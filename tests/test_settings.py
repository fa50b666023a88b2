import os
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def _load_settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    clean.update(ENV_FILE=os.devnull, DJANGO_SETTINGS_MODULE="seminars.settings", **env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.DEBUG, settings.TIME_ZONE)",
        ],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
    )


def test_settings_refuse_debug_off_without_a_secret_key():
    result = _load_settings()
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_settings_accept_debug_off_with_a_secret_key():
    result = _load_settings(SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False Europe/London"


def test_settings_give_a_development_key_when_debug_is_on():
    result = _load_settings(DEBUG="1", TIME_ZONE="America/New_York")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True America/New_York"


def test_system_check_is_clean(capsys):
    call_command("check", fail_level="WARNING")
    assert "System check identified no issues" in capsys.readouterr().out
