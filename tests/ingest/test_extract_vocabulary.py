"""The metric vocabulary: one clear error for a bad file, new metrics without code."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.errors import InvalidVocabulary
from ingest.extract import default_vocabulary, extract, load_vocabulary

DEV_METRICS = {
    "deaths", "injuries", "troops", "arrests", "displaced", "missing", "affected",
    "hospitalized", "rescued", "casualties", "evacuated", "rescue_workers", "vehicles",
}  # fmt: skip


def test_default_vocabulary_has_every_dev_set_metric() -> None:
    assert DEV_METRICS <= {m.name for m in default_vocabulary().metrics}


def test_default_vocabulary_is_loaded_once() -> None:
    assert default_vocabulary() is default_vocabulary()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("[metrics.deaths\ntriggers = ['killed']\n", "not valid TOML"),
        ("[units]\npeople = ['people']\n", "missing key 'metrics'"),
        ("[metrics.deaths]\nunit = 'people'\n", "missing key 'triggers'"),
        ("[metrics.deaths]\ntriggers = []\n", "'metrics.deaths.triggers' is empty"),
        ("[metrics.deaths]\ntriggers = 'killed'\n", "must be a list of strings, not str"),
        ("[metrics.deaths]\ntriggers = ['killed']\nunit = 3\n", "'metrics.deaths.unit'"),
        ("[metrics.deaths]\ntriggers = ['killed']\ntrigers = ['x']\n", "unknown key(s): trigers"),
        (
            "[metrics.deaths]\ntriggers = ['killed']\n[metrics.toll]\ntriggers = ['killed']\n",
            "listed under both",
        ),
        ("[metrics.deaths]\ntriggers = ['killed']\n[frames]\ntoll_verb = ['hit']\n", "toll_verb"),
        ("[metrics.deaths]\ntriggers = ['killed']\n[frames]\ntoll_verbs = 'hit'\n", "frames.toll"),
    ],
)
def test_bad_vocabulary_gives_one_clear_error(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "metrics.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidVocabulary) as error:
        load_vocabulary(path)
    assert str(path) in str(error.value)
    assert problem in str(error.value)


def test_bad_toml_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "metrics.toml"
    path.write_text("[metrics.deaths]\ntriggers = killed\n", encoding="utf-8")
    with pytest.raises(InvalidVocabulary, match="line 2"):
        load_vocabulary(path)


def test_missing_file_is_an_invalid_vocabulary(tmp_path: Path) -> None:
    with pytest.raises(InvalidVocabulary, match="cannot read"):
        load_vocabulary(tmp_path / "absent.toml")


def test_custom_vocabulary_adds_a_metric_without_code(tmp_path: Path) -> None:
    path = tmp_path / "metrics.toml"
    path.write_text(
        "[units]\nfamilies = ['families']\n"
        "[metrics.evictions]\ntriggers = ['evicted', 'evictions']\nunit = 'families'\n",
        encoding="utf-8",
    )
    vocabulary = load_vocabulary(path)
    (figure,) = extract("More than 300 families were evicted on Monday.", vocabulary)
    assert (figure.metric, figure.value, figure.qualifier.value) == ("evictions", 300, "more_than")
    assert figure.unit == "families"
    assert extract("More than 300 families were evicted on Monday.") == []


def test_verb_frames_are_vocabulary_data_a_deployment_may_extend(tmp_path: Path) -> None:
    text = "The death toll brushed 300 on Monday."
    assert extract(text) == []  # "brushed" is no toll verb of the packaged frames
    path = tmp_path / "metrics.toml"
    path.write_text(
        "[metrics.deaths]\ntriggers = ['death toll']\n[frames]\ntoll_verbs = ['brushed']\n",
        encoding="utf-8",
    )
    vocabulary = load_vocabulary(path)
    assert [(f.metric, f.value) for f in extract(text, vocabulary)] == [("deaths", 300)]
    # the lists the file does not set are the packaged ones
    assert vocabulary.frames.predicate_words == default_vocabulary().frames.predicate_words
