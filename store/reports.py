"""Report queries the write use cases need: where a report lives, and how far its stream is."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from store.tables import events, reports


def report_stream(connection: Connection, report_id: str) -> Any:
    """The report's subject, metric, retraction position, how it was dated (`given`: typed by
    hand) and its event's metadata (who entered it), or None for an unknown report."""
    query = (
        select(
            reports.c.subject,
            reports.c.metric,
            reports.c.position,
            reports.c.retraction_position,
            reports.c.reported_at_basis,
            events.c["metadata"].label("meta"),
        )
        .join(events, events.c.position == reports.c.position)
        .where(reports.c.report_id == report_id)
    )
    return connection.execute(query).first()


def stream_version(connection: Connection, stream_id: str) -> int:
    """The stream's last version (0 for a stream with no events yet)."""
    query = select(func.max(events.c.version)).where(events.c.stream_id == stream_id)
    return int(connection.execute(query).scalar_one() or 0)
