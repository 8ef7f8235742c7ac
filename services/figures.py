"""Figure queries: a subject's figures, one figure's answer, whole figures streamed, subjects.

The same answers for the API, the pages and the CLI. Each is bounded and indexed (store/figures.py
says how): a window pinned to one log position, the current report in one lookup, the latest
revisions, a page of reports after a cursor with counts of the rest. Only `stream_figures`
gives every report, read as it is written out (the CLI's `--json`/`--csv`, CSV downloads).
"""

from __future__ import annotations

from collections.abc import Iterator

from domain.figures import NOW, FigurePage, FigureView, ReportCursor, ReportView, Window
from services.archive import Archive
from store import figures, sources, timelines
from store.figures import REPORTS_LIMIT as REPORTS_LIMIT
from store.figures import REPORTS_MAX as REPORTS_MAX
from store.figures import REVISIONS_LIMIT as REVISIONS_LIMIT
from store.figures import FigureStream as FigureStream
from store.figures import SubjectFigures as SubjectFigures
from store.figures import SubjectSummary as SubjectSummary


def resolve_window(archive: Archive, window: Window) -> Window:
    """The window pinned to one position bound (the log head at most)."""
    return figures.resolve_window(archive.engine, window)


def current_as_of(
    archive: Archive, subject: str, metric: str, window: Window = NOW
) -> ReportView | None:
    """A figure's current report in a window, alone: one indexed lookup."""
    return figures.current_as_of(archive.engine, subject, metric, window)


def figures_as_of(
    archive: Archive, subject: str, window: Window = NOW, revisions: int = REVISIONS_LIMIT
) -> SubjectFigures:
    """Each figure of a subject in a window: its current report, latest revisions and counts."""
    return figures.figures_as_of(archive.engine, subject, window, revisions)


def figure_history(
    archive: Archive,
    subject: str,
    metric: str,
    window: Window = NOW,
    *,
    after: ReportCursor | None = None,
    limit: int = REPORTS_LIMIT,
    revisions: int = REVISIONS_LIMIT,
    log_head: int | None = None,
) -> tuple[FigurePage, Window]:
    """One figure with a page of its reports after `after`, and the window it answers for."""
    return figures.figure_history(
        archive.engine,
        subject,
        metric,
        window,
        after=after,
        limit=limit,
        revisions=revisions,
        log_head=log_head,
    )


def stream_figures(
    archive: Archive,
    subjects: list[str] | None,
    metric: str | None = None,
    window: Window = NOW,
) -> tuple[Window, Iterator[FigureStream]]:
    """Every revision and report of the figures asked for, checked first, then read as written."""
    return figures.stream_figures(archive.engine, subjects, metric, window)


def list_subjects(archive: Archive) -> list[SubjectSummary]:
    return figures.list_subjects(archive.engine)


def sources_compared(
    archive: Archive, subject: str, metric: str, window: Window = NOW
) -> list[ReportView]:
    """Each source's latest statement of the figure in the window, the most recent first."""
    pinned = resolve_window(archive, window)
    return sources.latest_by_source(archive.engine, subject, metric, pinned)


def figure_timeline(
    archive: Archive, subject: str, metric: str, window: Window = NOW
) -> tuple[FigureView, Window]:
    """One figure with every report in the window (for a chart or a feed), and the window."""
    pinned = resolve_window(archive, window)
    return timelines.timelines(archive.engine, subject, metric, pinned)[0], pinned


def subject_timelines(
    archive: Archive, subject: str, window: Window = NOW
) -> tuple[list[FigureView], Window]:
    """Every figure of a subject with every report in the window, and the window."""
    pinned = resolve_window(archive, window)
    return timelines.timelines(archive.engine, subject, None, pinned), pinned
