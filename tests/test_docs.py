"""The public surface is pinned: what users rely on must be named in the README."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
import typer.main

from cli.main import app
from domain.events import EVENT_TYPES

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_event_type_is_in_the_readme():
    assert [name for name in EVENT_TYPES if f"`{name}`" not in README] == []


def test_every_setting_the_code_reads_is_in_the_readme():
    code = "\n".join(p.read_text(encoding="utf-8") for p in ROOT.glob("[!.]*/**/*.py"))
    settings = set(re.findall(r"\bRECOUNT_[A-Z_]+\b", code))
    assert settings >= {
        "RECOUNT_DATABASE_URL",
        "RECOUNT_SIGNING_KEY",
        "RECOUNT_ALLOW_PRIVATE_FEEDS",
    }
    assert sorted(s for s in settings if f"`{s}`" not in README) == []


def commands(group: typer.Typer, prefix: str = "recount") -> list[str]:
    names = [f"{prefix} {c.name or c.callback.__name__}" for c in group.registered_commands]
    for sub in group.registered_groups:
        names += commands(sub.typer_instance, f"{prefix} {sub.name}" if sub.name else prefix)
    return names


def test_every_command_is_in_the_readme():
    found = commands(app)
    pinned = {
        "recount init",
        "recount serve",
        "recount figures",
        "recount replay",
        "recount import",
    }
    assert pinned <= set(found)
    assert [c for c in found if f"`{c}" not in README] == []


def options(command: Any, path: str = "recount") -> Iterator[tuple[str, str]]:
    for name, sub in getattr(command, "commands", {}).items():
        yield from options(sub, f"{path} {name}")
    for param in command.params:
        yield from ((path, opt) for opt in param.opts if opt.startswith("--"))


def test_every_option_of_every_command_is_in_the_command_line_table():
    table = README.split("## Command line", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `recount")]
    found = list(options(typer.main.get_command(app)))
    assert ("recount feeds add", "--no-check") in found
    missing = [
        f"{command} {option}"
        for command, option in found
        if not any(f"`{command} " in row and option in row for row in rows)
    ]
    assert missing == []


def test_the_make_verbs_a_new_user_types_are_in_the_readme():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "PORT ?=" in makefile and "HOST ?=" in makefile
    assert "`make run PORT=8123 HOST=0.0.0.0`" in README and "`make extract-eval`" in README


def test_the_contracts_routes_are_served():
    from api.app import create_app
    from services.settings import Settings

    paths = set(create_app(Settings(database_url="sqlite://")).openapi()["paths"])
    assert {
        "/v1/subjects",
        "/v1/subjects/{subject}/figures",
        "/v1/subjects/{subject}/figures/{metric}",
        "/v1/subjects/{subject}/reports",
        "/v1/reports/{report_id}/retraction",
        "/v1/events",
        "/v1/events/stream",
        "/v1/log/checkpoint",
        "/v1/log/proofs/inclusion",
        "/v1/log/proofs/consistency",
        "/v1/log/public-key",
        "/v1/feeds",
        "/v1/feeds/{feed_id}",
        "/v1/search",
    } <= paths


def test_the_bounded_figure_contract_is_in_the_openapi_and_the_readme():
    from api.app import create_app
    from services.settings import Settings

    spec = create_app(Settings(database_url="sqlite://")).openapi()
    schemas = spec["components"]["schemas"]
    figure = set(schemas["FigureOut"]["properties"])
    assert {
        "current",
        "revisions",
        "revisions_total",
        "reports",
        "reports_total",
        "reports_remaining",
        "reports_next",
        "permalink",
    } <= figure
    summary = set(schemas["FigureSummary"]["properties"])
    assert "reports" not in summary and {"current", "revisions", "reports_total"} <= summary
    assert [f for f in sorted(figure | summary) if f"`{f}`" not in README] == []
    route = spec["paths"]["/v1/subjects/{subject}/figures/{metric}"]["get"]
    params = {p["name"] for p in route["parameters"]}
    assert {"as_of", "known_at", "at_position", "reports_after", "limit"} <= params
    assert [p for p in ("reports_after", "limit", "revisions_limit") if f"{p}=" not in README] == []


def test_the_pages_routes_are_served_and_in_the_readme():
    from api.app import create_app
    from services.settings import Settings

    app = create_app(Settings(database_url="sqlite://"))
    served = set(route_paths(app.routes))
    pages = [
        "/",
        "/subjects/{subject}",
        "/subjects/{subject}/{metric}",
        "/subjects/{subject}/{metric}.svg",
        "/subjects/{subject}/{metric}/embed",
        "/subjects/{subject}.atom",
        "/subjects/{subject}/{metric}.atom",
        "/search",
        "/docs",
        "/problems",
        "/problems/{slug}",
    ]
    assert [p for p in pages if p not in served] == []
    readme = README.replace("{type}", "{slug}")
    assert [p for p in pages if p != "/" and f"`{p}" not in readme] == []


def route_paths(routes) -> list[str]:
    """Every route's path, through the routers the app includes."""
    paths = []
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            paths += route_paths(included.routes)
        elif hasattr(route, "path"):
            paths.append(route.path)
    return paths
