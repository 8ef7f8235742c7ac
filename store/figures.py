"""Figure queries: what a figure is now, as of a moment, as known at a moment, or at a position.

Every answer is bounded and every query is indexed; the log is never replayed to answer one.
A figure's answer (`_walk`, then the whole rows of the few reports it picked out, by position)
is made one of two ways:
- from the kept numbers (store/ordinals.py), when the window's position is at or after the
  figure's last report or retraction (`figures.last_position`): the window then sees the
  figure as it stands, bounded only by as_of, so the reports and revisions up to as_of are the
  `ordinal` and `revision` of the last row at or before it, the latest revisions one range of
  `ix_reports_changes` (the revisions' timeline), the current report the first eligible,
  unretracted row walking back from as_of, and the page the rows after the cursor: a few
  probes, whatever the history;
- by a walk of the window along `ix_reports_timeline` (subject, metric, reported_at, position,
  then eligible, value and retraction_position, so the walk reads the index alone), when the
  window is pinned before the figure's last change: which reports it holds and which of them
  were retracted by then differ from now, so the counts and the revisions (reports whose value
  differs from the one before) are found inside the window. It grows with the figure's
  reports in the window, never with the log.
Reports come a page at a time, oldest first, after a keyset cursor (reported_at, position), with
counts of the rest; `stream_reports` reads every page for the CLI and CSV.
The statements are built once with bind parameters; an absent bound is an open one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    bindparam,
    func,
    or_,
    select,
    true,
    tuple_,
    union,
)

from domain.errors import InvalidInput, UnknownMetric, UnknownSubject
from domain.events import Source
from domain.figures import FigurePage, ReportCursor, ReportView, Retraction, Window
from domain.qualifiers import Qualifier
from domain.status import ReportStatus
from domain.subjects import stored_slugs
from store.database import stored_time
from store.rows import db_time, read, read_alone
from store.subjects import links_on
from store.tables import documents, events, figures, log_head, reports

REPORTS_LIMIT = 10  # reports in a page unless asked otherwise
REPORTS_MAX = 500
REVISIONS_LIMIT = 10  # the latest revisions in an answer unless asked otherwise
STREAM_CHUNK = 1000  # rows a streaming read holds at once
OPEN_TIME = datetime(9999, 12, 31, tzinfo=UTC)
OPEN_POSITION = 2**31 - 1
START = ReportCursor(datetime(1, 1, 1, tzinfo=UTC), 0)


@dataclass(frozen=True)
class SubjectFigures:
    """A subject's figures in one window, and the log position that window is pinned to."""

    subject: str
    window: Window
    figures: list[FigurePage]


@dataclass(frozen=True)
class SubjectSummary:
    subject: str
    metrics: list[str]
    report_count: int
    last_position: int


# --- the statements -------------------------------------------------------------------------

