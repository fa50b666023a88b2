"""Throwaway PostgreSQL and Redis servers on free loopback ports, for tests that stop and start
them (tests/test_scale_out.py). Each lives in a temporary folder, removed on close()."""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

START_TIMEOUT = 30  # seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_bin() -> Path | None:
    """The folder of the newest PostgreSQL server binaries installed (Debian's layout), or
    the one of `initdb` on the PATH."""
    debian = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    if debian:
        return max(debian, key=lambda folder: [int(n) for n in folder.parent.name.split(".")])
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def missing() -> str | None:
    """Why the servers cannot be started here, or None when they can."""
    if postgres_bin() is None:
        return "PostgreSQL's server binaries (initdb) are not installed: apt-get install postgresql"
    if os.geteuid() == 0 and not _has_user("postgres"):
        return "running as root, and there is no postgres user to run PostgreSQL as"
    if shutil.which("redis-server") is None:
        return "redis-server is not installed: apt-get install redis-server"
    return None


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def wait_for_port(port: int, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"nothing listens on port {port} after {START_TIMEOUT} s"
                ) from None
            time.sleep(0.1)


class Postgres:
    """A cluster of its own, trusting local connections; `url(name)` for a database in it."""

    def __init__(self):
        self.bin = postgres_bin()
        self.port = free_port()
        # Not under pytest's tmp_path: that is private to the user running the tests, and
        # initdb refuses root, so the server runs as postgres then.
        self.data = Path(tempfile.mkdtemp(prefix="seminars-postgres-"))
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres")
        self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "--no-sync")
        self.start()

    def url(self, database: str = "postgres", user: str = "postgres") -> str:
        return f"postgres://{user}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        # Durability is no use to a throwaway cluster; skipping it makes the tests faster.
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.data} -c fsync=off"
        log = self.data / "server.log"
        self._run("pg_ctl", "-D", self.data, "-l", log, "-w", "-o", options, "start")
        wait_for_port(self.port)

    def stop(self) -> None:
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def psql(self, *commands: str) -> None:
        args = ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-v", "ON_ERROR_STOP=1"]
        for command in commands:
            args += ["-c", command]
        self._run("psql", "-q", *args)

    def close(self) -> None:
        subprocess.run(
            self._command("pg_ctl", "-D", self.data, "-m", "immediate", "stop"),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.data, ignore_errors=True)

    def _command(self, program: str, *args) -> list[str]:
        command = [str(self.bin / program), *map(str, args)]
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command

    def _run(self, program: str, *args) -> None:
        result = subprocess.run(
            self._command(program, *args), capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0:
            log = self.data / "server.log"
            raise RuntimeError(
                f"{program} failed: {result.stderr}{log.read_text() if log.exists() else ''}"
            )


class Redis:
    """A redis-server of its own that keeps nothing on disk."""

    def __init__(self):
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="seminars-redis-"))
        self.process = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        with open(self.folder / "server.log", "a") as log:
            self.process = subprocess.Popen(
                ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port)]
                + ["--save", "", "--appendonly", "no", "--dir", str(self.folder)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(self.port, self.process)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    def close(self) -> None:
        if self.process.poll() is None:
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
