"""Replay's own way to the reports, figures and documents tables: set-based, from the stored data.

A replay runs the whole log through the projectors in order, from empty tables, in batches of
thousands. The per-append projector (store/projections.py) is built for a handful of events
landing on tables already full: it parses each event into its model and keeps each figure's
current report up to date as it goes. Here, instead, each batch's rows are built straight from
the stored data (the model's JSON form, written by the append that validated it), a report's
retractions and corrections later in the same batch are written into its row before it is
inserted, each figure's count and last position are added in one upsert, each report is numbered on
its figure's timeline as it goes in (store/ordinals.py, as an append numbers it: a report
retracted later in its batch already counts as retracted, and only figures touched out of
order are numbered again, from their place), and each figure's current report is chosen once
at the end, by the same rule and query the appends use.

`recount replay --check` compares what this builds with what the appends built, table by
table, so the two ways cannot drift apart unnoticed. Data not in the model's current shape
(written before a field existed) goes through the model first (`parse_event`), so it reads
with the model's defaults, as on the append path.

A replay of the live database (`apply_logged`) goes one step further on SQLite: the reports'
rows are read out of the stored JSON by SQLite itself, in one `INSERT ... SELECT` a batch, so
neither the rows nor their 25 parameters each pass through Python. `replay --check` still
builds its scratch copy with `apply` (the scratch file holds no log), so the check compares
the two ways, and tests/store/test_replay.py holds a replay's tables to the appends' own. On
PostgreSQL the same statement (the data cast to jsonb once a row) made a replay slower than
`apply`'s COPY of rows built in Python (5.0 s against 4.4 s for 20,000 events), so
`apply_logged` is `apply` there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import Connection, update
from sqlalchemy.engine import Dialect

from domain.events import (
    DocumentCaptured,
    Event,
    FigureReported,
    RecordedEvent,
    ReportCorrected,
    ReportRetracted,
    Source,
)
from domain.qualifiers import VAGUE_BOUNDS
from domain.status import ReportStatus
from store.ordinals import NUMBER_COLUMNS, NewReport, number_new, renumber
from store.projections import INSERT_DOCUMENTS, REPORT_COLUMNS, RETRACT, current_report_query
from store.rows import RowInsert, db_time, write
from store.tables import figures, reports

VAGUE = frozenset(q.value for q in VAGUE_BOUNDS)
REPORTED = ReportStatus.REPORTED.value
RETRACTION_COLUMNS = ("retraction_reason", "retraction_position", "retraction_recorded_at")
INSERT_REPORTS = RowInsert(reports, REPORT_COLUMNS + RETRACTION_COLUMNS + NUMBER_COLUMNS)
RETRACTION = slice(len(REPORT_COLUMNS), len(REPORT_COLUMNS) + len(RETRACTION_COLUMNS))
REPORTED_AT = REPORT_COLUMNS.index("reported_at")
RETRACTED_BY = len(REPORT_COLUMNS) + RETRACTION_COLUMNS.index("retraction_position")
# Where a report row holds what `number_new` reads, in `NewReport`'s order.
_numbered_by = itemgetter(
    *(
        REPORT_COLUMNS.index(name)
        for name in ("subject", "metric", "reported_at", "position", "value", "eligible")
    )
)


def apply(connection: Connection, batch: Sequence[RecordedEvent]) -> None:
    """One batch of a replay from position 1 into the empty reports, figures, documents."""
    time = _Times(connection.dialect)
    documents: list[tuple[Any, ...]] = []
    new: dict[str, list[Any]] = {}  # this batch's reports by id, retractions written in
    stored: list[dict[str, Any]] = []  # retractions of reports from earlier batches
    touched: dict[tuple[str, str], list[int]] = {}  # each figure's [reports added, last position]
    for recorded in batch:
        kind = recorded.type
        if kind == DocumentCaptured.type:
            documents.append(_document_row(_data(recorded, DOCUMENT_FIELDS), recorded, time))
        elif kind == FigureReported.type:
            _report(new, touched, _data(recorded, REPORT_FIELDS), recorded, time)
        elif kind == ReportRetracted.type:
            _retract(new, stored, touched, _data(recorded, RETRACTED_FIELDS), recorded, time)
        elif kind == ReportCorrected.type:  # the new report, then the old one withdrawn
            data = _data(recorded, CORRECTED_FIELDS)
            _report(new, touched, data["correction"], recorded, time)
            _retract(new, stored, touched, data, recorded, time)
    if stored:  # before the inserts: none of them may reach a report later in the batch
        connection.execute(RETRACT, stored)
    rows = list(new.values())
    numbers, again = number_new(connection, [_numbered(row) for row in rows], _withdrawn(stored))
    INSERT_REPORTS(connection, [(*row, *n) for row, n in zip(rows, numbers, strict=True)])
    renumber(connection, again, [r["b_report"] for r in stored])
    INSERT_DOCUMENTS(connection, documents)
    _add_to_figures(connection, touched)


def _numbered(row: list[Any]) -> NewReport:
    """What `number_new` reads of a row of `INSERT_REPORTS`: a report retracted later in its
    batch is already marked so, and is numbered as retracted (no second pass needed)."""
    subject, metric, reported_at, position, value, eligible = _numbered_by(row)
    live = eligible and row[RETRACTED_BY] is None
    return NewReport(subject, metric, reported_at, position, value, live)


def _withdrawn(retractions: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """The figures of reports from earlier batches retracted in this one: numbered again
    from their place by `renumber`, as an append's retractions are."""
    return {r["b_figure"] for r in retractions}


