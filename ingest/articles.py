"""Articles out of feeds: feedparser reads the feed, this module turns each entry into plain text.

Feed entries carry HTML; figures are extracted from the text a reader sees, so tags are dropped
and block elements become line breaks (the standard library's HTMLParser is enough for that).

One entry may bring at most MAX_ENTRY_HTML characters of HTML and keeps at most MAX_ENTRY_TEXT
characters of text: a feed's body may be 10 MiB, and a single 5 MB entry would otherwise become a
5 MB document, quotes of megabytes and a minute of extraction. A cut entry says so (`cut_from`),
and the poll records it on the feed.
"""

from __future__ import annotations

import calendar
import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from xml.sax import SAXParseException

import feedparser

BREAK = "\x00"  # where a block element starts or ends: a paragraph break in the text
MAX_ENTRY_TEXT = 200_000  # characters of text kept for an entry's document
MAX_ENTRY_HTML = 4 * MAX_ENTRY_TEXT  # characters of an entry's HTML read at all
MAX_TITLE = 1_000
BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "section"}


@dataclass(frozen=True)
class Article:
    """One feed entry as Recount captures it."""

    url: str
    title: str | None
    publisher: str | None
    text: str
    published_at: datetime | None
    entry_id: str | None
    cut_from: int | None = None  # the entry's HTML length, when its text was cut to the cap

    @property
    def document_id(self) -> str:
        """Stable across versions: the entry's link (or id) names the document."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, self.url))

    @property
    def content_hash(self) -> str:
        """A change of title or text is a new version; a change of feed formatting is not."""
        return hashlib.sha256(f"{self.title or ''}\n{self.text}".encode()).hexdigest()


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    articles: list[Article]
    problem: str | None  # feedparser's "bozo" reason, kept even when entries were usable
    kind: str = ""  # feedparser's name for the format ("rss20", "atom10"); "" if none was found

    @property
    def unusable(self) -> str | None:
        """Why nothing can be taken from this, in the words both the worker records and
        `recount ingest` prints; None for a feed, even an empty one or one with flaws."""
        if self.articles:
            return None
        if self.problem:
            return f"not a usable feed: {self.problem}"
        if not self.kind:
            return "not a usable feed: no RSS or Atom in it (a web page?)"
        return None


def parse_feed(
    content: bytes | str, base_url: str | None = None, content_type: str | None = None
) -> ParsedFeed:
    """Every usable entry of a feed, oldest first; an entry with no link, id or text is skipped.

    `content_type` is the HTTP Content-Type, whose charset feedparser weighs against the XML's.
    """
    headers = _base_headers(base_url, content_type)
    parsed: Any = feedparser.parse(content, response_headers=headers)
    feed_title = parsed.feed.get("title")
    articles = [a for a in (_article(e, feed_title) for e in parsed.entries) if a is not None]
    articles.sort(key=lambda a: a.published_at or datetime.max.replace(tzinfo=UTC))
    problem = _problem(parsed.get("bozo_exception")) if parsed.get("bozo") else None
    return ParsedFeed(feed_title, articles, problem, str(parsed.get("version") or ""))


def _problem(error: object) -> str:
    """feedparser's complaint, readable: `<unknown>:2:0: mismatched tag` says little."""
    if isinstance(error, SAXParseException):
        return f"not well-formed XML ({error.getMessage()})"
    return str(error)


def _base_headers(base_url: str | None, content_type: str | None) -> dict[str, str] | None:
    headers = {"content-location": base_url} if base_url else {}
    if content_type:
        headers["content-type"] = content_type
    return headers or None


def _article(entry: Any, feed_title: str | None) -> Article | None:
    url = entry.get("link") or entry.get("id")
    html = _entry_html(entry)
    text = html_to_text(html[:MAX_ENTRY_HTML])
    if not url or not text:
        return None
    cut_from = len(html) if len(html) > MAX_ENTRY_HTML or len(text) > MAX_ENTRY_TEXT else None
    title = entry.get("title")
    source = entry.get("source") or {}
    publisher = source.get("title") or entry.get("publisher") or feed_title
    return Article(
        url=url,
        title=html_to_text(title[:MAX_TITLE])[:MAX_TITLE] if title else None,
        publisher=publisher,
        text=text[:MAX_ENTRY_TEXT],
        published_at=_entry_time(entry),
        entry_id=entry.get("id"),
        cut_from=cut_from,
    )


def _entry_html(entry: Any) -> str:
    contents = entry.get("content") or []
    if contents:
        return "\n".join(str(c.get("value", "")) for c in contents)
    return str(entry.get("summary") or entry.get("description") or "")


def _entry_time(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
            except (OverflowError, ValueError, OSError):
                continue
    return None


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skipping += 1
        elif tag in BLOCKS:
            self.parts.append(BREAK)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self.skipping:
            self.skipping -= 1
        elif tag in BLOCKS:
            self.parts.append(BREAK)

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    blocks = (" ".join(block.split()) for block in "".join(collector.parts).split(BREAK))
    return "\n\n".join(block for block in blocks if block)
