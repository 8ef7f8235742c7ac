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
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from cli.app import fail, opened, out, plain_errors, print_json, say, shown_time, table
from domain.urls import redact_url, redact_urls_in
from ingest.schedule import CONCURRENCY, DISPATCH_SECONDS, ENTRIES_PER_POLL

if TYPE_CHECKING:
    from domain.feeds import Feed, FeedState
    from services.settings import Settings

commands = typer.Typer()  # merged into `recount` by cli/main.py

feeds_app = typer.Typer(help="Register the feeds the worker polls.", no_args_is_help=True)
commands.add_typer(feeds_app, name="feeds")


def operator_name() -> str:
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
    subject: Annotated[
        str | None,
        typer.Option(
            metavar="SLUG",
            help="the subject its articles are about; without it, each entry goes to the "
            "subjects whose rules it meets (see `recount subjects add`)",
        ),
    ] = None,
    every: Annotated[
        str, typer.Option(metavar="INTERVAL", help="poll interval: 30s, 15m, 1h, 1d")
    ] = "15m",
    header: Annotated[
        list[str] | None,
        typer.Option(
            metavar="'NAME: VALUE'",
            help="sent with each poll (an API key); stored encrypted",
        ),
    ] = None,
    no_check: Annotated[
        bool, typer.Option("--no-check", help="register without fetching the URL first")
    ] = False,
    actor: AsOperator = None,
) -> None:
    """Fetch the feed once and register it; a running worker polls it within seconds, then
    every interval. A URL that is not a usable feed is refused, with the reason.

    Credentials in the URL (user:password@) and --header values are stored encrypted apart from
    the log; the log, the API and this command show the URL without them.
    """
    from domain.errors import InvalidInput
    from domain.feeds import format_interval, parse_header, parse_interval
    from domain.subjects import validate_subject
    from services.feeds import check_feed, register_feed

    parse_interval(every)
    if subject is not None:
        validate_subject(subject)
    with opened() as archive:
        headers = [parse_header(text) for text in header or ()]
        found = None
        if not no_check:
            try:
                found = check_feed(archive, url, headers)
            except InvalidInput as error:
                fail(f"error: {error} (--no-check adds it anyway)")
        feed = register_feed(
            archive, url, subject, every, headers=headers, actor=actor or operator_name()
        )
    every = format_interval(feed.interval_seconds)
    target = subject or "the subjects whose rules match"
    say(f"added feed {feed.feed_id[:8]}: {redact_url(feed.url)} for {target}, every {every}")
    if found is None:
        say("not fetched (--no-check): the first poll will tell")
        return
    title = f"“{found.title}”" if found.title else "a feed without a title"
    entries = "1 entry" if found.entries == 1 else f"{found.entries} entries"
    say(f"found {title}, {entries}" + (f" ({found.problem})" if found.problem else ""))


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
    if not found:
        say("no feeds: `recount feeds add URL --subject SLUG` registers one")
        return
    out.print(_table(found))


@feeds_app.command("poll")
@plain_errors
def poll(feed_id: Annotated[str, typer.Argument(help="the feed id (or a prefix)")]) -> None:
    """Poll a feed now, due or not, and print what it found; exit 1 if the poll failed.

    The outcome is recorded on the feed as the worker records it, and the next poll is
    scheduled from now.
    """
    from services.poll import poll_now

    with opened() as archive:
        result = poll_now(archive, feed_id)
    then = f"next poll {shown_time(result.next_poll_at)}"
    if result.status == "failed":
        fail(f"error: poll of feed {result.feed_id[:8]} failed: {result.error}; {then}")
    found = "not modified since the last poll"
    if result.status != "not_modified":
        found = (
            f"{result.new} new, {result.changed} changed, {result.unchanged} unchanged "
            f"entries; {result.reports} reports"
        )
    say(f"polled feed {result.feed_id[:8]}: {found}; {then}")
    if result.error:
        say(result.error)


@feeds_app.command("pause")
@plain_errors
def pause(
    feed_id: Annotated[str, typer.Argument(help="the feed id (or a prefix)")],
    actor: AsOperator = None,
) -> None:
    """Stop polling a feed, keeping its configuration."""
    from services.feeds import pause_feed

    with opened() as archive:
        feed = pause_feed(archive, feed_id, actor or operator_name())
    say(f"feed {feed.feed_id} is {feed.status}")


@feeds_app.command("resume")
@plain_errors
def resume(
    feed_id: Annotated[str, typer.Argument(help="the feed id (or a prefix)")],
    actor: AsOperator = None,
) -> None:
    """Poll a paused feed again, at once."""
    from services.feeds import resume_feed

    with opened() as archive:
        feed = resume_feed(archive, feed_id, actor or operator_name())
    say(f"feed {feed.feed_id} is {feed.status}")


@feeds_app.command("remove")
@plain_errors
def remove(
    feed_id: Annotated[str, typer.Argument(help="the feed id (or a prefix)")],
    actor: AsOperator = None,
) -> None:
    """Stop polling a feed for good; what it captured stays in the archive."""
    from services.feeds import remove_feed

    with opened() as archive:
        feed = remove_feed(archive, feed_id, actor or operator_name())
    say(f"removed feed {feed.feed_id} ({redact_url(feed.url)})")


def _table(found: list[Feed]) -> Table:
    """Three columns that fit 80: the feed (id, subject, URL), its status, interval and next
    poll, and the last poll (when, what it found or why it failed). Nothing is cut: the feed
    column is as wide as the longest subject (up to 30), so a slug is always on one line."""
    from domain.feeds import ACTIVE, format_interval  # not at start-up: `recount extract`

    shown = table("feed", ("status", 10), "last poll")
    shown.columns[0].min_width = min(30, max((len(_subject(f)) for f in found), default=8))
    for feed in found:
        state = feed.state
        status = f"{feed.status}\nevery {format_interval(feed.interval_seconds)}"
        if feed.status == ACTIVE:
            status += f"\nnext {shown_time(state.next_poll_at) if state.next_poll_at else 'now'}"
        shown.add_row(
            f"{feed.feed_id[:8]}\n{_subject(feed)}\n{redact_url(feed.url)}",
            status,
            _last_poll(state),
        )
    return shown


def _subject(feed: Feed) -> str:
    return feed.subject or "(general: by rules)"


def _last_poll(state: FeedState) -> str:
    if state.last_status is None:
        return "never polled"
    result = state.last_status.replace("_", " ")
    if state.last_status in ("ok", "malformed"):
        result += f": {state.last_new} new, {state.last_changed} changed, "
        result += f"{state.last_unchanged} unchanged, {state.last_reports} reports"
    if state.failures:
        result += f" ({state.failures} in a row)"
    lines = [shown_time(state.last_polled_at), result]
    lines += [text for text in (state.last_error, state.last_cut) if text]
    return "\n".join(lines)


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
