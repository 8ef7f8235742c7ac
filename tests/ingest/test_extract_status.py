"""Status: whether a figure is stated as current, or as an earlier, withdrawn, projected,
hypothetical, planned or another event's figure; each cue holds for its own clause.
"""

from __future__ import annotations

from datetime import date

import pytest

from ingest.extract import extract


def figures(text: str) -> list[tuple[str, int | None, str, str]]:
    return [(f.metric, f.value, f.qualifier.value, f.status.value) for f in extract(text)]


# Each row: a sentence and the figures it gives (metric, value, qualifier, status).
READINGS = [
    pytest.param(
        "A previous toll reported, earlier today, Tuesday, that the death toll in Turkey alone "
        "reached 4,544, while the number of wounded exceeded twenty thousand.",
        [
            ("deaths", 4544, "exact", "previous"),
            ("injuries", 20000, "more_than", "previous"),
        ],
        id="previous_toll_is_not_reported",
    ),
    pytest.param(
        "The death toll rose to 164, up from 160 on Sunday.",
        [
            ("deaths", 164, "exact", "reported"),
            ("deaths", 160, "exact", "previous"),
        ],
        id="up_from_marks_the_earlier_number_as_previous",
    ),
    pytest.param(
        "The ministry later retracted a report that 164 people had died.",
        [("deaths", 164, "exact", "retracted")],
        id="retracted_figure",
    ),
    pytest.param(
        "At the same time, the mayor of Derna — the city most affected by the flood — "
        "Abdel-Moneim al-Haiti said that the number of victims could reach 20 000.",
        [("deaths", 20000, "up_to", "projection")],
        id="could_reach_is_a_projection-1",
    ),
    pytest.param(
        "Officials warned the death toll may rise to 300.",
        [("deaths", 300, "up_to", "projection")],
        id="could_reach_is_a_projection-2",
    ),
    pytest.param(
        "If the dam had failed, up to 100,000 people could have died.",
        [("deaths", 100000, "up_to", "hypothetical")],
        id="hypothetical_figure",
    ),
    pytest.param(
        "The alliance plans to deploy 2,500 peacekeepers.",
        [("troops", 2500, "exact", "planned")],
        id="planned_deployment_and_provision-1",
    ),
    pytest.param(
        "UN Secretary-General Antonio Guterres said in a statement that the funds would provide "
        "humanitarian relief for three months to 5.2 million people.",
        [("affected", 5200000, "exact", "planned")],
        id="planned_deployment_and_provision-2",
    ),
    pytest.param(
        "This is the worst earthquake to hit Turkey since the one that occurred on August 17, "
        "1999, killing 17 thousand people, including a thousand in Istanbul.",
        [
            ("deaths", 17000, "exact", "other_event"),
            ("deaths", 1000, "exact", "other_event"),
        ],
        id="figure_of_an_earlier_event",
    ),
    pytest.param(
        "Aid agencies said 40,000 people could flee the fighting.",
        [("displaced", 40000, "exact", "projection")],
        id="a_modal_after_the_count_is_a_projection",
    ),
    pytest.param(
        "As many as 3,000 may have been displaced, the UN said.",
        [("displaced", 3000, "up_to", "reported")],
        id="may_have_been_is_no_projection",
    ),
    pytest.param(
        "Authorities lowered the toll to 71 from 74.",
        [
            ("deaths", 71, "exact", "reported"),
            ("deaths", 74, "exact", "previous"),
        ],
        id="to_n_from_m_makes_m_the_earlier_toll",
    ),
    pytest.param(
        "Police said 57 people had been arrested, up from 31 the day before.",
        [
            ("arrests", 57, "exact", "reported"),
            ("arrests", 31, "exact", "previous"),
        ],
        id="the_day_before_after_a_count_dates_it",
    ),
    pytest.param(
        "Malaria deaths reached 410 this season, up from 350 in the same period last year.",
        [
            ("deaths", 410, "exact", "reported"),
            ("deaths", 350, "exact", "other_event"),
        ],
        id="a_count_of_last_year_is_another_event-1",
    ),
    pytest.param(
        "The fighting has displaced 90,000 people since last year.",
        [("displaced", 90000, "exact", "reported")],
        id="a_count_of_last_year_is_another_event-2",
    ),
    pytest.param(
        "The first 200 peacekeepers, drawn from two battalions, will arrive next week.",
        [("troops", 200, "exact", "planned")],
        id="a_planned_verb_after_an_aside_makes_the_count_planned",
    ),
    pytest.param(
        "The ministry will send 300 more troops, bringing the total there to 1,100.",
        [
            ("troops", 300, "exact", "planned"),
            ("troops", 1100, "exact", "planned"),
        ],
        id="bringing_the_total_to_shares_the_status_of_the_clause_before",
    ),
    pytest.param(
        "The toll, which stood at 41 on Saturday, climbed to 58 as divers searched the wreck.",
        [
            ("deaths", 41, "exact", "previous"),
            ("deaths", 58, "exact", "reported"),
        ],
        id="a_toll_that_stood_at_a_number_then_rose",
    ),
    pytest.param(
        "A previous version of this article said 19 people had died; the toll is 16.",
        [
            ("deaths", 19, "exact", "retracted"),
            ("deaths", 16, "exact", "reported"),
        ],
        id="a_correction_note_retracts_the_figure_it_names-1",
    ),
    pytest.param(
        "The story was updated to say the toll is 33, not 38 as originally reported.",
        [
            ("deaths", 33, "exact", "reported"),
            ("deaths", 38, "exact", "retracted"),
        ],
        id="a_correction_note_retracts_the_figure_it_names-2",
    ),
    pytest.param(
        "Last year, the same storm season killed 74 people on the island.",
        [("deaths", 74, "exact", "other_event")],
        id="last_year_at_the_head_of_a_sentence_is_another_event",
    ),
    pytest.param(
        "About 800 soldiers are in the region and 300 more will arrive on Friday.",
        [
            ("troops", 800, "around", "reported"),
            ("troops", 300, "exact", "planned"),
        ],
        id="more_before_a_modal_is_planned",
    ),
    pytest.param(
        "Crews evacuated 640 people from the valley and said 2,000 more would have to leave if "
        "the dam gave way.",
        [
            ("evacuated", 640, "exact", "reported"),
            ("evacuated", 2000, "exact", "hypothetical"),
        ],
        id="a_condition_holds_only_for_its_own_figure",
    ),
    pytest.param(
        "At least 44 people died, after an earlier statement that said 164 people had died"
        " was retracted.",
        [("deaths", 44, "at_least", "reported"), ("deaths", 164, "exact", "retracted")],
        id="a_retraction_holds_for_its_own_clause",
    ),
    pytest.param(
        "The government denied that 2,000 people had been arrested.",
        [("arrests", 2000, "exact", "retracted")],
        id="a_denial_withdraws_the_figure",
    ),
    pytest.param(
        "The UN said 3,100 people had died instead of 5,200 as first reported.",
        [("deaths", 3100, "exact", "reported"), ("deaths", 5200, "exact", "retracted")],
        id="instead_of_withdraws_the_figure_replaced",
    ),
    pytest.param(
        "The governor raised the official toll from 48 to 1,100.",
        [("deaths", 48, "exact", "previous"), ("deaths", 1100, "exact", "reported")],
        id="from_a_to_b_makes_a_the_earlier_toll",
    ),
    pytest.param(
        "When the official toll stood at 26, the president called the storm minor.",
        [("deaths", 26, "exact", "previous")],
        id="a_toll_as_it_stood_when",
    ),
    pytest.param(
        "Russia has massed 130,000 troops near the border, compared with about 100,000 in"
        " December.",
        [("troops", 130000, "exact", "reported"), ("troops", 100000, "around", "previous")],
        id="compared_with_an_earlier_count",
    ),
    pytest.param(
        "Divers have recovered 120 bodies but have given up hope for any who might have survived.",
        [("deaths", 120, "exact", "reported")],
        id="a_condition_in_another_clause",
    ),
    pytest.param(
        "Poland is sending 200 troops to the border.",
        [("troops", 200, "exact", "planned")],
        id="sending_is_a_plan",
    ),
    pytest.param(
        "About 800 soldiers from the 3rd Infantry Division will deploy to Romania in March.",
        [("troops", 800, "around", "planned")],
        id="a_modal_past_a_qualifying_phrase",
    ),
    pytest.param(
        "Parliament authorised the deployment of up to 400 troops.",
        [("troops", 400, "up_to", "planned")],
        id="an_authorised_deployment",
    ),
    pytest.param(
        "Hurricane Ida killed 95 people last year, officials recalled.",
        [("deaths", 95, "exact", "reported")],
        id="last_year_without_comparison_is_still_the_event",
    ),
    pytest.param(
        "Officials had put the toll at 753, but it climbed to 812 by evening.",
        [("deaths", 753, "exact", "previous"), ("deaths", 812, "exact", "reported")],
        id="a_toll_the_sentence_says_rose_later",
    ),
    pytest.param(
        "In the 1990s, a similar disaster killed more than 2,000 people.",
        [("deaths", 2000, "more_than", "other_event")],
        id="a_decade_and_a_similar_disaster",
    ),
    pytest.param(
        "A similar number of people were injured, about 300.",
        [("injuries", 300, "around", "reported")],
        id="a_similar_number_is_this_event",
    ),
    pytest.param(
        "About 1,700 soldiers are expected to arrive by the weekend.",
        [("troops", 1700, "around", "planned")],
        id="expected_to_arrive_is_a_plan",
    ),
]


