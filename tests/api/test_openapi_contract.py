"""The OpenAPI document is a contract the server keeps: Schemathesis, every check on, against
the app served on loopback with a real token; any finding fails.

The installed `schemathesis` command runs with the project's schemathesis.toml (all four phases:
examples, coverage, fuzzing, stateful; a fixed seed and a bound on examples, so it takes
seconds). The server is a real uvicorn on a real, migrated SQLite file holding the demo feed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from api.app import create_app
from ingest.sources import DEMO_FEED, DEMO_SUBJECT
from services.capture import ingest_source
from services.tokens import create_token
from tests.api.conftest import settings_for
from tests.api.live import serve
from tests.conftest import open_archive

ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def test_every_answer_keeps_the_openapi_contract(sqlite_url, tmp_path):
    archive = open_archive(sqlite_url, tmp_path)
    ingest_source(archive, str(DEMO_FEED), DEMO_SUBJECT)
    token = create_token(archive, "contract", "editor")  # may retract any report it finds
    archive.close()
    app = create_app(settings_for(sqlite_url, tmp_path))
    operations = sum(len(methods) for methods in app.openapi()["paths"].values())
    with serve(app) as base:
        run = subprocess.run(
            [
                str(SCHEMATHESIS),
                "--no-color",
                "--config-file",
                str(ROOT / "schemathesis.toml"),
                "run",
                f"{base}/openapi.json",
                "--header",
                f"Authorization: Bearer {token}",
                "--workers",
                "1",
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,  # its reports and cache land there, not in the worktree
            env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
            timeout=300,
        )
    summary = run.stdout[-6000:]
    assert run.returncode == 0, summary
    assert f"Tested: {operations}" in run.stdout, summary  # the live tail included
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in run.stdout, summary
