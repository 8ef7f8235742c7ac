"""`recount --help` and `recount extract` start without the database, web or feed libraries.

Each case runs the CLI in a fresh interpreter and reports which of those were imported, so a
module-level import anywhere on the way (cli/, the extractor, domain/) fails the test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("sqlalchemy", "fastapi", "feedparser", "apscheduler", "uvicorn", "alembic", "httpx")

RUN_AND_REPORT = f"""
import json, sys
from cli.main import app
try:
    app(sys.argv[1:], prog_name="recount")
except SystemExit as stop:
    code = stop.code
else:
    code = 0
loaded = [name for name in {HEAVY!r} if name in sys.modules]
sys.stderr.write("\\n" + json.dumps({{"code": code, "loaded": loaded}}) + "\\n")
"""


def run_cli(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> tuple[str, dict]:
    done = subprocess.run(
        [sys.executable, "-c", RUN_AND_REPORT, *args],
        input=stdin,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return done.stdout, report


@pytest.mark.parametrize("args", [["--help"], ["feeds", "--help"], ["verify", "--help"]])
def test_help_imports_no_database_web_or_feed_library(args):
    stdout, report = run_cli(*args)
    assert report == {"code": 0, "loaded": []}
    assert "Usage" in stdout


def test_extract_finds_figures_without_the_database_web_or_feed_libraries():
    stdout, report = run_cli("extract", "--json", stdin="Police said 1,200 people were detained.")
    assert report == {"code": 0, "loaded": []}
    found = [json.loads(line) for line in stdout.splitlines()]
    assert [(f["metric"], f["value"]) for f in found] == [("arrests", 1200)]


def test_a_database_command_still_loads_the_database(sqlite_url):
    _, report = run_cli("figures", "--json", env={"RECOUNT_DATABASE_URL": sqlite_url})
    assert report["code"] == 1  # no `recount init` yet: one plain line, as ever
    assert "sqlalchemy" in report["loaded"]


def test_extract_of_a_file_does_not_load_pydantic_for_its_arguments(tmp_path):
    """Typer would coerce FILE and --json through pydantic: a third of the command's start-up."""
    article = tmp_path / "article.txt"
    article.write_text("Police said 1,200 people were detained.", encoding="utf-8")
    check = (
        "import sys\nfrom cli.main import app\n"
        "try:\n    app(sys.argv[1:], prog_name='recount')\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write('pydantic' if 'pydantic' in sys.modules else 'without')"
    )
    for args in (["extract", str(article)], ["extract", "--json", str(article)]):
        done = subprocess.run(
            [sys.executable, "-c", check, *args], capture_output=True, text=True, timeout=60
        )
        assert "arrests" in done.stdout
        assert done.stderr.strip().splitlines()[-1] == "without"


WHOLE_APP = """
import sys, typer.main
from cli.main import app
typer.main.get_command(app)(sys.argv[1:], prog_name="recount")
"""
ONE_COMMAND = """
import sys, typer.main
from cli.main import app
built = []
build = typer.main.get_command_from_info
def counted(command_info, **settings):
    built.append(command_info)
    return build(command_info, **settings)
typer.main.get_command_from_info = counted
try:
    app(sys.argv[1:], prog_name="recount")
finally:
    sys.stderr.write(f"\\n{len(built)} built\\n")
"""


@pytest.mark.parametrize(
    "args",
    [
        ["extract", "--help"],
        ["extract", "--json", "--bogus"],
        ["verify", "--help"],
        ["figures", "--json", "--csv"],
    ],
)
def test_a_command_run_alone_answers_as_in_the_whole_app(args, tmp_path):
    """`recount CMD` builds only CMD (start-up), with the same help, errors and exit status."""
    env = {**os.environ, "RECOUNT_DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"}

    def run(script):
        return subprocess.run(
            [sys.executable, "-c", script, *args], env=env, capture_output=True, text=True,
            timeout=60,
        )  # fmt: skip

    whole, alone = run(WHOLE_APP), run(ONE_COMMAND)
    *stderr, built = alone.stderr.rstrip("\n").split("\n")
    assert (alone.returncode, alone.stdout, "\n".join(stderr).strip()) == (
        whole.returncode, whole.stdout, whole.stderr.strip(),
    )  # fmt: skip
    assert built == "1 built"
