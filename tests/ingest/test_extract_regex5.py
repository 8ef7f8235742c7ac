"""The rules added in regex-5 for held-out set D (real-prose style), each on a fresh sentence
(not one of set D's)."""

from __future__ import annotations

from ingest.extract import extract


def figures(text: str) -> list[tuple[str, int | None, str, str]]:
    return [(f.metric, f.value, f.qualifier.value, f.status.value) for f in extract(text)]


# -- what a count counts --------------------------------------------------------------------


def test_a_toll_named_after_its_count() -> None:
    text = (
        "Divers found four more bodies, bringing to 61 the number of people killed in the sinking."
    )
    assert figures(text)[-1] == ("deaths", 61, "exact", "reported")
    text = "Coast guards saved nine fishermen, taking to 40 the number rescued this week."
    assert ("rescued", 40, "exact", "reported") in figures(text)


def test_a_possessive_partitive_counts_people() -> None:
    text = "Nepal said 14 of its nationals had died in the blaze."
    assert figures(text) == [("deaths", 14, "exact", "reported")]


def test_a_trigger_that_modifies_another_noun_counts_that_noun() -> None:
    assert figures("Aid reached 45 affected villages on Monday.") == []
    assert figures("Officials opened 120 evacuation centres across the province.") == []
    assert figures("Doctors treated 30 injured people at the scene.") == [
        ("injuries", 30, "exact", "reported")
    ]


def test_a_verb_whose_subject_the_count_is_names_the_metric() -> None:
    text = "The agency said 3.1 million need urgent food assistance in the region."
    assert figures(text) == [("affected", 3_100_000, "exact", "reported")]


def test_the_counted_noun_wins_over_a_deployment_predicate() -> None:
    text = "Some 900 firefighters have been deployed to contain the blaze."
    assert figures(text) == [("rescue_workers", 900, "around", "reported")]
    text = "The government said 250 volunteers were deployed to the camps."
    assert figures(text) == [("rescue_workers", 250, "exact", "reported")]


def test_a_breakdown_keeps_its_parents_metric_whatever_its_noun() -> None:
    text = "The fire killed nine people, including three firefighters, the city said."
    assert [(m, v) for m, v, _, _ in figures(text)] == [("deaths", 9), ("deaths", 3)]


# -- the toll a count completes -------------------------------------------------------------


def test_the_head_of_a_toll_wins_over_triggers_between() -> None:
    text = (
        "Ottawa will send 300 more troops, bringing the number of soldiers assisting the rescue "
        "operation to about 2,000."
    )
    assert figures(text) == [
        ("troops", 300, "exact", "planned"),
        ("troops", 2000, "around", "planned"),
    ]


def test_a_toll_that_stood_at_a_number_then_rose() -> None:
    text = "The toll, which stood at 41 on Saturday, climbed to 58 as divers searched the wreck."
    assert figures(text) == [
        ("deaths", 41, "exact", "previous"),
        ("deaths", 58, "exact", "reported"),
    ]


def test_of_the_whole_then_a_part() -> None:
    found = extract("Of the 87 confirmed deaths, 52 were in the capital, officials said.")
    assert [(f.value, f.subset_of) for f in found] == [(87, None), (52, "87")]


# -- status ---------------------------------------------------------------------------------


def test_a_correction_note_retracts_the_figure_it_names() -> None:
    text = "A previous version of this article said 19 people had died; the toll is 16."
    assert figures(text) == [
        ("deaths", 19, "exact", "retracted"),
        ("deaths", 16, "exact", "reported"),
    ]
    text = "The story was updated to say the toll is 33, not 38 as originally reported."
    assert figures(text) == [
        ("deaths", 33, "exact", "reported"),
        ("deaths", 38, "exact", "retracted"),
    ]


def test_last_year_at_the_head_of_a_sentence_is_another_event() -> None:
    text = "Last year, the same storm season killed 74 people on the island."
    assert figures(text) == [("deaths", 74, "exact", "other_event")]


def test_more_before_a_modal_is_planned() -> None:
    text = "About 800 soldiers are in the region and 300 more will arrive on Friday."
    assert figures(text) == [
        ("troops", 800, "around", "reported"),
        ("troops", 300, "exact", "planned"),
    ]


# -- what is never a count ------------------------------------------------------------------


def test_decree_and_law_numbers_are_no_figures() -> None:
    assert figures("The president signed Decree 112 on the evacuation of the affected zone.") == []
    assert figures("Under Law 25, the detained may be held for a week.") == []


