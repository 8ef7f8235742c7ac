"""`recount subjects` as an operator types it: rules given and written back in words, a general
file routed, an old name followed with a note, and bad input one line with nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.terminal import Terminal

WORLD = str(Path(__file__).parent.parent / "fixtures" / "general" / "world.atom")
QUAKE = ["valoria-earthquake-2026", "--title", "Valoria earthquake"]


@pytest.fixture
def recount(tmp_path: Path) -> Terminal:
    run = Terminal(tmp_path)
    run("init")
    return run


def test_subjects_add_echoes_the_rules_and_a_general_ingest_routes_by_them(recount):
    stdout, _ = recount(
        "subjects",
        "add",
        *QUAKE,
        "--match",
        "earthquake",
        "--match",
        "Quake",
        "--exclude",
        "football",
    )
    assert stdout.splitlines() == [
        'defined valoria-earthquake-2026: Valoria earthquake; routes "earthquake" or "quake"; '
        'not "football"'
    ]
    stdout, _ = recount("ingest", WORLD)
    assert stdout.splitlines()[-1] == (
        "appended 12 documents, 4 routes to subjects and 5 reports (0 entries unchanged)"
    )
    listed = json.loads(recount("subjects", "list", "--json")[0])
    assert [(s["subject"], s["title"]) for s in listed] == [
        ("valoria-earthquake-2026", "Valoria earthquake")
    ]
    table, _ = recount("subjects", "list")
    assert "Valoria earthquake" in table and '"earthquake" or "quake"' in table


def test_an_old_name_is_followed_to_the_new_one_with_a_note(recount):
    recount("ingest", WORLD, "--subject", "valoria-local")
    recount("subjects", "rename", "valoria-local", "valoria-region")
    stdout, stderr = recount("figures", "--subject", "valoria-local")
    assert stderr.splitlines() == ["note: subject valoria-local is now valoria-region"]
    assert stdout.splitlines()[0].strip() == "valoria-region"
    history, _ = recount("history", "valoria-local", "deaths", "--json")
    assert json.loads(history)["subject"] == "valoria-region"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["subjects", "add", *QUAKE, "--match", "--"], "error: not a phrase: '--'"),
        (
            ["subjects", "add", *QUAKE, "--exclude", "football"],
            "error: rules need at least one --match",
        ),
        (["subjects", "add", "Bad Slug", "--title", "x"], "error: not a subject slug"),
        (["subjects", "merge", "nowhere", "elsewhere"], "error: no subject 'nowhere'"),
        (["subjects", "hide", "nowhere"], "error: no subject 'nowhere'"),
    ],
)
def test_bad_subject_commands_say_why_in_one_line_and_store_nothing(recount, args, message):
    before = recount.holdings()
    _, stderr = recount(*args, code=1)
    assert len(stderr.splitlines()) == 1 and stderr.startswith(message), stderr
    assert recount.holdings() == before
    assert json.loads(recount("subjects", "list", "--json", "--all")[0]) == []
