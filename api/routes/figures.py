"""Figures: a subject's figures now, as of a moment, as known at a moment, or at a position."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ArchiveDep, AsOf, AtPosition, KnownAt
from api.schemas import Figure, Subject, SubjectFiguresOut
from store.figures import figure_history, figures_as_of, list_subjects

router = APIRouter(prefix="/v1", tags=["figures"])


@router.get("/subjects")
def subjects(archive: ArchiveDep) -> list[Subject]:
    return [Subject.of(s) for s in list_subjects(archive)]


@router.get("/subjects/{subject}/figures")
def subject_figures(
    subject: str,
    archive: ArchiveDep,
    as_of: AsOf,
    known_at: KnownAt,
    at_position: AtPosition = None,
) -> SubjectFiguresOut:
    return SubjectFiguresOut.of(figures_as_of(archive, subject, as_of, known_at, at_position))


@router.get("/subjects/{subject}/figures/{metric}")
def figure(
    subject: str,
    metric: str,
    archive: ArchiveDep,
    as_of: AsOf,
    known_at: KnownAt,
    at_position: AtPosition = None,
) -> Figure:
    return Figure.of(figure_history(archive, subject, metric, as_of, known_at, at_position))
