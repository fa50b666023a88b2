"""Embeds in Chromium: framed by another site, accessible, valid HTML, and narrow."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.browser.contrast import relative_luminance
from tests.browser.test_accessibility import axe_violations, tab_through
from tests.browser.test_html_validity import nu_errors

EMBEDS = {
    "series": "/embed/series/logic/",
    "past": "/embed/series/logic/?past=1",
    "chosen series": "/embed/talks/?series=logic,algebra,nope",
    "speaker": "/embed/speakers/ada-lovelace/",
    "missing": "/embed/series/nope/",
}
# Another site: another loopback address, so another origin and another site to Chromium.
OTHER_HOST = "127.0.0.2"
BACKGROUND = "() => getComputedStyle(document.body).backgroundColor"


@pytest.fixture
def other_site():
    """`other_site(html)` serves `html` as a page of another origin and returns its URL."""
    pages = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass  # keep test output quiet

    server = ThreadingHTTPServer((OTHER_HOST, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def other_site(html):
        path = f"/page-{len(pages)}.html"
        pages[path] = f"<!DOCTYPE html><html lang=en><title>Elsewhere</title>{html}</html>"
        return f"http://{OTHER_HOST}:{server.server_port}{path}"

    yield other_site
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def open_url(browser):
    """`open_url(url, **context_options)` opens any URL in a new context and returns the page."""
    contexts = []

    def open_url(url, **options):
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(url)
        return page

    yield open_url
    for context in contexts:
        context.close()


def framed(live_server, path, name):
    return f'<iframe id="{name}" src="{live_server.url}{path}" title="{name}"></iframe>'


def test_another_site_shows_an_embed_in_an_iframe_but_not_a_page(
    open_url, other_site, live_server, seminar
):
    page = open_url(
        other_site(
            framed(live_server, EMBEDS["series"], "embed") + framed(live_server, "/", "page")
        )
    )
    embed = page.frame_locator("#embed")
    assert embed.locator(".talk-title a").all_inner_texts() == [
        "Proofs as programs",
        "Undecidable tea",
    ]
    # Chromium puts its own error page in a frame the response refused.
    refused = page.locator("#page").element_handle().content_frame()
    assert refused.url == "chrome-error://chromewebdata/"
    assert page.locator("#embed").element_handle().content_frame().url == (
        live_server.url + EMBEDS["series"]
    )


def test_a_link_in_an_embed_opens_the_talk_in_the_top_window(
    open_url, other_site, live_server, seminar
):
    page = open_url(other_site(framed(live_server, EMBEDS["series"], "embed")))
    page.frame_locator("#embed").get_by_role("link", name="Proofs as programs").click()
    page.wait_for_url(live_server.url + seminar.talk.get_absolute_url())
    assert page.locator("h1").inner_text() == "Proofs as programs"


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_a_framed_embed_follows_the_readers_colour_scheme(
    open_url, other_site, live_server, seminar, color_scheme
):
    page = open_url(
        other_site(framed(live_server, EMBEDS["series"], "embed")), color_scheme=color_scheme
    )
    frame = page.locator("#embed").element_handle().content_frame()
    frame.wait_for_selector(".talk")
    background = relative_luminance(frame.evaluate(BACKGROUND))
    assert (background < 0.05) == (color_scheme == "dark")


@pytest.fixture(params=list(EMBEDS))
def embed_path(request, seminar):
    return EMBEDS[request.param]


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_embed_has_no_serious_or_critical_axe_violations(
    open_page, embed_path, axe_source, color_scheme
):
    page = open_page(embed_path, color_scheme=color_scheme)
    assert axe_violations(page, axe_source) == []


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_tab_reaches_every_link_of_an_embed_in_order_with_a_visible_outline(
    open_page, embed_path, color_scheme
):
    page = open_page(embed_path, color_scheme=color_scheme)
    count, reached, problems = tab_through(page)
    assert count >= 1
    assert reached == list(range(count))
    assert problems == {}


def test_embed_fits_a_300px_column_without_scrolling_sideways(open_page, embed_path):
    page = open_page(embed_path, viewport={"width": 300, "height": 400})
    widths = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    assert page.evaluate(widths) == [300, 300]


def test_every_embed_has_no_html_errors(client, seminar, tmp_path):
    for name, path in EMBEDS.items():
        response = client.get(path)
        assert response.status_code == (404 if name == "missing" else 200)
        (tmp_path / f"{name.replace(' ', '-')}.html").write_bytes(response.content)
    assert nu_errors(sorted(tmp_path.iterdir())) == {
        f"{name.replace(' ', '-')}.html": [] for name in EMBEDS
    }
