"""The CLI reads times by the domain's one rule: a refusal is one line naming the accepted forms,
exit status 1, and the archive is as it was."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_seed_feed import SUBJECT, command
from tests.conftest import open_archive

REFUSED = ["20220111", "2022011199", "9" * 100_000, "2022-01-11T18:00:00", "2022-02-30", ""]


@pytest.fixture(scope="module")
def recount(tmp_path_factory):
    from ingest.sources import DEMO_FEED

    folder = tmp_path_factory.mktemp("times-cli")
    run = command(folder)
    run("init")
    run("ingest", str(DEMO_FEED), "--subject", SUBJECT)
    run.folder = folder
    return run


def state(run):
    archive = open_archive(f"sqlite:///{run.folder / 'recount.db'}", run.folder)
    try:
        head = archive.events.head()
    finally:
        archive.close()
    return (
        head,
        run("figures", "--json").stdout,
        run("history", SUBJECT, "arrests", "--json").stdout,
    )


@pytest.mark.parametrize("text", REFUSED, ids=lambda t: t[:20] or "empty")
@pytest.mark.parametrize(
    "args",
    [("figures", "--as-of"), ("figures", "--known-at"), ("history", SUBJECT, "arrests", "--as-of")],
    ids=" ".join,
)
def test_a_time_outside_the_rule_is_one_line_exit_1_and_changes_nothing(recount, args, text):
    before = state(recount)
    done = recount(*args, text, ok=False)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "RFC 3339" in lines[0] and "2022-01-11 (the end of that day, UTC)" in lines[0]
    assert len(lines[0]) < 400
    assert state(recount) == before


def test_a_date_and_its_end_of_day_timestamp_give_the_same_answer(recount):
    by_date = recount("figures", "--json", "--as-of", "2022-01-11").stdout
    by_stamp = recount("figures", "--json", "--as-of", "2022-01-11T23:59:59.999999Z").stdout
    assert by_date == by_stamp
    arrests = {f["metric"]: f["current"] for f in json.loads(by_date)}["arrests"]
    assert arrests["value"] == 9900
