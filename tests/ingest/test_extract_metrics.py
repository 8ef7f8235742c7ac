"""Metrics: what a count counts, by the noun phrase it heads and the verb frames around it;
and breakdowns, the parts of a larger figure.
"""

from __future__ import annotations

import pytest

from ingest.extract import Extraction, extract


def figures(text: str) -> list[tuple[str, int | None, str, str]]:
    return [(f.metric, f.value, f.qualifier.value, f.status.value) for f in extract(text)]


def only(text: str) -> Extraction:
    (figure,) = extract(text)
    return figure


# Each row: a sentence and the figures it gives (metric, value, qualifier, status).
READINGS = [
    pytest.param(
        "Most of the deaths — 103 — were in Almaty.",
        [("deaths", 103, "exact", "reported")],
        id="metric_far_from_its_number-1",
    ),
    pytest.param(
        "Tokayev said dozens of rioters had been liquidated.",
        [("deaths", None, "dozens", "reported")],
        id="metric_far_from_its_number-2",
    ),
    pytest.param(
        "In Syria, 1,712 people were killed and 3,640 others were injured, according to the "
        "Syrian authorities.",
        [
            ("deaths", 1712, "exact", "reported"),
            ("injuries", 3640, "exact", "reported"),
        ],
        id="each_number_takes_its_own_predicate",
    ),
    pytest.param(
        "Rioters set fire to 120 vehicles in the city centre.",
        [("vehicles", 120, "exact", "reported")],
        id="vehicles_are_counted_when_the_vocabulary_has_them",
    ),
    pytest.param(
        "Tens of thousands marched through the capital as police detained 40 people.",
        [("arrests", 40, "exact", "reported")],
        id="a_count_with_a_verb_of_its_own_names_no_metric",
    ),
    pytest.param(
        "Four of the wounded were airlifted to hospital in the capital.",
        [("hospitalized", 4, "exact", "reported")],
        id="a_partitive_reaches_its_predicate",
    ),
    pytest.param(
        "At least 30 Afghans were killed when the truck overturned.",
        [("deaths", 30, "at_least", "reported")],
        id="a_plural_demonym_counts_people",
    ),
    pytest.param(
        "The avalanche killed nine porters near the base camp.",
        [("deaths", 9, "exact", "reported")],
        id="the_object_of_killed_is_people_whatever_the_noun",
    ),
    pytest.param(
        "Helicopters rescued 85 people stranded by the floodwaters.",
        [("rescued", 85, "exact", "reported")],
        id="a_participle_right_after_the_object_does_not_override_the_verb",
    ),
    pytest.param(
        "Eight wardens were suspended after the fire that killed 3 inmates.",
        [("deaths", 3, "exact", "reported")],
        id="a_verb_of_its_own_after_auxiliaries_names_no_metric",
    ),
    pytest.param(
        "Police detain dozens after clashes in the capital",
        [("arrests", None, "dozens", "reported")],
        id="vocabulary_added_for_set_c-1",
    ),
    pytest.param(
        "Another 41 were treated for burns at the scene.",
        [("injuries", 41, "exact", "reported")],
        id="vocabulary_added_for_set_c-2",
    ),
    pytest.param(
        "More than 300 spectators fled the arena.",
        [("displaced", 300, "more_than", "reported")],
        id="vocabulary_added_for_set_c-3",
    ),
    pytest.param(
        "One child drowned and 15 guests were hospitalised.",
        [
            ("deaths", 1, "exact", "reported"),
            ("hospitalized", 15, "exact", "reported"),
        ],
        id="vocabulary_added_for_set_c-4",
    ),
    pytest.param(
        "Nepal said 14 of its nationals had died in the blaze.",
        [("deaths", 14, "exact", "reported")],
        id="a_possessive_partitive_counts_people",
    ),
    pytest.param(
        "The agency said 3.1 million need urgent food assistance in the region.",
        [("affected", 3_100_000, "exact", "reported")],
        id="a_verb_whose_subject_the_count_is_names_the_metric",
    ),
    pytest.param(
        "Some 900 firefighters have been deployed to contain the blaze.",
        [("rescue_workers", 900, "around", "reported")],
        id="the_counted_noun_wins_over_a_deployment_predicate-1",
    ),
    pytest.param(
        "The government said 250 volunteers were deployed to the camps.",
        [("rescue_workers", 250, "exact", "reported")],
        id="the_counted_noun_wins_over_a_deployment_predicate-2",
    ),
    pytest.param(
        "Ottawa will send 300 more troops, bringing the number of soldiers assisting the rescue "
        "operation to about 2,000.",
        [
            ("troops", 300, "exact", "planned"),
            ("troops", 2000, "around", "planned"),
        ],
        id="the_head_of_a_toll_wins_over_triggers_between",
    ),
    pytest.param(
        "Riot police charged at some 500 students who marched on the ministry; 30 were arrested.",
        [("arrests", 30, "exact", "reported")],
        id="a_relative_clause_with_a_verb_of_its_own_names_no_metric",
    ),
    pytest.param(
        "Organisers counted 2,000 marchers along the route; later, 14 people were detained.",
        [("arrests", 14, "exact", "reported")],
        id="a_nearest_trigger_does_not_cross_a_semicolon",
    ),
    pytest.param(
        "Eleven Gurkhas were killed in the ambush and 4 Rangers were wounded.",
        [
            ("deaths", 11, "exact", "reported"),
            ("injuries", 4, "exact", "reported"),
        ],
        id="an_unknown_plural_noun_counts_people_before_a_toll_verb",
    ),
    pytest.param(
        "Snow closed the pass, stranding about 900 motorists overnight.",
        [("affected", 900, "around", "reported")],
        id="stranded_motorists_are_affected",
    ),
    pytest.param(
        "Three people died and 21 taken to hospital after the gas leak.",
        [
            ("deaths", 3, "exact", "reported"),
            ("hospitalized", 21, "exact", "reported"),
        ],
        id="an_irregular_participle_after_the_count",
    ),
    pytest.param(
        "Some 1,400 French, Italian and Spanish troops were deployed to the region.",
        [("troops", 1400, "around", "reported")],
        id="a_list_of_nationalities_before_the_noun",
    ),
    pytest.param(
        "Thousands of National Guard members were deployed overnight.",
        [("troops", None, "thousands", "reported")],
        id="a_vague_count_of_a_modified_noun",
    ),
    pytest.param(
        "The bodies of 12 climbers were brought down from the mountain.",
        [("deaths", 12, "exact", "reported")],
        id="a_trigger_noun_the_count_completes",
    ),
    pytest.param(
        "The ministry said 9 police officers or soldiers were among the dead.",
        [("deaths", 9, "exact", "reported")],
        id="a_second_noun_and_among_the_dead",
    ),
    pytest.param(
        "At least 60 people were trampled to death at the festival.",
        [("deaths", 60, "at_least", "reported")],
        id="trampled_to_death",
    ),
    pytest.param(
        "As many as 200 people may still be buried under the rubble.",
        [("missing", 200, "up_to", "reported")],
        id="buried_under_the_rubble_after_a_modal",
    ),
    pytest.param(
        "The toll touched 612 on Sunday.",
        [("deaths", 612, "exact", "reported")],
        id="a_toll_verb_as_vocabulary",
    ),
    pytest.param(
        "Morgues received the bodies of 88 people. There were 14 children among them.",
        [("deaths", 88, "exact", "reported"), ("deaths", 14, "exact", "reported")],
        id="among_them_takes_the_article_metric",
    ),
    pytest.param(
        "The death toll stood at 300. Officials said the tally could rise to 500.",
        [("deaths", 300, "exact", "reported"), ("deaths", 500, "up_to", "projection")],
        id="a_toll_word_takes_the_article_metric",
    ),
    pytest.param(
        "Sixty-two people were in intensive care on Monday.",
        [("hospitalized", 62, "exact", "reported")],
        id="a_written_number_in_intensive_care",
    ),
    pytest.param(
        "More than 60,000 people took to the streets, and police detained 1,300.",
        [("arrests", 1300, "exact", "reported")],
        id="an_irregular_verb_of_its_own",
    ),
    pytest.param(
        "Divers resumed the search for 31 people after the ferry sank.",
        [("missing", 31, "exact", "reported")],
        id="the_search_for_people_is_missing",
    ),
    pytest.param(
        "Clinics treated 57 people for smoke inhalation overnight.",
        [("injuries", 57, "exact", "reported")],
        id="treated_for_smoke_inhalation",
    ),
    pytest.param(
        "A 300-strong Belgian contingent arrived on Monday.",
        [("troops", 300, "exact", "reported")],
        id="n_strong_then_a_modified_noun",
    ),
    pytest.param(
        "Protesters formed a 2,000-strong crowd outside parliament.",
        [],
        id="n_strong_crowd_counts_no_metric",
    ),
    pytest.param(
        "India dispatched 5,000 paramilitary personnel to the state.",
        [("troops", 5000, "exact", "reported")],
        id="a_dispatch_of_modified_personnel",
    ),
    pytest.param(
        "Rescuers are racing to reach an estimated 300 people feared buried in the landslide.",
        [("missing", 300, "estimated", "reported")],
        id="feared_buried_is_missing",
    ),
    pytest.param(
        "Dozens of people, many of them students, were arrested on Tuesday.",
        [("arrests", None, "dozens", "reported")],
        id="an_aside_many_of_them_before_the_predicate",
    ),
    pytest.param(
        "The rescue effort involves 1,500 responders and 12 cranes.",
        [("rescue_workers", 1500, "exact", "reported")],
        id="responders_are_rescue_workers",
    ),
]