def apply_logged(connection: Connection, batch: Sequence[RecordedEvent]) -> None:
    """As `apply`, for events already in the log's table (a replay): on SQLite the reports'
    rows are written by the database itself from the stored data (`INSERT ... SELECT` with
    `json_extract`), so they never come through Python; only what numbering them worked out
    does (their numbers, stored time and eligibility: one JSON array a batch). Only a report
    whose data is not in the model's current shape (or its time not as the model writes it)
    is built here, as `apply` builds it.
    """
    if connection.dialect.name != "sqlite":  # see the module's docstring
        apply(connection, batch)
        return
    time = _Times(connection.dialect)
    documents: list[tuple[Any, ...]] = []
    odd: dict[int, tuple[Any, ...]] = {}  # reports built here, by their place in `new`
    new: list[list[Any]] = []  # each report as `NewReport` reads it, then eligible; log order
    seen: dict[str, int] = {}  # reports added so far in this batch: their place in `new`
    earlier: list[dict[str, Any]] = []  # retractions of reports from earlier batches
    later: list[dict[str, Any]] = []  # retractions of reports added earlier in this batch
    touched: dict[tuple[str, str], list[int]] = {}
    for recorded in batch:
        kind, data = recorded.type, recorded.data
        if kind == DocumentCaptured.type:
            documents.append(_document_row(_data(recorded, DOCUMENT_FIELDS), recorded, time))
        elif kind == FigureReported.type:
            if not _in_shape(data):
                data = recorded.event.to_data()
                odd[len(new)] = tuple(_report_row(data, recorded, time)[:COLUMNS])
            _added(seen, new, touched, data, recorded.position, odd)
        elif kind == ReportRetracted.type:
            data = _data(recorded, RETRACTED_FIELDS)
            _retracted(seen, new, earlier, later, touched, data, recorded)
        elif kind == ReportCorrected.type:  # the new report, then the old one withdrawn
            if not (data.keys() == CORRECTED_FIELDS and _in_shape(data["correction"])):
                data = recorded.event.to_data()
                odd[len(new)] = tuple(_report_row(data["correction"], recorded, time)[:COLUMNS])
            _added(seen, new, touched, data["correction"], recorded.position, odd)
            _retracted(seen, new, earlier, later, touched, data, recorded)
    if earlier:  # before the inserts: none of them may reach a report later in the batch
        connection.execute(RETRACT, earlier)
    numbers, again = number_new(
        connection, [NewReport(*r[:_ELIGIBLE]) for r in new], _withdrawn(earlier)
    )
    logged = [
        (r[_POSITION], *n, r[_MOMENT], r[_ELIGIBLE])
        for i, (r, n) in enumerate(zip(new, numbers, strict=True))
        if i not in odd
    ]
    if logged:
        write(connection, INSERT_LOGGED_SQLITE, (orjson.dumps(logged).decode(),))
    INSERT_ODD_REPORTS(connection, [(*row, *numbers[i]) for i, row in odd.items()])
    if later:  # in log order; the first retraction of a report counts (RETRACT's own test)
        connection.execute(RETRACT, later)
    renumber(connection, again, [r["b_report"] for r in earlier])
    INSERT_DOCUMENTS(connection, documents)
    _add_to_figures(connection, touched)


