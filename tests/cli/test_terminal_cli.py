"""What a person reads in an 80-column terminal: tables that fit and cut nothing, one time
format, the pages' words for qualifiers, articles by title, and every usage error as one line
with exit status 1. Real `recount` runs on a real SQLite file and a loopback feed server."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from cli.main import app
from ingest.sources import DEMO_FEED
from tests.cli.terminal import Terminal
from tests.ingest.feedserver import FeedServer, Reply, atom, entries, running_server

DEMO = "kazakhstan-unrest-2022"
NORTH, SOUTH = "valoria-earthquake-2023-north", "valoria-earthquake-2023-south"
SHOWN_TIME = re.compile(r"\b\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\b")
MACHINE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
ATOM = {"Content-Type": "application/atom+xml"}


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with running_server() as srv:
        yield srv


@pytest.fixture(scope="module")
def terminal(tmp_path_factory: pytest.TempPathFactory, server: FeedServer) -> Terminal:
    folder = tmp_path_factory.mktemp("terminal")
    run = Terminal(folder)
    run("init")
    run("ingest", str(DEMO_FEED), "--subject", DEMO)
    for subject, start in ((NORTH, 0), (SOUTH, 10)):
        path = folder / f"{subject}.atom"
        path.write_bytes(atom(entries(2, start=start), title=f"Valoria {subject[-5:]}"))
        run("ingest", str(path), "--subject", subject)
    server.routes["/north.atom"] = Reply(200, atom(entries(3, start=20)), ATOM)
    server.routes["/south.atom"] = Reply(404, b"gone")
    server.routes["/paused.atom"] = Reply(200, atom(entries(1)), ATOM)
    for subject, path in ((NORTH, "/north.atom"), (SOUTH, "/south.atom"), (DEMO, "/paused.atom")):
        run("feeds", "add", server.url(path), "--subject", subject, "--no-check")
    run("worker", "--once")
    paused = [f for f in json.loads(run("feeds", "list", "--json")[0]) if f["subject"] == DEMO]
    run("feeds", "pause", paused[0]["id"])
    run("feeds", "add", server.url("/later.atom"), "--subject", SOUTH, "--no-check")
    return run


def column(table: str, header: str) -> str:
    """The text of one column of a printed table, its wrapped lines joined."""
    lines = table.splitlines()
    heading = next(line for line in lines if f" {header} " in f"{line} ")
    start = heading.index(f" {header}") + 1
    rest = heading[start + len(header) :]
    width = len(header) + len(rest) - len(rest.lstrip())
    end = None if not rest.strip() else start + width
    body = lines[lines.index(heading) + 2 :]  # below the rule under the headings
    return " ".join(line[start:end].strip() for line in body)


def assert_fits(text: str) -> None:
    lines = text.splitlines()
    assert lines, "nothing was printed"
    assert max(len(line) for line in lines) <= 80
    assert "…" not in text  # nothing is cut


def test_figures_fit_80_columns_and_two_similar_slugs_stay_whole(terminal):
    stdout, _ = terminal("figures")
    assert_fits(stdout)
    lines = [line.strip() for line in stdout.splitlines()]
    assert NORTH in lines and SOUTH in lines and DEMO in lines  # each a title, on its own


def test_figures_read_qualifiers_and_times_as_the_pages_write_them(terminal):
    stdout, _ = terminal("figures", "--subject", DEMO)
    assert_fits(stdout)
    assert "at least 160" in stdout and "more than 2,000" in stdout and "nearly 10,000" in stdout
    assert "at_least" not in stdout and "more_than" not in stdout
    assert SHOWN_TIME.search(stdout) and not MACHINE_TIME.search(stdout)
    assert "2022-01-11 00:00 UTC" in stdout  # the day the deaths figure was reported


def test_machine_outputs_keep_snake_case_and_rfc_3339(terminal):
    figures = json.loads(terminal("figures", "--subject", DEMO, "--json")[0])
    deaths = next(f for f in figures if f["metric"] == "deaths")
    assert deaths["current"]["qualifier"] == "at_least"
    assert deaths["current"]["reported_at"] == "2022-01-11T00:00:00Z"
    csv = terminal("history", DEMO, "deaths", "--csv")[0]
    assert ",at_least," in csv and ",2022-01-11T00:00:00.000000Z," in csv


def test_history_shows_the_article_title_not_a_cut_url(terminal):
    stdout, _ = terminal("history", NORTH, "deaths")
    assert_fits(stdout)
    assert "Story 0" in stdout and "Story 1" in stdout  # the entries' titles
    assert "news.example.org" not in stdout and "http" not in stdout
    assert "at least 100" in stdout and "(current)" in stdout
    times = SHOWN_TIME.findall(column(stdout, "reported at"))
    assert times == [f"2022-01-05 08:{minute:02} UTC" for minute in (0, 1, 20, 21, 22)]
    assert not MACHINE_TIME.search(stdout)


def test_feeds_list_fits_80_columns_with_whole_statuses_and_slugs(terminal):
    stdout, _ = terminal("feeds", "list")
    assert_fits(stdout)
    words = stdout.split()
    assert words.count("active") == 3 and words.count("paused") == 1
    for subject in (NORTH, SOUTH, DEMO):
        assert subject in words
    last_poll = " ".join(column(stdout, "last poll").split())
    assert "never polled" in last_poll and "failed (1 in a row)" in last_poll
    assert "HTTP 404 Not Found" in last_poll
    assert "ok: 3 new, 0 changed, 0 unchanged, 3 reports" in last_poll
    assert SHOWN_TIME.search(stdout) and not MACHINE_TIME.search(stdout)


USAGE_ERRORS = {
    "a missing option": (["subjects", "add", "quake"], "missing option '--title'"),
    "an option without its value": (["figures", "--subject"], "'--subject' requires"),
    "a missing argument": (["history", DEMO], "missing argument 'metric'"),
    "a bad number": (["figures", "--at-position", "x"], "'--at-position'"),
    "an unknown option": (["figures", "--bogus"], "no such option: --bogus"),
    "an unknown command": (["nope"], "no such command 'nope'"),
    "json and csv": (["figures", "--json", "--csv"], "--json and --csv cannot be used together"),
    "json and csv on history": (
        ["history", DEMO, "deaths", "--json", "--csv"],
        "--json and --csv cannot be used together",
    ),
    "a feed without a url": (["feeds", "add", "--subject", DEMO], "missing argument 'url'"),
}


@pytest.mark.parametrize("case", USAGE_ERRORS, ids=str)
def test_a_usage_error_is_one_plain_line_and_exit_1(terminal, case):
    args, says = USAGE_ERRORS[case]
    before = terminal("figures", "--json")[0]
    stdout, stderr = terminal(*args, code=1)
    assert stdout == ""
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0]
    assert not set("╭╮│─") & set(stderr)  # no boxes
    assert terminal("figures", "--json")[0] == before


def test_the_installed_command_exits_1_on_a_missing_option(terminal):
    done = terminal.installed("history", DEMO)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == ("error: missing argument 'metric' (see 'recount history --help')\n")


@pytest.mark.parametrize(
    "args",
    [["--help"], ["figures", "--help"], ["history", "--help"], ["feeds", "add", "--help"],
     ["feeds", "list", "--help"], ["worker", "--help"], ["extract", "--help"]],
    ids=" ".join,
)  # fmt: skip
def test_help_fits_80_columns_and_shows_flags_without_a_type(terminal, args):
    stdout, _ = terminal(*args)
    assert_fits(stdout)
    assert "<bool>" not in stdout
    assert "Usage: recount" in stdout


def test_a_group_without_a_command_prints_its_help(terminal):
    stdout, stderr = terminal("feeds")
    assert stderr == "" and "Usage: recount feeds" in stdout and "poll" in stdout


def test_extract_reads_figures_in_the_pages_words(terminal):
    text = "Police said at least 1,200 people were detained and dozens were killed."
    result = CliRunner().invoke(app, ["extract"], input=text, env=terminal.env)
    assert result.exit_code == 0, result.stderr
    assert_fits(result.stdout)
    figure = column(result.stdout, "figure")
    assert "at least 1,200" in figure and "dozens" in figure
    assert "≥ 1,200" in result.stdout and "24–99" in result.stdout
    assert "at_least" not in result.stdout


def test_tokens_list_shows_times_as_everything_else_does(terminal):
    terminal("tokens", "create", "desk")
    stdout, _ = terminal("tokens", "list")
    assert_fits(stdout)
    assert len(SHOWN_TIME.findall(stdout)) == 1 and not MACHINE_TIME.search(stdout)
