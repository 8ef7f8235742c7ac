"""The `recount` Typer app and what every command shares: settings, errors, output.

Commands live in the modules that cli/main.py imports; each registers itself on `app`. A Recount
error ends a command with one plain line on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError

from domain.errors import RecountError
from domain.times import parse_time
from store.archive import Archive
from store.settings import Settings

app = typer.Typer(
    help="Recount: an archive of reported figures and how they changed.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console()
err = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")


def plain_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn a Recount error into one line on stderr and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except RecountError as error:
            fail(f"error: {error}")
        except SQLAlchemyError as error:  # the database is unreachable or refused the work
            fail(f"database error: {getattr(error, 'orig', None) or error}".splitlines()[0])

    return wrapper


def fail(line: str) -> NoReturn:
    err.print(line, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(1)


@contextmanager
def opened(*, initialized: bool = True) -> Iterator[Archive]:
    """The archive the environment names; by default one that `recount init` has set up."""
    archive = Archive.open(Settings.from_env())
    try:
        if initialized:
            archive.require_schema()
        yield archive
    finally:
        archive.close()


def time_option(value: str | None) -> datetime | None:
    """An option left out is no bound; one given empty (`--as-of "$UNSET"`) is refused."""
    return None if value is None else parse_time(value)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False) + "\n")
