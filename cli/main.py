"""The `recount` command: a thin layer over the same use cases as the HTTP API.

This module holds the archive's core commands and merges in those of the other cli modules.
Each command imports the services it calls in its body (see cli/app.py: a quick start-up).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterable, Iterator
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from cli import audit, extraction, feeds, review, subjects, tokens
from cli.app import (
    PlainPaths,
    app,
    err,
    followed,
    one_output,
    opened,
    out,
    plain_errors,
    print_json,
    progress_bar,
    say,
    shown_time,
    table,
    time_option,
)
from domain.errors import InvalidInput
from domain.qualifiers import stated

if TYPE_CHECKING:
    from rich.progress import Progress

    from domain.figures import ReportView, Window
    from ingest.capture import CaptureResult
    from services.archive import Archive
    from services.figures import FigureStream


TIMES = "RFC 3339 (2022-01-11T18:00:00Z) or a date (2022-01-11: its end, UTC)"
AsOf = Annotated[
    str | None, typer.Option(metavar="TIME", help=f"only reports published by then: {TIMES}")
]
KnownAt = Annotated[
    str | None, typer.Option(metavar="TIME", help="what Recount knew at this time (as --as-of)")
]
AtPosition = Annotated[
    int | None, typer.Option(metavar="N", help="the state after this position in the log")
]


@app.command()
@plain_errors
def init() -> None:
    """Create or upgrade the database (idempotent)."""
    from domain.checkpoints import key_id
    from services.audit import ensure_signing_key

    with opened(initialized=False) as archive:
        archive.migrate()
        out.print(f"database ready: {archive.engine.url.render_as_string(hide_password=True)}")
        key = ensure_signing_key(archive)
        out.print(f"signing key {key_id(key.public_key())}: {archive.settings.key_path}")


@app.command()
@plain_errors
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    with_worker: Annotated[
        bool, typer.Option("--with-worker", help="also poll the feeds in this process")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(min=1, help="server processes (each opens the database from the environment)"),
    ] = 1,
) -> None:
    """Serve the HTTP API and the web pages (and, with --with-worker, poll the feeds).

    One process runs Python on one core at a time; `--workers N` starts N server processes
    behind one socket, each building the app from the environment's settings.
    """
    import uvicorn

    from api.app import create_app
    from cli.feeds import background_worker
    from services.settings import Settings

    settings = Settings.from_env()
    with background_worker(settings, enabled=with_worker):
        if workers == 1:
            uvicorn.run(create_app(settings), host=host, port=port)
        else:
            uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers)


@app.command()
@plain_errors
def demo() -> None:
    """Load the bundled demo feed (the seed articles) into the database."""
    from ingest.sources import DEMO_FEED, DEMO_SUBJECT

    with opened(initialized=False) as archive:
        archive.migrate()
        result = _ingest_with_progress(archive, str(DEMO_FEED), DEMO_SUBJECT)
    _print_capture(result)


@app.command()
@plain_errors
def ingest(
    source: Annotated[str, typer.Argument(help="an RSS/Atom file path or URL")],
    subject: Annotated[
        str | None,
        typer.Option(
            metavar="SLUG",
            help="the subject the articles are about; without it, each entry goes to the "
            "subjects whose rules it meets",
        ),
    ] = None,
) -> None:
    """Capture every entry of a feed and the figures in it; running it again appends nothing.

    An entry captured before (for another subject, or by a general feed) is not captured
    again: it is routed to this subject too, with this subject's reports."""
    with opened() as archive:
        result = _ingest_with_progress(archive, source, subject)
    _print_capture(result)


def _ingest_with_progress(archive: Archive, source: str, subject: str | None) -> CaptureResult:
    from services.capture import ingest_source

    with progress_bar() as bar:
        task = bar.add_task("capturing entries", total=None)
        return ingest_source(
            archive,
            source,
            subject,
            on_total=lambda n: bar.update(task, total=n),
            progress=lambda count: bar.advance(task, count),
        )


def _print_capture(result: CaptureResult) -> None:
    routed = f", {result.routed} routes to subjects" if result.routed else ""
    out.print(
        f"appended {result.documents} documents{routed} and {result.reports} reports "
        f"({result.unchanged} entries unchanged)"
    )


