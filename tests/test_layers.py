"""The packages import one way: domain <- store <- services <- api, cli; ingest beside store.

Read from the source with `ast`, imports inside functions included, so a lazy import cannot
slip past. The one exception is `recount serve`, which imports the app factory when it runs.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = {"domain", "store", "ingest", "services", "api", "cli"}
ALLOWED = {
    "domain": {"domain"},
    "store": {"domain", "store"},
    "ingest": {"domain", "ingest"},
    "services": {"domain", "store", "ingest", "services"},
    "api": {"domain", "services", "api"},
    "cli": {"domain", "ingest", "services", "cli"},
}
EXCEPTIONS = {("cli/main.py", "api.app")}  # `recount serve` builds the app, lazily


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def wrong_way(package: str, root: Path = ROOT) -> list[str]:
    bad = []
    for path in sorted((root / package).rglob("*.py")):
        where = path.relative_to(root).as_posix()
        for module in imports(path):
            top = module.split(".")[0]
            if top in PROJECT and top not in ALLOWED[package] and (where, module) not in EXCEPTIONS:
                bad.append(f"{where} imports {module}")
    return bad


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_imports_only_the_layers_below_it(package):
    assert wrong_way(package) == []


def test_the_cli_builds_the_app_only_inside_serve():
    tree = ast.parse((ROOT / "cli" / "main.py").read_text(encoding="utf-8"))
    top_level = [
        node.module
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("api")
    ]
    assert top_level == []


def test_a_lazy_wrong_way_import_is_caught(tmp_path):
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "bad.py").write_text("def f():\n    from services import feeds\n")
    assert wrong_way("store", tmp_path) == ["store/bad.py imports services"]
