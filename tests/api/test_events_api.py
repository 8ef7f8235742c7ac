"""The log over HTTP: pages with canonical bytes and leaf hashes, and the SSE live tail."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from datetime import UTC, datetime

import httpx
import pytest

from api.app import create_app
from api.routes import events as events_route
from domain.events import Source
from ingest.sources import DEMO_FEED, DEMO_SUBJECT
from services.capture import ingest_source
from services.reports import ReportInput, record_report
from tests.api.conftest import settings_for
from tests.api.live import serve
from tests.conftest import open_archive


def test_events_page_carries_canonical_bytes_and_leaf_hash(client):
    response = client.get("/v1/events", params={"after": 2, "limit": 3})
    assert response.status_code == 200
    page = response.json()
    assert [e["position"] for e in page] == [3, 4, 5]
    for event in page:
        canonical = base64.b64decode(event["canonical"])
        assert json.loads(canonical)["position"] == event["position"]
        leaf = hashlib.sha256(b"\x00" + canonical).digest()
        assert base64.b64decode(event["leaf_hash"]) == leaf
    assert client.get("/v1/events", params={"after": 14}).json() == []
    assert client.get("/v1/events", params={"limit": 0}).status_code == 422


def typed(n: int) -> ReportInput:
    return ReportInput(
        metric="deaths",
        value=160 + n,
        qualifier="at_least",
        quote=f"at least {160 + n} died",
        reported_at=datetime(2022, 1, 20, tzinfo=UTC),
        source=Source(url="https://example.org/x"),
    )


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("sse")
    url = f"sqlite:///{tmp_path / 'recount.db'}"
    archive = open_archive(url, tmp_path)
    ingest_source(archive, str(DEMO_FEED), DEMO_SUBJECT)
    app = create_app(settings_for(url, tmp_path))
    with serve(app) as base:
        yield base, app.state.archive
    archive.close()


def read_ids(
    base: str, until: int, headers=None, params=None, timeout=15.0
) -> tuple[list[int], list[str]]:
    """Positions from the tail (and comment lines) until position `until` arrives."""
    ids: list[int] = []
    comments: list[str] = []
    with httpx.stream(
        "GET", f"{base}/v1/events/stream", headers=headers, params=params, timeout=timeout
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("id: "):
                ids.append(int(line[4:]))
                if ids[-1] >= until:
                    break
            elif line.startswith(":"):
                comments.append(line)
    return ids, comments


def test_tail_delivers_every_position_once_in_order_while_writers_append(live):
    base, archive = live
    start = archive.events.head()
    writers, per_writer = 4, 10

    def write(w: int) -> None:
        for i in range(per_writer):
            record_report(archive, DEMO_SUBJECT, typed(w * 100 + i), actor=f"writer-{w}")

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    ids, _ = read_ids(base, start + writers * per_writer)
    for thread in threads:
        thread.join()
    assert ids == list(range(1, start + writers * per_writer + 1))


def test_tail_resumes_after_last_event_id(live):
    base, archive = live
    head = archive.events.head()
    ids, _ = read_ids(base, head, headers={"Last-Event-ID": str(head - 3)})
    assert ids == [head - 2, head - 1, head]
    ids, _ = read_ids(base, head, params={"after": head - 1})
    assert ids == [head]


def test_tail_sends_heartbeats_while_the_log_is_quiet(live, monkeypatch):
    base, archive = live
    monkeypatch.setattr(events_route, "HEARTBEAT_SECONDS", 0.3)
    head = archive.events.head()

    def append_later() -> None:
        threading.Event().wait(
            3.0
        )  # ten heartbeat intervals, enough for one even on a loaded machine
        record_report(archive, DEMO_SUBJECT, typed(999), actor="late")

    thread = threading.Thread(target=append_later)
    thread.start()
    ids, comments = read_ids(base, head + 1, params={"after": head})
    thread.join()
    assert ids == [head + 1]
    assert ": heartbeat" in comments
