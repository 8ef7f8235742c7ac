"""The `recount` Typer app and what every command shares: settings, errors, output.

Commands live in cli/main.py and in the modules whose `commands` cli/main.py merges into `app`.
Every error ends with one plain line on stderr and exit status 1, never a traceback or a box:
a Recount error raised by a command (`plain_errors`), and a usage error (a missing option, a
bad value, `--json` with `--csv`) caught once for the whole app by `RecountGroup`.

What a person reads is written for an 80-column terminal: times as `2022-01-11 14:05 UTC`
(`shown_time`; JSON and CSV keep RFC 3339), qualifiers in words ("at least 160").

Start-up stays quick because nothing here or in the command modules imports the database, the
web framework or the feed parser at import time: a command imports the services it calls in its
own body, so `recount --help` and `recount extract` load only Typer, Rich and the extractor.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, ParamSpec, TypeVar

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from typer._click import Context
from typer._click.exceptions import NoArgsIsHelpError, UsageError  # typer's own copy of click
from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
from typer.core import TyperCommand, TyperGroup, _TyperParameter
from typer.main import get_command_name, solve_typer_info_defaults
from typer.models import CommandInfo

from domain.errors import RecountError
from domain.times import as_utc, parse_time

if TYPE_CHECKING:
    from rich.progress import Progress

    from services.archive import Archive


class PlainPaths(TyperCommand):
    """A command whose flags and paths are taken as given, without Typer's pydantic coercion.

    Typer coerces every parameter's value through a pydantic TypeAdapter, which imports
    pydantic and builds a schema first: about a third of a `recount extract` on an idle
    machine. A flag's bool and a path's text need no such thing (`_Plain`).
    """

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        _plain_coercion(self.get_params(ctx))
        return super().parse_args(ctx, args)


def _plain_coercion(params: Iterable[Any]) -> None:
    for param in params:
        if isinstance(param, _TyperParameter) and param._runtime_param is None:
            described = param.type_descriptor
            if described.annotation in (bool, Path, Path | None):
                param._runtime_param = _Plain(
                    described.parameter_info, described.annotation, described
                )


@dataclass(frozen=True)
class _Plain(RuntimeParam):
    """A bool as given, a text as a Path; anything else as Typer would coerce it."""

    described: TypeDescriptor

    def _coerce_value(self, value: Any, param: _TyperParameter, ctx: Context) -> Any:
        if self.annotation is bool and isinstance(value, bool):
            return value
        if self.annotation is not bool and isinstance(value, str | Path):
            return Path(value)
        return build_runtime_param(self.described)._coerce_value(value, param, ctx)


class RecountGroup(TyperGroup):
    """The root command: a usage error is one line on stderr and exit status 1.

    Click would print the usage, a hint and a boxed message, with exit status 2; scripts and
    people both do better with `error: missing option '--subject' (see 'recount ingest --help')`.
    A group run without a command prints its help, as asked for, with status 0. Its own
    flags skip Typer's pydantic coercion, as `PlainPaths` says.
    """

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        _plain_coercion(self.get_params(ctx))
        return super().parse_args(ctx, args)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            result = super().main(
                args, prog_name, complete_var, False, windows_expand_args, **extra
            )
        except NoArgsIsHelpError as asked:
            if not standalone_mode:
                raise
            out.file.write(asked.ctx.get_help() + "\n")
            sys.exit(0)
        except typer.TyperException as error:
            if not standalone_mode:
                raise
            err.print(usage_line(error), soft_wrap=True)
            sys.exit(1)
        except typer.Abort:
            if not standalone_mode:
                raise
            err.print("aborted")
            sys.exit(1)
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)


def usage_line(error: typer.TyperException) -> str:
    """`error: <click's message>`, on one line, with where to read the command's help."""
    message = " ".join(error.format_message().split()).rstrip(".")
    message = message[:1].lower() + message[1:]
    if isinstance(error, UsageError) and error.ctx is not None:
        message += f" (see '{error.ctx.command_path} --help')"
    return f"error: {message}"


