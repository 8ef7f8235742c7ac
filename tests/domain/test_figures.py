from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from domain.events import Source
from domain.figures import ReportView, Retraction, Window, reduce_figure
from domain.qualifiers import Qualifier, interval
from domain.status import ReportStatus

JAN = {day: datetime(2022, 1, day, tzinfo=UTC) for day in range(1, 32)}


def report(
    position: int,
    value: int | None,
    day: int,
    qualifier: Qualifier = Qualifier.AT_LEAST,
    **changes: object,
) -> ReportView:
    bounds = interval(qualifier, value)
    view = ReportView(
        report_id=f"r{position}",
        subject="kazakhstan-unrest-2022",
        metric="deaths",
        value=bounds.value,
        low=bounds.low,
        high=bounds.high,
        qualifier=qualifier,
        approximate=bounds.approximate,
        unit="people",
        status=ReportStatus.REPORTED,
        subset_of=None,
        quote=f"at least {value} people have died",
        reported_at=JAN[day],
        reported_at_basis="published",
        recorded_at=datetime(2026, 1, 1, 0, 0, position, tzinfo=UTC),
        position=position,
        source=Source(url=f"https://example.org/{position}"),
    )
    return replace(view, **changes)  # type: ignore[arg-type]


def figure(*reports: ReportView, window: Window | None = None):
    return reduce_figure("kazakhstan-unrest-2022", "deaths", reports, window or Window())


def test_the_latest_numeric_report_is_current_and_revisions_show_the_change():
    view = figure(report(1, 160, 11), report(2, 164, 12))
    assert view.current is not None and view.current.value == 164
    assert [r.value for r in view.revisions] == [160, 164]


def test_reported_time_not_arrival_order_decides_which_is_latest():
    view = figure(report(1, 164, 12), report(2, 160, 11))
    assert view.current is not None and view.current.value == 164
    assert [r.value for r in view.reports] == [160, 164]


def test_a_vague_report_is_kept_in_history_but_never_becomes_current():
    view = figure(report(1, 160, 11), report(2, None, 12, Qualifier.DOZENS))
    assert view.current is not None and view.current.value == 160
    assert [r.qualifier for r in view.reports] == [Qualifier.AT_LEAST, Qualifier.DOZENS]


def test_a_tie_in_reported_time_goes_to_the_later_position():
    view = figure(report(1, 10000, 11, Qualifier.NEARLY), report(2, 9900, 11, Qualifier.AROUND))
    assert view.current is not None and view.current.position == 2


def test_a_retracted_report_leaves_the_current_view_but_stays_in_history():
    retraction = Retraction("typo in the wire copy", 3, JAN[13])
    view = figure(report(1, 160, 11), report(2, 1600, 12, retraction=retraction))
    assert view.current is not None and view.current.value == 160
    assert [(r.value, r.retracted) for r in view.reports] == [(160, False), (1600, True)]
    assert [r.value for r in view.revisions] == [160]


def test_a_retraction_after_the_window_is_not_yet_seen():
    retraction = Retraction("typo", 3, JAN[13])
    view = figure(
        report(1, 160, 11), report(2, 1600, 12, retraction=retraction), window=Window(position=2)
    )
    assert view.current is not None and view.current.value == 1600
    assert not view.reports[1].retracted


def test_previous_tolls_and_breakdowns_never_become_current():
    view = figure(
        report(1, 160, 11),
        report(2, 150, 12, status=ReportStatus.PREVIOUS),
        report(3, 103, 12, subset_of="Almaty"),
    )
    assert view.current is not None and view.current.value == 160
    assert len(view.reports) == 3


def test_as_of_counts_only_what_had_been_reported_by_then():
    reports = (report(1, 160, 11), report(2, 164, 12))
    view = figure(*reports, window=Window(as_of=JAN[11]))
    assert view.current is not None and view.current.value == 160
    assert [r.value for r in view.reports] == [160]


def test_a_position_bound_counts_only_what_the_archive_knew():
    reports = (report(1, 164, 12), report(2, 170, 13))
    view = figure(*reports, window=Window(position=1))
    assert view.current is not None and view.current.value == 164


def test_a_figure_with_only_vague_reports_has_no_current_value():
    view = figure(report(1, None, 11, Qualifier.DOZENS))
    assert view.current is None and view.revisions == [] and len(view.reports) == 1


def test_an_unchanged_value_is_not_a_revision():
    view = figure(report(1, 160, 11), report(2, 160, 12), report(3, 164, 13))
    assert [r.position for r in view.revisions] == [1, 3]
