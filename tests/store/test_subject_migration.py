"""An archive from before subjects upgrades in place: migration 0009 gives every captured
document the route it had (its own subject), as a replay of the log would."""

from __future__ import annotations

from sqlalchemy import select

from services import audit
from services.capture import ingest_source
from services.figures import figures_as_of
from store.tables import document_routes
from tests.store import migrations


def test_an_archive_from_before_subjects_upgrades_and_replays_to_the_same_routes(
    archive, demo_feed
):
    ingest_source(archive, str(demo_feed), "kazakhstan-unrest-2022")
    with archive.engine.connect() as connection:
        routes = connection.execute(select(document_routes).order_by("document_id")).all()
    migrations.downgrade(archive.engine, "0008")
    migrations.upgrade(archive.engine, "head")
    with archive.engine.connect() as connection:
        assert connection.execute(select(document_routes).order_by("document_id")).all() == routes
    assert len(routes) == 3
    assert audit.replay_check(archive) is None
    assert figures_as_of(archive, "kazakhstan-unrest-2022").figures
