"""The extraction commands as a user runs them: figures with a confidence, scores over files."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app

GOLD_LINE = (
    '{{"url": "u", "publisher": "p", "published": null, "event": "e", "sentences": '
    '[{{"text": "{text}", "figures": [{{"metric": "deaths", "value": {value}, "low": {value}, '
    '"high": null, "qualifier": "at least", "unit": "people", "surface": "x", '
    '"status": "reported"}}]}}]}}\n'
)


def gold(folder: Path, name: str, text: str, value: int) -> Path:
    path = folder / name
    path.write_text(GOLD_LINE.format(text=text, value=value), encoding="utf-8")
    return path


def test_extract_json_gives_each_figure_a_confidence_between_zero_and_one():
    text = "At least 12 people were killed. The tally could climb to 40, officials said."
    result = CliRunner().invoke(app, ["extract", "--json"], input=text)
    assert result.exit_code == 0, result.stderr
    found = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(f["value"], f["status"]) for f in found] == [(12, "reported"), (40, "projection")]
    sure, doubtful = (f["confidence"] for f in found)
    assert 0 < doubtful < sure <= 1  # a toll word and the article's metric are weak evidence


def test_extract_eval_scores_each_file_and_their_union(tmp_path):
    good = gold(tmp_path, "a.jsonl", "At least 12 people were killed.", 12)
    missed = gold(tmp_path, "b.jsonl", "At least 30 people were killed.", 31)
    result = CliRunner().invoke(app, ["extract-eval", str(good), str(missed)])
    assert result.exit_code == 0, result.stderr
    assert "F1 1.000" in result.stdout and "F1 0.000" in result.stdout
    assert "union of 2 files" in result.stdout and "F1 0.500" in result.stdout
    assert "by status:" in result.stdout
    as_json = CliRunner().invoke(app, ["extract-eval", str(good), str(missed), "--json"])
    scores = json.loads(as_json.stdout)
    assert set(scores["files"]) == {str(good), str(missed)}
    assert scores["union"]["overall"]["tp"] == 1 and scores["union"]["overall"]["fp"] == 1
    assert scores["union"]["confidence_ranking"]["extractions"] == 2


def test_extract_eval_names_the_file_it_cannot_read(tmp_path):
    good = gold(tmp_path, "a.jsonl", "At least 12 people were killed.", 12)
    result = CliRunner().invoke(app, ["extract-eval", str(good), str(tmp_path / "none.jsonl")])
    assert result.exit_code == 1 and "none.jsonl" in result.stderr
