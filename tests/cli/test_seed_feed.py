"""End to end: the seed articles as a feed, through the real `recount` command and a SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from ingest.articles import parse_feed
from tests.conftest import SEEDS

RECOUNT = Path(sys.executable).with_name("recount")
SUBJECT = "kazakhstan-unrest-2022"


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


def command(folder: Path, in_process: bool = True):
    """Run `recount` on a SQLite file in `folder`: in process (fast), or as the installed script."""
    env = {**os.environ, "RECOUNT_DATABASE_URL": f"sqlite:///{folder / 'recount.db'}"}

    def run(*args: str, ok: bool = True) -> Done:
        if in_process:
            result = CliRunner().invoke(app, list(args), env=env)
            done = Done(result.exit_code, result.stdout, result.stderr)
        else:
            finished = subprocess.run(
                [str(RECOUNT), *args], env=env, capture_output=True, text=True, cwd=folder
            )
            done = Done(finished.returncode, finished.stdout, finished.stderr)
        if ok:
            assert done.returncode == 0, done.stderr
        return done

    return run


def test_the_installed_command_ingests_the_demo_feed_once(tmp_path):
    from ingest.sources import DEMO_FEED

    run = command(tmp_path, in_process=False)
    run("init")
    first = run("ingest", str(DEMO_FEED), "--subject", SUBJECT)
    again = run("ingest", str(DEMO_FEED), "--subject", SUBJECT)
    assert "appended 3 documents and 11 reports" in first.stdout
    assert "appended 0 documents and 0 reports (3 entries unchanged)" in again.stdout
    failed = run("figures", "--as-of", "yesterday", ok=False)
    assert failed.returncode == 1 and failed.stderr.startswith("error: not a time")


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    """One database for the module: the tests below only read it or append nothing."""
    from ingest.sources import DEMO_FEED

    run = command(tmp_path_factory.mktemp("seed-feed"))
    run("init")
    done = run("ingest", str(DEMO_FEED), "--subject", SUBJECT)
    assert "appended 3 documents and 11 reports" in done.stdout
    return run


def test_commands_on_a_database_never_initialized_say_to_run_init(tmp_path):
    done = command(tmp_path)("figures", "--json", ok=False)
    assert done.returncode == 1 and "run `recount init` first" in done.stderr


def figures(run, *args: str) -> dict[str, dict]:
    out = run("figures", "--subject", SUBJECT, *args, "--json").stdout
    return {f["metric"]: f for f in json.loads(out)}


def test_the_demo_feed_carries_the_seed_articles_verbatim(demo_feed):
    articles = parse_feed(demo_feed.read_bytes()).articles
    seeds = sorted(SEEDS.glob("*.txt"))
    assert len(articles) == len(seeds) == 3
    for article, seed in zip(articles, seeds, strict=True):
        words = " ".join(seed.read_text(encoding="utf-8").split())
        assert words.endswith(" ".join(article.text.split()))


def test_the_seed_feed_gives_each_figure_with_its_history(ingested):
    now = figures(ingested)
    deaths, arrests, troops = now["deaths"], now["arrests"], now["troops"]
    assert (deaths["current"]["value"], deaths["current"]["qualifier"]) == (160, "at_least")
    assert deaths["current"]["reported_at"].startswith("2022-01-11")
    assert "dozens" in [r["qualifier"] for r in deaths["reports"]]
    assert [r["value"] for r in arrests["revisions"]] == [10000, 9900, 10000]
    assert {(r["value"], r["qualifier"]) for r in arrests["reports"]} >= {
        (9900, "around"),
        (10000, "nearly"),
    }
    assert [r["value"] for r in troops["revisions"]] == [2030, 2000]
    for report in deaths["reports"] + arrests["reports"] + troops["reports"]:
        assert report["quote"] and report["source"]["url"].startswith("https://seeds.")
        assert 0 < report["confidence"] <= 1


def test_as_of_answers_what_had_been_reported_by_then(ingested):
    jan11 = figures(ingested, "--as-of", "2022-01-11")
    assert jan11["arrests"]["current"]["value"] == 9900
    assert jan11["troops"]["current"]["value"] == 2030
    assert all(r["reported_at"] < "2022-01-12" for f in jan11.values() for r in f["reports"])
    assert figures(ingested, "--as-of", "2022-01-10") == {}


def test_known_at_before_the_ingest_knows_nothing_and_after_it_everything(ingested):
    assert figures(ingested, "--known-at", "2026-01-01T00:00:00Z") == {}
    assert figures(ingested, "--known-at", "2999-01-01") == figures(ingested)


def test_ages_years_populations_and_dates_never_become_figures(ingested):
    values = {r["value"] for f in figures(ingested).values() for r in f["reports"]}
    assert not values & {49, 2019, 19_000_000, 30, 13, 10, 2022, 28, 5}


def test_a_second_ingest_appends_nothing(ingested, demo_feed):
    before = ingested("figures", "--json").stdout
    again = ingested("ingest", str(demo_feed), "--subject", SUBJECT)
    assert "appended 0 documents and 0 reports (3 entries unchanged)" in again.stdout
    assert ingested("figures", "--json").stdout == before


def test_history_and_replay_check(ingested):
    history = json.loads(ingested("history", SUBJECT, "arrests", "--json").stdout)
    assert history["metric"] == "arrests" and len(history["reports"]) == 5
    assert "matches" in ingested("replay", "--check").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("figures", "--subject", "no-such-subject"), "no subject 'no-such-subject'"),
        (("figures", "--as-of", "yesterday"), "not a time: 'yesterday'"),
        (("history", SUBJECT, "rainfall"), "no figure for metric 'rainfall'"),
        (("ingest", "/no/such/feed.xml", "--subject", SUBJECT), "cannot read /no/such/feed.xml"),
        (("ingest", "README", "--subject", "Not A Slug"), "not a subject slug"),
    ],
)
def test_bad_input_is_one_plain_line_and_loses_nothing(ingested, args, message):
    before = ingested("figures", "--json").stdout
    done = ingested(*args, ok=False)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert message in done.stderr and "Traceback" not in done.stderr
    assert ingested("figures", "--json").stdout == before


LATER_ENTRY = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>urn:recount:test:later</id>
  <title>A later article of the seed story</title>
  <updated>2022-01-14T00:00:00Z</updated>
  <entry>
    <id>urn:recount:test:later:1</id>
    <title>CSTO completes its withdrawal from Kazakhstan</title>
    <link href="https://later.recount.invalid/kazakhstan-unrest-2022/withdrawal"/>
    <published>2022-01-14T00:00:00Z</published>
    <updated>2022-01-14T00:00:00Z</updated>
    <content type="html">&lt;p&gt;The alliance said the mission had involved 2,030 Russian,
    Belarusian, Armenian, Tajik and Kyrgyz troops, and that the last of them had left Almaty
    on Thursday.&lt;/p&gt;</content>
  </entry>
</feed>
"""


def test_a_later_article_listing_nationalities_before_troops_sets_the_current_troops(
    tmp_path, demo_feed
):
    run = command(tmp_path)
    run("init")
    run("ingest", str(demo_feed), "--subject", SUBJECT)
    later = tmp_path / "later.atom"
    later.write_text(LATER_ENTRY, encoding="utf-8")
    assert (
        "appended 1 documents and 1 reports"
        in run("ingest", str(later), "--subject", SUBJECT).stdout
    )
    troops = figures(run)["troops"]["current"]
    assert (troops["value"], troops["qualifier"]) == (2030, "exact")
    assert troops["reported_at"].startswith("2022-01-14")