COLUMNS = [c for c in reports.c if c.name != "eligible"]
TIMELINE = (reports.c.reported_at, reports.c.position)
IN_WINDOW = and_(
    reports.c.subject == bindparam("subject"),
    reports.c.metric == bindparam("metric"),
    reports.c.reported_at <= bindparam("as_of"),
    reports.c.position <= bindparam("position"),
)
MAY_BE_CURRENT = and_(
    reports.c.subject == bindparam("subject"),
    reports.c.metric == bindparam("metric"),
    reports.c.eligible == true(),
    reports.c.reported_at <= bindparam("as_of"),
    reports.c.position <= bindparam("position"),
    or_(
        reports.c.retraction_position.is_(None),
        reports.c.retraction_position > bindparam("position"),
    ),
)
_AFTER = tuple_(*TIMELINE) > tuple_(
    bindparam("after_at", type_=reports.c.reported_at.type),
    bindparam("after_position", type_=reports.c.position.type),
)
# The walk an answer is made from: every report of the window in timeline order, read from
# `ix_reports_timeline` alone (its columns are all in the index), and, after a cursor, whether
# it lies after it. Counts, the page's keys, the revisions and the current report all come from
# it. Written for the driver (`?` marks, `driver_sql`): for a few hundred index entries,
# SQLAlchemy's work per statement and per row cost more than the walk itself.
_IN_WINDOW_SQL = "subject = ? AND metric = ? AND reported_at <= ? AND position <= ?"
WALK_SQL = (
    "SELECT position, eligible, value, retraction_position FROM reports"
    f" WHERE {_IN_WINDOW_SQL} ORDER BY reported_at, position"
)
WALK_AFTER_SQL = (
    "SELECT position, eligible, value, retraction_position, (reported_at, position) > (?, ?)"
    f" FROM reports WHERE {_IN_WINDOW_SQL} ORDER BY reported_at, position"
)
BY_POSITION = select(*COLUMNS).where(reports.c.position.in_(bindparam("positions", expanding=True)))
# Revisions, streamed: `lag` over the narrow columns the index holds, then whole rows.
_LAGGED = (
    select(
        reports.c.position,
        reports.c.reported_at,
        reports.c.value,
        func.lag(reports.c.value).over(order_by=TIMELINE).label("previous"),
    )
    .where(MAY_BE_CURRENT)
    .subquery()
)
_CHANGED = or_(_LAGGED.c.previous.is_(None), _LAGGED.c.previous != _LAGGED.c.value)
_ALL_KEYS = select(_LAGGED.c.position).where(_CHANGED).subquery()
ALL_REVISIONS = (
    select(*COLUMNS)
    .join_from(reports, _ALL_KEYS, reports.c.position == _ALL_KEYS.c.position)
    .order_by(*TIMELINE)
    .execution_options(yield_per=STREAM_CHUNK)  # fetched a chunk at a time (server-side on PG)
)
PAGE = select(*COLUMNS).where(IN_WINDOW, _AFTER).order_by(*TIMELINE).limit(bindparam("limit"))
HEAD = select(log_head.c.position)
KNOWN_AT = select(func.max(events.c.position)).where(
    events.c.recorded_at <= bindparam("known_at", type_=events.c.recorded_at.type)
)
METRICS = select(figures.c.metric).where(figures.c.subject == bindparam("subject"))
FIGURE = select(figures.c.metric).where(
    figures.c.subject == bindparam("subject"), figures.c.metric == bindparam("metric")
)
SUBJECT = union(
    select(figures.c.subject).where(figures.c.subject == bindparam("subject")),
    select(documents.c.subject).where(documents.c.subject == bindparam("subject")),
)


def _bounds(subject: str, metric: str, window: Window) -> dict[str, Any]:
    return {
        "subject": subject,
        "metric": metric,
        "as_of": OPEN_TIME if window.as_of is None else window.as_of,
        "position": OPEN_POSITION if window.position is None else window.position,
    }


# --- queries on a connection ----------------------------------------------------------------


def head(connection: Connection) -> int:
    return int(connection.execute(HEAD).scalar() or 0)


def pin(connection: Connection, window: Window, log_head: int | None = None) -> Window:
    """The window with its one position bound: at_position or the log head, lowered to what
    was known at known_at."""
    last = head(connection) if log_head is None else log_head
    at_position = window.at_position
    if at_position is not None and not 0 <= at_position <= last:
        raise InvalidInput(f"at_position {at_position} is outside the log (0..{last})")
    position = last if at_position is None else at_position
    if window.known_at is not None:
        known = connection.execute(KNOWN_AT, {"known_at": window.known_at}).scalar()
        position = min(position, int(known or 0))
    return replace(window, position=position)


@dataclass(frozen=True)
class _Walk:
    """What one walk of a figure's window found, as positions (no whole rows yet)."""

    total: int
    page: list[int]
    remaining: int
    revisions: list[int]
    revisions_total: int
    current: int | None


