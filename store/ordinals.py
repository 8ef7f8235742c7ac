"""Each report's place in its figure's timeline, kept so an answer never walks the history.

A figure's answer as of a story time needs counts (reports, revisions up to that time), the
latest revisions and the current report. Walking the figure's timeline for them costs as
much as the figure's history; instead each report row holds, as the archive stands now:
- `ordinal`: its rank on the timeline (reported_at, then position), 1 for the first;
- `changed`: whether it is a revision (eligible, not retracted, and its value differs from
  the last such report before it on the timeline);
- `revision`: how many revisions there are up to it, itself included.
So the reports and revisions up to a time are the `ordinal` and `revision` of the last row at
or before it (one probe), and the latest N revisions are one range of `ix_reports_changes`
(the revisions' timeline: no index holds `ordinal` or `revision`, so numbering again rewrites
rows in place, heap-only on PostgreSQL, migration 0020).

A report or a retraction changes these only from its own place on the timeline onwards. An
append's reports that come after every stored report of their figure (news as it comes) are
numbered on from the figure's last row before they are inserted (`number_new`: what the last
append on the connection left, else one read for all the append's figures); a report dated
before others of its figure, or a retraction, has the rows from its place onwards numbered
again by one set-based statement (`renumber`), which costs as many rows as follow it. A
replay numbers each batch's reports the same way (store/rebuild.py), as they are inserted,
so no row is written twice; migration 0014 numbers an archive from before these columns with
the same statement from the start of each timeline.

These describe the archive at its head: a window pinned to an earlier position sees them
only when nothing of the figure was recorded after it (`figures.last_position`); otherwise
store/figures.py walks the window.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import Connection

from store import bulk, memo
from store.rows import flush, read, translated, write

# Number again, from each figure's start (subject, metric, at, pos), every row at or after it.
# `starts` is given as a CTE before this text. Before the start: the last row's ordinal and
# revision count, and the value of the last report that may be current (eligible, not
# retracted), which the first such report after the start is compared with. `base` is
# MATERIALIZED: inlined, its three look-ups ran again for every row of the suffix.
_RENUMBER = """,
base AS MATERIALIZED (
 SELECT s.subject, s.metric, s.at, s.pos,
  COALESCE((SELECT r.ordinal FROM reports r WHERE r.subject = s.subject AND r.metric = s.metric
   AND (r.reported_at, r.position) < (s.at, s.pos)
   ORDER BY r.reported_at DESC, r.position DESC LIMIT 1), 0) AS ordinal,
  COALESCE((SELECT r.revision FROM reports r WHERE r.subject = s.subject AND r.metric = s.metric
   AND (r.reported_at, r.position) < (s.at, s.pos)
   ORDER BY r.reported_at DESC, r.position DESC LIMIT 1), 0) AS revision,
  (SELECT r.value FROM reports r WHERE r.subject = s.subject AND r.metric = s.metric
   AND (r.reported_at, r.position) < (s.at, s.pos)
   AND r.eligible AND r.retraction_position IS NULL
   ORDER BY r.reported_at DESC, r.position DESC LIMIT 1) AS value
 FROM starts s),
suffix AS (
 SELECT r.report_id, r.subject, r.metric, r.reported_at, r.position, r.value,
  r.eligible AND r.retraction_position IS NULL AS live, b.ordinal, b.revision,
  b.value AS prior
 FROM reports r JOIN base b ON r.subject = b.subject AND r.metric = b.metric
  AND (r.reported_at, r.position) >= (b.at, b.pos)),
marked AS (
 SELECT report_id, subject, metric, reported_at, position, ordinal, revision,
  CASE WHEN value = COALESCE(lag(value) OVER (PARTITION BY subject, metric
   ORDER BY reported_at, position), prior) THEN 0 ELSE 1 END AS changed
 FROM suffix WHERE live
 UNION ALL
 SELECT report_id, subject, metric, reported_at, position, ordinal, revision, 0
 FROM suffix WHERE NOT live),
