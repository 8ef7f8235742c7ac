"""The process model, run for real: primary and streaming replica, two APIs behind HAProxy, two
workers, the one-shot migration (tests/deploy/topology.py starts it from Debian's packages).

Skipped only where those packages are missing; CI installs them (.ci/system-packages).
RECOUNT_PROOF_SECONDS sets how long the eight writers of the concurrency proof run (5 in CI;
the README records a run of 60).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import create_engine, text

from tests.deploy import topology
from tests.deploy.writer import report

ROOT = Path(__file__).resolve().parents[2]
PROOF_SECONDS = float(os.environ.get("RECOUNT_PROOF_SECONDS", "5"))
WRITERS = 8
READ_WAIT = 0.5
READY_MAX_LAG = 3.0

pytestmark = pytest.mark.skipif(topology.missing() is not None, reason=str(topology.missing()))


@pytest.fixture(scope="module")
def cluster() -> Iterator[topology.Topology]:
    started = topology.start(read_wait=READ_WAIT, ready_max_lag=READY_MAX_LAG)
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="module")
def token(cluster: topology.Topology) -> str:
    done = cluster.recount("tokens", "create", "proof")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def metric(base: str, name: str) -> float | None:
    """One sample of the Prometheus text at base/metrics (`name` with its labels)."""
    for line in httpx.get(f"{base}/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return None


def log_rows(cluster: topology.Topology) -> list[tuple[int, str, str, int, object]]:
    engine = create_engine(cluster.primary_url)
    with engine.connect() as connection:
        query = "SELECT position, event_id, stream_id, version, recorded_at FROM events"
        rows = [tuple(r) for r in connection.execute(text(query + " ORDER BY position"))]
    engine.dispose()
    return rows  # type: ignore[return-value]


def replica_sql(cluster: topology.Topology, statement: str) -> None:
    with psycopg.connect(f"postgresql://recount@127.0.0.1:{cluster.ports['replica']}/recount") as c:
        c.execute(statement)


def test_every_api_process_is_ready_behind_the_proxy_and_reads_a_streaming_replica(cluster):
    ready = httpx.get(f"{cluster.proxy}/readyz")
    assert ready.status_code == 200
    checks = ready.json()["checks"]
    assert set(checks) == {"primary", "replica", "replica lag"}
    assert checks["primary"] == checks["replica"]  # the migration reached the standby
    assert httpx.get(f"{cluster.proxy}/healthz").json() == {"status": "ok"}
    for n in (1, 2):
        assert metric(cluster.api(n), "recount_replica_lag_events") is not None
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        replica_sql(cluster, "CREATE TABLE nope (id int)")  # a hot standby: reads only


def test_eight_writers_through_both_apis_lose_nothing_and_double_nothing(cluster, token):
    start = len(log_rows(cluster))
    tail = Tail(f"{cluster.proxy}/v1/events/stream", start)
    tail.start()
    command = [sys.executable, "-m", "tests.deploy.writer", cluster.proxy, token]
    writers = [
        subprocess.Popen(
            [*command, str(n), str(PROOF_SECONDS)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(WRITERS)
    ]
    assert [w.stdout.readline() for w in writers] == ["ready\n"] * WRITERS
    for w in writers:  # all at once
        w.stdin.write("go\n")
        w.stdin.close()
    outcomes = [json.loads(w.stdout.read()) for w in writers]
    assert [w.wait(timeout=60) for w in writers] == [0] * WRITERS
    sentinel = httpx.post(
        f"{cluster.proxy}/v1/subjects/sentinel/reports",
        json=report(1, "the end of the proof", "deaths"),
        headers={"Authorization": f"Bearer {token}"},
    ).json()["position"]
    tail.join(timeout=60)

    # Every answer was a 201 or a 409, and each writer read its own writes back.
    assert [o["unexpected"] for o in outcomes] == [[]] * WRITERS
    assert sum(o["stale_reads"] for o in outcomes) == 0
    assert sum(o["reads"] for o in outcomes) > 0
    assert sum(o["conflicts"] for o in outcomes) > 0  # the shared streams were contended

    rows = log_rows(cluster)
    # Positions gapless, and in commit order (recorded_at never goes back).
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert all(a[4] <= b[4] for a, b in zip(rows, rows[1:], strict=False))
    # Each stream's versions count up by one, in log order.
    versions: dict[str, list[int]] = defaultdict(list)
    for _, _, stream, version, _ in rows:
        versions[stream].append(version)
    assert all(v == list(range(1, len(v) + 1)) for v in versions.values())
    # What the writers were told was appended is exactly what the log holds: nothing lost,
    # nothing doubled, no 409 that appended anyway.
    acked = [tuple(a) for o in outcomes for a in o["acked"]]
    assert len(acked) == len(set(acked))
    proof = re.compile(r"^figure:(writer-\d+|shared)/")
    held = {(r[1], r[0], r[2], r[3]) for r in rows if proof.match(r[2])}
    assert set(acked) == held

    # The live tail, read through the proxy from a replica, saw every position once.
    assert tail.positions == list(range(start + 1, sentinel + 1))
    # Both API processes took writes.
    assert all(metric(cluster.api(n), "recount_appends_total") for n in (1, 2))

    print(  # the record of a run (pytest -s): what the README quotes
        f"{WRITERS} writers, {PROOF_SECONDS:g} s: {len(acked)} writes acknowledged, "
        f"{sum(o['conflicts'] for o in outcomes)} conflicts (409), "
        f"{sum(o['reads'] for o in outcomes)} reads of their own writes, "
        f"{len(tail.positions)} positions tailed, log head {len(rows)}"
    )
    for check in (("verify",), ("replay", "--check")):
        done = cluster.recount(*check)
        assert done.returncode == 0, done.stderr


def test_a_lagging_replica_still_answers_your_writes_and_permalinks_alike(cluster, token):
    api = cluster.api(1)
    auth = {"Authorization": f"Bearer {token}"}
    figure = f"{api}/v1/subjects/lagging/figures/deaths"
    replica_sql(cluster, "SELECT pg_wal_replay_pause()")
    try:
        wrote = httpx.post(
            f"{api}/v1/subjects/lagging/reports", json=report(7, "seven", "deaths"), headers=auth
        )
        assert wrote.status_code == 201
        position = int(wrote.headers["Recount-Position"])
        assert position >= wrote.json()["position"]
        # Without the position, the replica answers as it stands: it has not seen the write.
        assert httpx.get(f"{api}/v1/subjects/lagging/figures").status_code == 404
        # With it, the write is there (the primary answered once the replica kept it waiting).
        began = time.monotonic()
        own = httpx.get(figure, headers={"Recount-Position": str(position)})
        assert own.json()["current"]["value"] == 7
        assert time.monotonic() - began >= READ_WAIT
        permalink = httpx.get(figure, params={"at_position": position})
        assert permalink.status_code == 200
        # Held back longer than RECOUNT_READY_MAX_LAG, the API says it is not ready.
        deadline = time.monotonic() + READY_MAX_LAG + 10
        while (ready := httpx.get(f"{api}/readyz")).status_code == 200:
            assert time.monotonic() < deadline, "the replica's lag never failed /readyz"
            time.sleep(0.3)
        assert ready.status_code == 503
        assert "replica lag: 1 events behind" in ready.json()["detail"]
        assert metric(api, "recount_replica_lag_events") == 1
    finally:
        replica_sql(cluster, "SELECT pg_wal_replay_resume()")
    cluster.wait_ready(api)
    # Caught up, the replica answers the permalink with the very bytes the primary gave.
    assert httpx.get(figure, params={"at_position": position}).content == permalink.content
    assert metric(api, "recount_replica_lag_events") == 0


def test_two_workers_share_a_feed_and_capture_each_entry_once(cluster):
    cluster.wait_ready(cluster.proxy)
    feed = (ROOT / "ingest" / "demo" / "kazakhstan-unrest-2022.atom").read_bytes()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _serving(feed))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/feed.atom"
        added = cluster.recount("feeds", "add", url, "--subject", "worker-demo", "--every", "30s")
        assert added.returncode == 0, added.stderr
        deadline = time.monotonic() + 60
        while metric(cluster.proxy, 'recount_feeds_last_poll{result="ok"}') != 1:
            assert time.monotonic() < deadline, cluster.log("worker1") + cluster.log("worker2")
            time.sleep(0.3)
    finally:
        server.shutdown()
    captured = [r for r in log_rows(cluster) if r[2].startswith("document:")]
    entries = feed.count(b"<entry>")
    assert len({r[2] for r in captured}) == entries and len(captured) == entries
    figures = httpx.get(f"{cluster.proxy}/v1/subjects/worker-demo/figures").json()["figures"]
    assert {f["metric"] for f in figures} >= {"arrests"}


def _serving(body: bytes) -> type[BaseHTTPRequestHandler]:
    class Feed(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            self.send_response(200)
            self.send_header("Content-Type", "application/atom+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Feed


class Tail(threading.Thread):
    """A live-tail client: every position it is sent, until the proof's sentinel report."""

    def __init__(self, url: str, after: int) -> None:
        super().__init__(daemon=True)
        self.url, self.after = url, after
        self.positions: list[int] = []

    def run(self) -> None:
        with httpx.stream("GET", self.url, params={"after": self.after}, timeout=None) as answer:
            for line in answer.iter_lines():
                if line.startswith("id: "):
                    self.positions.append(int(line[4:]))
                elif line.startswith("data: ") and '"subject":"sentinel"' in line:
                    return