@pytest.mark.parametrize(("text", "expected"), READINGS)
def test_metrics_readings(text: str, expected: list[tuple[str, int | None, str, str]]) -> None:
    assert figures(text) == expected


def test_elided_metric_comes_from_the_previous_figure() -> None:
    text = (
        "Officials and medics said 38,044 people had died in Turkey and 3,688 in Syria from the "
        "February 6 tremor, bringing the confirmed total to 41,732."
    )
    assert [f[:2] for f in figures(text)] == [
        ("deaths", 38044), ("deaths", 3688), ("deaths", 41732),
    ]  # fmt: skip


def test_including_makes_a_breakdown_of_the_larger_figure() -> None:
    text = (
        "This is the worst earthquake to hit Turkey since the one that occurred on August 17, "
        "1999, killing 17 thousand people, including a thousand in Istanbul."
    )
    headline, part = extract(text)
    assert headline.subset_of is None
    assert part.subset_of == "17 thousand"


def test_breakdowns_always_name_what_they_are_part_of() -> None:
    for text in (
        "Most of the deaths — 103 — were in Almaty.",
        "Of those who were killed, at least 145 were Egyptian, officials said on Tuesday.",
        "Twelve children were among the dead.",
    ):
        assert only(text).subset_of is not None, text


def test_a_breakdown_shares_its_parents_metric() -> None:
    text = "The blast killed 12 people, including two firefighters, and injured 30."
    found = extract(text)
    assert [(f.metric, f.value) for f in found] == [
        ("deaths", 12),
        ("deaths", 2),
        ("injuries", 30),
    ]
    assert found[1].subset_of == "12"


