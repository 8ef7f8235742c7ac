"""Routing rules and subject names: pure rules, no database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.errors import InvalidInput
from domain.routing import Entry, Router, Rules, matches
from domain.subjects import Link, naming

QUAKE = Rules.of(["earthquake", "quake"], ["football"])


def test_a_phrase_matches_whole_words_in_any_case_and_accent():
    entry = Entry.of("Séisme: EARTHQUAKE hits Valoria", "The death-toll rose.")
    assert matches(Rules.of(["earthquake"]), entry)
    assert matches(Rules.of(["seisme"]), entry)
    assert matches(Rules.of(["death toll"]), entry)
    assert not matches(Rules.of(["quake"]), entry)  # not inside "earthquake"
    assert not matches(Rules.of(["war"]), Entry.of("software update"))


def test_any_match_phrase_routes_and_any_exclude_phrase_keeps_out():
    assert matches(QUAKE, Entry.of("quake in Valoria"))
    assert not matches(QUAKE, Entry.of("earthquake talk at the football stadium"))
    assert not matches(QUAKE, Entry.of("floods in Marenland"))


def test_a_feed_restriction_takes_only_that_feeds_entries():
    rules = Rules.of(["quake"], feeds=["feed-a"])
    assert matches(rules, Entry.of("quake"), "feed-a")
    assert not matches(rules, Entry.of("quake"), "feed-b")
    assert not matches(rules, Entry.of("quake"), None)


def test_the_router_names_every_subject_an_entry_meets_once():
    router = Router(
        [
            ("valoria", QUAKE),
            ("marenland", Rules.of(["flood", "floods"])),
            ("valoria", Rules.of(["aftershock"])),
        ]
    )
    both = Entry.of("Quake and floods", "an aftershock followed")
    assert router.route(both) == ["valoria", "marenland"]
    assert router.route(Entry.of("central bank holds rates")) == []


@pytest.mark.parametrize(
    ("match", "exclude", "message"),
    [
        (["--"], [], "not a phrase"),
        ([], ["football"], "at least one --match"),
        (["x" * 201], [], "not a phrase"),
    ],
)
def test_rules_that_cannot_route_are_refused_with_the_reason(match, exclude, message):
    with pytest.raises(InvalidInput, match=message):
        Rules.of(match, exclude)


def test_rules_read_back_in_words():
    assert QUAKE.describe() == '"earthquake" or "quake"; not "football"'
    assert Rules.from_json(QUAKE.to_json()) == QUAKE


LINKS = [
    Link("renamed", "valoria-local", "valoria-region", 10, datetime(2026, 3, 4, tzinfo=UTC)),
    Link("merged", "korvath", "valoria-region", 20, datetime(2026, 3, 5, tzinfo=UTC)),
]


def test_a_name_resolves_through_renames_and_merges_made_in_the_window():
    now = naming(LINKS, "valoria-local")
    assert (now.canonical, now.moved) == ("valoria-region", True)
    assert naming(LINKS, "valoria-region").members == ("valoria-region", "korvath", "valoria-local")


def test_before_a_merge_the_two_subjects_answer_apart():
    before = naming(LINKS, "valoria-region", position=15)
    assert before.members == ("valoria-region", "valoria-local")
    assert not naming(LINKS, "korvath", position=15).moved
    assert naming(LINKS, "korvath", position=15).members == ("korvath",)
