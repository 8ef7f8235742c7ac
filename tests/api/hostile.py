"""An archive whose sources carry script URLs, stored the two ways an attacker can: a report
posted over HTTP and a feed entry captured by the ingester."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

SUBJECT = "hostile-links"

# Each one a browser would run (or render) as a document if it were an href.
HOSTILE_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(2)",
    " javascript:alert(3)",
    "\x01javascript:alert(4)",
    "java\tscript:alert(5)",
    "\njavascript:alert(6)",
    "vbscript:msgbox(7)",
    "data:text/html,<script>alert(8)</script>",
    "javascript://example.org/%0aalert(9)",
]
SAFE_URL = "https://news.example/kazakhstan/report"


def report(url: str, value: int) -> dict[str, object]:
    return {
        "metric": "deaths",
        "value": value,
        "qualifier": "at_least",
        "quote": f"at least {value} people were killed",
        "reported_at": "2022-01-15T10:00:00Z",
        "source": {"url": url, "title": None, "publisher": "Hostile"},
    }


def posted_reports() -> list[dict[str, object]]:
    """One report per hostile URL, and one with a real web URL that must stay a link."""
    bodies = [report(url, 200 + n) for n, url in enumerate(HOSTILE_URLS)]
    return [*bodies, report(SAFE_URL, 300)]


def hostile_feed(directory: Path) -> Path:
    """An Atom feed whose entries name hostile URLs, as their link and as their id."""
    entries = []
    for n, url in enumerate(u for u in HOSTILE_URLS if "\x01" not in u):  # XML forbids \x01
        where = f"<link href={quoteattr(url)}/>" if n % 2 else ""
        ident = f"urn:hostile:{n}" if n % 2 else escape(url)
        entries.append(
            f"<entry><id>{ident}</id>{where}<title>Entry {n}</title>"
            f"<published>2022-01-1{n % 9}T00:00:00Z</published>"
            f'<content type="html">At least {100 + n} people were arrested.</content></entry>'
        )
    path = directory / "hostile.atom"
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:hostile</id><title>Hostile</title>'
        f"<updated>2022-01-12T00:00:00Z</updated>{''.join(entries)}</feed>",
        encoding="utf-8",
    )
    return path


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src", "action", "formaction", "xlink:href") and value is not None:
                self.urls.append(value)
            if name == "style" or name.startswith("on"):
                self.inline.append(f"<{tag} {name}>")
        if tag in ("script", "style", "iframe", "object", "embed"):
            self.inline.append(f"<{tag}>")


def link_targets(html: str) -> tuple[list[str], list[str]]:
    """Every URL-bearing attribute of the page, and every inline script or style it holds."""
    parser = _Attributes()
    parser.feed(html)
    return parser.urls, parser.inline


def scheme_as_browser_reads(url: str) -> str | None:
    """The scheme a browser would use: it trims C0 controls and spaces, drops tabs and newlines."""
    cleaned = re.sub(r"[\t\n\r]", "", url.strip("".join(map(chr, range(0x21)))))
    found = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", cleaned)
    return found.group(1).lower() if found else None
