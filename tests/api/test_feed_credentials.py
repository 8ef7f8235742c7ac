"""Feed credentials: a feed behind Basic auth or an API key is polled, and its secret never
reaches the log, the API, the CLI or a log line."""

from __future__ import annotations

import base64
import json
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from api.app import create_app
from cli.main import app as cli
from domain.addresses import parse_networks
from ingest.fetch import Fetcher
from services.settings import Settings
from services.tokens import create_token
from services.worker import Worker
from store.tables import events, feed_credentials
from tests.api.conftest import archive_of
from tests.conftest import open_archive
from tests.ingest.feedserver import FeedServer, Reply, atom, entries, running_server

SUBJECT = "kazakhstan-unrest-2022"
SECRET = "s3cret-Pa55"
API_KEY = "key-7f3a9c-do-not-leak"
ATOM = {"Content-Type": "application/atom+xml"}
FEED = atom(entries(3))


def basic_only(handler) -> Reply:
    expected = "Basic " + base64.b64encode(f"reader:{SECRET}".encode()).decode()
    if handler.headers.get("Authorization") != expected:
        return Reply(401, b"who are you?", {"WWW-Authenticate": 'Basic realm="feeds"'})
    return Reply(200, FEED, ATOM)


def key_only(handler) -> Reply:
    if handler.headers.get("X-Api-Key") != API_KEY:
        return Reply(403, b"no key")
    return Reply(200, FEED, ATOM)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with running_server() as srv:
        srv.routes["/private.atom"] = basic_only
        srv.routes["/keyed.atom"] = key_only
        yield srv


