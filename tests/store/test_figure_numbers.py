"""Answers read from each report's kept place in its figure (store/ordinals.py) agree with a
naive replay, whatever the figure's history: reports dated before others, retractions,
corrections, appended one by one or in batches, asked at any story time and known time.

The oracle is the domain's reducer over the whole log, as in test_figure_queries.py; here
the histories are longer and the as-of moments many, and a replay must number the reports
as the appends did.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from domain.events import ReportCorrected
from domain.figures import Window, reduce_figure, replay_reports
from domain.qualifiers import Qualifier
from domain.status import ReportStatus
from services import audit
from services.figures import figure_answer, figure_history
from store import replay as replays
from store.tables import reports
from tests.conftest import open_archive
from tests.store import migrations
from tests.store.builders import pending, reported, retracted

METRIC = "deaths"
REPORT = st.tuples(
    st.just("report"),
    st.sampled_from([None, 10, 10, 10, 12, 30]),
    st.sampled_from([Qualifier.AT_LEAST, Qualifier.EXACT, Qualifier.DOZENS]),
    st.integers(10, 14),
    st.sampled_from([0, 12]),
    st.sampled_from([ReportStatus.REPORTED, ReportStatus.REPORTED, ReportStatus.PREVIOUS]),
)
OPERATION = st.one_of(
    REPORT,
    REPORT,
    st.tuples(st.just("retract"), st.integers(0, 40)),
    st.tuples(st.just("correct"), st.integers(0, 40), st.sampled_from([10, 12, 31])),
)
MOMENTS = [None] + [datetime(2022, 1, 9, tzinfo=UTC) + timedelta(hours=12 * n) for n in range(13)]
subjects = (f"numbered-{n}" for n in itertools.count())


def history(subject, operations):
    """The events of one figure's story, and the reports it made (corrections included)."""
    made, events = [], []
    for operation in operations:
        kind = operation[0]
        if kind == "report":
            _, value, qualifier, day, hour, status = operation
            if value is None and not qualifier.is_vague:
                value = 1
            event = reported(
                value, qualifier=qualifier, day=day, hour=hour, status=status, subject=subject
            )
            made.append(event)
            events.append(event)
        elif made and kind == "retract":
            events.append(retracted(made[operation[1] % len(made)]))
        elif made:
            old = made[operation[1] % len(made)]
            new = old.model_copy(update={"report_id": str(uuid.uuid4()), "value": operation[2]})
            made.append(new)
            events.append(
                ReportCorrected(
                    report_id=old.report_id,
                    subject=subject,
                    metric=METRIC,
                    reason="misread",
                    correction=new,
                )
            )
    return events


def expected(archive, subject, window):
    log = list(archive.events.read())
    naive = replay_reports(e for e in log if e.data.get("subject") == subject)
    return reduce_figure(subject, METRIC, naive.get((subject, METRIC), []), window)


def every_page(archive, subject, window, limit):
    first, pinned = figure_history(archive, subject, METRIC, window, limit=limit, revisions=3)
    pages, page = [first], first
    while page.reports_next is not None:
        page, _ = figure_history(
            archive,
            subject,
            METRIC,
            Window(window.as_of, at_position=pinned.position),
            after=page.reports_next,
            limit=limit,
            revisions=3,
        )
        pages.append(page)
    return pages, pinned


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    operations=st.lists(OPERATION, min_size=1, max_size=30),
    batch=st.integers(1, 5),
    limit=st.integers(1, 4),
)
def test_an_answer_at_any_story_time_is_the_naive_replays(archive, operations, batch, limit):
    subject = next(subjects)
    events = history(subject, operations)
    assume(events)
    for chunk in range(0, len(events), batch):
        archive.events.append([pending(e) for e in events[chunk : chunk + batch]])
    head = archive.events.head()
    for as_of in MOMENTS:
        view = expected(archive, subject, Window(as_of, position=head))
        pages, pinned = every_page(archive, subject, Window(as_of), limit)
        assert pinned.position == head
        first = pages[0]
        assert first.current == view.current
        assert first.revisions == view.revisions[-3:]
        assert first.revisions_total == len(view.revisions)
        assert {page.reports_total for page in pages} == {len(view.reports)}
        assert [r for page in pages for r in page.reports] == view.reports
        assert [page.reports_remaining for page in pages] == [
            len(view.reports) - limit * (n + 1) if n + 1 < len(pages) else 0
            for n in range(len(pages))
        ]
        rows, _ = figure_answer(archive, subject, METRIC, Window(as_of), revisions=3)
        assert (rows.reports_total, rows.revisions_total) == (
            len(view.reports),
            len(view.revisions),
        )
        assert [r.report_id for r in rows.revisions] == [r.report_id for r in view.revisions[-3:]]


