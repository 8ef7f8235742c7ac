"""The evaluation harness on a gold file small enough to score by hand, and the dev-set bar."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.extract.evaluation import evaluate

DEV_SET = Path(__file__).resolve().parents[3] / "shared" / "extraction-dev" / "figures.jsonl"


def figure(metric: str, value: int, qualifier: str, surface: str) -> dict[str, object]:
    return {
        "metric": metric, "value": value, "low": None, "high": None, "qualifier": qualifier,
        "unit": "people", "surface": surface, "status": "reported",
    }  # fmt: skip


@pytest.fixture
def tiny_gold(tmp_path: Path) -> Path:
    """Four gold figures; the extractor gets two right, one with the wrong qualifier label."""
    article = {
        "url": "https://example.org/a",
        "sentences": [
            {
                "text": "So far, at least 160 people have died and nearly 10,000 have been "
                "arrested.",
                "figures": [
                    figure("deaths", 160, "at least", "at least 160 people"),
                    # labelled "around" on purpose: the extractor says "nearly", a strict miss
                    figure("arrests", 10000, "around", "nearly 10,000"),
                ],
            },
            {
                "text": "The organization sent 2,030 soldiers to Kazakhstan.",
                "figures": [
                    figure("troops", 2030, "exact", "2,030 soldiers"),
                    figure("injuries", 5, "exact", "five"),  # not in the text: a plain miss
                ],
            },
            {
                "text": "Some 200 people were killed.",
                "figures": [],
                "distractors": ["Some 200 people"],
            },
        ],
    }
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps(article) + "\n", encoding="utf-8")
    return path


def test_strict_scores_computed_by_hand(tiny_gold: Path) -> None:
    result = evaluate(tiny_gold)
    # 4 gold, 4 extracted; tp = deaths 160 + troops 2030; fp = arrests "nearly" + the distractor;
    # fn = arrests "around" + injuries 5.
    assert (result.overall.tp, result.overall.fp, result.overall.fn) == (2, 2, 2)
    assert result.overall.precision == pytest.approx(2 / 4)
    assert result.overall.recall == pytest.approx(2 / 4)
    assert result.overall.f1 == pytest.approx(0.5)


def test_scores_per_metric_and_per_normalised_qualifier(tiny_gold: Path) -> None:
    result = evaluate(tiny_gold)
    deaths = result.by_metric["deaths"]  # 160 found, and the distractor is a death too
    assert (deaths.tp, deaths.fp, deaths.fn) == (1, 1, 0)
    assert result.by_metric["troops"].f1 == pytest.approx(1.0)
    assert (result.by_metric["arrests"].fp, result.by_metric["arrests"].fn) == (1, 1)
    assert result.by_metric["injuries"].recall == 0.0
    assert "at_least" in result.by_qualifier and "at least" not in result.by_qualifier
    exact = result.by_qualifier["exact"]  # troops tp, injuries fn
    assert (exact.tp, exact.fp, exact.fn) == (1, 0, 1)
    around = result.by_qualifier["around"]  # the "around" label missed; "Some 200" extracted
    assert (around.tp, around.fp, around.fn) == (0, 1, 1)


def test_value_found_ignores_metric_qualifier_and_status(tiny_gold: Path) -> None:
    result = evaluate(tiny_gold)
    assert result.values_found == 3  # 160, 10,000 (wrong qualifier), 2,030; not the absent 5
    assert result.value_recall == pytest.approx(3 / 4)


def test_misses_false_positives_and_distractors_are_listed(tiny_gold: Path) -> None:
    result = evaluate(tiny_gold)
    assert len(result.misses) == 2 and len(result.false_positives) == 2
    assert len(result.distractors_extracted) == 1
    report = result.render()
    assert "P 0.500" in report and "distractors extracted  1" in report
    assert result.to_json()["overall"]["f1"] == 0.5


@pytest.mark.skipif(not DEV_SET.exists(), reason="the shared extraction dev set is absent")
def test_dev_set_f1_at_least_090_with_no_distractor() -> None:
    result = evaluate(DEV_SET)
    assert result.overall.f1 >= 0.90, result.render()
    assert result.distractors_extracted == [], result.render()