# What a window at or after the figure's last change reads from the kept numbers
# (store/ordinals.py), in one statement of three parts, each an index probe or range:
# 0. the reports and revisions up to as_of (the last row at or before it), the current report,
#    and the rank of the row at the cursor;
# 1. the latest revisions up to as_of: the last entries of `ix_reports_changes` before it,
#    the same rows as the revision numbers above part 0's count less :revisions;
# 2. one page after the cursor (with each row's ordinal: its rank on the timeline, to sort by).
_FIGURE = "subject = :subject AND metric = :metric"
_LAST_BY_AS_OF = (
    f" FROM reports WHERE {_FIGURE} AND reported_at <= :as_of"
    " ORDER BY reported_at DESC, position DESC LIMIT 1)"
)
_NUMBERS = (
    f"SELECT 0, (SELECT ordinal{_LAST_BY_AS_OF}, (SELECT revision{_LAST_BY_AS_OF},"
    f" (SELECT position FROM reports WHERE {_FIGURE} AND reported_at <= :as_of"
    " AND eligible AND retraction_position IS NULL"
    " ORDER BY reported_at DESC, position DESC LIMIT 1),"
    f" (SELECT ordinal FROM reports WHERE {_FIGURE}"
    " AND (reported_at, position) <= (:at, :position)"
    " ORDER BY reported_at DESC, position DESC LIMIT 1)"
    " UNION ALL SELECT 1, position, revision, NULL, NULL FROM (SELECT position, revision"
    f" FROM reports WHERE {_FIGURE} AND changed AND reported_at <= :as_of"
    " ORDER BY reported_at DESC, position DESC LIMIT :revisions) AS latest"
    " UNION ALL SELECT 2, position, ordinal, NULL, NULL FROM (SELECT position, ordinal FROM reports"
    f" WHERE {_FIGURE} AND reported_at <= :as_of AND (reported_at, position) > (:at, :position)"
    " ORDER BY reported_at, position LIMIT :limit) AS page"
)
NUMBERS_SQL, NUMBERS_ORDER = re.sub(r":\w+", "?", _NUMBERS), re.findall(r":(\w+)", _NUMBERS)
LAST_CHANGE = select(figures.c.last_position).where(
    figures.c.subject == bindparam("subject"), figures.c.metric == bindparam("metric")
)


def _walk(
    connection: Connection,
    subject: str,
    metric: str,
    window: Window,
    after: ReportCursor,
    limit: int,
    revisions: int,
    last_change: int | None = None,
) -> _Walk:
    """The counts, the page after `after`, the latest `revisions` revisions and the current
    report of the window, as positions.

    `last_change` is the position of the figure's last report or retraction (read when not
    given). A window at or after it sees the figure as it stands now, so the kept numbers
    answer it in a few probes whatever the figure's history; an earlier window (known_at,
    at_position) is walked.
    """
    if last_change is None:
        last_change = connection.execute(
            LAST_CHANGE, {"subject": subject, "metric": metric}
        ).scalar()
    position = OPEN_POSITION if window.position is None else window.position
    if last_change is not None and last_change <= position:
        return _numbers(connection, subject, metric, window, after, limit, revisions)
    return _walked(connection, subject, metric, window, after, limit, revisions)


def _numbers(
    connection: Connection,
    subject: str,
    metric: str,
    window: Window,
    after: ReportCursor,
    limit: int,
    revisions: int,
) -> _Walk:
    """The answer from the kept numbers: nothing of the figure lies after the window's
    position, so only its story time (as_of) bounds it."""
    time = db_time(connection.dialect)
    as_of = time(OPEN_TIME if window.as_of is None else window.as_of)
    named = {
        "subject": subject,
        "metric": metric,
        "as_of": as_of,
        "at": time(after.reported_at),
        "position": after.position,
        "revisions": revisions,
        "limit": limit,
    }
    rows = read(connection, NUMBERS_SQL, [named[name] for name in NUMBERS_ORDER])
    total, revision, current, before = next(row[1:] for row in rows if row[0] == 0)
    if not total:
        return _Walk(0, [], 0, [], 0, None)
    kept = sorted((row[2], row[1]) for row in rows if row[0] == 1)  # by revision number
    page = [p for _, p in sorted((row[2], row[1]) for row in rows if row[0] == 2)]  # by ordinal
    following = max(0, total - (before or 0))
    return _Walk(total, page, following - len(page), [p for _, p in kept], revision, current)


