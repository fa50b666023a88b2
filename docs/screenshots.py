"""Take the README's screenshots: the home page, a talk page and the follow page, on a desktop
and on a phone.

Run it with `make screenshots` (or `.venv/bin/python docs/screenshots.py` once
requirements-browser.txt is installed). It builds a throwaway SQLite database with the demo
talks, serves it the way production does (gunicorn, DEBUG off, collected static files), and
writes {home,talk,follow}-{desktop,phone}.png into build/screenshots/, which git ignores, to
look at. `--write` (`make screenshots WRITE=1`) writes them into docs/screenshots/ instead,
the README's, which git tracks. Nothing else outside a temporary folder is touched; a `.env`
in the project is not read.

`docs/screenshots.py --all DIR` writes whole pages, the series page too, into DIR instead: for
looking over a change of design.
"""

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.chromium import DESKTOP, PHONE, launch_chromium  # noqa: E402

README_SCREENSHOTS = ROOT / "docs" / "screenshots"  # tracked: only with --write
BUILD = "build"  # a folder of the project's own that git ignores (see untracked_folder)
ZONE = "Europe/London"  # the site's, and the visitor's: the header then offers no other
SCREENS = {"desktop": {"viewport": DESKTOP}, "phone": {"viewport": PHONE, "is_mobile": True}}
# A talk the screenshots can show off: announced, with speakers and an abstract; in a room and
# online if there is one.
ANNOUNCED = ".talk:not(.is-cancelled):has(.speakers a):has(.snippet)"
TALK_LINKS = (f"{ANNOUNCED}:has(.venue + .attendance) .talk-title a", f"{ANNOUNCED} .talk-title a")
# The pages shown, by name; "talk" is found on the home page.
PAGES = {
    "home": "/",
    "talk": None,
    "follow": "/follow/?series=computational-biology-seminar&series=machine-learning-reading-group",
}
MORE_PAGES = {"series": "/series/algebra-and-geometry-colloquium/", "archive": "/archive/"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.2)


def serve_demo(tmp: Path, port: int) -> subprocess.Popen:
    """Fill a new database in `tmp` with the demo talks and start gunicorn on `port`."""
    (tmp / "env").touch()
    env = {
        **os.environ,
        "ENV_FILE": str(tmp / "env"),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
        "STATIC_ROOT": str(tmp / "static"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        "TIME_ZONE": ZONE,
    }
    for command in (["migrate"], ["load_demo"], ["collectstatic", "--no-input"]):
        subprocess.run(
            [sys.executable, "manage.py", *command, "-v0"], env=env, cwd=ROOT, check=True
        )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "seminars.wsgi:application"]
        + ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"],
        env=env,
        cwd=ROOT,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz")
    except BaseException:
        server.terminate()
        raise
    return server


def untracked_folder(root: Path = ROOT) -> Path:
    """build/screenshots/ in `root`, made if need be, with a .gitignore that keeps the whole of
    build/ out of git (as pytest does for its cache): the project's .gitignore needs no line."""
    build = root / BUILD
    build.mkdir(exist_ok=True)
    ignore = build / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Made by docs/screenshots.py: nothing here is tracked.\n*\n")
    return build / "screenshots"


def screenshot_options(argv: list[str], root: Path = ROOT) -> dict:
    """take_screenshots()' pages, folder and page length for the command line `argv`."""
    parser = argparse.ArgumentParser(description="Take the README's screenshots.")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--write", action="store_true", help=f"into {README_SCREENSHOTS.relative_to(ROOT)}/"
    )
    where.add_argument(
        "--all", metavar="DIR", type=Path, help="whole pages, the series page too, into DIR"
    )
    args = parser.parse_args(argv)
    if args.all:
        return {"pages": PAGES | MORE_PAGES, "out": args.all, "full_page": True}
    return {"out": README_SCREENSHOTS if args.write else untracked_folder(root)}


def take_screenshots(base_url: str, *, out: Path, pages=PAGES, full_page=False) -> list[Path]:
    from playwright.sync_api import sync_playwright  # requirements-browser.txt

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for screen, options in SCREENS.items():
            context = browser.new_context(
                base_url=base_url, color_scheme="light", timezone_id=ZONE, **options
            )
            page = context.new_page()
            page.goto("/")
            talk = next(page.locator(s) for s in TALK_LINKS if page.locator(s).count()).first
            paths = {**pages, "talk": talk.get_attribute("href")}
            for name, path in paths.items():
                page.goto(path)
                written.append(out / f"{name}-{screen}.png")
                page.screenshot(path=written[-1], full_page=full_page)
            context.close()
        browser.close()
    return written


def main() -> None:
    options = screenshot_options(sys.argv[1:])
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        server = serve_demo(Path(tmp), port)
        try:
            written = take_screenshots(f"http://127.0.0.1:{port}", **options)
        finally:
            server.terminate()
            server.wait(timeout=30)
    for path in written:
        print(f"{path}  {path.stat().st_size // 1024} KiB")
    if options["out"] != README_SCREENSHOTS and "pages" not in options:
        print("docs/screenshots/ is as it was: `make screenshots WRITE=1` updates it.")


if __name__ == "__main__":
    main()
