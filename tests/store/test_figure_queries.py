"""Figure queries: bounded answers that agree with a naive replay in every window.

The oracle is the domain's reducer over the whole log; the store answers with indexed lookups,
a page of reports and the latest revisions. Both backends run every test.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.errors import InvalidInput, UnknownMetric, UnknownSubject
from domain.figures import ReportCursor, Window, reduce_figure, replay_reports
from domain.qualifiers import Qualifier
from domain.status import ReportStatus
from services.figures import (
    figure_history,
    figures_as_of,
    resolve_window,
    stream_figures,
)
from tests.store.builders import SUBJECT, pending, reported, retracted

VALUES = st.sampled_from([None, 100, 160, 164, 9900, 10000])
QUALIFIERS = st.sampled_from(
    [Qualifier.AT_LEAST, Qualifier.EXACT, Qualifier.NEARLY, Qualifier.DOZENS]
)
STATUSES = st.sampled_from([ReportStatus.REPORTED, ReportStatus.REPORTED, ReportStatus.PREVIOUS])
OPERATION = st.one_of(
    st.tuples(
        st.just("report"),
        VALUES,
        QUALIFIERS,
        st.integers(10, 14),
        STATUSES,
        st.sampled_from(["deaths", "arrests"]),
        st.sampled_from([None, None, None, "Almaty"]),
    ),
    st.tuples(st.just("retract"), st.integers(0, 20)),
)
subjects = (f"subject-{n}" for n in itertools.count())


def ids(reports):
    return [r.report_id for r in reports]


def whole(archive, subject, metric, window):
    """Every page of one figure, followed by its cursors, in the window's pinned position."""
    first, pinned = figure_history(archive, subject, metric, window, limit=2, revisions=2)
    pages, page = [first], first
    while page.reports_next is not None:
        page, _ = figure_history(
            archive,
            subject,
            metric,
            Window(window.as_of, at_position=pinned.position),
            after=page.reports_next,
            limit=2,
            revisions=2,
        )
        pages.append(page)
    return pages, pinned


def check_window(archive, subject, expected, asked, position):
    """The store's answers in one window equal the reducer's view of a naive replay."""
    got = figures_as_of(archive, subject, asked, revisions=500)
    assert got.window.position == position
    shown = [view for view in expected if view.reports]
    assert [(f.metric, f.current, f.revisions) for f in got.figures] == [
        (v.metric, v.current, v.revisions) for v in shown
    ]
    assert [f.reports_total for f in got.figures] == [len(v.reports) for v in shown]
    for view in shown:
        pages, pinned = whole(archive, subject, view.metric, asked)
        assert pinned.position == position
        assert [r for page in pages for r in page.reports] == view.reports
        assert {page.reports_total for page in pages} == {len(view.reports)}
        assert [page.reports_remaining for page in pages] == [
            len(view.reports) - 2 * (n + 1) if n + 1 < len(pages) else 0 for n in range(len(pages))
        ]
        assert pages[0].revisions == view.revisions[-2:]
        assert pages[0].revisions_total == len(view.revisions)
        assert pages[0].current == view.current
        _, streams = stream_figures(archive, [subject], view.metric, asked)
        streamed = next(streams)
        assert list(streamed.reports) == view.reports
        assert list(streamed.revisions) == view.revisions


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=st.lists(OPERATION, min_size=1, max_size=12), batch=st.integers(1, 4))
def test_every_window_answers_as_a_naive_replay_does(archive, operations, batch):
    subject = next(subjects)
    start = archive.events.head()
    made = []
    for operation in operations:
        if operation[0] == "report":
            _, value, qualifier, day, status, metric, subset_of = operation
            if value is None and not qualifier.is_vague:
                value = 1
            made.append(
                reported(
                    value,
                    qualifier=qualifier,
                    day=day,
                    status=status,
                    metric=metric,
                    subject=subject,
                    subset_of=subset_of,
                )
            )
        elif made:
            made.append(retracted(made[operation[1] % len(made)]))
    for chunk in range(0, len(made), batch):
        archive.events.append([pending(e) for e in made[chunk : chunk + batch]])
    log = list(archive.events.read())
    for position in range(start + 1, archive.events.head() + 1):
        naive = replay_reports(e for e in log[:position] if e.data.get("subject") == subject)
        for as_of in (None, datetime(2022, 1, 12, tzinfo=UTC)):
            window = Window(as_of=as_of, position=position)
            expected = [
                reduce_figure(subject, metric, rs, window)
                for (_, metric), rs in sorted(naive.items())
            ]
            check_window(archive, subject, expected, Window(as_of, at_position=position), position)
            known_at = log[position - 1].recorded_at
            last_known = max(e.position for e in log if e.recorded_at <= known_at)
            if last_known == position:  # a batch shares one recorded_at: known at its end
                check_window(archive, subject, expected, Window(as_of, known_at), position)