@pytest.mark.parametrize(("text", "expected"), READINGS)
def test_status_readings(text: str, expected: list[tuple[str, int | None, str, str]]) -> None:
    assert figures(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "In 2004, the tsunami killed 230,000 people around the Indian Ocean.",
        "Last year's monsoon killed 1,700 people in the country.",
        "A 2010 quake killed about 200,000 people in Haiti.",
        "A cyclone in May 2008 killed 138,000 people in Myanmar.",
    ],
)
def test_a_dated_earlier_disaster_is_another_event(text: str) -> None:
    assert [f.status.value for f in extract(text)] == ["other_event"]


def test_expected_after_the_count_is_a_projection() -> None:
    text = (
        "Some 800 residents have left and a further 1,100 were expected to be evacuated on Monday."
    )
    assert figures(text)[-1] == ("evacuated", 1100, "exact", "projection")


def test_a_year_older_than_the_article_dates_another_event() -> None:
    text = "Floods in 2019 killed 400 people in the valley."
    assert [f.status.value for f in extract(text)] == ["reported"]  # no article date: no clue
    found = extract(text, published=date(2024, 5, 2))
    assert [f.status.value for f in found] == ["other_event"]
    began = "The war, which began in 2019, has killed 400 people."
    assert [f.status.value for f in extract(began, published=date(2024, 5, 2))] == ["reported"]
