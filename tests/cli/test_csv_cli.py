"""`recount figures --csv` and `recount history --csv` write the same CSV as the HTTP API."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from cli.main import app
from ingest.sources import DEMO_FEED, DEMO_SUBJECT
from services.formats import COLUMNS
from services.settings import Settings


@pytest.fixture
def runner(sqlite_url):
    runner = CliRunner()
    env = {"RECOUNT_DATABASE_URL": sqlite_url}
    assert runner.invoke(app, ["init"], env=env).exit_code == 0
    done = runner.invoke(app, ["ingest", str(DEMO_FEED), "--subject", DEMO_SUBJECT], env=env)
    assert done.exit_code == 0, done.output
    return lambda *args: runner.invoke(app, list(args), env=env)


def test_history_csv_matches_the_api_csv_byte_for_byte(runner, sqlite_url, tmp_path):
    done = runner("history", DEMO_SUBJECT, "arrests", "--csv", "--at-position", "14")
    assert done.exit_code == 0, done.output
    settings = Settings(database_url=sqlite_url, signing_key_path=tmp_path / "k")
    with TestClient(create_app(settings)) as client:
        served = client.get(f"/v1/subjects/{DEMO_SUBJECT}/figures/arrests.csv?at_position=14")
    assert done.stdout_bytes == served.content  # .stdout would fold the CRLF line ends


def test_figures_csv_has_one_row_per_report(runner):
    done = runner("figures", "--csv", "--as-of", "2022-01-11")
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == 8  # 11 reports, 3 of them dated 12 January
    current = {r["metric"]: r["value"] for r in rows if r["current"] == "true"}
    assert current == {"arrests": "9900", "deaths": "160", "troops": "2030"}
