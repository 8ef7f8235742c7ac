"""Figure queries: a subject's figures, one figure's answer, whole figures streamed.

The same answers for the API, the pages and the CLI. Each is bounded and indexed (store/figures.py
says how): a window pinned to one log position, the current report in one lookup, the latest
revisions, a page of reports after a cursor with counts of the rest. Only `stream_figures`
gives every report, read as it is written out (the CLI's `--json`/`--csv`, CSV downloads).

A subject's name is resolved in the window first (services/subjects.py): a name renamed or
merged away by then raises SubjectMoved (the API answers 301, the CLI notes the new name); a
subject made of several slugs by then is folded whole (store/merged.py). With no rename or
merge in the log, the name goes straight to the indexed queries.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from domain.errors import UnknownSubject
from domain.figures import NOW, FigurePage, FigureView, ReportCursor, ReportView, Window
from domain.sources import source_name
from domain.status import ReportStatus
from domain.subjects import naming, stored_slugs
from services.archive import Archive
from services.review import reviewed_page, reviewed_stream, reviewed_view
from store import figures, merged, sources, subjects, timelines
from store.figures import REPORTS_LIMIT as REPORTS_LIMIT
from store.figures import REPORTS_MAX as REPORTS_MAX
from store.figures import REVISIONS_LIMIT as REVISIONS_LIMIT
from store.figures import FigureRows as FigureRows
from store.figures import FigureStream as FigureStream
from store.figures import SubjectFigures as SubjectFigures


def resolve_window(archive: Archive, window: Window) -> Window:
    """The window pinned to one position bound (the log head at most)."""
    return figures.resolve_window(archive.engine, window)


def _slugs(archive: Archive, subject: str, window: Window) -> tuple[Window, tuple[str, ...]]:
    """The stored slugs `subject` is made of in the window, and the window (pinned, if that
    had to be read); SubjectMoved if the name was renamed or merged away by then."""
    links = subjects.links(archive.engine)
    if not links:
        return window, (subject,)
    pinned = window if window.position is not None else resolve_window(archive, window)
    return pinned, stored_slugs(links, subject, pinned.position)


def _folded(
    archive: Archive, subject: str, slugs: tuple[str, ...], metric: str | None, window: Window
) -> list[FigureView]:
    return merged.merged_timelines(archive.engine, subject, slugs, metric, window)


def _page(view: FigureView, revisions: int) -> FigurePage:
    kept = view.revisions[-revisions:] if revisions else []
    return FigurePage(
        view.subject, view.metric, view.current, kept, len(view.revisions), len(view.reports)
    )


def _unreviewed_figures_as_of(
    archive: Archive, subject: str, window: Window = NOW, revisions: int = REVISIONS_LIMIT
) -> SubjectFigures:
    """Each figure of a subject in a window: its current report, latest revisions and counts.
    A subject that exists (defined, or fed) but has no figure yet has none."""
    window, slugs = _slugs(archive, subject, window)
    if len(slugs) > 1:
        views = _folded(archive, subject, slugs, None, window)
        return SubjectFigures(subject, window, [_page(v, revisions) for v in views if v.reports])
    try:
        return figures.figures_as_of(archive.engine, subject, window, revisions)
    except UnknownSubject:
        if not subjects.is_known(archive.engine, subject):
            raise
        return SubjectFigures(subject, resolve_window(archive, window), [])


def _unreviewed_figure_history(
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
    window, slugs = _slugs(archive, subject, window)
    if len(slugs) > 1:
        view = _folded(archive, subject, slugs, metric, window)[0]
        return _paged(view, after, limit, revisions), window
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


def _paged(view: FigureView, after: ReportCursor | None, limit: int, revisions: int) -> FigurePage:
    """One page of a folded figure's reports after the cursor, as the indexed pages are."""
    rest = [r for r in view.reports if after is None or ReportCursor.after(r) > after]
    page = rest[:limit]
    following = ReportCursor.after(page[-1]) if len(rest) > limit else None
    summary = _page(view, revisions)
    return FigurePage(
        summary.subject,
        summary.metric,
        summary.current,
        summary.revisions,
        summary.revisions_total,
        summary.reports_total,
        page,
        len(rest) - len(page),
        following,
    )


def _unreviewed_stream_figures(
    archive: Archive,
    names: list[str] | None,
    metric: str | None = None,
    window: Window = NOW,
) -> tuple[Window, Iterator[FigureStream]]:
    """Every revision and report of the figures asked for, checked first, then read as written.

    All subjects (None) are those that answer under their own name in the window; a subject
    that exists (defined, or fed) but has no figure yet gives none."""
    window = resolve_window(archive, window)
    if names is None:
        links = subjects.links(archive.engine)
        every = sorted(subjects.known_subjects(archive.engine))
        names = [n for n in every if not naming(links, n, window.position).moved]
    streams = []
    for name in names:
        _, slugs = _slugs(archive, name, window)
        if len(slugs) > 1:
            views = _folded(archive, name, slugs, metric, window)
            streams.append(iter([_streamed(view) for view in views if view.reports or metric]))
            continue
        try:
            streams.append(figures.stream_figures(archive.engine, [name], metric, window)[1])
        except UnknownSubject:
            if metric is not None or not subjects.is_known(archive.engine, name):
                raise
    return window, itertools.chain.from_iterable(streams)