def test_populations_are_no_figures() -> None:
    text = "The quake hit Kahramanpur, a town of 95,000 people, killing 31."
    assert figures(text) == [("deaths", 31, "exact", "reported")]
    assert figures("Half of the region's population of 2.3 million is affected.") == []
    text = "Of the island's about 600 inhabitants, 40 were evacuated."
    assert figures(text) == [("evacuated", 40, "exact", "reported")]


def test_vote_counts_are_no_figures() -> None:
    assert figures("The assembly voted 201 to 19 to extend aid to the injured.") == []
    assert figures("The bill passed by 88 votes to 7 after the floods killed dozens.") == [
        ("deaths", None, "dozens", "reported")
    ]


def test_crowds_are_no_figures() -> None:
    text = "The funeral drew an estimated 40,000 mourners, and police arrested 12 people."
    assert figures(text) == [("arrests", 12, "exact", "reported")]


# -- second round (probe sentences written after set D was fitted) --------------------------


def test_a_crowd_in_words_is_no_toll() -> None:
    text = "The rallies have drawn hundreds of people, and police have detained 64."
    assert figures(text) == [("arrests", 64, "exact", "reported")]


def test_the_dead_included_is_a_breakdown() -> None:
    found = extract("The victims included 7 pilgrims and 3 children aged 6 to 12, police said.")
    assert [(f.metric, f.value, f.subset_of) for f in found][0] == ("deaths", 7, "The victims")
    assert [(f.metric, f.value) for f in found] == [("deaths", 7), ("deaths", 3)]


def test_a_part_of_a_whole_in_millions() -> None:
    text = "Officials said 1.4 million of the 4 million people in the province were affected."
    assert figures(text) == [("affected", 1_400_000, "exact", "reported")]


def test_a_relative_clause_with_a_verb_of_its_own_names_no_metric() -> None:
    text = "Riot police charged at some 500 students who marched on the ministry; 30 were arrested."
    assert figures(text) == [("arrests", 30, "exact", "reported")]


def test_a_nearest_trigger_does_not_cross_a_semicolon() -> None:
    text = "Organisers counted 2,000 marchers along the route; later, 14 people were detained."
    assert figures(text) == [("arrests", 14, "exact", "reported")]


def test_an_unknown_plural_noun_counts_people_before_a_toll_verb() -> None:
    text = "Eleven Gurkhas were killed in the ambush and 4 Rangers were wounded."
    assert figures(text) == [
        ("deaths", 11, "exact", "reported"),
        ("injuries", 4, "exact", "reported"),
    ]


def test_stranded_motorists_are_affected() -> None:
    text = "Snow closed the pass, stranding about 900 motorists overnight."
    assert figures(text) == [("affected", 900, "around", "reported")]


def test_an_irregular_participle_after_the_count() -> None:
    text = "Three people died and 21 taken to hospital after the gas leak."
    assert figures(text) == [
        ("deaths", 3, "exact", "reported"),
        ("hospitalized", 21, "exact", "reported"),
    ]


def test_places_named_by_a_trigger_are_no_count() -> None:
    text = "The army opened 85 relief camps sheltering 9,500 people in the district."
    assert figures(text) == [("displaced", 9500, "exact", "reported")]


def test_feared_before_a_state_is_an_estimate() -> None:
    assert figures("Mine collapse in Sonora: 4 confirmed dead, 9 feared trapped") == [
        ("deaths", 4, "exact", "reported"),
        ("missing", 9, "estimated", "reported"),
    ]


def test_a_plural_trigger_before_a_verb_in_s_is_still_the_counted_noun() -> None:
    text = "This year's tally of 412 deaths exceeds the 380 recorded in the whole of last year."
    assert figures(text)[0] == ("deaths", 412, "exact", "reported")


def test_a_condition_holds_only_for_its_own_figure() -> None:
    text = (
        "Crews evacuated 640 people from the valley and said 2,000 more would have to leave if "
        "the dam gave way."
    )
    assert figures(text) == [
        ("evacuated", 640, "exact", "reported"),
        ("evacuated", 2000, "exact", "hypothetical"),
    ]


def test_expected_after_the_count_is_a_projection() -> None:
    text = (
        "Some 800 residents have left and a further 1,100 were expected to be evacuated on Monday."
    )
    assert figures(text)[-1] == ("evacuated", 1100, "exact", "projection")


def test_an_adverb_between_the_count_and_its_verb() -> None:
    text = "Eleven people were pulled from the river and three later died in hospital."
    assert figures(text)[-1] == ("deaths", 3, "exact", "reported")