def _walked(
    connection: Connection,
    subject: str,
    metric: str,
    window: Window,
    after: ReportCursor,
    limit: int,
    revisions: int,
) -> _Walk:
    """Walk the window's reports once (index only): the counts, the page after `after`, the
    latest `revisions` revisions and the current report.

    A report may be current if it is eligible and not retracted by the window's position; a
    revision is such a report whose value differs from the one before it.
    """
    bounds = _bounds(subject, metric, window)
    bound = bounds["position"]
    time = db_time(connection.dialect)
    keys = [subject, metric, time(bounds["as_of"]), bound]
    if after == START:  # every report lies after the start
        rows = read(connection, WALK_SQL, keys)
        page = [row[0] for row in rows[:limit]]
        following = len(rows)
    else:
        rows = read(connection, WALK_AFTER_SQL, [time(after.reported_at), after.position, *keys])
        following = 0
        page = []
        for row in rows:
            if row[4]:
                following += 1
                if len(page) < limit:
                    page.append(row[0])
    changes: list[int] = []
    previous: int | None = None
    current: int | None = None
    for row in rows:  # (position, eligible, value, retraction_position[, after])
        if row[1] and (row[3] is None or row[3] > bound):
            current = row[0]
            if row[2] != previous:
                changes.append(row[0])
                previous = row[2]
    kept = changes[len(changes) - revisions :] if revisions > 0 else []
    return _Walk(len(rows), page, following - len(page), kept, len(changes), current)


def _answer(
    connection: Connection,
    subject: str,
    metric: str,
    window: Window,
    after: ReportCursor,
    limit: int,
    revisions: int,
) -> FigurePage:
    """A figure's answer in two statements: the walk, then the few whole rows it names."""
    walk = _walk(connection, subject, metric, window, after, limit, revisions)
    if walk.total == 0:
        return FigurePage(subject, metric, None, [], 0, 0)
    wanted = {*walk.page, *walk.revisions}
    if walk.current is not None:
        wanted.add(walk.current)
    views: dict[int, ReportView] = {}
    if wanted:
        rows = connection.execute(BY_POSITION, {"positions": sorted(wanted)}).mappings()
        views = {row["position"]: report_from_row(row, window) for row in rows}
    page = [views[p] for p in walk.page]
    return FigurePage(
        subject,
        metric,
        None if walk.current is None else views[walk.current],
        [views[p] for p in walk.revisions],
        walk.revisions_total,
        walk.total,
        page,
        walk.remaining,
        ReportCursor.after(page[-1]) if page and walk.remaining > 0 else None,
    )


def stream_revisions(
    connection: Connection, subject: str, metric: str, window: Window
) -> Iterator[ReportView]:
    """Every revision in `window`, oldest first, read as the caller goes."""
    result = connection.execute(ALL_REVISIONS, _bounds(subject, metric, window)).mappings()
    for row in result:
        yield report_from_row(row, window)


def stream_reports(
    connection: Connection, subject: str, metric: str, window: Window
) -> Iterator[ReportView]:
    """Every report in `window`, oldest first, a keyset page at a time (memory stays flat)."""
    bounds = _bounds(subject, metric, window)
    after = START
    while True:
        params = bounds | _cursor(after) | {"limit": STREAM_CHUNK}
        rows = connection.execute(PAGE, params).mappings().all()
        for row in rows:
            yield report_from_row(row, window)
        if len(rows) < STREAM_CHUNK:
            return
        after = ReportCursor(rows[-1]["reported_at"], rows[-1]["position"])


def figure_page(
    connection: Connection,
    subject: str,
    metric: str,
    window: Window,
    *,
    after: ReportCursor | None = None,
    limit: int = REPORTS_LIMIT,
    revisions: int = REVISIONS_LIMIT,
) -> FigurePage:
    """A figure's bounded answer: current, latest revisions, one page of reports, counts."""
    _check_paging(limit, revisions)
    page = _answer(connection, subject, metric, window, after or START, limit, revisions)
    if page.reports_total == 0:
        require_figure(connection, subject, metric)
    return page


def _check_paging(limit: int, revisions: int) -> None:
    if not 1 <= limit <= REPORTS_MAX:
        raise InvalidInput(f"limit must be between 1 and {REPORTS_MAX}")
    if not 0 <= revisions <= REPORTS_MAX:
        raise InvalidInput(f"revisions_limit must be between 0 and {REPORTS_MAX}")


def figure_summary(
    connection: Connection, subject: str, metric: str, window: Window, revisions: int
) -> FigurePage:
    """A figure's current value, latest revisions and report count: no reports."""
    return _answer(connection, subject, metric, window, START, 0, revisions)


def subject_metrics(connection: Connection, subject: str) -> list[str]:
    metrics = sorted(connection.execute(METRICS, {"subject": subject}).scalars())
    if not metrics:
        require_subject(connection, subject)
    return metrics