numbered AS (
 SELECT report_id, ordinal + row_number() OVER w AS ordinal, changed,
  revision + sum(changed) OVER w AS revision
 FROM marked
 WINDOW w AS (PARTITION BY subject, metric ORDER BY reported_at, position
  ROWS UNBOUNDED PRECEDING))
UPDATE reports SET ordinal = n.ordinal, revision = n.revision, changed = (n.changed = 1)
FROM numbered n WHERE reports.report_id = n.report_id"""

# Each touched figure's start, given: (subject, metric, reported_at, position).
_STARTS_SQLITE = "WITH starts(subject, metric, at, pos) AS (VALUES {rows})"
_STARTS_POSTGRES = (
    "WITH starts AS (SELECT * FROM unnest(%s::varchar[], %s::varchar[], %s::timestamptz[],"
    " %s::integer[]) AS u(subject, metric, at, pos))"
)
_CHUNK = 2000  # figures a statement (SQLite caps a statement's parameters)
KEYS_SQL = "SELECT subject, metric, reported_at, position FROM reports WHERE report_id IN ({})"

NUMBER_COLUMNS = ("ordinal", "changed", "revision")
TIMELINE = "ix_reports_timeline"  # what the reads below walk (a replay builds it for them)
Key = tuple[str, str, Any, int]  # subject, metric, reported_at as stored, position
# The last row of each figure's timeline, and the value of its last report that may be current.
_LAST = " FROM reports r WHERE r.subject = f.subject AND r.metric = f.metric{also}"
_LAST_ROW = _LAST + " ORDER BY r.reported_at DESC, r.position DESC LIMIT 1)"
TAILS = (
    "WITH f(subject, metric) AS ({figures}) SELECT f.subject, f.metric,"
    + ", ".join(
        f"(SELECT r.{column}{_LAST_ROW.format(also='')}"
        for column in ("reported_at", "position", "ordinal", "revision")
    )
    + ", (SELECT r.value"
    + _LAST_ROW.format(also=" AND r.eligible AND r.retraction_position IS NULL")
    + " FROM f"
)
_FIGURES_SQLITE = "VALUES {rows}"
_FIGURES_POSTGRES = "SELECT * FROM unnest(?::varchar[], ?::varchar[])"


class NewReport(NamedTuple):
    subject: str
    metric: str
    reported_at: Any  # as stored
    position: int
    value: int | None
    live: bool  # eligible, and not retracted in the same append


Numbers = tuple[int, bool, int]  # ordinal, changed, revision
Figure = tuple[str, str]  # subject, metric
Tail = tuple[Any, ...]  # a figure's last row: reported_at, position, ordinal, revision, and
# the value of its last report that may be current; the last three None when only the place
# is known (the figure was numbered again in SQL)
TAILS_KEPT = "figure tails"  # under this key in store/memo.py
LOADED = "recount.load tails"  # under this key in `connection.info` during a load
KEPT_FIGURES = 100_000  # figures' tails kept between appends, at most
UNNUMBERED: Numbers = (0, False, 0)


@dataclass
class KeptTails:
    """Figures' tails kept between appends on one connection (store/memo.py).

    `whole`: every figure with a report in the log is in `tails`, so a figure that is not has
    none and needs no read. True from an empty log on, for as long as each append's tails are
    kept (an unbroken chain of appends on the connection); lost when the tails are cleared or
    a retraction has a figure numbered again from a place not read.
    """

    tails: dict[Figure, Tail] = field(default_factory=dict)
    whole: bool = False


def number_new(
    connection: Connection,
    new: Sequence[NewReport],
    retracted: set[tuple[str, str]],
    size: int | None = None,
    end: int | None = None,
) -> tuple[list[Numbers], list[Key]]:
    """The numbers of an append's new reports, and where to number again in SQL.

    A figure whose new reports all come after its last stored one on the timeline, with no
    retraction in the append, is numbered on from its last row: the usual append of news as it
    comes. Any other (a report dated before others, or a retraction) is left for `renumber`,
    from the earliest of its new reports. The append takes the log from `size` events to `end`.

    Each figure's last row is what the last append on this connection left for it, when that
    append ended at `size` (store/memo.py: nothing else can have written since); the figures
    it does not know are read, in one query, unless what is kept goes back unbroken to an
    empty log (`KeptTails.whole`): then a figure it does not know has no report yet. A lone
    writer thus reads nothing before its writes, a new figure's first report included, and on
    PostgreSQL its append stays one round trip. A figure numbered again in SQL
    keeps only its last row's place (its numbers are the statement's): a report dated before
    that place goes to `renumber` with no read, one dated after it reads the numbers first.
    A replay, which appends nothing, passes no `size`: it keeps its figures' tails from one
    batch to the next only inside `kept_through_a_load`.
    """
    loaded: KeptTails | None = connection.info.get(LOADED) if size is None else None
    recalled = loaded if size is None else memo.recall(connection, TAILS_KEPT, size)
    kept = KeptTails(whole=size == 0) if recalled is None else recalled  # empty: none to read
    by_figure: dict[Figure, list[int]] = {}
    for n, report in enumerate(new):
        by_figure.setdefault((report.subject, report.metric), []).append(n)
    orders = {
        figure: sorted(indexes, key=lambda n: (new[n].reported_at, new[n].position))
        for figure, indexes in by_figure.items()
    }
    wanted = [f for f in by_figure if f not in retracted]
    known = kept.tails
    tails = {
        f: known[f]
        for f in wanted
        if f in known and (known[f][2] is not None or _before(new[orders[f][0]], known[f]))
    }  # a place without numbers serves only a report dated before it
    unread = [f for f in wanted if f not in tails and (f in known or not kept.whole)]
    tails.update(_tails(connection, unread))
    numbers = [UNNUMBERED] * len(new)
    again: list[Key] = []
    moved: dict[Figure, Tail] = {}
    for figure, order in orders.items():
        first, last = new[order[0]], new[order[-1]]
        tail = tails.get(figure, (None, None, 0, 0, None))
        at, position, ordinal, revision, value = tail
        if figure in retracted or (at is not None and _before(first, tail)):
            again.append((*figure, first.reported_at, first.position))
            if figure not in retracted:  # its last row's place; its numbers are SQL's
                place = max((at, position), (last.reported_at, last.position))
                moved[figure] = (*place, None, None, None)
            elif loaded is not None:  # the same, from the place kept (a retraction reads none)
                prior = known.get(figure, (last.reported_at, last.position))
                place = max(prior[:2], (last.reported_at, last.position))
                moved[figure] = (*place, None, None, None)
            continue
        ordinal, revision = ordinal or 0, revision or 0
        for n in order:
            report = new[n]
            changed = report.live and report.value != value
            ordinal, revision = ordinal + 1, revision + changed
            if report.live:
                value = report.value
            numbers[n] = (ordinal, changed, revision)
        moved[figure] = (last.reported_at, last.position, ordinal, revision, value)

    def committed() -> None:
        if len(known) + len(moved) > KEPT_FIGURES:
            known.clear()
            kept.whole = False
        for figure in retracted:  # numbered again in SQL from a place not read
            known.pop(figure, None)
            kept.whole = False
        known.update(moved)

    if end is not None:
        memo.keep(connection, TAILS_KEPT, end, kept, then=committed)
    elif loaded is not None:
        _loaded(loaded, retracted, moved)
    return numbers, again


@contextmanager
def kept_through_a_load(connection: Connection) -> Iterator[None]:
    """Within a load from position 1 into empty reports (a replay, one transaction): each
    batch's figures' tails kept for the next, as appends keep theirs (`KeptTails`, whole from
    the empty table), so no batch reads them. On PostgreSQL those reads were a sixth of a
    replay's server time: the emptied table's dead index entries walked for every figure."""
    connection.info[LOADED] = KeptTails(whole=True)
    try:
        yield
    finally:
        connection.info.pop(LOADED, None)


def _loaded(kept: KeptTails, retracted: set[Figure], moved: dict[Figure, Tail]) -> None:
    """A load's batch numbered: its tails kept. A retracted figure is numbered again in SQL, so
    it keeps only its last row's place (a retraction adds no row), and `whole` stays true: the
    one transaction writes nothing else, so a figure not kept still has no report."""
    known = kept.tails
    if len(known) + len(moved) > KEPT_FIGURES:  # memory stays bounded: read again instead
        known.clear()
        kept.whole = False
    for figure in retracted:
        tail = known.get(figure)
        if tail is not None:
            known[figure] = (tail[0], tail[1], None, None, None)
    known.update(moved)


def known_figures(
    connection: Connection, figures: Iterable[Figure], size: int
) -> tuple[set[Figure], set[Figure]]:
    """Of `figures`, those known to have a report, and those known to have none, in a log of
    `size` events; any other is unknown.

    Read from the tails the last append on this connection kept for exactly that size (the
    state before the append now being written: what it keeps is staged until it commits), so
    no query. A figure with a report has its figures row (written in the same transaction),
    so its count and current report need an UPDATE and no INSERT (store/projections.py).
    """
    kept: KeptTails | None = memo.recall(connection, TAILS_KEPT, size)
    if kept is None:
        return set(), set()
    known = kept.tails
    stored = {f for f in figures if f in known}
    unstored = {f for f in figures if f not in known} if kept.whole else set()
    return stored, unstored


def _before(report: NewReport, tail: Tail) -> bool:
    """Whether `report` comes before a figure's last row on the timeline."""
    return (report.reported_at, report.position) < (tail[0], tail[1])


