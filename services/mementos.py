"""Captured versions of an article by URL and time: what the Memento routes serve, and the
archived copy each quote links to."""

from __future__ import annotations

from collections.abc import Iterable

from domain.figures import ReportView
from services.archive import Archive
from store import mementos
from store.mementos import Capture as Capture
from store.mementos import Version as Version
from store.mementos import nearest as nearest


def captures(archive: Archive, url: str) -> list[Capture]:
    """Every captured version of `url`, oldest first; UnknownMemento when there is none."""
    return mementos.captures(archive.engine, url)


def archived_copies(archive: Archive, reports: Iterable[ReportView]) -> dict[str, Version]:
    """For each report read from a captured article, the version it was read from, by id."""
    wanted = list(reports)
    ids = {r.source.document_id for r in wanted if r.source.document_id}
    versions = mementos.versions_of(archive.engine, ids)
    copies: dict[str, Version] = {}
    for report in wanted:
        found = versions.get(report.source.document_id or "")
        version = mementos.version_before(found, report.position) if found else None
        if version is not None:
            copies[report.report_id] = version
    return copies


def figures_read_from(archive: Archive, capture: Capture) -> list[ReportView]:
    """The reports taken from this captured version of its document."""
    later = mementos.versions_of(archive.engine, {capture.document_id}).get(capture.document_id)
    following = [v.position for v in later or [] if v.position > capture.position]
    return mementos.reports_read_from(archive.engine, capture, min(following, default=None))
