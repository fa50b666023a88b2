"""Browser tests (`make test-browser`): Playwright and Chromium against a live server."""