def _streamed(view: FigureView) -> FigureStream:
    return FigureStream(_page(view, 1), iter(view.revisions), iter(view.reports))


def sources_compared(
    archive: Archive, subject: str, metric: str, window: Window = NOW
) -> list[ReportView]:
    """Each source's latest statement of the figure in the window, the most recent first."""
    pinned, slugs = _slugs(archive, subject, resolve_window(archive, window))
    if len(slugs) == 1:
        return sources.latest_by_source(archive.engine, subject, metric, pinned)
    latest: dict[str, ReportView] = {}  # store/sources.py's rule, over the folded reports
    for report in _folded(archive, subject, slugs, metric, pinned)[0].reports:
        if report.status is ReportStatus.REPORTED and not report.subset_of and not report.retracted:
            latest[source_name(report.source)] = report
    return sorted(latest.values(), key=lambda r: r.timeline_key, reverse=True)


def _unreviewed_figure_timeline(
    archive: Archive, subject: str, metric: str, window: Window = NOW
) -> tuple[FigureView, Window]:
    """One figure with every report in the window (for a chart or a feed), and the window."""
    pinned, slugs = _slugs(archive, subject, resolve_window(archive, window))
    if len(slugs) > 1:
        return _folded(archive, subject, slugs, metric, pinned)[0], pinned
    return timelines.timelines(archive.engine, subject, metric, pinned)[0], pinned


def _unreviewed_subject_timelines(
    archive: Archive, subject: str, window: Window = NOW
) -> tuple[list[FigureView], Window]:
    """Every figure of a subject with every report in the window, and the window. A subject
    that exists (defined, or fed) but has no figure yet has none."""
    pinned, slugs = _slugs(archive, subject, resolve_window(archive, window))
    if len(slugs) > 1:
        return _folded(archive, subject, slugs, None, pinned), pinned
    try:
        return timelines.timelines(archive.engine, subject, None, pinned), pinned
    except UnknownSubject:
        if not subjects.is_known(archive.engine, subject):
            raise
        return [], pinned


# --- every answer with each report's review as it stood in the window --------------------


def figures_as_of(
    archive: Archive, subject: str, window: Window = NOW, revisions: int = REVISIONS_LIMIT
) -> SubjectFigures:
    """Each figure of a subject in a window: its current report, latest revisions and counts.
    A subject that exists (defined, or fed) but has no figure yet has none."""
    found = _unreviewed_figures_as_of(archive, subject, window, revisions)
    pinned = found.window
    return replace(found, figures=[reviewed_page(archive, f, pinned) for f in found.figures])


def figure_history(
    archive: Archive, subject: str, metric: str, window: Window = NOW, **page: Any
) -> tuple[FigurePage, Window]:
    """One figure with a page of its reports (`after`, `limit`, `revisions`, `log_head`), and
    the window it answers for."""
    found, pinned = _unreviewed_figure_history(archive, subject, metric, window, **page)
    return reviewed_page(archive, found, pinned), pinned


def figure_answer(
    archive: Archive, subject: str, metric: str, window: Window = NOW, **page: Any
) -> tuple[FigureRows | FigurePage, Window]:
    """`figure_history` for writing out: the answer's rows as read, with their reviews (no
    ReportView a report), or for a merged subject the folded FigurePage."""
    found = figures.figure_rows(archive.engine, subject, metric, window, **page)
    if found is None:
        return figure_history(archive, subject, metric, window, **page)
    return found, found.window


def stream_figures(
    archive: Archive, names: list[str] | None, metric: str | None = None, window: Window = NOW
) -> tuple[Window, Iterator[FigureStream]]:
    """Every revision and report of the figures asked for, checked first, then read as written."""
    pinned, streams = _unreviewed_stream_figures(archive, names, metric, window)
    return pinned, (
        FigureStream(
            reviewed_page(archive, f.summary, pinned),
            reviewed_stream(archive, f.revisions, pinned),
            reviewed_stream(archive, f.reports, pinned),
        )
        for f in streams
    )


def figure_timeline(
    archive: Archive, subject: str, metric: str, window: Window = NOW
) -> tuple[FigureView, Window]:
    """One figure with every report in the window (for a chart or a feed), and the window."""
    view, pinned = _unreviewed_figure_timeline(archive, subject, metric, window)
    return reviewed_view(archive, view, pinned), pinned


def subject_timelines(
    archive: Archive, subject: str, window: Window = NOW
) -> tuple[list[FigureView], Window]:
    """Every figure of a subject with every report in the window, and the window."""
    views, pinned = _unreviewed_subject_timelines(archive, subject, window)
    return [reviewed_view(archive, v, pinned) for v in views], pinned
