"""Running manage.py in a separate process, as a deployment would, for tests that need one."""

import contextlib
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent


def manage(env: dict, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `manage.py ARGS` with exactly the environment `env`; capture its output."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def env_for(database_url: str) -> dict:
    """The environment of a deployment on `database_url`, for `manage()`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO")}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY="tests-only",
        DEBUG="0",
        ENV_FILE=os.devnull,
        DJANGO_SETTINGS_MODULE="seminars.settings",
    )
    return env


@contextlib.contextmanager
def own_database(directory: Path, name: str):
    """The URL of a database of its own, for processes that share it: an SQLite file in
    `directory`, or a new PostgreSQL database on the server the tests run on (DATABASE_URL),
    dropped afterwards."""
    configured = os.environ.get("DATABASE_URL", "")
    if not configured.startswith("postgres"):
        yield f"sqlite:///{directory / f'{name}.sqlite3'}"
        return
    server = urlsplit(configured)
    database = f"seminars_{name}_{uuid.uuid4().hex[:12]}"
    # Created from the maintenance database, as Django creates its test database.
    with psycopg.connect(server._replace(path="/postgres").geturl(), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        try:
            yield server._replace(path=f"/{database}").geturl()
        finally:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(database)))