def require_subject(connection: Connection, subject: str) -> None:
    if connection.execute(SUBJECT, {"subject": subject}).first() is None:
        raise UnknownSubject(f"no subject {subject!r} in the archive")


def require_figure(connection: Connection, subject: str, metric: str) -> None:
    if connection.execute(FIGURE, {"subject": subject, "metric": metric}).first() is None:
        require_subject(connection, subject)
        raise UnknownMetric(f"subject {subject!r} has no figure for metric {metric!r}")


def _cursor(cursor: ReportCursor) -> dict[str, Any]:
    return {"after_at": cursor.reported_at, "after_position": cursor.position}


# --- whole answers, each on a connection of its own (services/figures.py offers them) ------


def resolve_window(engine: Engine, window: Window) -> Window:
    with engine.connect() as connection:
        return pin(connection, window)


def figures_as_of(
    engine: Engine, subject: str, window: Window, revisions: int = REVISIONS_LIMIT
) -> SubjectFigures:
    """Each figure of a subject with a report in the window: current, revisions, count."""
    with engine.connect() as connection:
        window = pin(connection, window)
        summaries = [
            figure_summary(connection, subject, metric, window, revisions)
            for metric in subject_metrics(connection, subject)
        ]
    found = [s for s in summaries if s.reports_total]
    return SubjectFigures(subject, window, found)


def figure_history(
    engine: Engine,
    subject: str,
    metric: str,
    window: Window,
    *,
    after: ReportCursor | None = None,
    limit: int = REPORTS_LIMIT,
    revisions: int = REVISIONS_LIMIT,
    log_head: int | None = None,
) -> tuple[FigurePage, Window]:
    """One figure's bounded answer, and the window (pinned to a position) it answers for.

    `log_head`, when the caller has just read it, saves reading it again.
    """
    with engine.connect() as connection:
        window = pin(connection, window, log_head)
        page = figure_page(
            connection, subject, metric, window, after=after, limit=limit, revisions=revisions
        )
    return page, window


# --- one figure's answer as rows, for writing it out as read -------------------------------

# The log head, whether any subject was ever renamed or merged, and where the figure last
# changed, in one read.
HEAD_AND_LINKS_SQL = (
    "SELECT (SELECT position FROM log_head), (SELECT count(*) FROM subject_links),"
    " (SELECT last_position FROM figures WHERE subject = ? AND metric = ?)"
)
# The reports an answer shows, each with its review as it stood at the window's position (the
# latest decision at or before it that is not a requeue, as store/review.py's `reviews_at`
# reads it), by position.
# A shown report's columns (`ShownReport`'s order), and its review as it stood at a position:
# the last decision up to it (a report still queued has none).
_SHOWN_COLUMNS = """r.report_id, r.value, r.low, r.high, r.qualifier, r.approximate, r.unit,
 r.quote, r.reported_at, r.reported_at_basis, r.recorded_at, r.position, r.status, r.subset_of,
 r.retraction_reason, r.retraction_position, r.retraction_recorded_at, r.source_url,
 r.source_title, r.source_publisher, r.document_id, r.confidence, d.state, d.actor,
 d.recorded_at, d.reason, d.corrects, d.corrected_by"""
_REVIEW_UP_TO = """LEFT JOIN review_decisions d ON d.report_id = r.report_id AND d.position = (
 SELECT max(x.position) FROM review_decisions x
 WHERE x.report_id = r.report_id AND x.state <> 'queued' AND x.position <= {bound})"""
_SHOWN_SQL = (
    f"SELECT {_SHOWN_COLUMNS}\nFROM reports r {_REVIEW_UP_TO.format(bound='?')}\n"
    "WHERE r.position IN ({})"
)


class ShownReport(NamedTuple):
    """A report as an answer shows it in its window, straight from its row: a retraction made
    after the window is not seen yet (its fields are None), times are aware UTC, and the
    review's fields are None for a report no one had decided on by then."""

    report_id: str
    value: int | None
    low: int | None
    high: int | None
    qualifier: str
    approximate: bool
    unit: str | None
    quote: str
    reported_at: datetime
    reported_at_basis: str
    recorded_at: datetime
    position: int
    status: str
    subset_of: str | None
    retraction_reason: str | None
    retraction_position: int | None
    retraction_recorded_at: datetime | None
    source_url: str | None
    source_title: str | None
    source_publisher: str | None
    document_id: str | None
    confidence: float | None
    review_state: str | None
    review_by: str | None
    review_at: datetime | None
    review_reason: str | None
    review_corrects: str | None
    review_corrected_by: str | None


