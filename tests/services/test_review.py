"""The desk's decisions on both databases: seen from their position on, replayed and verified
like any event, refused without appending anything, and never undone by re-extraction."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.errors import (
    AlreadyDecided,
    AlreadyRetracted,
    InvalidReport,
    StreamConflict,
    UnknownReport,
)
from domain.events import FigureReported, PendingEvent
from domain.figures import Window
from domain.review import Change, ReviewState
from ingest.sources import DEMO_FEED, DEMO_SUBJECT
from services.archive import Archive
from services.audit import replay, replay_check, verify_live
from services.capture import ingest_source
from services.figures import figure_history
from services.reextract import reextract
from services.reports import retract_report
from services.review import confirm_report, correct_report, review_queue
from tests.ingest.test_reextract import without_troops


def reports_of(archive, metric: str, **window):
    page, _window = figure_history(archive, DEMO_SUBJECT, metric, Window(**window), limit=500)
    return page


def troops_2030(archive) -> str:
    return next(r.report_id for r in reports_of(archive, "troops").reports if r.value == 2030)


def deaths_160(archive) -> str:
    return next(r.report_id for r in reports_of(archive, "deaths").reports if r.value == 160)


@pytest.fixture
def demo(archive: Archive) -> Archive:
    ingest_source(archive, str(DEMO_FEED), DEMO_SUBJECT)
    return archive


def test_a_correction_is_seen_from_its_position_on_under_every_window(demo):
    old = troops_2030(demo)
    before_figure = reports_of(demo, "troops")
    event = correct_report(
        demo, old, Change(value=2300), "a test of the window", "desk-a", any_report=True
    )
    new = event.data["correction"]["report_id"]
    at = event.position

    after = reports_of(demo, "troops")
    by_id = {r.report_id: r for r in after.reports}
    assert by_id[old].retracted and by_id[old].review.state is ReviewState.CORRECTED
    assert by_id[old].review.corrected_by == new and by_id[new].review.corrects == old
    assert by_id[new].reported_at == by_id[old].reported_at

    pinned = reports_of(demo, "troops", at_position=at - 1)
    assert pinned.reports == before_figure.reports and pinned.current == before_figure.current
    assert {r.review.state for r in pinned.reports} == {ReviewState.UNREVIEWED}
    known = reports_of(demo, "troops", known_at=event.recorded_at)
    assert new in {r.report_id for r in known.reports}
    # As of the story's time the correction stands where the old reading stood.
    as_of = reports_of(demo, "troops", as_of=by_id[old].reported_at)
    assert as_of.current is not None and as_of.current.report_id == new


def test_replay_check_and_verify_hold_after_a_mix_of_decisions(demo):
    confirm_report(demo, deaths_160(demo), "desk-a", any_report=True, via="cli")
    correct_report(
        demo, troops_2030(demo), Change(metric="deaths"), "wrong metric", "desk-b", any_report=True
    )
    arrests = reports_of(demo, "arrests").reports[0].report_id
    retract_report(demo, arrests, "not a figure", "desk-a", any_report=True)
    states = {
        r.review.state for m in ("troops", "deaths", "arrests") for r in reports_of(demo, m).reports
    }
    assert {ReviewState.CONFIRMED, ReviewState.CORRECTED, ReviewState.REJECTED} <= states
    assert ReviewState.ENTERED in states
    assert replay_check(demo) is None
    before = {m: reports_of(demo, m) for m in ("troops", "deaths", "arrests")}
    replay(demo)
    after = {m: reports_of(demo, m) for m in ("troops", "deaths", "arrests")}
    for metric, page in before.items():
        assert [(r, r.review) for r in page.reports] == [
            (r, r.review) for r in after[metric].reports
        ]
    verify_live(demo)


def test_bad_decisions_append_nothing(demo):
    troops = troops_2030(demo)
    head = demo.events.head()

    def refused(kind, call):
        with pytest.raises(kind):
            call()
        assert demo.events.head() == head

    refused(UnknownReport, lambda: confirm_report(demo, "nope", "a", any_report=True))
    refused(
        InvalidReport,
        lambda: correct_report(demo, troops, Change(value=1), " ", "a", any_report=True),
    )
    refused(
        StreamConflict,
        lambda: confirm_report(demo, troops, "a", any_report=True, expected_version=1),
    )
    confirm_report(demo, troops, "a", any_report=True)
    head = demo.events.head()
    refused(AlreadyDecided, lambda: confirm_report(demo, troops, "a", any_report=True))
    retract_report(demo, troops, "not a figure", "a", any_report=True)
    head = demo.events.head()
    refused(
        AlreadyRetracted,
        lambda: correct_report(demo, troops, Change(value=3), "r", "a", any_report=True),
    )


def test_reextract_keeps_every_decision_and_queues_a_new_reading_of_a_decided_sentence(
    demo, tmp_path
):
    deaths = deaths_160(demo)
    confirm_report(demo, deaths, "desk-a", any_report=True)
    arrests = reports_of(demo, "arrests").reports[0]
    corrected = correct_report(
        demo,
        arrests.report_id,
        Change(value=arrests.value + 1),
        "typo",
        "desk-a",
        any_report=True,
    ).data["correction"]["report_id"]
    narrow = Archive(replace(demo.settings, metrics_path=without_troops(tmp_path)), demo.engine)
    troops = troops_2030(demo)
    confirm_report(demo, troops, "desk-a", any_report=True)

    head = demo.events.head()
    result = reextract(demo, DEMO_SUBJECT)  # the same extractor: it reads what was decided
    assert (result.appended, result.retracted, result.queued) == (0, 0, 0)
    assert demo.events.head() == head
    reextract(narrow, DEMO_SUBJECT)  # troops are no longer found: the confirmed one stays
    by_id = {
        r.report_id: r for m in ("troops", "deaths", "arrests") for r in reports_of(demo, m).reports
    }
    assert not by_id[troops].retracted and by_id[troops].review.state is ReviewState.CONFIRMED
    assert not by_id[deaths].retracted and by_id[deaths].review.state is ReviewState.CONFIRMED
    assert not by_id[corrected].retracted
    assert by_id[arrests.report_id].review.state is ReviewState.CORRECTED


def test_a_new_reading_of_a_confirmed_sentence_is_queued_not_applied(archive, tmp_path):
    narrow = Archive(
        replace(archive.settings, metrics_path=without_troops(tmp_path)), archive.engine
    )
    ingest_source(narrow, str(DEMO_FEED), DEMO_SUBJECT)
    deaths = reports_of(archive, "deaths").reports[0]
    misread = FigureReported(
        **(deaths_event_fields(deaths) | {"report_id": "00000000-0000-4000-8000-000000000001"}),
    )
    archive.events.append(
        [PendingEvent(misread, metadata={"actor": "ingest", "extractor_version": "old"})]
    )
    confirm_report(archive, misread.report_id, "desk-a", any_report=True)
    assert misread.report_id not in {i.report_id for i in review_queue(archive, limit=500).items}

    result = reextract(archive, DEMO_SUBJECT)

    assert result.queued == 1
    troops = {r.report_id: r for r in reports_of(archive, "troops").reports}
    assert not troops[misread.report_id].retracted
    assert not [r for r in troops.values() if r.value == 2030]  # queued, not applied
    page = review_queue(archive, limit=500)
    assert misread.report_id in {i.report_id for i in page.items}
    assert "2,030" in page.notes[misread.report_id]
    assert reextract(archive, DEMO_SUBJECT).queued == 1  # the same queue entry, not a new one
    head = archive.events.head()
    reextract(archive, DEMO_SUBJECT)
    assert archive.events.head() == head
    # The reviewer decides again: the report leaves the queue.
    confirm_report(archive, misread.report_id, "desk-a", any_report=True)
    assert misread.report_id not in {i.report_id for i in review_queue(archive, limit=500).items}
    assert replay_check(archive) is None


def deaths_event_fields(deaths) -> dict:
    """A troop reading of the demo's troop sentence, read wrong, from the same article."""
    sentence = (
        "The organization, led by Russia and made up of countries such as Armenia, Belarus, "
        "Kyrgyzstan, Tajikistan, Kazakhstan, among others, sent 2,030 soldiers to Kazakhstan, "
        "most of them Russians."
    )
    return {
        "subject": DEMO_SUBJECT,
        "metric": "troops",
        "value": 2300,
        "low": 2300,
        "high": 2300,
        "qualifier": "exact",
        "unit": "soldiers",
        "quote": sentence,
        "reported_at": deaths.reported_at,
        "source": deaths.source,
        "confidence": 0.1,
    }
