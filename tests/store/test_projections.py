"""Projections agree with the log: after appends and after a replay."""

from __future__ import annotations

from sqlalchemy import select, update

from domain.qualifiers import Qualifier
from services import audit as replay
from store.tables import figures, reports
from tests.store.builders import pending, reported, retracted


def snapshot(archive):
    with archive.engine.connect() as connection:
        return {
            table.name: sorted(map(tuple, connection.execute(select(table))), key=repr)
            for table in (reports, figures)
        }


def seed(archive):
    first, wrong = reported(160, day=11), reported(1600, day=12)
    archive.events.append(
        [pending(first), pending(wrong), pending(reported(9900, metric="arrests"))]
    )
    archive.events.append(
        [pending(retracted(wrong)), pending(reported(None, qualifier=Qualifier.DOZENS, day=12))]
    )


def test_the_figure_projection_names_the_current_report(archive):
    seed(archive)
    with archive.engine.connect() as connection:
        rows = dict(connection.execute(select(figures.c.metric, figures.c.current_report_id)).all())
        current = connection.execute(
            select(reports.c.value).where(reports.c.report_id == rows["deaths"])
        ).scalar_one()
    assert current == 160


def test_replay_rebuilds_the_projections_exactly(archive):
    seed(archive)
    before = snapshot(archive)
    assert replay.replay(archive) == 5
    assert snapshot(archive) == before
    assert replay.replay_check(archive) is None


def test_replay_check_names_the_first_difference(archive):
    seed(archive)
    with archive.engine.begin() as connection:
        connection.execute(update(reports).where(reports.c.value == 9900).values(value=9901))
    difference = replay.replay_check(archive)
    assert difference is not None and difference.table == "reports"
    assert "9901" in str(difference) and "9900" in str(difference)
