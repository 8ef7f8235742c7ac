"""The rules added in regex-4 for held-out set C, each on a fresh sentence (not one of set C's)."""

from __future__ import annotations

import pytest

from ingest.extract import extract


def figures(text: str) -> list[tuple[str, int | None, str, str]]:
    return [(f.metric, f.value, f.qualifier.value, f.status.value) for f in extract(text)]


# -- metric ---------------------------------------------------------------------------------


def test_the_object_of_a_verb_takes_the_verbs_metric_not_its_nouns() -> None:
    assert figures("The ambush killed 9 soldiers near the border.") == [
        ("deaths", 9, "exact", "reported")
    ]
    # A verb of a metric counted in soldiers leaves the noun its own metric.
    assert [f.metric for f in extract("The state deployed 300 rescuers to the valley.")] == [
        "rescue_workers"
    ]


def test_a_participle_right_after_the_object_does_not_override_the_verb() -> None:
    assert figures("Helicopters rescued 85 people stranded by the floodwaters.") == [
        ("rescued", 85, "exact", "reported")
    ]


def test_a_breakdown_aside_is_skipped_on_the_way_to_the_predicate() -> None:
    text = "Troops detained 20 men, and at least 70 people, among them 12 firefighters, were hurt."
    found = extract(text)
    assert [(f.metric, f.value) for f in found] == [
        ("arrests", 20),
        ("injuries", 70),
        ("injuries", 12),
    ]
    assert found[2].subset_of == "70"


def test_a_verb_of_its_own_after_auxiliaries_names_no_metric() -> None:
    text = "Eight wardens were suspended after the fire that killed 3 inmates."
    assert figures(text) == [("deaths", 3, "exact", "reported")]


@pytest.mark.parametrize(
    "text",
    [
        "Rebels killed 6 people and abducted 30 farmers, the army said.",
        "The mine, which employed some 900 workers, was closed after 6 people died.",
    ],
)
def test_the_object_of_a_verb_that_is_no_trigger_counts_nothing(text: str) -> None:
    assert figures(text) == [("deaths", 6, "exact", "reported")]


def test_vocabulary_added_for_set_c() -> None:
    assert figures("Police detain dozens after clashes in the capital") == [
        ("arrests", None, "dozens", "reported")
    ]
    assert figures("Another 41 were treated for burns at the scene.") == [
        ("injuries", 41, "exact", "reported")
    ]
    assert figures("More than 300 spectators fled the arena.") == [
        ("displaced", 300, "more_than", "reported")
    ]
    assert figures("One child drowned and 15 guests were hospitalised.") == [
        ("deaths", 1, "exact", "reported"),
        ("hospitalized", 15, "exact", "reported"),
    ]


# -- ranges, never-counts -------------------------------------------------------------------


def test_a_to_b_is_a_range_unless_it_is_a_change() -> None:
    found = extract("Witnesses said 20 to 25 people drowned when the canoe overturned.")
    assert [(f.metric, f.qualifier.value, f.low, f.high) for f in found] == [
        ("deaths", "range", 20, 25)
    ]
    assert figures("The toll rose from 20 to 25 overnight.") == [
        ("deaths", 20, "exact", "previous"),
        ("deaths", 25, "exact", "reported"),
    ]


def test_an_age_limit_after_a_noun_of_people_is_no_count() -> None:
    assert figures("Cholera has killed 80 people, mostly children under five.") == [
        ("deaths", 80, "exact", "reported")
    ]


def test_a_venues_capacity_is_no_count() -> None:
    text = "The arena, which seats 18,000, was evacuated after 40 people were hurt."
    assert figures(text) == [("injuries", 40, "exact", "reported")]


# -- status ---------------------------------------------------------------------------------


def test_a_count_of_last_year_is_another_event() -> None:
    text = "Malaria deaths reached 410 this season, up from 350 in the same period last year."
    assert figures(text) == [
        ("deaths", 410, "exact", "reported"),
        ("deaths", 350, "exact", "other_event"),
    ]
    assert figures("The fighting has displaced 90,000 people since last year.") == [
        ("displaced", 90000, "exact", "reported")
    ]


def test_a_planned_verb_after_an_aside_makes_the_count_planned() -> None:
    text = "The first 200 peacekeepers, drawn from two battalions, will arrive next week."
    assert figures(text) == [("troops", 200, "exact", "planned")]


def test_bringing_the_total_to_shares_the_status_of_the_clause_before() -> None:
    text = "The ministry will send 300 more troops, bringing the total there to 1,100."
    assert figures(text) == [
        ("troops", 300, "exact", "planned"),
        ("troops", 1100, "exact", "planned"),
    ]