@dataclass(frozen=True)
class FigureRows:
    """A figure's bounded answer (as FigurePage has it) made of ShownReports, and its window:
    what the API writes out as JSON without a ReportView or a model a report."""

    subject: str
    metric: str
    window: Window
    current: ShownReport | None
    revisions: list[ShownReport]
    revisions_total: int
    reports_total: int
    reports: list[ShownReport]
    reports_remaining: int
    reports_next: ReportCursor | None


# A window whose position is at or after the figure's last change, answered whole in one
# statement (one snapshot, one round trip): the log head (or the window's own position), whether
# any subject was ever renamed or merged and where the figure last changed; the kept numbers
# (`_NUMBERS`' parts, the last row at or before as_of read once); and each report they pick
# joined to its whole row and its review as it stood at that position (`_SHOWN_SQL`'s rule).
# `part` is 0 for the current report (its `rank` the cursor's ordinal), 1 for a revision (by
# revision number), 2 for a report of the page (by ordinal). Rows of a window that turns out
# to be pinned before the figure's last change are not used (`figure_rows` walks it instead).
_ONE_ANSWER = f"""WITH pinned AS (SELECT (SELECT position FROM log_head) AS head,
 (SELECT count(*) FROM subject_links) AS linked,
 (SELECT last_position FROM figures WHERE {_FIGURE}) AS changed),
bounded AS (SELECT head, linked, changed, coalesce(:bound, head) AS bound FROM pinned),
last AS (SELECT ordinal, revision FROM reports WHERE {_FIGURE} AND reported_at <= :as_of
 ORDER BY reported_at DESC, position DESC LIMIT 1),
picked AS (SELECT 0 AS part,
 (SELECT position FROM reports WHERE {_FIGURE} AND reported_at <= :as_of
  AND eligible AND retraction_position IS NULL
  ORDER BY reported_at DESC, position DESC LIMIT 1) AS position,
 (SELECT ordinal FROM reports WHERE {_FIGURE} AND (reported_at, position) <= (:at, :after)
  ORDER BY reported_at DESC, position DESC LIMIT 1) AS rank
 UNION ALL SELECT 1, position, revision FROM (SELECT position, revision FROM reports
 WHERE {_FIGURE} AND changed AND reported_at <= :as_of
 ORDER BY reported_at DESC, position DESC LIMIT :revisions) AS latest
 UNION ALL SELECT 2, position, ordinal FROM (SELECT position, ordinal FROM reports
 WHERE {_FIGURE} AND reported_at <= :as_of AND (reported_at, position) > (:at, :after)
 ORDER BY reported_at, position LIMIT :limit) AS page)
SELECT b.head, b.linked, b.changed, l.ordinal, l.revision, k.part, k.position, k.rank,
 {_SHOWN_COLUMNS}
FROM bounded b LEFT JOIN last l ON TRUE LEFT JOIN picked k ON TRUE
LEFT JOIN reports r ON r.position = k.position
{_REVIEW_UP_TO.format(bound="b.bound")}"""
ONE_ANSWER_SQL = re.sub(r":\w+", "?", _ONE_ANSWER)
ONE_ANSWER_ORDER = re.findall(r":(\w+)", _ONE_ANSWER)
_SHOWN_FROM = 8  # the first column of the shown report in a row of ONE_ANSWER_SQL