def finish(connection: Connection) -> None:
    """After the last batch: each figure's current report, by the appends' own rule. Each
    report's place in its figure (store/ordinals.py) was written with its row, batch by batch."""
    current = current_report_query(figures.c.subject, figures.c.metric).scalar_subquery()
    connection.execute(update(figures).values(current_report_id=current))


class _Times:
    """Stored times as the database takes them, each converted once a batch (the events of
    one append share a recorded_at; an article's reports, its time).

    On SQLite a time stored as the model writes it (`CANONICAL_TIME`) is respelt as text
    (`_stored_time`, what `INSERT_LOGGED_SQLITE` does): parsing it into a datetime to write it
    out again was two thirds of building a report's row.
    """

    def __init__(self, dialect: Dialect) -> None:
        self.convert = db_time(dialect)
        self.sqlite = dialect.name == "sqlite"
        self.seen: dict[Any, Any] = {}

    def recorded(self, moment: datetime) -> Any:
        value = self.seen.get(moment)
        if value is None:
            value = self.seen[moment] = self.convert(moment)
        return value

    def text(self, text: str | None) -> Any:
        if text is None:
            return None
        value = self.seen.get(text)
        if value is None:
            if self.sqlite and CANONICAL_TIME.fullmatch(text) is not None:
                value = self.seen[text] = _stored_time(text)
            else:
                value = self.seen[text] = self.convert(datetime.fromisoformat(text))
        return value


def _fields(model: type[Event]) -> frozenset[str]:
    return frozenset(model.model_fields)


DOCUMENT_FIELDS = _fields(DocumentCaptured)
REPORT_FIELDS = _fields(FigureReported)
REQUIRED_REPORT_FIELDS = REPORT_FIELDS - {"confidence"}  # left out of the data when None
RETRACTED_FIELDS = _fields(ReportRetracted)
CORRECTED_FIELDS = _fields(ReportCorrected)
SOURCE_FIELDS = frozenset(Source.model_fields)


def _data(recorded: RecordedEvent, fields: frozenset[str]) -> dict[str, Any]:
    """The stored data when it has the model's current shape, else the model's reading of it."""
    data = recorded.data
    if fields is REPORT_FIELDS:
        current = _is_report(data)
    elif fields is CORRECTED_FIELDS:
        current = data.keys() == fields and _is_report(data["correction"])
    else:
        current = data.keys() == fields
    return data if current else recorded.event.to_data()  # defaults filled in, or a clear error


def _in_shape(data: dict[str, Any]) -> bool:
    """A report's data the database can read as it is: the model's current shape, and its
    time as the model writes it (`CANONICAL_TIME`: no time zone left to guess)."""
    if not _is_report(data):
        return False
    moment = data["reported_at"]
    return type(moment) is str and CANONICAL_TIME.fullmatch(moment) is not None


def _added(
    seen: dict[str, int],
    new: list[list[Any]],
    touched: dict[tuple[str, str], list[int]],
    data: dict[str, Any],
    at: int,
    odd: dict[int, tuple[Any, ...]],
) -> None:
    """A report of the batch, as `number_new` reads it (its time as the database stores it;
    live until a retraction later in the batch says otherwise), then whether it is eligible
    (`INSERT_LOGGED_SQLITE` writes the time and that flag as given here)."""
    place = seen[data["report_id"]] = len(new)
    subject, metric, value = data["subject"], data["metric"], data["value"]
    eligible = (
        value is not None
        and data["qualifier"] not in VAGUE
        and data["status"] == REPORTED
        and data["subset_of"] is None
    )
    built = odd.get(place)
    moment = _stored_time(data["reported_at"]) if built is None else built[REPORTED_AT]
    new.append([subject, metric, moment, at, value, eligible, eligible])
    figure = touched.setdefault((subject, metric), [0, 0])
    figure[0] += 1
    figure[1] = at