@pytest.mark.parametrize(
    ("text", "metric"),
    [
        ("The floods displaced 120,000 people across the province.", "displaced"),
        ("About 9,000 people have sought refuge in shelters, officials said.", "displaced"),
        ("Some 2,000 tourists were stranded by the snowstorm.", "affected"),
        ("At least 14 people are still trapped under the rubble.", "missing"),
        ("Firefighters pulled 11 people alive from the burning building.", "rescued"),
        ("Dozens of workers were taken to hospital after the leak.", "hospitalized"),
        ("The clinic admitted 230 patients with burns overnight.", "hospitalized"),
        ("Police said 48 protesters were taken into custody.", "arrests"),
        ("The fire claimed 27 lives, the mayor said.", "deaths"),
        ("Three more patients succumbed to their injuries on Friday.", "deaths"),
        ("About 600 National Guard members were deployed to the city.", "troops"),
    ],
)
def test_vocabulary_added_for_other_events(text: str, metric: str) -> None:
    assert [f.metric for f in extract(text)] == [metric]


def test_the_object_of_a_verb_takes_the_verbs_metric_not_its_nouns() -> None:
    assert figures("The ambush killed 9 soldiers near the border.") == [
        ("deaths", 9, "exact", "reported")
    ]
    # A verb of a metric counted in soldiers leaves the noun its own metric.
    assert [f.metric for f in extract("The state deployed 300 rescuers to the valley.")] == [
        "rescue_workers"
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


@pytest.mark.parametrize(
    "text",
    [
        "Rebels killed 6 people and abducted 30 farmers, the army said.",
        "The mine, which employed some 900 workers, was closed after 6 people died.",
    ],
)
def test_the_object_of_a_verb_that_is_no_trigger_counts_nothing(text: str) -> None:
    assert figures(text) == [("deaths", 6, "exact", "reported")]


def test_a_toll_named_after_its_count() -> None:
    text = (
        "Divers found four more bodies, bringing to 61 the number of people killed in the sinking."
    )
    assert figures(text)[-1] == ("deaths", 61, "exact", "reported")
    text = "Coast guards saved nine fishermen, taking to 40 the number rescued this week."
    assert ("rescued", 40, "exact", "reported") in figures(text)


def test_a_breakdown_keeps_its_parents_metric_whatever_its_noun() -> None:
    text = "The fire killed nine people, including three firefighters, the city said."
    assert [(m, v) for m, v, _, _ in figures(text)] == [("deaths", 9), ("deaths", 3)]


def test_of_the_whole_then_a_part() -> None:
    found = extract("Of the 87 confirmed deaths, 52 were in the capital, officials said.")
    assert [(f.value, f.subset_of) for f in found] == [(87, None), (52, "87")]


def test_the_dead_included_is_a_breakdown() -> None:
    found = extract("The victims included 7 pilgrims and 3 children aged 6 to 12, police said.")
    assert [(f.metric, f.value, f.subset_of) for f in found][0] == ("deaths", 7, "The victims")
    assert [(f.metric, f.value) for f in found] == [("deaths", 7), ("deaths", 3)]


def test_a_plural_trigger_before_a_verb_in_s_is_still_the_counted_noun() -> None:
    text = "This year's tally of 412 deaths exceeds the 380 recorded in the whole of last year."
    assert figures(text)[0] == ("deaths", 412, "exact", "reported")


def test_an_adverb_between_the_count_and_its_verb() -> None:
    text = "Eleven people were pulled from the river and three later died in hospital."
    assert figures(text)[-1] == ("deaths", 3, "exact", "reported")
