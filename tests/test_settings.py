import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def _load_settings(show="settings.DEBUG, settings.TIME_ZONE", **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "LOG_LEVEL"} and not k.startswith("SECURE_")
    }
    clean.update(ENV_FILE=os.devnull, DJANGO_SETTINGS_MODULE="seminars.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", f"from django.conf import settings; print({show})"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
    )


def test_settings_refuse_debug_off_without_a_secret_key():
    result = _load_settings()
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def _manage_in(folder, *args, **env):
    """manage.py run from `folder`, with only `env` and the .env file there, if any."""
    env = {"PATH": os.environ["PATH"], "ENV_FILE": str(folder / ".env"), **env}
    return subprocess.run(
        [sys.executable, ROOT / "manage.py", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("command", [["import_ics", "talks.ics"], ["migrate"], ["check"]])
def test_manage_py_without_a_secret_key_says_what_to_set_in_a_line(tmp_path, command):
    result = _manage_in(tmp_path, *command)
    assert result.returncode != 0
    assert result.stderr.splitlines() == [
        "SECRET_KEY is not set: put SECRET_KEY=... in the environment or in .env "
        "(or DEBUG=1 for development)"
    ]


@pytest.mark.skipif(not shutil.which("make"), reason="needs make")
def test_make_writes_a_development_env_file_once_and_manage_py_runs_with_it(tmp_path):
    make = ["make", "--no-print-directory", "-f", ROOT / "Makefile", "-C", tmp_path, ".env"]
    subprocess.run(make, check=True, capture_output=True)
    env_file = tmp_path / ".env"
    lines = env_file.read_text().splitlines()
    assert lines[0] == "DEBUG=1" and re.fullmatch(r"SECRET_KEY=[\w-]{50,}", lines[1])
    assert env_file.stat().st_mode & 0o777 == 0o600
    subprocess.run(make, check=True, capture_output=True)
    assert env_file.read_text().splitlines() == lines  # never overwritten
    result = _manage_in(tmp_path, "check")
    assert result.returncode == 0, result.stderr


def test_settings_accept_debug_off_with_a_secret_key():
    result = _load_settings(SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False Europe/London"


def test_settings_give_a_development_key_when_debug_is_on():
    result = _load_settings(DEBUG="1", TIME_ZONE="America/New_York")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True America/New_York"


HTTPS = (
    "settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, "
    "settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SESSION_COOKIE_SECURE, "
    "settings.CSRF_COOKIE_SECURE, settings.SECURE_PROXY_SSL_HEADER"
)


def test_settings_turn_https_on_when_debug_is_off():
    result = _load_settings(HTTPS, SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True 31536000 True True True None"


def test_settings_leave_https_off_when_debug_is_on():
    result = _load_settings(HTTPS, DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False 0 True False False None"


def test_settings_switch_https_parts_off_one_by_one():
    result = _load_settings(
        HTTPS,
        SECRET_KEY="x" * 50,
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="3600",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="0",
        SECURE_COOKIES="0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False 3600 False False False None"


@pytest.mark.parametrize(
    ("value", "header"),
    [
        ("X-Forwarded-Proto: https", "('HTTP_X_FORWARDED_PROTO', 'https')"),
        ("X-Forwarded-Proto", "('HTTP_X_FORWARDED_PROTO', 'https')"),
        ("X-Forwarded-Ssl: on", "('HTTP_X_FORWARDED_SSL', 'on')"),
        ("", "None"),
    ],
)
def test_settings_read_the_proxy_ssl_header(value, header):
    result = _load_settings(
        "settings.SECURE_PROXY_SSL_HEADER", DEBUG="1", SECURE_PROXY_SSL_HEADER=value
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == header


def test_settings_log_json_at_the_level_asked_for():
    show = (
        "settings.LOGGING['root']['level'], settings.LOGGING['loggers']['django']['level'], "
        "settings.LOGGING['handlers']['stdout']['formatter']"
    )
    assert _load_settings(show, SECRET_KEY="x" * 50).stdout.strip() == "INFO INFO json"
    result = _load_settings(show, SECRET_KEY="x" * 50, LOG_LEVEL="debug")
    assert result.stdout.strip() == "DEBUG DEBUG json"
    # A person reads the log in development.
    assert _load_settings(show, DEBUG="1").stdout.strip() == "INFO INFO text"


def test_system_check_is_clean(capsys):
    call_command("check", fail_level="WARNING")
    assert "System check identified no issues" in capsys.readouterr().out