# A row of `apply_logged`'s `new`: `NewReport`'s fields (`_LIVE` cleared by a retraction
# later in the batch), then the report's own eligibility, which `INSERT_LOGGED_SQLITE` stores.
_MOMENT, _POSITION, _LIVE = map(NewReport._fields.index, ("reported_at", "position", "live"))
_ELIGIBLE = len(NewReport._fields)


def _stored_time(moment: str) -> str:
    """`CANONICAL_TIME` in SQLAlchemy's SQLite spelling, as `INSERT_LOGGED_SQLITE` writes it."""
    return f"{moment[:10]} {moment[11:19]}{moment[19:26] if len(moment) == 27 else '.000000'}"


def _retracted(
    seen: dict[str, int],
    new: list[list[Any]],
    earlier: list[dict[str, Any]],
    later: list[dict[str, Any]],
    touched: dict[tuple[str, str], list[int]],
    data: dict[str, Any],
    recorded: RecordedEvent,
) -> None:
    """A retraction reaches only a report already in the log when it is written."""
    retraction = {
        "b_report": data["report_id"],
        "b_reason": data["reason"],
        "b_position": recorded.position,
        "b_recorded_at": recorded.recorded_at,
        "b_figure": (data["subject"], data["metric"]),
    }
    place = seen.get(data["report_id"])
    if place is None:
        earlier.append(retraction)
    else:
        later.append(retraction)
        new[place][_LIVE] = False  # numbered as retracted
    touched.setdefault((data["subject"], data["metric"]), [0, 0])[1] = recorded.position


def _is_report(data: dict[str, Any]) -> bool:
    keys, source = data.keys(), data.get("source")
    return (
        (keys == REPORT_FIELDS or keys == REQUIRED_REPORT_FIELDS)
        and isinstance(source, dict)
        and source.keys() == SOURCE_FIELDS
    )


def _document_row(data: dict[str, Any], recorded: RecordedEvent, time: _Times) -> tuple[Any, ...]:
    return (
        data["document_id"],
        recorded.version,
        data["subject"] or "",
        data["url"],
        data["title"],
        data["publisher"],
        data["content_hash"],
        data["text"],
        time.text(data["published_at"]),
        time.text(data["captured_at"]),
        recorded.position,
        data["feed_id"],
        data["entry_id"],
    )


def _report(
    new: dict[str, list[Any]],
    touched: dict[tuple[str, str], list[int]],
    data: dict[str, Any],
    recorded: RecordedEvent,
    time: _Times,
) -> None:
    new[data["report_id"]] = _report_row(data, recorded, time)
    figure = touched.setdefault((data["subject"], data["metric"]), [0, 0])
    figure[0] += 1
    figure[1] = recorded.position


def _report_row(data: dict[str, Any], recorded: RecordedEvent, time: _Times) -> list[Any]:
    """The columns of `INSERT_REPORTS`: the retraction's are filled in by `_retract`."""
    source = data["source"]
    value, qualifier, status, subset_of = (
        data["value"],
        data["qualifier"],
        data["status"],
        data["subset_of"],
    )
    return [
        data["report_id"],
        data["subject"],
        data["metric"],
        value,
        data["low"],
        data["high"],
        qualifier,
        data["approximate"],
        data["unit"],
        status,
        subset_of,
        data["quote"],
        time.text(data["reported_at"]),
        data["reported_at_basis"],
        time.recorded(recorded.recorded_at),
        recorded.position,
        source["url"],
        source["title"],
        source["publisher"],
        source["document_id"],
        data.get("confidence"),
        # domain.figures.may_be_current, on the stored values
        value is not None and qualifier not in VAGUE and status == REPORTED and subset_of is None,
        None,
        None,
        None,
    ]


def _retract(
    new: dict[str, list[Any]],
    stored: list[dict[str, Any]],
    touched: dict[tuple[str, str], list[int]],
    data: dict[str, Any],
    recorded: RecordedEvent,
    time: _Times,
) -> None:
    """The first retraction of a report counts; one of a report not yet in the log, none."""
    row = new.get(data["report_id"])
    if row is None:
        stored.append(
            {
                "b_report": data["report_id"],
                "b_reason": data["reason"],
                "b_position": recorded.position,
                "b_recorded_at": recorded.recorded_at,
                "b_figure": (data["subject"], data["metric"]),
            }
        )
    elif row[RETRACTION.start + 1] is None:
        row[RETRACTION] = [data["reason"], recorded.position, time.recorded(recorded.recorded_at)]
    touched.setdefault((data["subject"], data["metric"]), [0, 0])[1] = recorded.position


