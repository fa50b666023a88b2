"""How the browser tests and docs/screenshots.py start Chromium (Debian's build, not
Playwright's), and the two screens they look through.

Playwright's own browser download is not available everywhere we run, so we launch the
`chromium` package from the system. CHROMIUM names another binary.
"""

import os

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 667}
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Headless, no sandbox (we run as root in CI), and none of the background traffic (updates,
# sync, field trials, QUIC probes) that a closed network answers with timeouts.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch_chromium(playwright):
    """Start Chromium through a started Playwright; the caller closes it."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
