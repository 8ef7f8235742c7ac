"""Replay's own way to the reports, figures and documents tables: set-based, from the stored data.

A replay runs the whole log through the projectors in order, from empty tables, in batches of
thousands. The per-append projector (store/projections.py) is built for a handful of events
landing on tables already full: it parses each event into its model and keeps each figure's
current report up to date as it goes. Here, instead, each batch's rows are built straight from
the stored data (the model's JSON form, written by the append that validated it), a report's
retractions and corrections later in the same batch are written into its row before it is
inserted, each figure's count and last position are added in one upsert, and each figure's
current report is chosen once at the end, by the same rule and query the appends use.

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
from typing import Any

import orjson
from sqlalchemy import Connection, update

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
from store.ordinals import number_all
from store.projections import INSERT_DOCUMENTS, REPORT_COLUMNS, RETRACT, current_report_query
from store.rows import RowInsert, db_time, write
from store.tables import figures, reports

VAGUE = frozenset(q.value for q in VAGUE_BOUNDS)
REPORTED = ReportStatus.REPORTED.value
RETRACTION_COLUMNS = ("retraction_reason", "retraction_position", "retraction_recorded_at")
INSERT_REPORTS = RowInsert(reports, REPORT_COLUMNS + RETRACTION_COLUMNS)
RETRACTION = slice(len(REPORT_COLUMNS), len(REPORT_COLUMNS) + len(RETRACTION_COLUMNS))


def apply(connection: Connection, batch: Sequence[RecordedEvent]) -> None:
    """One batch of a replay from position 1 into the empty reports, figures, documents."""
    time = _Times(db_time(connection.dialect))
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
    INSERT_REPORTS(connection, [tuple(row) for row in new.values()])
    INSERT_DOCUMENTS(connection, documents)
    _add_to_figures(connection, touched)


def apply_logged(connection: Connection, batch: Sequence[RecordedEvent]) -> None:
    """As `apply`, for events already in the log's table (a replay): on SQLite the reports'
    rows are written by the database itself from the stored data (`INSERT ... SELECT` with
    `json_extract`), so they never come through Python. Only a report whose data is not in
    the model's current shape (or its time not as the model writes it) is built here, as
    `apply` builds it.
    """
    if connection.dialect.name != "sqlite":  # see the module's docstring
        apply(connection, batch)
        return
    time = _Times(db_time(connection.dialect))
    documents: list[tuple[Any, ...]] = []
    odd: list[tuple[Any, ...]] = []  # reports built here: the model's reading of their data
    built_here: list[int] = []  # the positions of the events they come from
    seen: set[str] = set()  # reports added so far in this batch
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
                odd.append(tuple(_report_row(data, recorded, time)[:COLUMNS]))
                built_here.append(recorded.position)
            _added(seen, touched, data, recorded.position)
        elif kind == ReportRetracted.type:
            data = _data(recorded, RETRACTED_FIELDS)
            _retracted(seen, earlier, later, touched, data, recorded)
        elif kind == ReportCorrected.type:  # the new report, then the old one withdrawn
            if not (data.keys() == CORRECTED_FIELDS and _in_shape(data["correction"])):
                data = recorded.event.to_data()
                odd.append(tuple(_report_row(data["correction"], recorded, time)[:COLUMNS]))
                built_here.append(recorded.position)
            _added(seen, touched, data["correction"], recorded.position)
            _retracted(seen, earlier, later, touched, data, recorded)
    if earlier:  # before the inserts: none of them may reach a report later in the batch
        connection.execute(RETRACT, earlier)
    if seen:
        _insert_logged_reports(connection, batch[0].position, batch[-1].position, built_here)
    INSERT_ODD_REPORTS(connection, odd)
    if later:  # in log order; the first retraction of a report counts (RETRACT's own test)
        connection.execute(RETRACT, later)
    INSERT_DOCUMENTS(connection, documents)
    _add_to_figures(connection, touched)


def finish(connection: Connection) -> None:
    """After the last batch: each figure's current report, by the appends' own rule, and
    each report's place in its figure (store/ordinals.py), by the appends' own statement."""
    current = current_report_query(figures.c.subject, figures.c.metric).scalar_subquery()
    connection.execute(update(figures).values(current_report_id=current))
    number_all(connection)


class _Times:
    """Stored times as the database takes them, each converted once a batch (the events of
    one append share a recorded_at; an article's reports, its time)."""

    def __init__(self, convert: Any) -> None:
        self.convert = convert
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
    seen: set[str], touched: dict[tuple[str, str], list[int]], data: dict[str, Any], at: int
) -> None:
    seen.add(data["report_id"])
    figure = touched.setdefault((data["subject"], data["metric"]), [0, 0])
    figure[0] += 1
    figure[1] = at


