"""domain/ is the heart: importing it must not pull in a database, HTTP or feed library."""

from __future__ import annotations

import subprocess
import sys

IO_LIBRARIES = ["sqlalchemy", "sqlmodel", "fastapi", "starlette", "httpx", "feedparser", "alembic"]


def test_importing_every_domain_module_loads_no_io_library():
    code = (
        "import pkgutil, importlib, sys, domain\n"
        "for m in pkgutil.iter_modules(domain.__path__):\n"
        "    importlib.import_module('domain.' + m.name)\n"
        f"print([name for name in {IO_LIBRARIES!r} if name in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