@pytest.fixture
def client(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    open_archive(database_url, tmp_path).close()
    settings = Settings(
        database_url=database_url,
        signing_key_path=tmp_path / "signing.key",
        private_networks=parse_networks("loopback"),
    )
    with TestClient(create_app(settings)) as client:
        yield client


def with_userinfo(server: FeedServer, path: str) -> str:
    return server.url(path).replace("http://", f"http://reader:{SECRET}@")


def poll_all(client: TestClient) -> None:
    archive = archive_of(client)
    with Fetcher(opened=archive.settings.private_networks, timeout=5.0) as fetcher:
        Worker(archive, fetcher).run_once()


def everything_shown(client: TestClient) -> str:
    """The events table, the open API, and the CLI's list as an operator reads them."""
    archive = archive_of(client)
    with archive.engine.connect() as connection:
        rows = connection.execute(select(events)).mappings().all()
    shown = [json.dumps([dict(r) for r in rows], default=str)]
    for path in ("/v1/feeds", "/v1/events?limit=1000"):
        response = client.get(path)
        assert response.status_code == 200, response.text
        shown.append(response.text)
    env = {"RECOUNT_DATABASE_URL": archive.settings.database_url, "COLUMNS": "300"}
    for args in (["feeds", "list"], ["feeds", "list", "--json"], ["feeds", "list", "--all"]):
        result = CliRunner().invoke(cli, args, env=env)
        assert result.exit_code == 0, result.output
        shown.append(result.output)
    return "\n".join(shown)


def test_feed_behind_basic_auth_is_polled_and_its_secret_shown_nowhere(client, server, caplog):
    auth = {"Authorization": f"Bearer {create_token(archive_of(client), 'desk')}"}
    body = {"url": with_userinfo(server, "/private.atom"), "subject": SUBJECT}
    created = client.post("/v1/feeds", json=body, headers=auth)
    assert created.status_code == 201, created.text
    assert created.json()["url"] == server.url("/private.atom")
    assert created.json()["has_credentials"] is True

    with caplog.at_level(logging.DEBUG):
        poll_all(client)
    [feed] = client.get("/v1/feeds").json()
    assert (feed["last_status"], feed["last_new"], feed["failures"]) == ("ok", 3, 0)
    assert server.requests["/private.atom"] == 1

    server.routes["/private.atom"] = Reply(500, b"down")  # a failure's message is logged too
    with archive_of(client).engine.begin() as connection:
        connection.exec_driver_sql("UPDATE feed_state SET next_poll_at = NULL, etag = NULL")
    with caplog.at_level(logging.DEBUG):
        poll_all(client)
    assert client.get("/v1/feeds").json()[0]["last_status"] == "failed"

    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "poll feed=" in logged
    assert SECRET not in logged
    assert SECRET not in everything_shown(client)
    with archive_of(client).engine.connect() as connection:
        [stored] = connection.execute(select(feed_credentials.c.ciphertext)).scalars().all()
    assert SECRET not in stored  # encrypted at rest


def test_feed_with_an_api_key_header_is_polled_and_the_key_shown_nowhere(client, server):
    auth = {"Authorization": f"Bearer {create_token(archive_of(client), 'desk')}"}
    body = {
        "url": server.url("/keyed.atom"),
        "subject": SUBJECT,
        "headers": {"X-Api-Key": API_KEY},
    }
    assert client.post("/v1/feeds", json=body, headers=auth).status_code == 201
    poll_all(client)
    [feed] = client.get("/v1/feeds").json()
    assert (feed["last_status"], feed["last_new"]) == ("ok", 3)
    assert API_KEY not in everything_shown(client)


def test_credentials_are_not_sent_along_a_redirect_to_another_host(client, server):
    with running_server() as elsewhere:
        seen: list[str | None] = []

        def record(handler) -> Reply:
            seen.append(handler.headers.get("Authorization"))
            seen.append(handler.headers.get("X-Api-Key"))
            return Reply(200, FEED, ATOM)

        elsewhere.routes["/feed"] = record
        server.routes["/moving.atom"] = Reply(302, b"", {"Location": elsewhere.url("/feed")})
        auth = {"Authorization": f"Bearer {create_token(archive_of(client), 'desk')}"}
        body = {
            "url": with_userinfo(server, "/moving.atom"),
            "subject": SUBJECT,
            "headers": {"X-Api-Key": API_KEY},
        }
        assert client.post("/v1/feeds", json=body, headers=auth).status_code == 201
        poll_all(client)
    assert seen == [None, None]


def test_the_secrets_key_is_made_beside_the_signing_key_readable_by_its_owner_only(
    sqlite_url, tmp_path, server
):
    env = {
        **os.environ,
        "RECOUNT_DATABASE_URL": sqlite_url,
        "RECOUNT_ALLOW_PRIVATE_FEEDS": "loopback",
    }
    runner = CliRunner()
    assert runner.invoke(cli, ["init"], env=env).exit_code == 0
    url = with_userinfo(server, "/private.atom")
    added = runner.invoke(cli, ["feeds", "add", url, "--subject", SUBJECT, "--as", "ops"], env=env)
    assert added.exit_code == 0, added.output
    assert SECRET not in added.output and server.url("/private.atom") in added.output
    key = tmp_path / "recount.secrets.key"
    assert key.exists() and stat.S_IMODE(key.stat().st_mode) == 0o600
    archive = open_archive(sqlite_url, tmp_path)
    try:
        [added_event] = list(archive.events.read())
        assert added_event.metadata == {"actor": "ops", "via": "cli"}
        assert added_event.data["credential_id"] and SECRET not in json.dumps(added_event.data)
    finally:
        archive.close()


def test_a_bad_header_is_refused_without_echoing_its_value(client):
    auth = {"Authorization": f"Bearer {create_token(archive_of(client), 'desk')}"}
    bad = ({"Bad Name": API_KEY}, {"Host": API_KEY}, {"X-Api-Key": "a\nb" + API_KEY},
           {"X-Api-Key:X-Other": API_KEY})  # fmt: skip
    for headers in bad:
        body = {"url": "https://news.example.org/feed", "subject": SUBJECT, "headers": headers}
        refused = client.post("/v1/feeds", json=body, headers=auth)
        assert refused.status_code == 422
        assert API_KEY not in refused.text
    assert archive_of(client).events.head() == 0
