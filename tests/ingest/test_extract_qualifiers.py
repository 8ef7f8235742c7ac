"""Qualifiers: the words around a number that bound it (more than, nearly, ranges, vague words)."""

from __future__ import annotations

import pytest

from domain.qualifiers import Qualifier
from ingest.extract import Extraction, extract


def figures(text: str) -> list[tuple[str, int | None, str, str]]:
    return [(f.metric, f.value, f.qualifier.value, f.status.value) for f in extract(text)]


def only(text: str) -> Extraction:
    (figure,) = extract(text)
    return figure


# Each row: a sentence and the figures it gives (metric, value, qualifier, status).
READINGS = [
    pytest.param(
        "‘At least 2,300 people have died and 10,000 are believed missing after Storm Daniel "
        "dumped so much rain on Libya’s northeast that two dams collapsed.",
        [
            ("deaths", 2300, "at_least", "reported"),
            ("missing", 10000, "estimated", "reported"),
        ],
        id="believed_after_the_number_is_an_estimate",
    ),
    pytest.param(
        "The death toll soared past 1,000 on Monday.",
        [("deaths", 1000, "more_than", "reported")],
        id="soared_past_is_more_than",
    ),
    pytest.param(
        "Mine collapse in Sonora: 4 confirmed dead, 9 feared trapped",
        [
            ("deaths", 4, "exact", "reported"),
            ("missing", 9, "estimated", "reported"),
        ],
        id="feared_before_a_state_is_an_estimate",
    ),
    pytest.param(
        "Officials said more than1,500 soldiers were deployed to the capital.",
        [("troops", 1500, "more_than", "reported")],
        id="a_qualifier_glued_to_its_number",
    ),
    pytest.param(
        "Police said 2,500 or 3,000 people were detained.",
        [("arrests", None, "range", "reported")],
        id="two_estimates_joined_by_or_are_a_range",
    ),
    pytest.param(
        "Estimates of the dead ranged from about 900 to more than 1,300.",
        [("deaths", None, "range", "reported")],
        id="a_range_with_hedged_ends",
    ),
    pytest.param(
        "Hundreds of thousands of people fled the fighting.",
        [("displaced", None, "hundreds_of_thousands", "reported")],
        id="hundreds_of_thousands",
    ),
    pytest.param(
        "A study that estimated the heatwave caused 1,100 deaths was published on Friday.",
        [("deaths", 1100, "estimated", "reported")],
        id="a_verb_of_estimating_makes_an_estimate",
    ),
    pytest.param(
        "Officials said perhaps more than 70 people had been killed.",
        [("deaths", 70, "more_than", "reported")],
        id="a_hedge_before_the_qualifier",
    ),
]


@pytest.mark.parametrize(("text", "expected"), READINGS)
def test_qualifiers_readings(text: str, expected: list[tuple[str, int | None, str, str]]) -> None:
    assert figures(text) == expected


@pytest.mark.parametrize(
    ("text", "value", "qualifier"),
    [
        ("Turkey’s Vice President Fuat Oktay said Tuesday the total number of deaths in Turkey "
         "had risen to 3,419.", 3419, Qualifier.EXACT),
        ("Turkey, Syria earthquake death toll surpasses 15,000", 15000, Qualifier.MORE_THAN),
        ("The number of people killed by the earthquakes that struck Turkey and Syria earlier "
         "this month has now passed 50,000.", 50000, Qualifier.MORE_THAN),
        ("The death toll from a catastrophic earthquake that hit Turkey and Syria climbed above "
         "40,000 on Friday, with hopes fading of finding survivors.", 40000, Qualifier.MORE_THAN),
        ("So far, at least 160 people have died.", 160, Qualifier.AT_LEAST),
        ("The number of arrests after the rioting has now approached 10,000.", 10000,
         Qualifier.NEARLY),
        ("According to the Tengrinews agency, the Interior Ministry said that around 9,900 "
         "people were detained during the riots.", 9900, Qualifier.AROUND),
        ("In the eastern city of Derna, as many as 6,000 people are missing.", 6000,
         Qualifier.UP_TO),
        ("In northeastern Libya, flooding and the collapse of two dams killed an estimated "
         "11 300 people.", 11300, Qualifier.ESTIMATED),
    ],
)  # fmt: skip
def test_qualifier_words_before_the_number(text: str, value: int, qualifier: Qualifier) -> None:
    figure = only(text)
    assert (figure.value, figure.qualifier) == (value, qualifier)


def test_range_between_and_dash_give_low_and_high() -> None:
    for text in (
        "Between 169,000 and 190,000 people were displaced, the agency said.",
        "The agency said 169,000-190,000 people were displaced.",
    ):
        figure = only(text)
        assert (figure.metric, figure.qualifier, figure.value) == ("displaced", "range", None)
        assert (figure.low, figure.high) == (169000, 190000)


@pytest.mark.parametrize(
    ("text", "metric", "qualifier"),
    [
        ("This then sent thousands of soldiers into the country, including Russian paratroopers.",
         "troops", Qualifier.THOUSANDS),
        ("The unrest left dozens dead as an attempted coup.", "deaths", Qualifier.DOZENS),
        ("Several thousand more left their homes in other cities.", "displaced",
         Qualifier.SEVERAL_THOUSAND),
        ("Tens of thousands of people were displaced by the floods.", "displaced",
         Qualifier.TENS_OF_THOUSANDS),
        ("Hundreds were injured in the clashes.", "injuries", Qualifier.HUNDREDS),
        ("The earthquake killed thousands of people and left millions more in desperate need of "
         "aid.", "affected", Qualifier.MILLIONS),
    ],
)  # fmt: skip
def test_vague_quantities_get_vague_bounds(text: str, metric: str, qualifier: Qualifier) -> None:
    figure = extract(text)[-1]
    assert (figure.metric, figure.qualifier, figure.value) == (metric, qualifier, None)
    assert figure.low is not None and figure.high is not None


def test_a_to_b_is_a_range_unless_it_is_a_change() -> None:
    found = extract("Witnesses said 20 to 25 people drowned when the canoe overturned.")
    assert [(f.metric, f.qualifier.value, f.low, f.high) for f in found] == [
        ("deaths", "range", 20, 25)
    ]
    assert figures("The toll rose from 20 to 25 overnight.") == [
        ("deaths", 20, "exact", "previous"),
        ("deaths", 25, "exact", "reported"),
    ]