def figure_rows(
    engine: Engine,
    subject: str,
    metric: str,
    window: Window,
    *,
    after: ReportCursor | None = None,
    limit: int = REPORTS_LIMIT,
    revisions: int = REVISIONS_LIMIT,
    log_head: int | None = None,
) -> FigureRows | None:
    """One figure's bounded answer as rows, on one connection.

    A window at or after the figure's last change (every question about the archive as it
    stands, and its permalinks until the figure changes) is one statement (`_ONE_ANSWER`);
    otherwise, or with known_at, the head, the walk and the shown reports: three reads.

    None when the name is a merged subject in the window (the caller folds its slugs);
    SubjectMoved when it was renamed or merged away by then.
    """
    _check_paging(limit, revisions)
    after = after or START
    page = (limit, revisions)
    with engine.connect() as connection:
        answered: list[Any] | None = None
        if window.known_at is None:
            bound = log_head if window.at_position is None else window.at_position
            answered = _one_answer(connection, subject, metric, bound, window, after, page)
            head, linked, changed = answered[0][:3]
        else:
            head, linked, changed = read(connection, HEAD_AND_LINKS_SQL, [subject, metric])[0]
        window = pin(connection, window, int(head or 0) if log_head is None else log_head)
        if linked and len(stored_slugs(links_on(connection), subject, window.position)) > 1:
            return None
        position = window.position
        assert position is not None
        if answered is not None and changed is not None and changed <= position:
            walk, shown = _from_one_answer(answered, position)
        else:
            walk = _walk(connection, subject, metric, window, after, limit, revisions, changed)
            wanted = {*walk.page, *walk.revisions}
            if walk.current is not None:
                wanted.add(walk.current)
            shown = _shown(connection, sorted(wanted), window) if wanted else {}
        if walk.total == 0:
            require_figure(connection, subject, metric)
            return FigureRows(subject, metric, window, None, [], 0, 0, [], 0, None)
    reports = [shown[p] for p in walk.page]
    return FigureRows(
        subject,
        metric,
        window,
        None if walk.current is None else shown[walk.current],
        [shown[p] for p in walk.revisions],
        walk.revisions_total,
        walk.total,
        reports,
        walk.remaining,
        ReportCursor(reports[-1].reported_at, reports[-1].position)
        if reports and walk.remaining > 0
        else None,
    )


def _one_answer(
    connection: Connection,
    subject: str,
    metric: str,
    bound: int | None,
    window: Window,
    after: ReportCursor,
    page: tuple[int, int],
) -> list[Any]:
    """The rows of `_ONE_ANSWER` (`page`: limit, revisions), bound to `bound`, else to the
    head it reads itself."""
    time = db_time(connection.dialect)
    named = {
        "subject": subject,
        "metric": metric,
        "bound": bound,
        "as_of": time(OPEN_TIME if window.as_of is None else window.as_of),
        "at": time(after.reported_at),
        "after": after.position,
        "limit": page[0],
        "revisions": page[1],
    }
    return read_alone(connection, ONE_ANSWER_SQL, [named[name] for name in ONE_ANSWER_ORDER])


def _from_one_answer(rows: list[Any], bound: int) -> tuple[_Walk, dict[int, ShownReport]]:
    """`_numbers`' walk and `_shown`'s reports, from the rows of `_ONE_ANSWER`."""
    total, revisions_total = rows[0][3:5]
    if not total:
        return _Walk(0, [], 0, [], 0, None), {}
    current = before = None
    kept: list[tuple[int, int]] = []
    page: list[tuple[int, int]] = []
    shown: dict[int, ShownReport] = {}
    for row in rows:
        part, position, rank = row[5:8]
        if part == 0:
            current, before = position, rank
        elif part == 1:
            kept.append((rank, position))
        else:
            page.append((rank, position))
        if position is not None and position not in shown:
            shown[position] = _shown_report(row[_SHOWN_FROM:], bound)
    ordered = [p for _, p in sorted(page)]
    following = max(0, total - (before or 0))
    kept.sort()
    walk = _Walk(
        total, ordered, following - len(ordered), [p for _, p in kept], revisions_total, current
    )
    return walk, shown


_FIELD = {name: n for n, name in enumerate(ShownReport._fields)}
_TIMES = [_FIELD[n] for n in ("reported_at", "recorded_at", "retraction_recorded_at", "review_at")]
_RETRACTION = [
    _FIELD[n] for n in ("retraction_reason", "retraction_position", "retraction_recorded_at")
]
_RETRACTED_AT, _APPROXIMATE = _FIELD["retraction_position"], _FIELD["approximate"]


def _shown(connection: Connection, positions: list[int], window: Window) -> dict[int, ShownReport]:
    bound = window.position
    assert bound is not None
    statement = _SHOWN_SQL.format(", ".join("?" * len(positions)))
    found = {}
    for row in read(connection, statement, [bound, *positions]):
        report = _shown_report(row, bound)
        found[report.position] = report
    return found


