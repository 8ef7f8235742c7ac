"""Atom feeds of revisions: one per subject, one per figure (api/atom.py writes them).

Registered before the pages, whose `/subjects/{subject}` would otherwise take `x.atom`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api import atom
from api.deps import ArchiveDep
from domain.subjects import validate_subject
from services.figures import figure_timeline, subject_timelines
from services.reports import validate_metric

router = APIRouter(include_in_schema=False)


@router.get("/subjects/{subject}.atom", response_class=Response)
def subject_feed(request: Request, subject: str, archive: ArchiveDep) -> Response:
    """Every revision of every figure of the subject, newest first."""
    validate_subject(subject)
    views, _window = subject_timelines(archive, subject)
    body = atom.atom_feed(
        f"{subject}: revisions (Recount)",
        f"/subjects/{subject}.atom",
        _origin(request),
        f"/subjects/{subject}",
        atom.revisions(views),
    )
    return Response(body, media_type=atom.MEDIA_TYPE)


@router.get("/subjects/{subject}/{metric}.atom", response_class=Response)
def figure_feed(request: Request, subject: str, metric: str, archive: ArchiveDep) -> Response:
    """Every revision of one figure, newest first."""
    validate_subject(subject)
    validate_metric(metric)
    view, _window = figure_timeline(archive, subject, metric)
    name = metric.replace("_", " ").capitalize()
    body = atom.atom_feed(
        f"{name}, {subject}: revisions (Recount)",
        f"/subjects/{subject}/{metric}.atom",
        _origin(request),
        f"/subjects/{subject}/{metric}",
        atom.revisions([view]),
    )
    return Response(body, media_type=atom.MEDIA_TYPE)


def _origin(request: Request) -> str:
    """Atom wants absolute links: this server as the client reached it."""
    return str(request.base_url).rstrip("/")
