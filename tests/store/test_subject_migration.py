"""An archive from before subjects upgrades in place: migration 0009 gives every captured
document the route it had (its own subject), as a replay of the log would."""

from __future__ import annotations

from alembic.config import Config
from sqlalchemy import select

from alembic import command
from services import audit
from services.capture import ingest_source
from services.figures import figures_as_of
from store.database import MIGRATIONS
from store.tables import document_routes


def _to(archive, revision: str, step) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with archive.engine.begin() as connection:
        config.attributes["connection"] = connection
        step(config, revision)


def test_an_archive_from_before_subjects_upgrades_and_replays_to_the_same_routes(
    archive, demo_feed
):
    ingest_source(archive, str(demo_feed), "kazakhstan-unrest-2022")
    with archive.engine.connect() as connection:
        routes = connection.execute(select(document_routes).order_by("document_id")).all()
    _to(archive, "0008", command.downgrade)
    _to(archive, "head", command.upgrade)
    with archive.engine.connect() as connection:
        assert connection.execute(select(document_routes).order_by("document_id")).all() == routes
    assert len(routes) == 3
    assert audit.replay_check(archive) is None
    assert figures_as_of(archive, "kazakhstan-unrest-2022").figures
