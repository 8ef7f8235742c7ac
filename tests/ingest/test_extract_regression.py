"""Regression sets: the seed articles exactly, the dev files' bar, and the hand-written sets A-D,
which were all tuned on (so their scores are training scores, kept so they do not fall).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.extract import extract
from ingest.extract.evaluation import Evaluation, evaluate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "extraction"
SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"


def figures(text: str) -> list[tuple[str, int | None, str, str]]:
    return [(f.metric, f.value, f.qualifier.value, f.status.value) for f in extract(text)]


def seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


# Each row: a sentence and the figures it gives (metric, value, qualifier, status).
READINGS = [
    pytest.param(
        seed("000"),
        [
            ("deaths", 160, "at_least", "reported"),
            ("arrests", 10000, "nearly", "reported"),
            ("troops", 2030, "exact", "reported"),
            ("deaths", 160, "at_least", "reported"),
            ("arrests", 10000, "around", "reported"),
        ],
        id="seed_000_figures_exactly",
    ),
    pytest.param(
        seed("004"),
        [
            ("troops", 2000, "more_than", "reported"),
            ("deaths", None, "dozens", "reported"),
            ("arrests", 10000, "nearly", "reported"),
        ],
        id="seed_004_figures_exactly",
    ),
]


@pytest.mark.parametrize(("text", "expected"), READINGS)
def test_regression_readings(text: str, expected: list[tuple[str, int | None, str, str]]) -> None:
    assert figures(text) == expected


def test_seed_002_figures_exactly() -> None:
    found = extract(seed("002"))
    assert [(f.metric, f.qualifier.value, f.low, f.high) for f in found][0] == (
        "troops", "thousands", 2000, 9999,
    )  # fmt: skip
    assert figures(seed("002"))[1:] == [
        ("arrests", 10000, "nearly", "reported"),
        ("arrests", 9900, "around", "reported"),
    ]


DEV = Path(__file__).resolve().parents[3] / "shared" / "extraction-dev"
DEV_FILES = [DEV / "figures.jsonl", DEV / "figures-2.jsonl", DEV / "figures-3.jsonl"]


@pytest.mark.skipif(
    not all(path.exists() for path in DEV_FILES), reason="the shared dev files are absent"
)
def test_the_union_of_the_three_dev_files_reaches_f1_095_with_no_distractor() -> None:
    union = Evaluation()
    for path in DEV_FILES:
        union.add(evaluate(path))
    assert union.overall.f1 >= 0.95, union.render()
    assert union.distractors_extracted == [], union.render()


# Sets A-D were written by hand and first measured unseen, then tuned on: regression sets now.
# Their scores with regex-6 are 1.000, 0.977, 0.988 and 1.000; the bars leave a margin.
@pytest.mark.parametrize(
    ("name", "bar"),
    [
        ("regression-a.jsonl", 0.97),
        ("regression-b.jsonl", 0.95),
        ("regression-c.jsonl", 0.95),
        ("regression-d.jsonl", 0.97),
    ],
)
def test_regression_sets_keep_their_f1_with_no_distractor(name: str, bar: float) -> None:
    result = evaluate(FIXTURES / name)
    assert result.overall.f1 >= bar, result.render()
    assert result.distractors_extracted == [], result.render()
