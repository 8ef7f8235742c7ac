"""Capturing articles: dates, versions and their reports, straight from feed files."""

from __future__ import annotations

from datetime import UTC, datetime

from services.capture import ingest_source
from services.figures import figure_history

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title><id>urn:wire</id>
<updated>2023-02-07T00:00:00Z</updated>
<entry><id>urn:wire:1</id><title>Quake</title><link href="https://example.org/quake"/>
{published}<content type="html">&lt;p&gt;{text}&lt;/p&gt;</content></entry></feed>"""


def write(tmp_path, text: str, published: str = "") -> str:
    path = tmp_path / "feed.atom"
    path.write_text(ATOM.format(text=text, published=published), encoding="utf-8")
    return str(path)


def test_an_entry_without_a_date_is_reported_at_its_capture_time_and_flagged(archive, tmp_path):
    captured = datetime(2023, 2, 7, 9, 30, tzinfo=UTC)
    archive.events.clock = lambda: captured
    source = write(tmp_path, "At least 1,500 people were killed, officials said.")
    ingest_source(archive, source, "quake")
    report = figure_history(archive, "quake", "deaths")[0].reports[0]
    assert (report.reported_at, report.reported_at_basis) == (captured, "captured")


def test_a_corrected_article_keeps_both_versions_and_their_reports(archive, tmp_path):
    when = "<published>2023-02-07T06:00:00Z</published>"
    first = ingest_source(
        archive, write(tmp_path, "At least 1,500 people were killed.", when), "quake"
    )
    second = ingest_source(
        archive, write(tmp_path, "At least 2,300 people were killed.", when), "quake"
    )
    again = ingest_source(
        archive, write(tmp_path, "At least 2,300 people were killed.", when), "quake"
    )
    assert (first.new, second.changed, again.unchanged) == (1, 1, 1)
    deaths = figure_history(archive, "quake", "deaths")[0]
    assert [r.value for r in deaths.reports] == [1500, 2300]
    assert deaths.current is not None and deaths.current.value == 2300
    assert {r.source.document_id for r in deaths.reports} == {deaths.current.source.document_id}
