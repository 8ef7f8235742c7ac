"""Figure queries: a subject's figures, one figure's history, and the subjects there are.

The same answers for the API, the pages and the CLI; each is a query over the read models,
pinned to one log position (the window), never a replay of the log.
"""

from __future__ import annotations

from datetime import datetime

from domain.figures import FigureView, Window
from services.archive import Archive
from store import figures
from store.figures import SubjectFigures as SubjectFigures
from store.figures import SubjectSummary as SubjectSummary


def resolve_window(
    archive: Archive,
    as_of: datetime | None = None,
    known_at: datetime | None = None,
    at_position: int | None = None,
) -> Window:
    """Turn the three axes into a window with one position bound (the log head at most)."""
    return figures.resolve_window(archive.events, as_of, known_at, at_position)


def figures_as_of(
    archive: Archive,
    subject: str,
    as_of: datetime | None = None,
    known_at: datetime | None = None,
    at_position: int | None = None,
) -> SubjectFigures:
    """Every figure of a subject as of a moment, as known at a moment or at a position."""
    return figures.figures_as_of(archive.events, subject, as_of, known_at, at_position)


def figure_history(
    archive: Archive,
    subject: str,
    metric: str,
    as_of: datetime | None = None,
    known_at: datetime | None = None,
    at_position: int | None = None,
) -> FigureView:
    """One figure with every report of it in the window, retracted ones marked."""
    return figures.figure_history(archive.events, subject, metric, as_of, known_at, at_position)


def list_subjects(archive: Archive) -> list[SubjectSummary]:
    return figures.list_subjects(archive.events)