# How the models write a time (pydantic's JSON: UTC as "Z", microseconds only when not zero).
CANONICAL_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{6})?Z")
INSERT_ODD_REPORTS = RowInsert(reports, REPORT_COLUMNS + NUMBER_COLUMNS)  # no retraction yet
COLUMNS = len(REPORT_COLUMNS)

# The report columns as the database reads them from an event's data (`d`, the report: the
# event's data, or a correction's `correction`), in the order of REPORT_COLUMNS.
_FIELDS = (
    "report_id", "subject", "metric", "value", "low", "high", "qualifier", "approximate",
    "unit", "status", "subset_of", "quote", "reported_at", "reported_at_basis",
)  # fmt: skip
_SOURCE_FIELDS = ("url", "title", "publisher", "document_id")
_SQLITE_FIELD = {name: f"json_extract(d, '$.{name}')" for name in (*_FIELDS, "confidence")}
_SQLITE_FIELD["reported_at"] = "reported_at"  # given, as `_stored_time` spells it
_SQLITE_SOURCE = "json_extract(d, '$.source.{name}')"
_SELECTED = ", ".join(
    [_SQLITE_FIELD[name] for name in _FIELDS]
    + ["recorded_at", "position"]
    + [_SQLITE_SOURCE.format(name=name) for name in _SOURCE_FIELDS]
    + [_SQLITE_FIELD["confidence"], "eligible"]
)
# The reports of a batch, given as one JSON array of [position, ordinal, changed, revision,
# reported_at, eligible] in log order: each event read by its position (the table's rowid),
# what Python worked out for it beside it (the stored time and `eligible`, already computed to
# number it: four calls of `json_extract` and the time's respelling fewer a row). No ORDER BY:
# `json_each` yields the array in order, and with none the subquery is flattened instead of
# each row (its whole data) copied through a sorter.
INSERT_LOGGED_SQLITE = (
    f"INSERT INTO reports ({', '.join(REPORT_COLUMNS + NUMBER_COLUMNS)}) "
    f"SELECT {_SELECTED}, ordinal, changed, revision FROM ("
    f"SELECT CASE e.type WHEN '{ReportCorrected.type}' THEN json_extract(e.data, '$.correction') "
    "ELSE e.data END AS d, e.recorded_at, e.position, json_extract(n.value, '$[1]') AS ordinal, "
    "json_extract(n.value, '$[2]') AS changed, json_extract(n.value, '$[3]') AS revision, "
    "json_extract(n.value, '$[4]') AS reported_at, json_extract(n.value, '$[5]') AS eligible "
    "FROM json_each(?) AS n CROSS JOIN events AS e "
    "WHERE e.position = json_extract(n.value, '$[0]'))"
)


ADD_TO_FIGURES = (
    "INSERT INTO figures (subject, metric, report_count, last_position) {rows} "
    "ON CONFLICT (subject, metric) DO UPDATE SET "
    "report_count = figures.report_count + excluded.report_count, "
    "last_position = excluded.last_position"
)
ADD_TO_FIGURES_SQLITE = ADD_TO_FIGURES.format(rows="VALUES (?, ?, ?, ?)")
ADD_TO_FIGURES_POSTGRES = ADD_TO_FIGURES.format(
    rows="SELECT * FROM unnest(%b::varchar[], %b::varchar[], %b::integer[], %b::integer[])"
)


def _add_to_figures(connection: Connection, touched: dict[tuple[str, str], list[int]]) -> None:
    if not touched:
        return
    rows = [(subject, metric, n, last) for (subject, metric), (n, last) in touched.items()]
    if connection.dialect.name == "postgresql":
        write(connection, ADD_TO_FIGURES_POSTGRES, tuple(map(list, zip(*rows, strict=True))))
    else:
        write(connection, ADD_TO_FIGURES_SQLITE, rows, many=True)
