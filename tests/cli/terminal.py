"""`recount` as a person runs it: 80 columns wide, on one SQLite file, loopback feeds allowed.

Shared by the CLI tests that read what a user sees: in process through typer's runner, or as the
installed script in a process of its own when what the shell gets back matters.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cli.main import app

RECOUNT = Path(sys.executable).with_name("recount")


class Terminal:
    def __init__(self, folder: Path, **env: str) -> None:
        self.folder = folder
        self.env = {
            **os.environ,
            "RECOUNT_DATABASE_URL": f"sqlite:///{folder / 'recount.db'}",
            "RECOUNT_ALLOW_PRIVATE_FEEDS": "1",
            "COLUMNS": "80",
            **env,
        }

    def __call__(self, *args: str, code: int = 0) -> tuple[str, str]:
        result = CliRunner().invoke(app, list(args), env=self.env, prog_name="recount")
        assert result.exit_code == code, (result.stdout, result.stderr)
        return result.stdout, result.stderr

    def installed(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The installed script, in its own process: what a shell really gets back."""
        return subprocess.run(
            [str(RECOUNT), *args], env=self.env, capture_output=True, text=True, timeout=60
        )

    def feeds(self) -> list[dict[str, Any]]:
        return json.loads(self("feeds", "list", "--json")[0])

    def holdings(self) -> str:
        """Everything the archive holds, as figures and feeds: compared before and after."""
        return self("figures", "--json")[0] + self("feeds", "list", "--all", "--json")[0]