def test_a_retraction_after_the_window_is_not_seen_in_it(archive):
    first, second = reported(160, day=11), reported(164, day=12)
    archive.events.append([pending(first), pending(second)])
    archive.events.append([pending(retracted(second, reason="misread"))])
    before, _ = figure_history(archive, SUBJECT, "deaths", Window(at_position=2))
    after, _ = figure_history(archive, SUBJECT, "deaths")
    assert before.current.value == 164 and before.reports[1].retraction is None
    assert [r.value for r in before.revisions] == [160, 164]
    assert after.current.value == 160 and after.reports[1].retraction.reason == "misread"
    assert [r.value for r in after.revisions] == [160]
    assert after.reports_total == 2  # the retracted report stays in the history


def test_vague_reports_and_breakdowns_are_listed_but_never_current(archive):
    archive.events.append(
        [
            pending(reported(160, day=11)),
            pending(reported(None, qualifier=Qualifier.DOZENS, day=12)),
            pending(reported(103, day=13, subset_of="Almaty")),
            pending(reported(150, day=14, status=ReportStatus.PREVIOUS)),
        ]
    )
    page, _ = figure_history(archive, SUBJECT, "deaths")
    assert page.current.value == 160
    assert [r.value for r in page.revisions] == [160]
    assert [r.value for r in page.reports] == [160, None, 103, 150]


def test_as_of_finds_the_value_current_then_among_many_reports(archive):
    values = [100 + n for n in range(20)]
    archive.events.append([pending(reported(v, day=1 + n)) for n, v in enumerate(values)])
    as_of = Window(as_of=datetime(2022, 1, 5, 23, tzinfo=UTC))
    page, _ = figure_history(archive, SUBJECT, "deaths", as_of, revisions=3)
    assert page.current.value == 104
    assert [r.value for r in page.revisions] == [102, 103, 104]
    assert page.revisions_total == 5


def test_pages_stay_put_when_reports_are_appended_after_them(archive):
    archive.events.append([pending(reported(100 + n, day=1 + n)) for n in range(5)])
    first, window = figure_history(archive, SUBJECT, "deaths", limit=2)
    assert [r.value for r in first.reports] == [100, 101]
    assert (first.reports_total, first.reports_remaining) == (5, 3)
    archive.events.append([pending(reported(99, day=1, hour=1)), pending(reported(200, day=20))])
    pinned, _ = figure_history(
        archive, SUBJECT, "deaths", window.at(window.position), after=first.reports_next, limit=2
    )
    assert [r.value for r in pinned.reports] == [102, 103]
    assert (pinned.reports_total, pinned.reports_remaining) == (5, 1)
    live, _ = figure_history(archive, SUBJECT, "deaths", after=first.reports_next, limit=2)
    assert [r.value for r in live.reports] == [102, 103]  # the backfilled 99 sorts before
    assert (live.reports_total, live.reports_remaining) == (7, 2)
    last, _ = figure_history(archive, SUBJECT, "deaths", after=live.reports_next, limit=2)
    assert [r.value for r in last.reports] == [104, 200]
    assert (last.reports_remaining, last.reports_next) == (0, None)


def test_a_figure_with_no_report_in_the_window_is_empty_not_missing(archive):
    archive.events.append([pending(reported(160, day=11))])
    before = Window(as_of=datetime(2021, 1, 1, tzinfo=UTC))
    page, window = figure_history(archive, SUBJECT, "deaths", before)
    assert (page.current, page.reports, page.reports_total, page.revisions_total) == (
        None,
        [],
        0,
        0,
    )
    assert window.position == 1
    assert figures_as_of(archive, SUBJECT, before).figures == []


def test_unknown_names_bad_cursors_and_limits_are_refused(archive):
    archive.events.append([pending(reported(160, day=11))])
    with pytest.raises(UnknownSubject):
        figure_history(archive, "nowhere", "deaths")
    with pytest.raises(UnknownMetric):
        figure_history(archive, SUBJECT, "rainfall")
    with pytest.raises(UnknownSubject):
        figures_as_of(archive, "nowhere")
    with pytest.raises(InvalidInput):
        ReportCursor.decode("not-a-cursor")
    with pytest.raises(InvalidInput):
        figure_history(archive, SUBJECT, "deaths", limit=0)
    with pytest.raises(InvalidInput):
        resolve_window(archive, Window(at_position=5))


def test_a_cursor_survives_its_round_trip():
    cursor = ReportCursor(datetime(2022, 1, 11, 18, 30, tzinfo=UTC), 42)
    assert ReportCursor.decode(cursor.encode()) == cursor
