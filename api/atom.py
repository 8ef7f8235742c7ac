"""Revisions as Atom 1.0 (RFC 4287): one entry each time a figure's value changed.

An entry is a revision ("Deaths: 160 → 164, at least, Reuters, 12 Jan 2022"); its id is the
report's own UUID as a URN, so it never changes however often the feed is rebuilt, and a feed
reader shows each revision once. `published` is when the source said it, `updated` when
Recount recorded it. Each entry links to the figure's page pinned right after the revision
(`alternate`) and to the article (`related`), the latter only when it is a plain http(s) URL.
Written with the standard library's ElementTree, which escapes every text and attribute.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from api.charts import stated
from domain.figures import FigureView, ReportView
from domain.links import web_link
from domain.sources import source_name
from domain.times import format_time

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
LIMIT = 100
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Revision:
    """One entry: the report that changed the value, and the value it changed from."""

    report: ReportView
    previous: int | None


def revisions(views: Iterable[FigureView]) -> list[Revision]:
    """Every revision of these figures, newest first (at most LIMIT)."""
    found: list[Revision] = []
    for view in views:
        previous: int | None = None
        for report in view.revisions:
            found.append(Revision(report, previous))
            previous = report.value
    found.sort(key=lambda r: r.report.timeline_key, reverse=True)
    return found[:LIMIT]


def entry_title(revision: Revision) -> str:
    report = revision.report
    metric = report.metric.replace("_", " ").capitalize()
    value = f"{report.value:,}" if report.value is not None else stated(report)
    change = value if revision.previous is None else f"{revision.previous:,} → {value}"
    words = stated(report).removesuffix(value).strip()
    when = f"{report.reported_at.day} {report.reported_at:%b %Y}"
    parts = [f"{metric}: {change}", words, source_name(report.source), when]
    return ", ".join(p for p in parts if p)


def feed_id(path: str) -> str:
    """A stable id for the feed at `path`, whatever host serves it."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"recount:{path}").urn


def entry_id(report_id: str) -> str:
    try:
        return uuid.UUID(report_id).urn
    except ValueError:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"recount:report:{report_id}").urn


def atom_feed(title: str, path: str, base: str, page: str, entries: list[Revision]) -> bytes:
    """The feed document; `base` is the server's origin, `page` the HTML page's path."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", feed_id(path))
    _text(feed, "title", title)
    newest = max((e.report.recorded_at for e in entries), default=EPOCH)
    _text(feed, "updated", format_time(newest))
    _link(feed, "self", base + path, "application/atom+xml")
    _link(feed, "alternate", base + page, "text/html")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "Recount")
    _text(feed, "generator", "Recount")
    for revision in entries:
        feed.append(_entry(revision, base, page))
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + bytes(ET.tostring(feed, encoding="utf-8"))


def _entry(revision: Revision, base: str, page: str) -> ET.Element:
    report = revision.report
    entry = ET.Element(f"{{{ATOM}}}entry")
    _text(entry, "id", entry_id(report.report_id))
    _text(entry, "title", entry_title(revision))
    _text(entry, "published", format_time(report.reported_at))
    _text(entry, "updated", format_time(report.recorded_at))
    author = ET.SubElement(entry, f"{{{ATOM}}}author")
    _text(author, "name", source_name(report.source))
    figure_page = f"{base}/subjects/{report.subject}/{report.metric}"
    _link(entry, "alternate", f"{figure_page}?at_position={report.position}", "text/html")
    if (href := web_link(report.source.url)) is not None:
        _link(entry, "related", href, "text/html", report.source.title)
    source = report.source.title or source_name(report.source)
    _text(entry, "summary", f"“{report.quote}” ({source})")
    return entry


def _text(parent: ET.Element, name: str, text: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}{name}").text = text


def _link(parent: ET.Element, rel: str, href: str, media: str, title: str | None = None) -> None:
    attributes = {"rel": rel, "href": href, "type": media}
    if title:
        attributes["title"] = title
    ET.SubElement(parent, f"{{{ATOM}}}link", attributes)
