"""Running manage.py in a separate process, as a deployment would, for tests that need one."""

import subprocess
import sys
from pathlib import Path

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
