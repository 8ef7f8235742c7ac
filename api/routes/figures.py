"""Figures: a subject's figures now, as of a moment, as known at a moment, or at a position.

Each JSON answer is bounded: a subject's figures carry their current report and latest
revisions, one figure carries a page of its reports with a cursor to the next. CSV (`Accept:
text/csv` or a `.csv` suffix) streams every report. Each answer names its permalink and is
cacheable: forever when pinned `at_position`, until the log grows otherwise (api/conditional.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from api import conditional, errors
from api.answers import head_read
from api.deps import (
    MetricPath,
    ReadArchive,
    ReportsAfter,
    ReportsLimit,
    RevisionsLimit,
    SubjectPath,
    WindowQuery,
)
from api.schemas import FigureOut, SubjectFiguresOut
from domain.errors import InvalidInput, SubjectMoved, UnknownMetric, UnknownSubject
from domain.figures import ReportCursor, Window
from domain.subjects import validate_subject
from services import formats, log
from services.archive import Archive
from services.figures import (
    REPORTS_LIMIT,
    REVISIONS_LIMIT,
    figure_answer,
    figures_as_of,
    stream_figures,
)
from services.reports import validate_metric

router = APIRouter(prefix="/v1", tags=["figures"], responses=errors.documented(InvalidInput))

JSON = "application/json"
CSV_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
    304: {"description": "not modified (If-None-Match)"},
}
FIGURES = errors.documented(InvalidInput, UnknownSubject, SubjectMoved) | CSV_CONTENT
FIGURE = errors.documented(InvalidInput, UnknownMetric, SubjectMoved) | CSV_CONTENT


@router.get("/subjects/{subject}/figures", response_model=SubjectFiguresOut, responses=FIGURES)
@router.get(
    "/subjects/{subject}/figures.csv",
    response_class=Response,
    responses=FIGURES,
    summary="Subject figures as CSV",
)
def subject_figures(
    request: Request,
    subject: SubjectPath,
    archive: ReadArchive,
    window: WindowQuery,
    revisions_limit: RevisionsLimit = REVISIONS_LIMIT,
) -> Response:
    """A subject's figures in one window, each with its current report and latest revisions.

    The view's `position` is the log head unless pinned. CSV gives every report of every figure.
    """
    validate_subject(subject)
    etag, window = _pinned(request, _head(request, archive), window)
    if etag and (cached := conditional.cached_response(request, etag)):
        return cached
    path = f"/v1/subjects/{subject}/figures"
    if conditional.wants_csv(request):
        window, streams = stream_figures(archive, [subject], None, window)
        link = conditional.permalink(request, path, window.as_of, window.position or 0)
        return conditional.streamed_response(
            request, formats.streamed_csv(streams), formats.MEDIA_TYPE, link, etag
        )
    result = figures_as_of(archive, subject, window, revisions_limit)
    paging = _paging(None, REPORTS_LIMIT, revisions_limit)
    link = conditional.permalink(request, path, window.as_of, result.window.position or 0, paging)
    body = SubjectFiguresOut.of(result, link).model_dump_json().encode()
    return conditional.pinned_response(request, body, JSON, link, etag)


# The .csv route is registered first (decorators apply bottom-up), or {metric} would take it.
@router.get("/subjects/{subject}/figures/{metric}", response_model=FigureOut, responses=FIGURE)
@router.get(
    "/subjects/{subject}/figures/{metric}.csv",
    response_class=Response,
    responses=FIGURE,
    summary="One figure as CSV",
)
def figure(
    request: Request,
    subject: SubjectPath,
    metric: MetricPath,
    archive: ReadArchive,
    window: WindowQuery,
    reports_after: ReportsAfter = None,
    limit: ReportsLimit = REPORTS_LIMIT,
    revisions_limit: RevisionsLimit = REVISIONS_LIMIT,
) -> Response:
    """One figure: current value, latest revisions, and a page of its reports, oldest first.

    `reports_next` is the cursor of the next page: ask the permalink (pinned at the same
    position) with `reports_after=` set to it, so the pages add up to one view. CSV gives every
    report.
    """
    validate_subject(subject)
    validate_metric(metric)
    after = None if reports_after is None else ReportCursor.decode(reports_after)
    head = _head(request, archive)
    etag, window = _pinned(request, head, window)
    if etag and (cached := conditional.cached_response(request, etag)):
        return cached
    path = f"/v1/subjects/{subject}/figures/{metric}"
    if conditional.wants_csv(request):
        window, streams = stream_figures(archive, [subject], metric, window)
        link = conditional.permalink(request, path, window.as_of, window.position or 0)
        return conditional.streamed_response(
            request, formats.streamed_csv(streams), formats.MEDIA_TYPE, link, etag
        )
    found, window = figure_answer(
        archive,
        subject,
        metric,
        window,
        after=after,
        limit=limit,
        revisions=revisions_limit,
        log_head=head,
    )
    paging = _paging(reports_after, limit, revisions_limit)
    link = conditional.permalink(request, path, window.as_of, window.position or 0, paging)
    body = FigureOut.encoded(found, link)
    return conditional.pinned_response(request, body, JSON, link, etag)


def _paging(reports_after: str | None, limit: int, revisions_limit: int) -> list[tuple[str, str]]:
    """The paging parameters a permalink must carry to name the same page (defaults left out)."""
    pairs = [] if reports_after is None else [("reports_after", reports_after)]
    if limit != REPORTS_LIMIT:
        pairs.append(("limit", str(limit)))
    if revisions_limit != REVISIONS_LIMIT:
        pairs.append(("revisions_limit", str(revisions_limit)))
    return pairs


def _head(request: Request, archive: Archive) -> int:
    """The log head the answer is pinned to: the one read for the kept answers, if it was."""
    head = head_read(request)
    return log.head(archive) if head is None else head


def _pinned(request: Request, head: int, window: Window) -> tuple[str | None, Window]:
    """Pin an unpinned request to the head it is answered at, and name that head in its ETag."""
    if window.at_position is not None:
        return None, window
    return conditional.head_etag(request, head), window.at(head)
