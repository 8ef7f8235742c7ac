"""The held-out sets (hand-written wire copy on events outside the dev set, labelled before the
extractor was run on them) keep their scores; each rule added for them works on a fresh sentence.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.extract import extract
from ingest.extract.evaluation import evaluate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "extraction"


def figures(text: str) -> list[tuple[str, int | None, str, str]]:
    return [(f.metric, f.value, f.qualifier.value, f.status.value) for f in extract(text)]


# -- the held-out sets ----------------------------------------------------------------------


# regex-5 reaches F1 1.000 on set A, 0.977 on set B, 0.988 on set C and 1.000 on set D (the
# real-prose set; 0.876 when first measured with regex-4); the bars leave a margin.
@pytest.mark.parametrize(
    ("name", "bar"),
    [
        ("heldout.jsonl", 0.97),
        ("heldout_b.jsonl", 0.95),
        ("heldout_c.jsonl", 0.95),
        ("heldout_d.jsonl", 0.97),
    ],
)
def test_heldout_f1_and_no_distractor(name: str, bar: float) -> None:
    result = evaluate(FIXTURES / name)
    assert result.overall.f1 >= bar, result.render()
    assert result.distractors_extracted == [], result.render()


# -- what is never a count ------------------------------------------------------------------


def test_phone_numbers_are_no_figures() -> None:
    assert figures("Relatives of the missing can call the hotline 1555 for news.") == []
    assert figures("Families of the dead may dial 0800-123-4567 for help.") == []


def test_capacity_is_no_toll() -> None:
    text = "The bus, carrying 52 pilgrims, plunged into a gorge, killing 19 people."
    assert figures(text) == [("deaths", 19, "exact", "reported")]


def test_people_on_board_are_no_toll_unless_a_predicate_follows() -> None:
    assert figures("The plane went down with 72 people on board near Pokhara.") == []
    assert figures("All 132 people on board were killed, the airline said.") == [
        ("deaths", 132, "exact", "reported")
    ]


def test_an_age_between_commas_is_no_count() -> None:
    assert figures("The driver, 45, was arrested at the scene.") == []


def test_the_whole_after_n_of_the_is_no_figure() -> None:
    text = "Rescuers said 25 of the 33 miners had been brought out alive."
    assert figures(text) == [("rescued", 25, "exact", "reported")]


def test_n_of_the_places_is_no_count() -> None:
    text = "Floods hit 12 of the country's 18 provinces, killing 43 people."
    assert figures(text) == [("deaths", 43, "exact", "reported")]


def test_other_countries_are_no_people() -> None:
    text = "The storm hit four other countries and killed 16 people."
    assert figures(text) == [("deaths", 16, "exact", "reported")]


def test_a_count_with_a_verb_of_its_own_names_no_metric() -> None:
    text = "Tens of thousands marched through the capital as police detained 40 people."
    assert figures(text) == [("arrests", 40, "exact", "reported")]


# -- qualifiers, status ---------------------------------------------------------------------


def test_soared_past_is_more_than() -> None:
    assert figures("The death toll soared past 1,000 on Monday.") == [
        ("deaths", 1000, "more_than", "reported")
    ]


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


def test_a_modal_after_the_count_is_a_projection() -> None:
    assert figures("Aid agencies said 40,000 people could flee the fighting.") == [
        ("displaced", 40000, "exact", "projection")
    ]


def test_may_have_been_is_no_projection() -> None:
    assert figures("As many as 3,000 may have been displaced, the UN said.") == [
        ("displaced", 3000, "up_to", "reported")
    ]


def test_to_n_from_m_makes_m_the_earlier_toll() -> None:
    assert figures("Authorities lowered the toll to 71 from 74.") == [
        ("deaths", 71, "exact", "reported"),
        ("deaths", 74, "exact", "previous"),
    ]


def test_the_day_before_after_a_count_dates_it() -> None:
    assert figures("Police said 57 people had been arrested, up from 31 the day before.") == [
        ("arrests", 57, "exact", "reported"),
        ("arrests", 31, "exact", "previous"),
    ]


# -- metrics --------------------------------------------------------------------------------


def test_a_partitive_reaches_its_predicate() -> None:
    assert figures("Four of the wounded were airlifted to hospital in the capital.") == [
        ("hospitalized", 4, "exact", "reported")
    ]


def test_a_breakdown_shares_its_parents_metric() -> None:
    text = "The blast killed 12 people, including two firefighters, and injured 30."
    found = extract(text)
    assert [(f.metric, f.value) for f in found] == [
        ("deaths", 12),
        ("deaths", 2),
        ("injuries", 30),
    ]
    assert found[1].subset_of == "12"


def test_a_plural_demonym_counts_people() -> None:
    assert figures("At least 30 Afghans were killed when the truck overturned.") == [
        ("deaths", 30, "at_least", "reported")
    ]


def test_the_object_of_killed_is_people_whatever_the_noun() -> None:
    assert figures("The avalanche killed nine porters near the base camp.") == [
        ("deaths", 9, "exact", "reported")
    ]


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