def _retracted(
    seen: set[str],
    earlier: list[dict[str, Any]],
    later: list[dict[str, Any]],
    touched: dict[tuple[str, str], list[int]],
    data: dict[str, Any],
    recorded: RecordedEvent,
) -> None:
    """A retraction reaches only a report already in the log when it is written."""
    (later if data["report_id"] in seen else earlier).append(
        {
            "b_report": data["report_id"],
            "b_reason": data["reason"],
            "b_position": recorded.position,
            "b_recorded_at": recorded.recorded_at,
        }
    )
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
            }
        )
    elif row[RETRACTION.start + 1] is None:
        row[RETRACTION] = [data["reason"], recorded.position, time.recorded(recorded.recorded_at)]
    touched.setdefault((data["subject"], data["metric"]), [0, 0])[1] = recorded.position


# How the models write a time (pydantic's JSON: UTC as "Z", microseconds only when not zero).
CANONICAL_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{6})?Z")
INSERT_ODD_REPORTS = RowInsert(reports, REPORT_COLUMNS)  # no retraction yet: NULL
COLUMNS = len(REPORT_COLUMNS)

# The report columns as the database reads them from an event's data (`d`, the report: the
# event's data, or a correction's `correction`), in the order of REPORT_COLUMNS.
_FIELDS = (
    "report_id", "subject", "metric", "value", "low", "high", "qualifier", "approximate",
    "unit", "status", "subset_of", "quote", "reported_at", "reported_at_basis",
)  # fmt: skip
_SOURCE_FIELDS = ("url", "title", "publisher", "document_id")
_VAGUE_LIST = ", ".join(f"'{q}'" for q in sorted(VAGUE))  # enum values: plain words
_SQLITE_FIELD = {name: f"json_extract(d, '$.{name}')" for name in (*_FIELDS, "confidence")}
_SQLITE_FIELD["reported_at"] = (  # CANONICAL_TIME to SQLAlchemy's spelling (`db_time`)
    "substr(json_extract(d, '$.reported_at'), 1, 10) || ' ' "
    "|| substr(json_extract(d, '$.reported_at'), 12, 8) "
    "|| CASE length(json_extract(d, '$.reported_at')) WHEN 20 THEN '.000000' "
    "ELSE substr(json_extract(d, '$.reported_at'), 20, 7) END"
)


def _report_select(field: dict[str, str], source: str) -> str:
    """The SELECT list of the logged reports' insert (domain.figures.may_be_current last)."""
    eligible = (
        f"({field['value']} IS NOT NULL AND {field['qualifier']} NOT IN ({_VAGUE_LIST}) "
        f"AND {field['status']} = '{REPORTED}' AND {field['subset_of']} IS NULL)"
    )
    return ", ".join(
        [field[name] for name in _FIELDS]
        + ["recorded_at", "position"]
        + [source.format(name=name) for name in _SOURCE_FIELDS]
        + [field["confidence"], eligible]
    )


_SQLITE_SOURCE = "json_extract(d, '$.source.{name}')"
_REPORT_TYPES = f"('{FigureReported.type}', '{ReportCorrected.type}')"
INSERT_LOGGED_SQLITE = (
    f"INSERT INTO reports ({', '.join(REPORT_COLUMNS)}) "
    f"SELECT {_report_select(_SQLITE_FIELD, _SQLITE_SOURCE)} FROM ("
    f"SELECT CASE type WHEN '{ReportCorrected.type}' THEN json_extract(data, '$.correction') "
    "ELSE data END AS d, recorded_at, position FROM events "
    f"WHERE position BETWEEN ? AND ? AND type IN {_REPORT_TYPES} "
    "AND position NOT IN (SELECT value FROM json_each(?)) ORDER BY position)"
)


def _insert_logged_reports(
    connection: Connection, first: int, last: int, built_here: list[int]
) -> None:
    write(connection, INSERT_LOGGED_SQLITE, (first, last, orjson.dumps(built_here).decode()))


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