def _shown_report(row: Any, bound: int) -> ShownReport:
    """A shown report from its columns as the driver gives them (`_SHOWN_SQL`'s)."""
    fields = list(row)
    fields[_APPROXIMATE] = bool(fields[_APPROXIMATE])  # SQLite's 0 or 1
    for n in _TIMES:
        if fields[n] is not None:
            fields[n] = stored_time(fields[n])
    if fields[_RETRACTED_AT] is not None and fields[_RETRACTED_AT] > bound:
        for n in _RETRACTION:  # retracted after the window: not seen in it
            fields[n] = None
    return ShownReport._make(fields)


@dataclass(frozen=True)
class FigureStream:
    """A whole figure, read as it is written out: counts and current, then every row."""

    summary: FigurePage
    revisions: Iterator[ReportView]
    reports: Iterator[ReportView]


def stream_figures(
    engine: Engine, subjects: list[str] | None, metric: str | None, window: Window
) -> tuple[Window, Iterator[FigureStream]]:
    """Every revision and report of the figures asked for (all subjects when None), unbounded.

    The window is resolved and every name checked before this returns, so a bad request fails
    before any output; the rows are then read a chunk at a time as the caller writes them.
    """
    with engine.connect() as connection:
        window = pin(connection, window)
        if subjects is None:
            subjects = [s.subject for s in list_subjects(engine)]
        if metric is not None:
            for subject in subjects:
                require_figure(connection, subject, metric)
            wanted = [(s, metric) for s in subjects]
        else:
            wanted = [(s, m) for s in subjects for m in subject_metrics(connection, s)]
    return window, _streams(engine, wanted, window, skip_empty=metric is None)


def _streams(
    engine: Engine, wanted: list[tuple[str, str]], window: Window, skip_empty: bool
) -> Iterator[FigureStream]:
    with engine.connect() as connection:
        for subject, metric in wanted:
            summary = figure_summary(connection, subject, metric, window, 1)
            if skip_empty and not summary.reports_total:
                continue
            yield FigureStream(
                summary,
                stream_revisions(connection, subject, metric, window),
                stream_reports(connection, subject, metric, window),
            )


def list_subjects(engine: Engine) -> list[SubjectSummary]:
    query = select(
        figures.c.subject, figures.c.metric, figures.c.report_count, figures.c.last_position
    ).order_by(figures.c.subject, figures.c.metric)
    summaries: dict[str, SubjectSummary] = {}
    with engine.connect() as connection:
        for subject, metric, count, last in connection.execute(query):
            known = summaries.get(subject) or SubjectSummary(subject, [], 0, 0)
            summaries[subject] = SubjectSummary(
                subject,
                [*known.metrics, metric],
                known.report_count + count,
                max(known.last_position, last),
            )
        document_subjects = connection.execute(select(documents.c.subject).distinct()).scalars()
        for subject in document_subjects:
            summaries.setdefault(subject, SubjectSummary(subject, [], 0, 0))
    return [summaries[s] for s in sorted(summaries)]


def report_from_row(row: Any, window: Window | None = None) -> ReportView:
    """A report as it stood in `window`: a retraction made after the window is not seen yet."""
    retraction = None
    retracted_at = row["retraction_position"]
    bound = None if window is None else window.position
    if retracted_at is not None and (bound is None or retracted_at <= bound):
        retraction = Retraction(
            row["retraction_reason"], retracted_at, row["retraction_recorded_at"]
        )
    return ReportView(
        report_id=row["report_id"],
        subject=row["subject"],
        metric=row["metric"],
        value=row["value"],
        low=row["low"],
        high=row["high"],
        qualifier=Qualifier(row["qualifier"]),
        approximate=row["approximate"],
        unit=row["unit"],
        status=ReportStatus(row["status"]),
        subset_of=row["subset_of"],
        quote=row["quote"],
        reported_at=row["reported_at"],
        reported_at_basis=row["reported_at_basis"],
        recorded_at=row["recorded_at"],
        position=row["position"],
        source=Source.model_construct(  # read back from the projection: validated on the way in
            url=row["source_url"],
            title=row["source_title"],
            publisher=row["source_publisher"],
            document_id=row["document_id"],
        ),
        retraction=retraction,
        confidence=row["confidence"],
    )
