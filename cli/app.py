"""The `recount` Typer app and what every command shares: settings, errors, output.

Commands live in cli/main.py and in the modules whose `commands` cli/main.py merges into `app`.
A Recount error ends a command with one plain line on stderr and exit status 1, never a
traceback.

Start-up stays quick because nothing here or in the command modules imports the database, the
web framework or the feed parser at import time: a command imports the services it calls in its
own body, so `recount --help` and `recount extract` load only Typer, Rich and the extractor.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console

from domain.errors import RecountError
from domain.times import parse_time

if TYPE_CHECKING:
    from rich.progress import Progress

    from services.archive import Archive

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
        except Exception as error:
            if not _is_database_error(error):
                raise
            fail(f"database error: {getattr(error, 'orig', None) or error}".splitlines()[0])

    return wrapper


def _is_database_error(error: Exception) -> bool:
    """The database is unreachable or refused the work (checked without importing SQLAlchemy:
    if it was never imported, the error cannot be one of its own)."""
    database_errors = sys.modules.get("sqlalchemy.exc")
    return database_errors is not None and isinstance(error, database_errors.SQLAlchemyError)


def fail(line: str) -> NoReturn:
    err.print(line, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(1)


@contextmanager
def opened(*, initialized: bool = True) -> Iterator[Archive]:
    """The archive the environment names; by default one that `recount init` has set up."""
    from services.archive import Archive
    from services.settings import Settings

    archive = Archive.open(Settings.from_env())
    try:
        if initialized:
            archive.require_schema()
        yield archive
    finally:
        archive.close()


def progress_bar() -> Progress:
    """A transient progress bar on stderr (Rich's progress module is loaded only when needed)."""
    from rich.progress import Progress

    return Progress(console=err, transient=True)


def time_option(value: str | None) -> datetime | None:
    """An option left out is no bound; one given empty (`--as-of "$UNSET"`) is refused."""
    return None if value is None else parse_time(value)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False) + "\n")
