"""`recount feeds` and `recount worker` as an operator runs them, real processes included."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from cli.main import app
from services.feeds import list_feeds
from store.tables import documents, events
from tests.api.test_feeds_api import MALFORMED
from tests.conftest import POSTGRES_URL, open_archive, postgres_schema_url
from tests.ingest.feedserver import FeedServer, Reply, atom, entries, running_server

RECOUNT = Path(sys.executable).with_name("recount")
SUBJECT = "kazakhstan-unrest-2022"
ATOM = {"Content-Type": "application/atom+xml"}


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with running_server() as srv:
        yield srv


def environment(url: str) -> dict[str, str]:
    return {**os.environ, "RECOUNT_DATABASE_URL": url, "RECOUNT_ALLOW_PRIVATE_FEEDS": "1"}


def recount(url: str, *args: str, ok: bool = True):
    env = {**environment(url), "COLUMNS": "250"}
    result = CliRunner().invoke(app, list(args), env=env)
    if ok:
        assert result.exit_code == 0, result.stderr
    return result


@pytest.fixture
def sqlite_db(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'recount.db'}"
    open_archive(url, tmp_path).close()
    return url


def test_operator_adds_lists_pauses_resumes_and_removes_a_feed(sqlite_db, server):
    url = server.url("/world.atom")
    server.routes["/world.atom"] = Reply(200, atom(entries(3)), ATOM)
    added = recount(sqlite_db, "feeds", "add", url, "--subject", SUBJECT, "--every", "15m")
    assert "added feed" in added.stdout and "every 15m" in added.stdout
    listed = json.loads(recount(sqlite_db, "feeds", "list", "--json").stdout)
    assert len(listed) == 1
    feed = listed[0]
    assert (feed["url"], feed["subject"], feed["every"], feed["status"]) == (
        url, SUBJECT, "15m", "active")  # fmt: skip
    assert feed["last_polled_at"] is None and feed["next_poll_at"] is None  # due at once

    table = recount(sqlite_db, "feeds", "list").stdout
    assert feed["id"][:8] in table and "never polled" in table

    short = feed["id"][:8]
    assert "paused" in recount(sqlite_db, "feeds", "pause", short).stdout
    assert "active" in recount(sqlite_db, "feeds", "resume", short).stdout
    assert "removed" in recount(sqlite_db, "feeds", "remove", feed["id"]).stdout
    assert json.loads(recount(sqlite_db, "feeds", "list", "--json").stdout) == []


def test_bad_interval_and_unknown_feed_give_one_plain_line(sqlite_db, server):
    bad = recount(sqlite_db, "feeds", "add", server.url("/a"), "--subject", SUBJECT,
                  "--every", "soon", ok=False)  # fmt: skip
    assert bad.exit_code == 1 and bad.stderr.startswith("error: not an interval")
    missing = recount(sqlite_db, "feeds", "remove", "no-such-feed", ok=False)
    assert missing.exit_code == 1 and "no feed" in missing.stderr


def test_private_feed_url_is_refused_unless_allowed(sqlite_db, server):
    env = {**environment(sqlite_db), "RECOUNT_ALLOW_PRIVATE_FEEDS": "0"}
    args = ["feeds", "add", server.url("/world.atom"), "--subject", SUBJECT]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 1 and "non-public address" in result.stderr


def test_worker_once_polls_what_is_due_and_logs_one_line_per_poll(sqlite_db, server):
    server.routes["/world.atom"] = Reply(200, atom(entries(3)), ATOM)
    recount(sqlite_db, "feeds", "add", server.url("/world.atom"), "--subject", SUBJECT)
    done = subprocess.run([str(RECOUNT), "worker", "--once"], env=environment(sqlite_db),
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if " poll feed=" in line]
    assert len(lines) == 1
    assert "status=ok" in lines[0] and "new=3" in lines[0] and "reports=3" in lines[0]
    state = json.loads(recount(sqlite_db, "feeds", "list", "--json").stdout)[0]
    assert (state["last_status"], state["last_new"], state["failures"]) == ("ok", 3, 0)


def count(url: str, tmp_path: Path, query) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(query).scalar_one())
    finally:
        engine.dispose()


def test_kill_9_mid_ingest_then_restart_keeps_every_entry_exactly_once(sqlite_db, server,
                                                                       tmp_path):  # fmt: skip
    total = 3000
    server.routes["/big.atom"] = Reply(200, atom(entries(total)), ATOM)
    recount(sqlite_db, "feeds", "add", server.url("/big.atom"), "--subject", SUBJECT)
    captured = select(func.count()).select_from(documents)
    worker = subprocess.Popen([str(RECOUNT), "worker", "--dispatch-every", "0.2"],
                              env=environment(sqlite_db), stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        started = time.monotonic()
        while count(sqlite_db, tmp_path, captured) == 0:
            assert time.monotonic() - started < 60, "the worker never started capturing"
            time.sleep(0.02)
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.kill()
        worker.wait(10)
    partial = count(sqlite_db, tmp_path, captured)
    assert 0 < partial < total, "the kill came too late to test a restart"

    again = subprocess.run([str(RECOUNT), "worker", "--once", "--entries-per-poll", str(total)],
                           env=environment(sqlite_db),
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert f"new={total - partial}" in again.stderr

    assert count(sqlite_db, tmp_path, captured) == total
    distinct = select(func.count(func.distinct(documents.c.document_id)))
    assert count(sqlite_db, tmp_path, distinct) == total
    positions = select(func.count(), func.min(events.c.position), func.max(events.c.position))
    archive = open_archive(sqlite_db, tmp_path)
    with archive.engine.connect() as connection:
        n, first, last = connection.execute(positions).one()
    archive.close()
    assert (first, last) == (1, n)  # gapless
    check = subprocess.run([str(RECOUNT), "replay", "--check"], env=environment(sqlite_db),
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    assert check.returncode == 0, check.stderr


@pytest.mark.skipif(not POSTGRES_URL, reason="two workers need PostgreSQL: set "
                    "RECOUNT_TEST_POSTGRES_URL")  # fmt: skip
def test_two_workers_on_postgres_share_20_feeds_without_polling_one_twice(server, tmp_path):
    for url in postgres_schema_url():
        archive = open_archive(url, tmp_path)
        for n in range(20):
            items = entries(5, start=100 * n)
            server.routes[f"/f{n}.atom"] = Reply(200, atom(items), ATOM, delay=0.3)
            recount(url, "feeds", "add", server.url(f"/f{n}.atom"), "--subject", SUBJECT,
                    "--no-check")  # fmt: skip
        command = [str(RECOUNT), "worker", "--dispatch-every", "0.2", "--concurrency", "3"]
        workers = [subprocess.Popen(command, env=environment(url), stderr=subprocess.PIPE,
                                    text=True) for _ in range(2)]  # fmt: skip
        try:
            started = time.monotonic()
            while not all(f.state.last_status == "ok" for f in list_feeds(archive)):
                assert time.monotonic() - started < 60, "the workers did not poll every feed"
                time.sleep(0.1)
            time.sleep(1.0)  # a few more dispatches: nothing is due again
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            logs = [worker.communicate(timeout=30)[1] for worker in workers]
        assert [worker.returncode for worker in workers] == [0, 0]
        polls = [line for log in logs for line in log.splitlines() if " poll feed=" in line]
        assert len(polls) == 20
        assert all(server.requests[f"/f{n}.atom"] == 1 for n in range(20))
        assert max(server.most_in_flight.values()) == 1
        with archive.engine.connect() as connection:
            docs = connection.execute(select(func.count()).select_from(documents)).scalar()
            keys = connection.execute(
                select(func.count(func.distinct(events.c.idempotency_key)))
            ).scalar()
            reported = connection.execute(
                select(func.count()).select_from(events).where(events.c.type != "FeedAdded")
            ).scalar()
        assert docs == 100
        assert keys == reported == 200  # every document and report once
        archive.close()


@pytest.mark.parametrize("url", MALFORMED)
def test_malformed_feed_url_is_one_plain_line_and_appends_nothing(sqlite_db, tmp_path, url):
    result = recount(sqlite_db, "feeds", "add", url, "--subject", SUBJECT, ok=False)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert count(sqlite_db, tmp_path, select(func.count()).select_from(events)) == 0


def test_worker_polls_a_feed_with_credentials_and_no_line_shows_them(sqlite_db, server):
    from tests.api.test_feed_credentials import API_KEY, SECRET, basic_only

    def both(handler):
        if handler.headers.get("X-Api-Key") != API_KEY:
            return Reply(403, b"no key")
        return basic_only(handler)

    server.routes["/private.atom"] = both
    url = server.url("/private.atom").replace("http://", f"http://reader:{SECRET}@")
    added = recount(sqlite_db, "feeds", "add", url, "--subject", SUBJECT,
                    "--header", f"X-Api-Key: {API_KEY}")  # fmt: skip
    done = subprocess.run([str(RECOUNT), "worker", "--once"], env=environment(sqlite_db),
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "status=ok" in done.stderr and "new=3" in done.stderr
    listed = recount(sqlite_db, "feeds", "list").stdout
    listed_json = recount(sqlite_db, "feeds", "list", "--json").stdout
    for shown in (added.stdout, done.stdout, done.stderr, listed, listed_json):
        assert SECRET not in shown and API_KEY not in shown


def test_the_worker_log_handler_drops_userinfo():
    from cli.feeds import RedactURLs

    record = logging.LogRecord(
        "httpx", logging.INFO, __file__, 1, "GET %s", ("http://u:pw@h/",), None
    )
    assert RedactURLs().filter(record) and record.getMessage() == "GET http://h/"
