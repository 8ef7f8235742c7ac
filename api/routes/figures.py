"""Figures: a subject's figures now, as of a moment, as known at a moment, or at a position.

Each answer is JSON or CSV (`Accept: text/csv` or a `.csv` suffix), names its permalink, and is
cacheable: forever when pinned `at_position`, until the log grows otherwise (api/conditional.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from api import conditional, errors
from api.deps import ArchiveDep, AsOf, AtPosition, KnownAt, MetricPath, SubjectPath
from api.schemas import FigureOut, Subject, SubjectFiguresOut
from domain.errors import InvalidInput, UnknownMetric, UnknownSubject
from domain.subjects import validate_subject
from services import formats, log
from services.figures import figure_history, figures_as_of, list_subjects, resolve_window
from services.reports import validate_metric

router = APIRouter(prefix="/v1", tags=["figures"], responses=errors.documented(InvalidInput))

JSON = "application/json"
CSV_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
    304: {"description": "not modified (If-None-Match)"},
}
FIGURES = errors.documented(InvalidInput, UnknownSubject) | CSV_CONTENT
FIGURE = errors.documented(InvalidInput, UnknownMetric) | CSV_CONTENT


@router.get("/subjects")
def subjects(archive: ArchiveDep) -> list[Subject]:
    """Every subject in the archive, with its metrics."""
    return [Subject.of(s) for s in list_subjects(archive)]


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
    archive: ArchiveDep,
    as_of: AsOf,
    known_at: KnownAt,
    at_position: AtPosition = None,
) -> Response:
    """A subject's figures in one window; the view's `position` is the log head unless pinned."""
    validate_subject(subject)
    etag, position = _window(request, log.head(archive), at_position)
    if etag and (cached := conditional.cached_response(request, etag)):
        return cached
    result = figures_as_of(archive, subject, as_of, known_at, position)
    path = f"/v1/subjects/{subject}/figures"
    link = conditional.permalink(request, path, as_of, result.position)
    if conditional.wants_csv(request):
        body = formats.figures_csv(result.figures).encode()
        return conditional.pinned_response(request, body, formats.MEDIA_TYPE, link, etag)
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
    archive: ArchiveDep,
    as_of: AsOf,
    known_at: KnownAt,
    at_position: AtPosition = None,
) -> Response:
    """One figure's current value, revisions and every report, in one window."""
    validate_subject(subject)
    validate_metric(metric)
    etag, position = _window(request, log.head(archive), at_position)
    if etag and (cached := conditional.cached_response(request, etag)):
        return cached
    view = figure_history(archive, subject, metric, as_of, known_at, position)
    pinned_at = resolve_window(archive, as_of, known_at, position).position or 0
    path = f"/v1/subjects/{subject}/figures/{metric}"
    link = conditional.permalink(request, path, as_of, pinned_at)
    if conditional.wants_csv(request):
        body = formats.figures_csv([view]).encode()
        return conditional.pinned_response(request, body, formats.MEDIA_TYPE, link, etag)
    body = FigureOut.pinned(view, link).model_dump_json().encode()
    return conditional.pinned_response(request, body, JSON, link, etag)


def _window(request: Request, head: int, at_position: int | None) -> tuple[str | None, int]:
    """Pin an unpinned request to the head it is answered at, and name that head in its ETag."""
    if at_position is not None:
        return None, at_position
    return conditional.head_etag(request, head), head