def test_a_replay_numbers_every_report_as_the_appends_did(archive):
    subject = next(subjects)
    day = [("report", 10, Qualifier.AT_LEAST, d, 0, ReportStatus.REPORTED) for d in (12, 13)]
    late = [("report", 30, Qualifier.AT_LEAST, 10, 12, ReportStatus.REPORTED)]
    events = history(subject, [*day, *late, ("retract", 1), ("correct", 0, 31), *day])
    for event in events:
        archive.events.append([pending(event)])
    numbers = select(reports.c.report_id, reports.c.ordinal, reports.c.changed, reports.c.revision)
    with archive.engine.connect() as connection:
        appended = sorted(connection.execute(numbers.where(reports.c.subject == subject)))
    assert sorted(ordinal for _, ordinal, _, _ in appended) == list(range(1, len(appended) + 1))
    audit.replay(archive)
    with archive.engine.connect() as connection:
        replayed = sorted(connection.execute(numbers.where(reports.c.subject == subject)))
    assert replayed == appended
    now = figure_history(archive, subject, METRIC, Window())[0]
    view = expected(archive, subject, Window(position=archive.events.head()))
    assert (now.current, now.revisions_total) == (view.current, len(view.revisions))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    operations=st.lists(OPERATION, min_size=1, max_size=30),
    append_batch=st.integers(1, 4),
    replay_batch=st.integers(1, 6),
)
def test_a_replay_in_batches_numbers_every_report_as_the_appends_did(
    archive, operations, append_batch, replay_batch, monkeypatch
):
    """Batches cut through the history: reports dated before those of an earlier batch,
    retractions and corrections of reports from earlier batches, each numbered as it goes in."""
    subject = next(subjects)
    events = history(subject, operations)
    assume(events)
    for chunk in range(0, len(events), append_batch):
        archive.events.append([pending(e) for e in events[chunk : chunk + append_batch]])
    numbers = select(reports.c.report_id, reports.c.ordinal, reports.c.changed, reports.c.revision)
    with archive.engine.connect() as connection:
        appended = sorted(connection.execute(numbers))
    monkeypatch.setattr(replays, "BATCH", replay_batch)
    audit.replay(archive)
    with archive.engine.connect() as connection:
        assert sorted(connection.execute(numbers)) == appended
    assert audit.replay_check(archive) is None


def test_an_archive_from_before_the_numbers_upgrades_to_the_numbers_the_appends_keep(archive):
    subject = next(subjects)
    late = ("report", 30, Qualifier.AT_LEAST, 10, 12, ReportStatus.REPORTED)
    day = [("report", 10, Qualifier.AT_LEAST, d, 0, ReportStatus.REPORTED) for d in (12, 13)]
    for event in history(subject, [*day, late, ("retract", 1), ("correct", 0, 31), *day]):
        archive.events.append([pending(event)])
    numbers = select(reports.c.report_id, reports.c.ordinal, reports.c.changed, reports.c.revision)
    with archive.engine.connect() as connection:
        appended = sorted(connection.execute(numbers))
    before = figure_history(archive, subject, METRIC, Window(MOMENTS[8]))[0]
    migrations.downgrade(archive.engine, "0016")
    migrations.upgrade(archive.engine, "head")
    with archive.engine.connect() as connection:
        assert sorted(connection.execute(numbers)) == appended
    assert figure_history(archive, subject, METRIC, Window(MOMENTS[8]))[0] == before
    view = expected(archive, subject, Window(MOMENTS[8], position=archive.events.head()))
    assert (before.current, before.revisions_total) == (view.current, len(view.revisions))
    assert before.reports_total == len(view.reports) > 1


def test_reports_appended_by_another_archive_between_two_appends_are_numbered_on(
    archive, database_url, tmp_path
):
    """An append numbers on from what its last append left only if nothing came in between.

    The story ends on reports in order, so no later renumbering could mend a wrong number."""
    subject = next(subjects)
    other = open_archive(database_url, tmp_path)
    try:
        days = [
            ("report", v, Qualifier.AT_LEAST, d, 0, ReportStatus.REPORTED)
            for v, d in [(10, 10), (12, 11), (12, 12), (8, 9), (30, 13), (31, 14)]
        ]
        for n, event in enumerate(history(subject, days)):
            (archive if n % 3 != 1 else other).events.append([pending(event)])
        appended, replayed = numbers_appended_and_replayed(archive, subject)
        assert appended == replayed
        assert sorted(ordinal for _, ordinal, _, _ in appended) == list(range(1, 7))
    finally:
        other.close()


def test_after_a_retraction_a_fresh_archive_numbers_the_figure_after_its_stored_reports(archive):
    """From an empty log an archive knows every figure without reading one; a retraction
    has the figure numbered in SQL, so its next report, dated after all, must read it first."""
    subject = next(subjects)
    days = [("report", v, Qualifier.AT_LEAST, d, 0, ReportStatus.REPORTED) for v, d in [(10, 10)]]
    story = history(subject, [*days, *days, ("retract", 0), *days])
    later = story[1].reported_at + timedelta(days=2)
    story[-1] = story[-1].model_copy(update={"reported_at": later})
    for event in story:
        archive.events.append([pending(event)])
    appended, replayed = numbers_appended_and_replayed(archive, subject)
    assert appended == replayed
    assert sorted(ordinal for _, ordinal, _, _ in appended) == [1, 2, 3]


def numbers_appended_and_replayed(archive, subject):
    """Each report's numbers in a subject as the appends left them, then after a replay."""
    numbers = select(reports.c.report_id, reports.c.ordinal, reports.c.changed, reports.c.revision)
    query = numbers.where(reports.c.subject == subject)
    with archive.engine.connect() as connection:
        appended = sorted(connection.execute(query))
    audit.replay(archive)
    with archive.engine.connect() as connection:
        replayed = sorted(connection.execute(query))
    return appended, replayed
