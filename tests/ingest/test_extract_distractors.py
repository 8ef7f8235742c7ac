"""Distractors by kind: numbers that are never counts of people (dates, times, ages, phone and
flight numbers, money, percentages, magnitudes, capacities, populations, crowds, votes, labels).
"""

from __future__ import annotations

import pytest

from ingest.extract import extract


def figures(text: str) -> list[tuple[str, int | None, str, str]]:
    return [(f.metric, f.value, f.qualifier.value, f.status.value) for f in extract(text)]


# Each row: a sentence and the figures it gives (metric, value, qualifier, status).
READINGS = [
    pytest.param(
        "As of January 10, 7,939 people had been detained.",
        [("arrests", 7939, "exact", "reported")],
        id="date_before_a_figure_is_not_a_figure",
    ),
    pytest.param(
        "Relatives of the missing can call the hotline 1555 for news.",
        [],
        id="phone_numbers_are_no_figures-1",
    ),
    pytest.param(
        "Families of the dead may dial 0800-123-4567 for help.",
        [],
        id="phone_numbers_are_no_figures-2",
    ),
    pytest.param(
        "The bus, carrying 52 pilgrims, plunged into a gorge, killing 19 people.",
        [("deaths", 19, "exact", "reported")],
        id="capacity_is_no_toll",
    ),
    pytest.param(
        "The plane went down with 72 people on board near Pokhara.",
        [],
        id="people_on_board_are_no_toll_unless_a_predicate_follows-1",
    ),
    pytest.param(
        "All 132 people on board were killed, the airline said.",
        [("deaths", 132, "exact", "reported")],
        id="people_on_board_are_no_toll_unless_a_predicate_follows-2",
    ),
    pytest.param(
        "The driver, 45, was arrested at the scene.",
        [],
        id="an_age_between_commas_is_no_count",
    ),
    pytest.param(
        "Rescuers said 25 of the 33 miners had been brought out alive.",
        [("rescued", 25, "exact", "reported")],
        id="the_whole_after_n_of_the_is_no_figure",
    ),
    pytest.param(
        "Floods hit 12 of the country's 18 provinces, killing 43 people.",
        [("deaths", 43, "exact", "reported")],
        id="n_of_the_places_is_no_count",
    ),
    pytest.param(
        "The storm hit four other countries and killed 16 people.",
        [("deaths", 16, "exact", "reported")],
        id="other_countries_are_no_people",
    ),
    pytest.param(
        "Cholera has killed 80 people, mostly children under five.",
        [("deaths", 80, "exact", "reported")],
        id="an_age_limit_after_a_noun_of_people_is_no_count",
    ),
    pytest.param(
        "The arena, which seats 18,000, was evacuated after 40 people were hurt.",
        [("injuries", 40, "exact", "reported")],
        id="a_venues_capacity_is_no_count",
    ),
    pytest.param(
        "Aid reached 45 affected villages on Monday.",
        [],
        id="a_trigger_that_modifies_another_noun_counts_that_noun-1",
    ),
    pytest.param(
        "Officials opened 120 evacuation centres across the province.",
        [],
        id="a_trigger_that_modifies_another_noun_counts_that_noun-2",
    ),
    pytest.param(
        "Doctors treated 30 injured people at the scene.",
        [("injuries", 30, "exact", "reported")],
        id="a_trigger_that_modifies_another_noun_counts_that_noun-3",
    ),
    pytest.param(
        "The president signed Decree 112 on the evacuation of the affected zone.",
        [],
        id="decree_and_law_numbers_are_no_figures-1",
    ),
    pytest.param(
        "Under Law 25, the detained may be held for a week.",
        [],
        id="decree_and_law_numbers_are_no_figures-2",
    ),
    pytest.param(
        "The quake hit Kahramanpur, a town of 95,000 people, killing 31.",
        [("deaths", 31, "exact", "reported")],
        id="populations_are_no_figures-1",
    ),
    pytest.param(
        "Half of the region's population of 2.3 million is affected.",
        [],
        id="populations_are_no_figures-2",
    ),
    pytest.param(
        "Of the island's about 600 inhabitants, 40 were evacuated.",
        [("evacuated", 40, "exact", "reported")],
        id="populations_are_no_figures-3",
    ),
    pytest.param(
        "The assembly voted 201 to 19 to extend aid to the injured.",
        [],
        id="vote_counts_are_no_figures-1",
    ),
    pytest.param(
        "The bill passed by 88 votes to 7 after the floods killed dozens.",
        [("deaths", None, "dozens", "reported")],
        id="vote_counts_are_no_figures-2",
    ),
    pytest.param(
        "The funeral drew an estimated 40,000 mourners, and police arrested 12 people.",
        [("arrests", 12, "exact", "reported")],
        id="crowds_are_no_figures",
    ),
    pytest.param(
        "The rallies have drawn hundreds of people, and police have detained 64.",
        [("arrests", 64, "exact", "reported")],
        id="a_crowd_in_words_is_no_toll",
    ),
    pytest.param(
        "Officials said 1.4 million of the 4 million people in the province were affected.",
        [("affected", 1_400_000, "exact", "reported")],
        id="a_part_of_a_whole_in_millions",
    ),
    pytest.param(
        "The army opened 85 relief camps sheltering 9,500 people in the district.",
        [("displaced", 9500, "exact", "reported")],
        id="places_named_by_a_trigger_are_no_count",
    ),
    pytest.param(
        "Relatives can call 1-800-555-0199 for news of the missing.",
        [],
        id="a_phone_number_with_a_country_code",
    ),
    pytest.param(
        "Families of the missing may ring 0800 123 4567.",
        [],
        id="a_phone_number_that_starts_with_zero",
    ),
    pytest.param(
        "The injured were aged between 19 and 64.",
        [],
        id="an_age_range",
    ),
    pytest.param(
        "Most of the dead were among 240 pupils on a school trip.",
        [],
        id="a_group_the_dead_were_among",
    ),
    pytest.param(
        "A patrol car with three officers inside was set alight.",
        [],
        id="people_inside",
    ),
    pytest.param(
        "Dozens of police stations were attacked overnight.",
        [],
        id="a_unit_that_modifies_another_noun",
    ),
    pytest.param(
        "The youngest victim was seven.",
        [],
        id="the_youngest_victims_age",
    ),
    pytest.param(
        "Officials said 6,000 were now accounted for.",
        [],
        id="people_accounted_for",
    ),
    pytest.param(
        "The victims ranged in age from 3 to 87.",
        [],
        id="an_age_range_from_a_to_b",
    ),
    pytest.param(
        "The teenager, 16, was detained along with his father, 45.",
        [],
        id="ages_after_commas_to_the_end_of_the_sentence",
    ),
    pytest.param(
        "Of the victims, 12 were under 18.",
        [("deaths", 12, "exact", "reported")],
        id="an_age_limit_after_were",
    ),
    pytest.param(
        "The quake destroyed 1,200 houses and damaged 3,400 more.",
        [],
        id="houses_and_more_houses",
    ),
    pytest.param(
        "About 2,000 people were inside the mall at the time of the blast.",
        [],
        id="people_inside_a_building",
    ),
    pytest.param(
        "The 6.8-magnitude quake was followed by more than 300 aftershocks.",
        [],
        id="a_magnitude_and_aftershocks",
    ),
    pytest.param(
        "Food prices have risen 40 percent since the floods.",
        [],
        id="a_percentage",
    ),
    pytest.param(
        "Some 4.6 million children live in the affected provinces, UNICEF said.",
        [],
        id="an_adjective_trigger_before_another_noun_names_no_metric",
    ),
    pytest.param(
        "Of the country's 31 provinces, 10 were affected.",
        [],
        id="a_part_of_a_whole_that_is_no_people",
    ),
    pytest.param(
        "The national guard has 450,000 members, of whom 20,000 have been deployed.",
        [("troops", 20000, "exact", "reported")],
        id="a_whole_before_of_whom_takes_no_trigger",
    ),
]


@pytest.mark.parametrize(("text", "expected"), READINGS)
def test_distractors_readings(text: str, expected: list[tuple[str, int | None, str, str]]) -> None:
    assert figures(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Tokayev had recently proposed the 49-year-old as prime minister.",
        "The vast majority of the approximately 19 million residents remain poor.",
        "Nazarbayev ruled the country for almost 30 years until 2019.",
        "The process will not last more than ten days.",
        "Rescuers were impeded by temperatures below freezing and some 200 aftershocks.",
        "Turkish rescuers pulled a 17-year-old girl and a woman in her 20s from the rubble, "
        "nearly 11 full days after the 7.8-magnitude jolt struck.",
        "The government said that 173,000 buildings have so far collapsed.",
        "Heavy rains damaged 3,500 kilometers (2,200 miles) of roads and 149 bridges.",
        "The CSTO will begin to withdraw its soldiers from this Thursday, January 13.",
        "Kazakh President Tokayev in Bishkek, Kyrgyzstan, on November 28, 2019.",
        "The United Nations has launched an appeal for USD1 billion to help victims.",
    ],
)
def test_distractors_never_become_figures(text: str) -> None:
    assert extract(text) == []
