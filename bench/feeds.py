"""Feed benchmarks (issue 5): one poll of a 1,000-entry feed against feedparser's parse time.

    .venv/bin/python -m bench.feeds [--entries 1000] [--repeat 3] [--url postgresql+psycopg://...]
    .venv/bin/python -m bench.feeds --big 100000 [--entries-per-poll N]   # time and peak RSS

`--big N` polls once a feed of N short entries (100,000 fit under the 10 MiB body cap) in a
fresh process and prints the poll's time, the process's peak RSS and how much the poll added,
against `feedparser.parse` of the same bytes; `--entries-per-poll` lifts or lowers the cap.

The baseline is `feedparser.parse` of the very bytes served, timed in the same run. Measured:
- first poll: fetch from a loopback server, parse, capture 1,000 new documents and their reports,
  record the feed's state (a fresh database each repeat) — the goal is at most 2x the baseline;
- where that time goes: parse_feed (feedparser plus HTML to text), extraction, the appends;
- a re-poll of the same entries under a new ETag (every entry unchanged, nothing appended);
- a 304 poll (conditional GET, nothing to parse), in milliseconds.
"""

from __future__ import annotations

import argparse
import functools
import resource
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

import feedparser

from bench.core import fresh_archive, timed
from domain.addresses import parse_networks
from ingest.articles import parse_feed
from ingest.extract import extract
from ingest.fetch import Fetcher
from services.archive import Archive
from services.feeds import get_feed, register_feed
from services.poll import poll_feed
from store.events import system_clock

SUBJECT = "bench-feeds"
LOOPBACK = parse_networks("loopback")
START = datetime(2022, 1, 5, tzinfo=UTC)
STATE: dict[str, Any] = {"body": b"", "etag": '"v1"'}


def feed_bytes(entries: int) -> bytes:
    """An Atom feed of news-like entries, each a paragraph or two with a figure or two."""
    items = []
    for n in range(entries):
        link = f"https://news.example.org/{n}"
        text_ = (
            f"<p>At least {100 + n} people have died in the unrest, the ministry said on "
            f"day {n % 30 + 1}.</p><p>Police said nearly {1000 + 7 * n} protesters had been "
            "detained across the country, and the airport remained closed.</p>"
        )
        items.append(
            f"<entry><id>{link}</id><title>Story {n}</title><link href='{link}'/>"
            f"<updated>{(START + timedelta(minutes=n)).isoformat()}</updated>"
            f"<content type='html'>{escape(text_)}</content></entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Bench</title><id>urn:bench</id><updated>{START.isoformat()}</updated>"
        + "".join(items)
        + "</feed>"
    ).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.headers.get("If-None-Match") == STATE["etag"]:
            self.send_response(304)
            self.end_headers()
            return
        body: bytes = STATE["body"]
        self.send_response(200)
        self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
        self.send_header("ETag", STATE["etag"])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def loopback() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/world.atom"
    finally:
        server.shutdown()
        server.server_close()


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def poll_once(archive: Archive, feed_id: str, fetcher: Fetcher) -> None:
    """Poll as if a day had passed since the last poll, so the feed is always due."""
    feed = get_feed(archive, feed_id)
    STATE["days"] = STATE.get("days", 0) + 1
    later = timedelta(days=STATE["days"])
    result = poll_feed(archive, feed, fetcher, lambda: system_clock() + later)
    if result.status not in ("ok", "not_modified"):
        raise SystemExit(f"poll failed: {result.log_line()}")


