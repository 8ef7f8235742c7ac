"""Re-extraction corrects the log with a new vocabulary or extractor, and keeps the history."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from domain.figures import Window
from ingest.extract.vocabulary import DEFAULT_PATH
from ingest.sources import DEMO_FEED, DEMO_SUBJECT
from services.archive import Archive
from services.capture import ingest_source
from services.figures import figure_history, figures_as_of
from services.reextract import reextract


def without_troops(tmp_path: Path) -> Path:
    """The packaged vocabulary with the troops metric taken out, as a deployment might."""
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    trimmed = re.sub(r"\[metrics\.troops\].*?(?=\n\[)", "", text, flags=re.S)
    path = tmp_path / "metrics.toml"
    path.write_text(trimmed, encoding="utf-8")
    return path


def test_reports_the_new_vocabulary_no_longer_finds_are_retracted_not_erased(archive, tmp_path):
    ingest_source(archive, str(DEMO_FEED), DEMO_SUBJECT)
    troops_before = figure_history(archive, DEMO_SUBJECT, "troops")[0]
    settings = replace(archive.settings, metrics_path=without_troops(tmp_path))
    narrower = Archive(settings, archive.engine)

    result = reextract(narrower, DEMO_SUBJECT)

    assert (result.documents, result.appended, result.retracted) == (3, 0, 3)
    troops = figure_history(archive, DEMO_SUBJECT, "troops")[0]
    assert troops.current is None
    assert [r.report_id for r in troops.reports] == [r.report_id for r in troops_before.reports]
    assert all(
        r.retraction and "no longer found by extractor" in r.retraction.reason
        for r in troops.reports
    )
    deaths = figure_history(archive, DEMO_SUBJECT, "deaths")[0]
    assert deaths.current is not None and deaths.current.value == 160


def test_re_extracting_with_the_same_extractor_changes_nothing(archive):
    ingest_source(archive, str(DEMO_FEED), DEMO_SUBJECT)
    head = archive.events.head()
    result = reextract(archive, DEMO_SUBJECT)
    assert (result.appended, result.retracted, result.unchanged) == (0, 0, 11)
    assert archive.events.head() == head


def test_a_wider_vocabulary_appends_the_new_figures_and_the_old_view_stays_answerable(
    archive, tmp_path
):
    path = without_troops(tmp_path)
    narrow = Archive(replace(archive.settings, metrics_path=path), archive.engine)
    ingest_source(narrow, str(DEMO_FEED), DEMO_SUBJECT)
    before = archive.events.head()
    assert "troops" not in {f.metric for f in figures_as_of(archive, DEMO_SUBJECT).figures}

    result = reextract(archive, DEMO_SUBJECT)

    assert (result.appended, result.retracted) == (3, 0)
    troops = figure_history(archive, DEMO_SUBJECT, "troops")[0]
    assert troops.current is not None and troops.current.value == 2000
    pinned = figures_as_of(archive, DEMO_SUBJECT, Window(at_position=before))
    assert "troops" not in {f.metric for f in pinned.figures}


def test_extract_eval_prints_the_scores_of_a_gold_file(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        '{"url": "u", "publisher": "p", "published": null, "event": "e", "sentences": '
        '[{"text": "At least 12 people were killed.", "figures": [{"metric": "deaths", '
        '"value": 12, "low": 12, "high": null, "qualifier": "at least", "unit": "people", '
        '"surface": "At least 12", "status": "reported"}]}]}\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["extract-eval", str(gold)])
    assert result.exit_code == 0, result.stderr
    assert "F1 1.000" in result.stdout
    missing = CliRunner().invoke(app, ["extract-eval", str(tmp_path / "none.jsonl")])
    assert missing.exit_code == 1 and "none.jsonl" in missing.stderr
