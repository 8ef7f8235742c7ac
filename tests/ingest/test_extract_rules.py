"""The extractor's rules, each on a real sentence from the seeds or the dev set."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.qualifiers import Qualifier
from ingest.extract import EXTRACTOR_VERSION, Extraction, extract

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"


def figures(text: str) -> list[tuple[str, int | None, str, str]]:
    return [(f.metric, f.value, f.qualifier.value, f.status.value) for f in extract(text)]


def only(text: str) -> Extraction:
    (figure,) = extract(text)
    return figure


def seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


# -- the seed articles, exactly -------------------------------------------------------------


def test_seed_000_figures_exactly() -> None:
    assert figures(seed("000")) == [
        ("deaths", 160, "at_least", "reported"),
        ("arrests", 10000, "nearly", "reported"),
        ("troops", 2030, "exact", "reported"),
        ("deaths", 160, "at_least", "reported"),
        ("arrests", 10000, "around", "reported"),
    ]


def test_seed_002_figures_exactly() -> None:
    found = extract(seed("002"))
    assert [(f.metric, f.qualifier.value, f.low, f.high) for f in found][0] == (
        "troops", "thousands", 2000, 9999,
    )  # fmt: skip
    assert figures(seed("002"))[1:] == [
        ("arrests", 10000, "nearly", "reported"),
        ("arrests", 9900, "around", "reported"),
    ]


def test_seed_004_figures_exactly() -> None:
    assert figures(seed("004")) == [
        ("troops", 2000, "more_than", "reported"),
        ("deaths", None, "dozens", "reported"),
        ("arrests", 10000, "nearly", "reported"),
    ]


def test_offsets_and_quote_point_back_into_the_text() -> None:
    text = seed("000")
    for figure in extract(text):
        assert text[figure.start : figure.end] == figure.surface
        assert figure.surface in figure.quote and figure.quote in text


# -- qualifiers -------------------------------------------------------------------------------


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


def test_believed_after_the_number_is_an_estimate() -> None:
    text = (
        "‘At least 2,300 people have died and 10,000 are believed missing after Storm Daniel "
        "dumped so much rain on Libya’s northeast that two dams collapsed."
    )
    assert figures(text) == [
        ("deaths", 2300, "at_least", "reported"),
        ("missing", 10000, "estimated", "reported"),
    ]


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


# -- metrics ----------------------------------------------------------------------------------


def test_metric_far_from_its_number() -> None:
    assert figures("Most of the deaths — 103 — were in Almaty.") == [
        ("deaths", 103, "exact", "reported")
    ]
    assert figures("Tokayev said dozens of rioters had been liquidated.") == [
        ("deaths", None, "dozens", "reported")
    ]


def test_each_number_takes_its_own_predicate() -> None:
    text = (
        "In Syria, 1,712 people were killed and 3,640 others were injured, according to the "
        "Syrian authorities."
    )
    assert figures(text) == [
        ("deaths", 1712, "exact", "reported"),
        ("injuries", 3640, "exact", "reported"),
    ]


def test_elided_metric_comes_from_the_previous_figure() -> None:
    text = (
        "Officials and medics said 38,044 people had died in Turkey and 3,688 in Syria from the "
        "February 6 tremor, bringing the confirmed total to 41,732."
    )
    assert [f[:2] for f in figures(text)] == [
        ("deaths", 38044), ("deaths", 3688), ("deaths", 41732),
    ]  # fmt: skip


def test_units_are_reported() -> None:
    assert only("The organization sent 2,030 soldiers to Kazakhstan.").unit == "soldiers"
    assert only("In Syria, 1,712 people were killed.").unit == "people"
    text = "Nearly 240,000 rescue workers, including volunteers, continue to work."
    assert (only(text).metric, only(text).unit) == ("rescue_workers", "rescue workers")


def test_vehicles_are_counted_when_the_vocabulary_has_them() -> None:
    assert figures("Rioters set fire to 120 vehicles in the city centre.") == [
        ("vehicles", 120, "exact", "reported")
    ]


# -- status -----------------------------------------------------------------------------------


def test_previous_toll_is_not_reported() -> None:
    text = (
        "A previous toll reported, earlier today, Tuesday, that the death toll in Turkey alone "
        "reached 4,544, while the number of wounded exceeded twenty thousand."
    )
    assert figures(text) == [
        ("deaths", 4544, "exact", "previous"),
        ("injuries", 20000, "more_than", "previous"),
    ]


def test_up_from_marks_the_earlier_number_as_previous() -> None:
    assert figures("The death toll rose to 164, up from 160 on Sunday.") == [
        ("deaths", 164, "exact", "reported"),
        ("deaths", 160, "exact", "previous"),
    ]


def test_retracted_figure() -> None:
    assert figures("The ministry later retracted a report that 164 people had died.") == [
        ("deaths", 164, "exact", "retracted")
    ]


def test_could_reach_is_a_projection() -> None:
    text = (
        "At the same time, the mayor of Derna — the city most affected by the flood — "
        "Abdel-Moneim al-Haiti said that the number of victims could reach 20 000."
    )
    assert figures(text) == [("deaths", 20000, "up_to", "projection")]
    assert figures("Officials warned the death toll may rise to 300.") == [
        ("deaths", 300, "up_to", "projection")
    ]


def test_hypothetical_figure() -> None:
    text = "If the dam had failed, up to 100,000 people could have died."
    assert figures(text) == [("deaths", 100000, "up_to", "hypothetical")]


def test_planned_deployment_and_provision() -> None:
    assert figures("The alliance plans to deploy 2,500 peacekeepers.") == [
        ("troops", 2500, "exact", "planned")
    ]
    text = (
        "UN Secretary-General Antonio Guterres said in a statement that the funds would provide "
        "humanitarian relief for three months to 5.2 million people."
    )
    assert figures(text) == [("affected", 5200000, "exact", "planned")]


def test_figure_of_an_earlier_event() -> None:
    text = (
        "This is the worst earthquake to hit Turkey since the one that occurred on August 17, "
        "1999, killing 17 thousand people, including a thousand in Istanbul."
    )
    assert figures(text) == [
        ("deaths", 17000, "exact", "other_event"),
        ("deaths", 1000, "exact", "other_event"),
    ]


# -- breakdowns -------------------------------------------------------------------------------


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


# -- distractors ------------------------------------------------------------------------------


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


def test_date_before_a_figure_is_not_a_figure() -> None:
    assert figures("As of January 10, 7,939 people had been detained.") == [
        ("arrests", 7939, "exact", "reported")
    ]


def test_extraction_serialises_to_json_fields() -> None:
    figure = only("So far, at least 160 people have died.")
    assert figure.to_json() == {
        "metric": "deaths", "value": 160, "low": 160, "high": None, "qualifier": "at_least",
        "approximate": False, "unit": "people", "quote": "So far, at least 160 people have died.",
        "start": 8, "end": 27, "status": "reported", "subset_of": None,
        "surface": "at least 160 people", "confidence": figure.confidence,
    }  # fmt: skip
    assert 0.9 <= figure.confidence <= 1.0  # a predicate, and no status cue anywhere
    assert EXTRACTOR_VERSION.startswith("regex-")