def run(entries: int, repeat: int, url: str | None) -> None:
    body = feed_bytes(entries)
    STATE["body"] = body
    parse = [timed(lambda: feedparser.parse(body)) for _ in range(repeat)]
    parsed = parse_feed(body, "https://news.example.org/", "application/atom+xml")
    parse_feed_time = [timed(lambda: parse_feed(body)) for _ in range(repeat)]
    extraction = [timed(lambda: [extract(a.text) for a in parsed.articles]) for _ in range(repeat)]
    first: list[float] = []
    unchanged: list[float] = []
    not_modified: list[float] = []
    with loopback() as feed_url, Fetcher(allow_private=True) as fetcher:
        for attempt in range(repeat):
            with fresh_archive(url) as archive:
                STATE["etag"] = f'"{attempt}-a"'
                archive.settings = replace(
                    archive.settings, private_networks=parse_networks("loopback")
                )
                feed = register_feed(archive, feed_url, SUBJECT, "15m")
                poll = functools.partial(poll_once, archive, feed.feed_id, fetcher)
                first.append(timed(poll))
                STATE["etag"] = f'"{attempt}-b"'
                unchanged.append(timed(poll))
                not_modified.extend(timed(poll) for _ in range(20))
    baseline = median(parse)
    backend = "PostgreSQL" if url else "SQLite"
    print(f"feed: {entries} entries, {len(body) / 1024:.0f} KiB, {backend}, median of {repeat}")
    print(f"  feedparser.parse (baseline)       {baseline * 1000:8.1f} ms   1.00x")
    rows = [
        ("parse_feed (feedparser + text)", median(parse_feed_time)),
        ("extraction of every entry", median(extraction)),
        ("first poll: fetch+parse+capture", median(first)),
        ("re-poll, all entries unchanged", median(unchanged)),
        ("304 poll", median(not_modified)),
    ]
    for label, seconds in rows:
        print(f"  {label:<33} {seconds * 1000:8.1f} ms {seconds / baseline:6.2f}x")
    capture = median(first) - median(parse_feed_time)
    print(f"  (capture and appends alone: {capture * 1000:.1f} ms, {capture / baseline:.2f}x)")


def short_feed_bytes(entries: int) -> bytes:
    """N entries of about 100 bytes each: the most entries a 10 MiB body can carry."""
    items = "".join(
        f"<entry><id>u:{n}</id><link href='/{n}'/><summary>At least {n} died.</summary></entry>"
        for n in range(entries)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Big</title><id>urn:big</id>{items}</feed>"
    ).encode()


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_big(entries: int, entries_per_poll: int | None, url: str | None) -> None:
    """One poll of a feed of `entries` short entries: time and peak RSS (run in a fresh process)."""
    body = short_feed_bytes(entries)
    STATE["body"], STATE["etag"] = body, '"big"'
    started = peak_rss_mib()
    with loopback() as feed_url, Fetcher(allow_private=True) as fetcher:
        with fresh_archive(url) as archive:
            archive.settings = replace(
                archive.settings, private_networks=parse_networks("loopback")
            )
            feed = register_feed(archive, feed_url, SUBJECT, "15m")
            # no max_entries before the per-poll cap existed: the same call times both versions
            limit: dict[str, Any] = {"max_entries": entries_per_poll} if entries_per_poll else {}
            clock = time.monotonic()
            result = poll_feed(
                archive, get_feed(archive, feed.feed_id), fetcher, system_clock, **limit
            )
            seconds = time.monotonic() - clock
            peak = peak_rss_mib()
    baseline = timed(lambda: feedparser.parse(body))
    backend = "PostgreSQL" if url else "SQLite"
    print(f"big feed: {entries} entries, {len(body) / 2**20:.1f} MiB, {backend}")
    print(f"  feedparser.parse (baseline)   {baseline:8.1f} s    1.00x")
    print(f"  one poll                      {seconds:8.1f} s  {seconds / baseline:6.2f}x")
    print(
        f"  status={result.status} new={result.new} reports={result.reports} "
        f"deferred={getattr(result, 'deferred', 0)}"
    )
    print(f"  peak RSS {peak:.0f} MiB (before the poll {started:.0f} MiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--url", help="a PostgreSQL URL (default: a temporary SQLite file)")
    parser.add_argument("--big", type=int, help="poll once a feed of this many short entries")
    parser.add_argument("--entries-per-poll", type=int, help="with --big: the per-poll cap")
    args = parser.parse_args()
    if args.big:
        run_big(args.big, args.entries_per_poll, args.url)
        return
    run(args.entries, args.repeat, args.url)


if __name__ == "__main__":
    main()