@app.command("extract", cls=PlainPaths)
@plain_errors
def extract_command(
    file: Annotated[
        Path | None, typer.Argument(help="a text file; standard input if absent")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, one figure a line")] = False,
) -> None:
    """Extract the figures from plain text."""
    from ingest.extract import extract

    text = _read_text(file)
    found = extract(text)
    if as_json:
        for item in found:
            print_json(item.to_json())
        return
    shown = table("metric", "figure", "bounds", "status", "confidence", "as written")
    for item in found:
        shown.add_row(
            item.metric,
            stated(item.qualifier, item.value, item.low, item.high),
            _bounds(item.low, item.high),
            item.status.value.replace("_", " "),
            f"{item.confidence:.2f}",
            item.surface,
        )
    out.print(shown)


def _bounds(low: int | None, high: int | None) -> str:
    """The interval a qualifier puts around a figure: `24–99`, `≥ 1,200`, `≤ 2,000`."""
    if low is not None and high is not None:
        return _num(low) if low == high else f"{_num(low)}–{_num(high)}"
    if low is not None:
        return f"≥ {_num(low)}"
    return f"≤ {_num(high)}" if high is not None else ""


def _read_text(file: Path | None) -> str:
    if file is None:
        return sys.stdin.read()
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(
            f"cannot read {file}: {getattr(error, 'strerror', None) or error}"
        ) from None


def _num(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


@app.command()
@plain_errors
def figures(
    ctx: typer.Context,
    subject: Annotated[
        str | None, typer.Option(metavar="SLUG", help="one subject; all if absent")
    ] = None,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    at_position: AtPosition = None,
    as_json: Annotated[bool, typer.Option("--json", help="a JSON array of Figure objects")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV, one row per report")] = False,
) -> None:
    """Each figure's current value, with its revisions (and, as JSON or CSV, every report)."""
    one_output(ctx, as_json=as_json, as_csv=as_csv)
    from services.figures import stream_figures
    from services.formats import stream_figure_json, streamed_csv

    window = _window(as_of, known_at, at_position)
    with opened() as archive:
        _, streams = followed(
            lambda name: stream_figures(archive, [name] if name else None, None, window),
            subject,
        )
        if as_json:
            sys.stdout.write("[")
            for n, figure in enumerate(streams):
                sys.stdout.write("" if n == 0 else ", ")
                _write(stream_figure_json(figure.summary, figure.revisions, figure.reports))
            sys.stdout.write("]\n")
            return
        if as_csv:
            _write(streamed_csv(streams))
            return
        _print_figures(streams)


def _print_figures(streams: Iterator[FigureStream]) -> None:
    """One table per subject, the slug as its title: never cut, however narrow the terminal.
    The figures come ordered by subject, so each table is printed as soon as it is complete."""
    printed = False
    for subject, found in groupby(streams, key=lambda figure: figure.summary.subject):
        shown = table("metric", "current", "reported at", "revisions", title=subject)
        for figure in found:
            current = figure.summary.current
            shown.add_row(
                figure.summary.metric,
                _stated(current) if current else "-",
                shown_time(current.reported_at) if current else "-",
                " → ".join(
                    _num(r.value) if r.value is not None else _stated(r) for r in figure.revisions
                ),
            )
        out.print(shown)
        printed = True
    if not printed:
        say("no figures yet: `recount ingest` or `recount feeds add` brings some in")


@app.command()
@plain_errors
def history(
    ctx: typer.Context,
    subject: Annotated[str, typer.Argument(help="the subject slug")],
    metric: Annotated[str, typer.Argument(help="deaths, arrests, troops, ...")],
    as_of: AsOf = None,
    known_at: KnownAt = None,
    at_position: AtPosition = None,
    as_json: Annotated[bool, typer.Option("--json", help="one Figure object")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV, one row per report")] = False,
) -> None:
    """Every report of one figure, oldest first, with quotes and sources."""
    one_output(ctx, as_json=as_json, as_csv=as_csv)
    from services.figures import stream_figures
    from services.formats import stream_figure_json, streamed_csv

    window = _window(as_of, known_at, at_position)
    with opened() as archive:
        _, streams = followed(lambda name: stream_figures(archive, [name], metric, window), subject)
        figure = next(streams)
        if as_json:
            _write(stream_figure_json(figure.summary, figure.revisions, figure.reports))
            sys.stdout.write("\n")
            return
        if as_csv:
            _write(streamed_csv([figure]))
            return
        _print_history(figure)


def _window(as_of: str | None, known_at: str | None, at_position: int | None) -> Window:
    from domain.figures import Window

    return Window(time_option(as_of), time_option(known_at), at_position)


def _write(chunks: Iterable[str]) -> None:
    for chunk in chunks:
        sys.stdout.write(chunk)


def _print_history(figure: FigureStream) -> None:
    """Each report as the pages show it: the figure in words, its status, the quote, and under
    it the article it came from, by title (the URL is in --json and --csv)."""
    summary = figure.summary
    shown = table(
        ("reported at", 11),
        ("figure", 14),
        ("status", 11),
        "quote, and its source",
        title=f"{summary.subject}: {summary.metric}",
    )
    current_id = summary.current.report_id if summary.current else None
    for report in figure.reports:
        marker = " (current)" if report.report_id == current_id else ""
        status = "retracted" if report.retracted else report.status.value.replace("_", " ")
        quote = Text(report.quote)
        if source := _source(report):
            quote.append(f"\n— {source}", style="dim")
        shown.add_row(shown_time(report.reported_at), _stated(report) + marker, status, quote)
    out.print(shown)


def _stated(report: ReportView) -> str:
    return stated(report.qualifier, report.value, report.low, report.high)


def _source(report: ReportView) -> str:
    """The article's title and publisher; its URL only when it has no title."""
    source = report.source
    named = [part for part in (source.title or source.url, source.publisher) if part]
    return ", ".join(dict.fromkeys(named))


@app.command()
@plain_errors
def replay(
    check: Annotated[
        bool, typer.Option("--check", help="rebuild into a scratch copy and compare")
    ] = False,
) -> None:
    """Rebuild every projection from the log (position 1 onwards)."""
    from services import audit as audits
    from services import log

    with opened() as archive, progress_bar() as bar:
        task = bar.add_task("replaying", total=log.head(archive))
        advance = functools.partial(_advance, bar, task)
        if not check:
            count = audits.replay(archive, advance)
            out.print(f"replayed {count} events")
            return
        difference = audits.replay_check(archive, advance)
    if difference is not None:
        err.print(f"replay differs: {difference}")
        raise typer.Exit(1)
    out.print("replay matches the projections")


def _advance(bar: Progress, task: Any, count: int) -> None:
    bar.advance(task, count)


# The commands defined in their own modules, merged into `recount` in this one list.
for module in (audit, extraction, feeds, review, subjects, tokens):
    app.add_typer(module.commands)
