"""Turning the HTML that Google and Outlook put in descriptions into plain text."""

import html
import re

from bs4 import BeautifulSoup

_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>")
_NUMERIC_ENTITY = re.compile(r"&#(\d{1,7}|x[0-9a-fA-F]{1,6});")
_BLOCKS = ("p", "div", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6")
_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")


def looks_like_html(text: str) -> bool:
    return "<" in text and _TAG.search(text) is not None


def html_to_text(markup: str) -> str:
    """Return the text of an HTML fragment: paragraphs and line breaks kept, links spelled out."""
    soup = BeautifulSoup(markup, "html.parser")
    for element in soup(["script", "style", "head", "title"]):
        element.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for link in soup.find_all("a"):
        href = (link.get("href") or "").strip()
        label = link.get_text().strip()
        if href and href.startswith(("http://", "https://", "mailto:")) and href != label:
            link.replace_with(f"{label} ({href.removeprefix('mailto:')})" if label else href)
    for block in soup.find_all(_BLOCKS):
        block.insert_before("\n\n" if block.name == "p" else "\n")
        block.insert_after("\n\n" if block.name == "p" else "\n")
    text = soup.get_text().replace("\xa0", " ")
    return _BLANK_LINES.sub("\n\n", _TRAILING_SPACE.sub("\n", text)).strip()


def to_plain_text(text: str) -> str:
    """Plain text from a description that may be HTML or carry stray numeric entities."""
    if looks_like_html(text):
        return html_to_text(text)
    if "&#" in text:
        # Outlook writes accented letters as entities even in plain text ("W&#252;rttemberg").
        text = _NUMERIC_ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    return text.strip()
