"""What an operator sees: `feeds add` checks the URL before registering it, `feeds poll` polls
at once, `ingest` refuses what the worker refuses, in the same words, and the worker's log
says what matters at the level it matters. Real loopback HTTP servers, a real SQLite file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.terminal import Terminal
from tests.ingest.feedserver import FeedServer, Reply, atom, entries, running_server

SUBJECT = "valoria-floods-2024"
ATOM = {"Content-Type": "application/atom+xml"}
PAGE = (
    b"<html><head><title>Valoria floods: live</title></head>"
    b"<body><p>At least 40 people have died.</p></body></html>"
)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with running_server() as srv:
        yield srv


@pytest.fixture
def recount(tmp_path: Path) -> Terminal:
    run = Terminal(tmp_path)
    run("init")
    return run


def one_error_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


def test_feeds_add_fetches_once_and_reports_the_title_and_entries(recount, server):
    server.routes["/wire.atom"] = Reply(200, atom(entries(3), title="Valoria wire"), ATOM)
    stdout, _ = recount("feeds", "add", server.url("/wire.atom"), "--subject", SUBJECT)
    assert server.requests["/wire.atom"] == 1
    feed = recount.feeds()[0]
    assert stdout.splitlines() == [
        f"added feed {feed['id'][:8]}: {server.url('/wire.atom')} for {SUBJECT}, every 15m",
        "found “Valoria wire”, 3 entries",
    ]
    assert feed["last_polled_at"] is None  # checked, not captured: the worker polls it


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(404, b"not here"), "HTTP 404"),
        (Reply(200, PAGE, {"Content-Type": "text/html"}), "not a usable feed"),
        (Reply(200, b"", ATOM), "not a usable feed"),
    ],
    ids=["404", "a web page", "empty"],
)
def test_feeds_add_refuses_what_is_not_a_usable_feed_and_registers_nothing(
    recount, server, reply, reason
):
    server.routes["/x"] = reply
    before = recount.holdings()
    _, stderr = recount("feeds", "add", server.url("/x"), "--subject", SUBJECT, code=1)
    line = one_error_line(stderr)
    assert line.startswith("error: not added: ") and reason in line
    assert line.endswith("(--no-check adds it anyway)")
    assert recount.holdings() == before


def test_feeds_add_no_check_registers_without_a_request(recount, server):
    server.routes["/x"] = Reply(404, b"not yet")
    stdout, _ = recount("feeds", "add", server.url("/x"), "--subject", SUBJECT, "--no-check")
    assert server.requests["/x"] == 0
    assert "not fetched (--no-check)" in stdout
    assert [f["url"] for f in recount.feeds()] == [server.url("/x")]


@pytest.mark.parametrize("check", [[], ["--no-check"]], ids=["checked", "no-check"])
def test_a_loopback_url_is_refused_naming_the_setting_that_opens_it(tmp_path, server, check):
    recount = Terminal(tmp_path, RECOUNT_ALLOW_PRIVATE_FEEDS="")
    recount("init")
    server.routes["/x"] = Reply(200, atom(entries(1)), ATOM)
    _, stderr = recount("feeds", "add", server.url("/x"), "--subject", SUBJECT, *check, code=1)
    line = one_error_line(stderr)
    assert "127.0.0.1 resolves to non-public address 127.0.0.1" in line
    assert "RECOUNT_ALLOW_PRIVATE_FEEDS=loopback" in line
    assert server.requests["/x"] == 0 and recount.feeds() == []


def test_feeds_poll_polls_now_prints_the_result_and_records_it(recount, server):
    server.routes["/wire.atom"] = Reply(200, atom(entries(3)), ATOM)
    recount("feeds", "add", server.url("/wire.atom"), "--subject", SUBJECT, "--no-check")
    short = recount.feeds()[0]["id"][:8]

    stdout, _ = recount("feeds", "poll", short)
    assert stdout.startswith(
        f"polled feed {short}: 3 new, 0 changed, 0 unchanged entries; 3 reports; next poll "
    )
    assert stdout.rstrip().endswith(" UTC")
    feed = recount.feeds()[0]
    assert (feed["last_status"], feed["last_new"], feed["failures"]) == ("ok", 3, 0)
    assert feed["next_poll_at"] is not None  # not due: the poll ran because it was asked
    deaths = json.loads(recount("history", SUBJECT, "deaths", "--json")[0])
    assert len(deaths["reports"]) == 3

    again, _ = recount("feeds", "poll", short)  # not due, polled all the same
    assert f"polled feed {short}: 0 new, 0 changed, 3 unchanged entries; 0 reports" in again
    assert server.requests["/wire.atom"] == 2


def test_a_failed_poll_is_one_line_exit_1_and_recorded_on_the_feed(recount, server):
    server.routes["/gone.atom"] = Reply(410, b"gone")
    recount("feeds", "add", server.url("/gone.atom"), "--subject", SUBJECT, "--no-check")
    short = recount.feeds()[0]["id"][:8]
    stdout, stderr = recount("feeds", "poll", short, code=1)
    line = one_error_line(stderr)
    assert stdout == "" and line.startswith(f"error: poll of feed {short} failed: ")
    assert "HTTP 410" in line and "; next poll " in line
    feed = recount.feeds()[0]
    assert feed["last_status"] == "failed" and feed["failures"] == 1
    assert "HTTP 410" in feed["last_error"]


def test_a_paused_or_unknown_feed_is_not_polled(recount, server):
    server.routes["/wire.atom"] = Reply(200, atom(entries(1)), ATOM)
    recount("feeds", "add", server.url("/wire.atom"), "--subject", SUBJECT, "--no-check")
    short = recount.feeds()[0]["id"][:8]
    recount("feeds", "pause", short)
    line = one_error_line(recount("feeds", "poll", short, code=1)[1])
    assert line == f"error: feed {short} is paused: resume it to poll it"
    assert one_error_line(recount("feeds", "poll", "nothing", code=1)[1]).startswith(
        "error: no feed"
    )
    assert server.requests["/wire.atom"] == 0


def test_ingest_refuses_a_web_page_with_the_reason_the_worker_records(recount, server, tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes(PAGE)
    before = recount("figures", "--json")[0]
    line = one_error_line(recount("ingest", str(page), "--subject", SUBJECT, code=1)[1])
    assert line == f"error: {page}: not a usable feed: no RSS or Atom in it (a web page?)"

    server.routes["/page"] = Reply(200, PAGE, {"Content-Type": "text/html; charset=utf-8"})
    by_url = one_error_line(recount("ingest", server.url("/page"), "--subject", SUBJECT, code=1)[1])
    recount("feeds", "add", server.url("/page"), "--subject", SUBJECT, "--no-check")
    recount("feeds", "poll", recount.feeds()[0]["id"], code=1)
    recorded = recount.feeds()[0]["last_error"]
    assert recorded.startswith("not a usable feed: ")
    assert by_url == f"error: {server.url('/page')}: {recorded}"
    assert recount("figures", "--json")[0] == before  # nothing captured from the page


def test_the_worker_logs_a_failed_poll_at_warning_and_no_request_lines(recount, server):
    server.routes["/ok.atom"] = Reply(200, atom(entries(2)), ATOM)
    server.routes["/gone.atom"] = Reply(404, b"gone")
    for path in ("/ok.atom", "/gone.atom"):
        recount("feeds", "add", server.url(path), "--subject", SUBJECT, "--no-check")
    done = recount.installed("worker", "--once")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    polls = {line.split(" url=")[1].split()[0]: line for line in lines if " poll feed=" in line}
    assert " WARNING recount.worker poll " in polls[server.url("/gone.atom")]
    assert "status=failed" in polls[server.url("/gone.atom")]
    assert " INFO recount.worker poll " in polls[server.url("/ok.atom")]
    assert not [line for line in lines if "httpx" in line or "HTTP Request" in line]


def test_an_empty_archive_says_how_to_fill_it(recount):
    assert recount("figures")[0] == (
        "no figures yet: `recount ingest` or `recount feeds add` brings some in\n"
    )
    assert recount("feeds", "list")[0] == (
        "no feeds: `recount feeds add URL --subject SLUG` registers one\n"
    )
    assert recount("figures", "--json")[0] == "[]\n"


def test_feeds_add_checks_with_the_feeds_credentials_and_shows_none_of_them(recount, server):
    def keyed(handler):
        if handler.headers.get("X-Api-Key") != "s3cret":
            return Reply(401, b"who are you?")
        return Reply(200, atom(entries(2), title="Members only"), ATOM)

    server.routes["/keyed.atom"] = keyed
    url = server.url("/keyed.atom")
    _, stderr = recount("feeds", "add", url, "--subject", SUBJECT, code=1)
    assert "HTTP 401" in one_error_line(stderr) and recount.feeds() == []
    stdout, _ = recount("feeds", "add", url, "--subject", SUBJECT, "--header", "X-Api-Key: s3cret")
    assert "found “Members only”, 2 entries" in stdout and "s3cret" not in stdout
    assert [f["has_credentials"] for f in recount.feeds()] == [True]
