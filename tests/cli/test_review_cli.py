"""`recount review`, `confirm`, `correct`, `reject` and `add` as an operator runs them: each
decision named after the operator, every refusal one line and exit 1 with nothing appended."""

from __future__ import annotations

import json

import pytest

from ingest.sources import DEMO_SUBJECT
from tests.cli.terminal import Terminal


@pytest.fixture
def desk(tmp_path) -> Terminal:
    terminal = Terminal(tmp_path)
    terminal("init")
    terminal("demo")
    return terminal


def queue(desk: Terminal) -> list[dict]:
    return json.loads(desk("review", "--subject", DEMO_SUBJECT, "--limit", "500", "--json")[0])


def history(desk: Terminal, metric: str) -> dict:
    return json.loads(desk("history", DEMO_SUBJECT, metric, "--json")[0])


def test_review_lists_each_reading_with_its_sentence_least_sure_first(desk):
    items = queue(desk)
    assert items and [i["confidence"] for i in items] == sorted(i["confidence"] for i in items)
    for item in items:
        assert {"report_id", "subject", "metric", "value", "qualifier", "status"} <= set(item)
        assert {"confidence", "quote", "review", "highlight", "archived_copy"} <= set(item)
    shown, _ = desk("review", "--limit", "2")
    assert f"{len(items)} waiting" in shown
    assert all(len(line) <= 80 for line in shown.splitlines())


def test_correct_names_the_operator_and_the_corrected_value_becomes_current(desk):
    troops = next(i for i in queue(desk) if i["metric"] == "troops" and i["value"] == 2030)
    said, _ = desk(
        "correct",
        troops["report_id"],
        "--value",
        "2031",
        "--qualifier",
        "exact",
        "--reason",
        "a test",
        "--as",
        "desk-a",
    )
    assert "corrected" in said and "troops 2,031" in said
    reports = {r["report_id"]: r for r in history(desk, "troops")["reports"]}
    old = reports[troops["report_id"]]
    assert old["review"]["state"] == "corrected" and old["review"]["by"] == "desk-a"
    new = reports[old["review"]["corrected_by"]]
    assert new["value"] == 2031 and new["review"]["corrects"] == troops["report_id"]
    assert troops["report_id"] not in {i["report_id"] for i in queue(desk)}


def test_confirm_and_reject_are_decisions_named_after_the_operator(desk):
    first, second = queue(desk)[:2]
    desk("confirm", first["report_id"], "--as", "desk-b")
    desk("reject", second["report_id"], "--reason", "not a figure", "--as", "desk-b")
    reviews = {
        r["report_id"]: r["review"]
        for metric in {first["metric"], second["metric"]}
        for r in history(desk, metric)["reports"]
    }
    assert reviews[first["report_id"]]["state"] == "confirmed"
    assert reviews[second["report_id"]] == reviews[second["report_id"]] | {
        "state": "rejected",
        "by": "desk-b",
        "reason": "not a figure",
    }


def test_add_a_figure_the_extractor_missed_from_its_captured_sentence(desk):
    troops = next(i for i in queue(desk) if i["metric"] == "troops" and i["value"] == 2030)
    document = troops["source"]["document_id"]
    said, _ = desk(
        "add",
        document,
        "--sentence",
        troops["quote"],
        "--metric",
        "casualties",
        "--value",
        "2030",
        "--qualifier",
        "exact",
        "--as",
        "desk-a",
    )
    assert said.startswith("added report")
    added = history(desk, "casualties")["current"]
    assert added["value"] == 2030 and added["review"]["state"] == "entered"
    assert added["reported_at"] == troops["reported_at"]
    assert added["source"]["document_id"] == document


@pytest.mark.parametrize(
    "args, message",
    [
        (["confirm", "no-such-report"], "no report 'no-such-report'"),
        (["correct", "{id}", "--value", "5"], "missing option '--reason'"),
        (["correct", "{id}", "--value", "5", "--reason", " "], "a correction needs a reason"),
        (["correct", "{id}", "--value", "2030", "--reason", "x"], "changes nothing"),
        (["correct", "{id}", "--qualifier", "lots", "--reason", "x"], "unknown qualifier"),
        (
            [
                "add",
                "nope",
                "--sentence",
                "x",
                "--metric",
                "deaths",
                "--qualifier",
                "exact",
                "--value",
                "1",
            ],
            "no captured document 'nope'",
        ),
        (
            [
                "add",
                "{doc}",
                "--sentence",
                "Not in the article.",
                "--metric",
                "deaths",
                "--qualifier",
                "exact",
                "--value",
                "1",
            ],
            "the sentence is not in document",
        ),
    ],
)
def test_bad_input_is_one_line_and_appends_nothing(desk, args, message):
    troops = next(i for i in queue(desk) if i["metric"] == "troops" and i["value"] == 2030)
    args = [a.format(id=troops["report_id"], doc=troops["source"]["document_id"]) for a in args]
    before = desk("figures", "--json")[0]
    _, said = desk(*args, code=1)
    assert message in said and len(said.strip().splitlines()) == 1
    assert desk("figures", "--json")[0] == before


def test_confirming_twice_and_correcting_a_rejected_report_are_refused(desk):
    troops = next(i for i in queue(desk) if i["metric"] == "troops")["report_id"]
    desk("confirm", troops)
    _, said = desk("confirm", troops, code=1)
    assert "was confirmed by" in said
    desk("reject", troops, "--reason", "not a figure")
    _, said = desk("correct", troops, "--value", "1", "--reason", "x", code=1)
    assert "withdrawn" in said and "nothing to correct" in said