def _tails(connection: Connection, figures: list[Figure]) -> dict[Figure, Tail]:
    """Each figure's last row: (reported_at, position, ordinal, revision, last live value)."""
    if not figures:
        return {}
    flush(connection)  # reports queued by an earlier append of the same transaction
    bulk.needed(connection, TIMELINE)
    found = {}
    for n in range(0, len(figures), _CHUNK):
        chunk = figures[n : n + _CHUNK]
        if connection.dialect.name == "postgresql":
            source = _FIGURES_POSTGRES
            params: list[Any] = [list(c) for c in zip(*chunk, strict=True)]
        else:
            source = _FIGURES_SQLITE.format(rows=", ".join(["(?, ?)"] * len(chunk)))
            params = [v for figure in chunk for v in figure]
        for row in read(connection, TAILS.format(figures=source), params):
            found[(row[0], row[1])] = tuple(row[2:])
    return found


def renumber(connection: Connection, keys: Sequence[Key], retracted: Sequence[str]) -> None:
    """Number again each figure from the earliest place touched: the `keys` given and the
    `retracted` reports' own (read here; retractions are few).

    Run after the append's reports and retractions are written; on PostgreSQL it is queued
    after them as a statement of its own (it reads them), sent with the commit: no round trip
    of its own.
    """
    if not keys and not retracted:
        return
    bulk.needed(connection, TIMELINE)
    starts: dict[tuple[str, str], tuple[Any, int]] = {}
    if retracted:
        statement = KEYS_SQL.format(", ".join("?" * len(retracted)))
        keys = [*keys, *(tuple(row) for row in read(connection, statement, list(retracted)))]
    for subject, metric, at, position in keys:
        known = starts.get((subject, metric))
        if known is None or (at, position) < known:
            starts[(subject, metric)] = (at, position)
    rows = [(s, m, at, p) for (s, m), (at, p) in starts.items()]
    if connection.dialect.name == "postgresql":  # queued after the writes it reads
        for n in range(0, len(rows), _CHUNK):
            columns = [list(c) for c in zip(*rows[n : n + _CHUNK], strict=True)]
            write(connection, _STARTS_POSTGRES + _RENUMBER, tuple(columns), after_the_queued=True)
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    for n in range(0, len(rows), _CHUNK):
        chunk = rows[n : n + _CHUNK]
        statement = _STARTS_SQLITE.format(rows=", ".join(["(?, ?, ?, ?)"] * len(chunk)))
        with translated(connection, statement):
            driver.execute(statement + _RENUMBER, [v for row in chunk for v in row])
