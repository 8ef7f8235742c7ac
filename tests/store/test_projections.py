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


def test_retractions_in_one_batch_count_once_and_only_for_reports_before_them(archive):
    stored, early, late = reported(160, day=11), reported(164, day=12), reported(170, day=13)
    archive.events.append([pending(stored)])
    archive.events.append(
        [
            pending(early),
            pending(retracted(early, "first")),
            pending(retracted(early, "second")),
            pending(retracted(stored, "stored")),
            pending(retracted(late, "too soon")),  # its report comes after it
            pending(late),
        ]
    )
    with archive.engine.connect() as connection:
        rows = connection.execute(select(reports.c.value, reports.c.retraction_reason)).all()
    assert sorted(rows) == [(160, "stored"), (164, "first"), (170, None)]
    assert replay.replay_check(archive) is None


def test_replay_check_names_a_row_only_one_copy_has(archive):
    seed(archive)
    with archive.engine.begin() as connection:
        connection.execute(
            figures.insert().values(subject="zz-extra", metric="deaths", report_count=0)
        )
    assert str(replay.replay_check(archive)) == (
        "figures ('zz-extra', 'deaths'): only in the live projection"
    )
    with archive.engine.begin() as connection:
        connection.execute(figures.delete().where(figures.c.subject == "zz-extra"))
        connection.execute(figures.delete().where(figures.c.metric == "arrests"))
    assert "only in the rebuilt projection" in str(replay.replay_check(archive))


def test_replay_check_walks_text_keys_in_the_same_order_on_every_database(archive):
    """Subjects that a language collation orders otherwise than code points (punctuation)."""
    subjects = ["ab", "a-c", "a-b", "aa", "B-a", "b", "é-x", "e-y"]
    archive.events.append([pending(reported(10 + n, subject=s)) for n, s in enumerate(subjects)])
    assert replay.replay_check(archive) is None