class RecountTyper(typer.Typer):
    """The app: a run of one command builds that command alone.

    Typer builds every command of the app from its signature (evaluating its annotations)
    before it reads the arguments: about 40 ms for the app's 38 commands on an idle machine,
    a tenth of a `recount extract`. When the first argument names a command (not a group of
    commands, not an option), the run goes to an app holding that command alone, built with
    the same settings, so the command parses, helps and fails as in the whole app. Anything
    else (`--help`, a group, a misspelt name) runs the whole app.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        given = args[0] if args else kwargs.get("args")
        first = (sys.argv[1:] if given is None else list(given))[:1]
        command = _merged_commands(self).get(first[0]) if first else None
        if command is None:
            return super().__call__(*args, **kwargs)
        merged = typer.Typer()
        merged.registered_commands.append(command)
        alone = typer.Typer(**APP_SETTINGS)
        alone.add_typer(merged)  # a group, as the whole app is, holding one command
        return alone(*args, **kwargs)


def _merged_commands(app: typer.Typer) -> dict[str, CommandInfo]:
    """The app's own commands and those merged into it (from unnamed Typers), by name."""
    found: dict[str, CommandInfo] = {}
    for typer_app in [app] + [
        group.typer_instance
        for group in app.registered_groups
        if group.typer_instance is not None and not solve_typer_info_defaults(group).name
    ]:
        for command in typer_app.registered_commands:
            if command.callback is not None:
                found[command.name or get_command_name(command.callback.__name__)] = command
    return found


APP_SETTINGS: dict[str, Any] = {
    "cls": RecountGroup,
    "help": "Recount: an archive of reported figures and how they changed.",
    "no_args_is_help": True,
    "pretty_exceptions_enable": False,
    "add_completion": False,
    "rich_markup_mode": None,  # plain help: no boxes, no `<bool>` after every flag
}
app = RecountTyper(**APP_SETTINGS)
# Nothing printed is read as Rich markup or coloured by guess: the text is the archive's
# (titles, quotes, article sentences), and `[red]` in it must show as written.
out = Console(markup=False, highlight=False)
err = Console(stderr=True, markup=False, highlight=False)

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


def say(line: str) -> None:
    """A line of plain text on stdout: no markup read into it, no colours guessed, and no
    line break added (the terminal wraps it; a URL copied from it stays whole)."""
    out.print(line, soft_wrap=True)


def fail(line: str) -> NoReturn:
    err.print(line, soft_wrap=True)
    raise typer.Exit(1)


def followed(call: Callable[[Any], R], subject: str | None) -> R:
    """`call(subject)`; a subject renamed or merged away is followed to its new name, with a
    note on stderr (the old name keeps answering, as it does over HTTP)."""
    from domain.errors import SubjectMoved

    try:
        return call(subject)
    except SubjectMoved as moved:
        err.print(f"note: subject {moved.subject} is now {moved.to}")
        return call(moved.to)


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
    """A transient progress bar on stderr, when stderr is a terminal: a pipe or a log gets no
    blank line before an error (Rich's progress module is loaded only when needed)."""
    from rich.progress import Progress

    return Progress(console=err, transient=True, disable=not err.is_terminal)


def time_option(value: str | None) -> datetime | None:
    """An option left out is no bound; one given empty (`--as-of "$UNSET"`) is refused."""
    return None if value is None else parse_time(value)


def shown_time(moment: datetime | None) -> str:
    """The one way the CLI shows a time to a person: `2022-01-11 14:05 UTC` ("-" for none)."""
    if moment is None:
        return "-"
    return as_utc(moment).strftime("%Y-%m-%d %H:%M UTC")


def table(*columns: str | tuple[str, int], title: str | None = None) -> Table:
    """A table for an 80-column terminal: a cell too narrow wraps at spaces and then folds,
    never ends in "…", so two long slugs can never be cut to the same text. A column given as
    (name, width) wraps at that width, leaving the rest to the columns of prose."""
    shown = Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD)
    for column in columns:
        name, width = column if isinstance(column, tuple) else (column, None)
        shown.add_column(name, overflow="fold", max_width=width)
    return shown


def one_output(ctx: typer.Context, *, as_json: bool, as_csv: bool) -> None:
    """`--json` and `--csv` name two outputs; asked for both, say so rather than pick one."""
    if as_json and as_csv:
        ctx.fail("--json and --csv cannot be used together: choose one")


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False) + "\n")
