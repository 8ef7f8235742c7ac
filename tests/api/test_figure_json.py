"""A figure's JSON written straight from its rows is, byte for byte, the JSON of the models.

The figure route writes its answer from the rows it read (`FigureOut.encoded`), not through a
ReportView and a pydantic model a report; the models stay the contract (the OpenAPI schema is
theirs). Here every answer of a varied archive is written both ways and compared: ranges,
vague and breakdown readings, hand-made and extracted reports, retractions and corrections seen
and not yet seen, confirmed, corrected, rejected and unreviewed reports, as of moments, at
positions, as known at times, over pages, and under a renamed and a merged name.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.schemas import FigureOut
from domain.events import Source
from domain.figures import FigurePage, ReportCursor, Window
from domain.review import Change
from ingest.sources import DEMO_FEED, DEMO_SUBJECT
from services.archive import Archive
from services.capture import ingest_source
from services.figures import figure_answer, figure_history
from services.reports import ReportInput, record_report, retract_report
from services.review import confirm_report, correct_report
from services.subjects import merge_subjects, rename_subject

HAND = "hand-made"
DAY = datetime(2026, 3, 10, 9, tzinfo=UTC)


def _report(
    archive: Archive, subject: str, day: int, value: int | None, qualifier: str, **more: object
) -> str:
    source = Source(url=f"https://example.org/{subject}/{day}", title=None, publisher="Ex")
    report = ReportInput(
        metric="deaths",
        value=value,
        qualifier=qualifier,
        quote=f'Day {day}: «{value}» people\u2028died\x01 "quoted" \\ — 死者',
        reported_at=DAY + timedelta(days=day, microseconds=day * 1001),
        source=source,
        **more,  # type: ignore[arg-type]
    )
    return record_report(archive, subject, report, actor="desk").data["report_id"]


@pytest.fixture
def varied(archive: Archive) -> Archive:
    """The demo feed's extracted reports, then hand-made ones with every kind of history."""
    ingest_source(archive, str(DEMO_FEED), DEMO_SUBJECT)
    _report(archive, HAND, 1, 100, "exact", unit="people")
    _report(archive, HAND, 2, None, "range", low=120, high=180)
    wrong = _report(archive, HAND, 3, 900, "at_least")
    _report(archive, HAND, 3, 150, "around")
    _report(archive, HAND, 4, None, "dozens")
    _report(archive, HAND, 6, 10_000, "up_to", status="projection")
    for day, value in enumerate(range(200, 260, 3), start=7):
        _report(archive, HAND, day, value, "exact")
    retract_report(archive, wrong, "misread", "desk", any_report=True)
    arrests = figure_history(archive, DEMO_SUBJECT, "arrests", Window())[0].reports
    read = [r.report_id for r in arrests]
    retract_report(archive, read[0], "wrong article", "desk", any_report=True)
    confirm_report(archive, read[1], "editor", any_report=True)
    correct_report(archive, read[2], Change(value=7777), "digits", "editor", any_report=True)
    correct_report(archive, read[3], Change(subset_of=read[1]), "a part", "ed", any_report=True)
    for subject in ("twin-a", "twin-b", "old-name"):
        _report(archive, subject, 1, 5, "exact")
    rename_subject(archive, "old-name", "new-name")
    merge_subjects(archive, "twin-a", "twin-b")
    return archive


def _written(
    archive: Archive, subject: str, window: Window, metric: str = "deaths", **page: object
) -> object:
    """The answer written from rows, or the refusal (its type and words)."""
    try:
        found, pinned = figure_answer(archive, subject, metric, window, **page)
    except Exception as error:
        return type(error), str(error)
    return FigureOut.encoded(found, "/p"), pinned


def _modelled(
    archive: Archive, subject: str, window: Window, metric: str = "deaths", **page: object
) -> object:
    """The answer through a ReportView and a model a report, or the refusal."""
    try:
        page_, pinned = figure_history(archive, subject, metric, window, **page)
    except Exception as error:
        return type(error), str(error)
    return FigureOut.pinned(page_, "/p").model_dump_json().encode(), pinned


def _windows(archive: Archive) -> list[Window]:
    head = archive.events.head()
    moments = [None, DAY, DAY + timedelta(days=3, hours=1), DAY + timedelta(days=9)]
    positions = [None, 1, head // 3, head // 2, head - 8, head - 3, head]
    known = [None, datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC)]
    return [
        Window(as_of=m, at_position=p, known_at=k)
        for m in moments
        for p in positions
        for k in known
    ]


def test_rows_write_the_models_json_for_every_window(varied: Archive) -> None:
    states: dict[str, set[tuple[str, str]]] = {}  # report: (status, review) seen
    kinds: set[str] = set()
    asked = [(DEMO_SUBJECT, m) for m in ("deaths", "arrests", "troops", "no_such_metric")]
    asked += [(s, "deaths") for s in (HAND, "new-name", "old-name", "no-such-subject")]
    for subject, metric in asked:
        for window in _windows(varied):
            written = _written(varied, subject, window, metric)
            assert written == _modelled(varied, subject, window, metric)
            if isinstance(written[0], bytes):  # type: ignore[index]
                _observe(json.loads(written[0]), states, kinds)  # type: ignore[index]
    # every kind of report was compared, and reports whose status or review the window changes
    reviews = {review for seen in states.values() for _, review in seen}
    assert {"unreviewed", "confirmed", "corrected", "rejected"} <= reviews
    assert {"range", "vague", "breakdown", "extracted", "hand-made", "empty"} <= kinds
    assert any(len({status for status, _ in seen}) > 1 for seen in states.values())
    assert any(len({review for _, review in seen}) > 1 for seen in states.values())


def test_rows_write_the_models_json_for_every_page(varied: Archive) -> None:
    for limit, revisions in [(1, 0), (3, 1), (10, 10), (500, 500)]:
        after: ReportCursor | None = None
        pages = 0
        while True:
            page = {"after": after, "limit": limit, "revisions": revisions}
            written = _written(varied, HAND, Window(), **page)
            assert written == _modelled(varied, HAND, Window(), **page)
            pages += 1
            cursor = json.loads(written[0])["reports_next"]  # type: ignore[index]
            if cursor is None:
                break
            after = ReportCursor.decode(cursor)
        assert pages == -(-26 // limit)  # 26 reports, every page compared


def test_a_merged_subject_is_answered_by_its_fold(varied: Archive) -> None:
    found, _ = figure_answer(varied, "twin-b", "deaths", Window())
    assert isinstance(found, FigurePage)  # two slugs: the fold's own answer, through the models
    assert json.loads(FigureOut.encoded(found, "/p"))["reports_total"] == 2
    assert _written(varied, "twin-b", Window()) == _modelled(varied, "twin-b", Window())


def _observe(
    answer: dict[str, Any], states: dict[str, set[tuple[str, str]]], kinds: set[str]
) -> None:
    if not answer["reports_total"]:
        kinds.add("empty")
    for r in [answer["current"], *answer["revisions"], *answer["reports"]]:
        if r is None:
            continue
        states.setdefault(r["report_id"], set()).add((r["status"], r["review"]["state"]))
        if r["qualifier"] == "range":
            kinds.add("range")
        elif r["value"] is None:
            kinds.add("vague")
        if r["subset_of"]:
            kinds.add("breakdown")
        kinds.add("extracted" if r["confidence"] is not None else "hand-made")
