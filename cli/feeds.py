"""`recount feeds ...` (configuration, an audit trail in the log) and `recount worker` (polling).

The worker logs one structured line per poll on stderr and stops cleanly on SIGTERM or SIGINT:
it lets the polls in flight finish, and a poll cut short by a harder kill is repeated in full by
the next worker, appending only what is missing.
"""

from __future__ import annotations

import getpass
import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from cli.app import opened, out, plain_errors, print_json
from domain.feeds import Feed, format_interval, parse_header
from domain.times import format_time
from domain.urls import redact_url, redact_urls_in
from ingest.schedule import CONCURRENCY, DISPATCH_SECONDS, ENTRIES_PER_POLL

if TYPE_CHECKING:
    from services.settings import Settings

commands = typer.Typer()  # merged into `recount` by cli/main.py

feeds_app = typer.Typer(help="Register the feeds the worker polls.", no_args_is_help=True)
commands.add_typer(feeds_app, name="feeds")


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a bare container
        return "operator"


AsOperator = Annotated[
    str | None,
    typer.Option("--as", help="the operator named as the event's actor (default: OS user)"),
]


@feeds_app.command("add")
@plain_errors
def add(
    url: Annotated[str, typer.Argument(help="the RSS/Atom feed URL")],
    subject: Annotated[str, typer.Option(help="the subject slug its articles are about")],
    every: Annotated[str, typer.Option(help="poll interval: 30s, 15m, 1h, 1d")] = "15m",
    header: Annotated[
        list[str] | None,
        typer.Option(help="'Name: value' sent with each poll (an API key); stored encrypted"),
    ] = None,
    actor: AsOperator = None,
) -> None:
    """Register a feed; a running worker polls it within seconds, then every interval.

    Credentials in the URL (user:password@) and --header values are stored encrypted apart from
    the log; the log, the API and this command show the URL without them.
    """
    from services.feeds import register_feed

    with opened() as archive:
        headers = [parse_header(text) for text in header or ()]
        feed = register_feed(
            archive, url, subject, every, headers=headers, actor=actor or _operator()
        )
    every = format_interval(feed.interval_seconds)
    shown = redact_url(feed.url)
    out.print(
        f"added feed {feed.feed_id}: {shown} for {subject}, every {every}",
        markup=False,
        highlight=False,
    )


@feeds_app.command("list")
@plain_errors
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="a JSON array, as GET /v1/feeds")] = False,
    include_removed: Annotated[bool, typer.Option("--all", help="removed feeds too")] = False,
) -> None:
    """Each feed's configuration and polling state."""
    from services.feeds import list_feeds

    with opened() as archive:
        found = list_feeds(archive, include_removed=include_removed)
    if as_json:
        print_json([feed.to_json() for feed in found])
        return
    out.print(_table(found))


@feeds_app.command("pause")
@plain_errors
def pause(
    feed_id: Annotated[str, typer.Argument(help="the feed id (or a prefix)")],
    actor: AsOperator = None,
) -> None:
    """Stop polling a feed, keeping its configuration."""
    from services.feeds import pause_feed

    with opened() as archive:
        feed = pause_feed(archive, feed_id, actor or _operator())
    out.print(f"feed {feed.feed_id} is {feed.status}")


@feeds_app.command("resume")
@plain_errors
def resume(
    feed_id: Annotated[str, typer.Argument(help="the feed id (or a prefix)")],
    actor: AsOperator = None,
) -> None:
    """Poll a paused feed again, at once."""
    from services.feeds import resume_feed

    with opened() as archive:
        feed = resume_feed(archive, feed_id, actor or _operator())
    out.print(f"feed {feed.feed_id} is {feed.status}")


@feeds_app.command("remove")
@plain_errors
def remove(
    feed_id: Annotated[str, typer.Argument(help="the feed id (or a prefix)")],
    actor: AsOperator = None,
) -> None:
    """Stop polling a feed for good; what it captured stays in the archive."""
    from services.feeds import remove_feed

    with opened() as archive:
        feed = remove_feed(archive, feed_id, actor or _operator())
    out.print(f"removed feed {feed.feed_id} ({redact_url(feed.url)})", markup=False)


COLUMNS = (
    "id",
    "subject",
    "url",
    "every",
    "status",
    "last poll",
    "result",
    "failures",
    "next poll",
    "last error",
    "cut",
)


def _table(found: list[Feed]) -> Table:
    table = Table(*COLUMNS)
    for feed in found:
        state = feed.state
        result = state.last_status or "never polled"
        if state.last_status in ("ok", "malformed"):
            result += f": {state.last_new} new, {state.last_changed} changed, "
            result += f"{state.last_reports} reports"
        table.add_row(
            feed.feed_id[:8],
            feed.subject,
            redact_url(feed.url),
            format_interval(feed.interval_seconds),
            feed.status,
            _when(state.last_polled_at),
            result,
            str(state.failures),
            _when(state.next_poll_at) if feed.status == "active" else "-",
            state.last_error or "",
            state.last_cut or "",
        )
    return table


def _when(moment: datetime | None) -> str:
    return format_time(moment)[:19].replace("T", " ") if moment else "-"


@commands.command()
@plain_errors
def worker(
    once: Annotated[bool, typer.Option("--once", help="poll what is due now, then exit")] = False,
    concurrency: Annotated[int, typer.Option(min=1, help="feeds polled at the same time")] = (
        CONCURRENCY
    ),
    dispatch_every: Annotated[
        float, typer.Option(min=0.1, help="seconds between looks for due feeds")
    ] = DISPATCH_SECONDS,
    entries_per_poll: Annotated[
        int, typer.Option(min=1, help="new or changed entries one poll captures; the rest wait")
    ] = ENTRIES_PER_POLL,
) -> None:
    """Poll the registered feeds until stopped (SIGTERM or Ctrl-C)."""
    from ingest.fetch import Fetcher
    from services.worker import Worker

    configure_logging()
    with opened() as archive:
        fetcher = Fetcher(opened=archive.settings.private_networks)
        polling = Worker(
            archive,
            fetcher,
            concurrency=concurrency,
            dispatch_seconds=dispatch_every,
            entries_per_poll=entries_per_poll,
        )
        try:
            if once:
                polling.run_once()
                return
            polling.start()
            wait_for_stop_signal()
        finally:
            polling.close()


@contextmanager
def background_worker(settings: Settings, *, enabled: bool = True) -> Iterator[None]:
    """Poll the feeds in background threads for the block (`recount serve --with-worker`)."""
    if not enabled:
        yield
        return
    from services.archive import Archive
    from services.worker import Worker

    configure_logging()
    archive = Archive.open(settings)
    polling = Worker(archive)
    polling.start()
    try:
        yield
    finally:
        polling.close()
        archive.close()


class RedactURLs(logging.Filter):
    """The last line of defence: no log line leaves with a URL's `user:password@`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_urls_in(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactURLs) for f in handler.filters):
            handler.addFilter(RedactURLs())
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # a line per dispatch is noise
    for name in ("httpx", "httpcore"):  # their request lines repeat ours, URLs unredacted
        logging.getLogger(name).setLevel(logging.WARNING)


def wait_for_stop_signal() -> None:
    """Block the main thread until SIGTERM or SIGINT."""
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        logging.getLogger("recount.worker").info("signal %d: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    while not stop.wait(1.0):
        pass
