"""The make verbs a new user types: `make run` takes HOST and PORT, and `make extract-eval`
scores something in a fresh clone, where ../shared may not exist."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def make(folder: Path, *args: str, dry: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the project's Makefile in `folder` with this venv, never rebuilding the venv."""
    command = ["make", "--no-print-directory", "-f", str(ROOT / "Makefile")]
    command += ["-o", f"{BIN}/recount", f"BIN={BIN}"]
    outer = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")  # when the suite itself runs under `make test`
    return subprocess.run(
        [*command, *(["-n"] if dry else []), *args],
        cwd=folder,
        env={k: v for k, v in os.environ.items() if k not in outer},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_make_run_serves_on_the_host_and_port_given(tmp_path):
    done = make(tmp_path, "run", "PORT=8123", "HOST=0.0.0.0", dry=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == f"{BIN}/recount serve --host 0.0.0.0 --port 8123"
    default = make(tmp_path, "run", dry=True).stdout.splitlines()[-1]
    assert default.endswith("serve --host 127.0.0.1 --port 8000")


def test_extract_eval_in_a_fresh_clone_scores_the_bundled_sets(tmp_path):
    clone = tmp_path / "clone"  # no ../shared beside it
    shutil.copytree(ROOT / "tests" / "fixtures" / "extraction", clone / "tests/fixtures/extraction")
    done = make(clone, "extract-eval")
    assert done.returncode == 0, done.stderr
    assert "../shared/extraction-dev/ not found" in done.stderr
    regression = sorted((clone / "tests/fixtures/extraction").glob("regression-*.jsonl"))
    assert len(regression) >= 4
    for gold in regression:
        assert f"tests/fixtures/extraction/{gold.name}" in done.stdout
    assert "own-unseen" not in done.stdout  # kept unseen
    assert f"union of {len(regression)} files" in done.stdout


def test_extract_eval_with_no_gold_file_says_where_it_looked(tmp_path):
    done = make(tmp_path, "extract-eval")
    assert done.returncode != 0
    assert "no gold file" in done.stderr and "GOLD=" in done.stderr
