"""Routing cost (issue 14): one poll of a 1,000-entry general feed against 200 subjects with
rules, as a ratio to the same poll of the same feed with one fixed subject, in the same run.

    .venv/bin/python -m bench.routing [--entries 1000] [--subjects 200] [--repeat 3] [--url …]

Both polls start from a fresh database and fetch the same bytes from a loopback server: the
baseline registers the feed with `--subject`; the measured one defines the subjects (each with
two `--match` phrases and an `--exclude`), registers the feed without a subject and polls it,
so each entry is held against every subject's rules and routed to the one whose town it names.
The goal: the general poll at most 1.5x the fixed one. The rules alone (cutting each entry into
words and routing it) are timed too.
"""

from __future__ import annotations

import argparse
import functools
import statistics
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

from bench.core import fresh_archive, timed
from bench.feeds import STATE, loopback, poll_once
from domain.addresses import parse_networks
from domain.routing import Entry, Rules
from ingest.articles import parse_feed
from ingest.fetch import Fetcher
from services.archive import Archive
from services.feeds import register_feed
from services.subjects import define_subject, router

START = datetime(2026, 3, 1, tzinfo=UTC)


def town(k: int) -> str:
    return f"town{k:03d}"


def feed_bytes(entries: int, subjects: int) -> bytes:
    """News-like entries, each about one of the towns, with a figure or two."""
    items = []
    for n in range(entries):
        link = f"https://wire.example.org/{n}"
        place = town(n % subjects)
        text = (
            f"<p>Flooding in {place} has displaced {1000 + n} people, officials said on day "
            f"{n % 30 + 1}.</p><p>At least {10 + n % 50} people have died in {place}, and the "
            "main road remained closed as rescuers searched the river banks.</p>"
        )
        items.append(
            f"<entry><id>{link}</id><title>{place}: floods</title><link href='{link}'/>"
            f"<updated>{(START + timedelta(minutes=n)).isoformat()}</updated>"
            f"<content type='html'>{escape(text)}</content></entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Wire</title><id>urn:wire</id><updated>{START.isoformat()}</updated>"
        + "".join(items)
        + "</feed>"
    ).encode()


def rules_of(k: int) -> Rules:
    return Rules.of([town(k), f"{town(k)} district"], ["football"])


def one_poll(url: str | None, feed_url: str, fetcher: Fetcher, subjects: int) -> float:
    """A first poll in a fresh database: with one fixed subject (0), or general with rules."""
    with fresh_archive(url) as archive:
        archive.settings = replace(archive.settings, private_networks=parse_networks("loopback"))
        for k in range(subjects):
            define_subject(archive, f"floods-{town(k)}", f"Floods in {town(k)}", rules_of(k))
        feed = register_feed(archive, feed_url, None if subjects else "bench-fixed", "15m")
        STATE["etag"] = f'"{feed.feed_id}-{subjects}"'
        seconds = timed(functools.partial(poll_once, archive, feed.feed_id, fetcher))
        check(archive, subjects)
        return seconds


def check(archive: Archive, subjects: int) -> None:
    """Every entry landed: in the one subject, or spread over the towns' subjects."""
    from services.subjects import list_subjects

    listed = list_subjects(archive)
    expected = max(subjects, 1)
    if len(listed) != expected or any(not item.figures for item in listed):
        raise SystemExit(f"expected {expected} subjects with figures, found {len(listed)}")


def run(entries: int, subjects: int, repeat: int, url: str | None) -> None:
    STATE["body"] = body = feed_bytes(entries, subjects)
    fixed: list[float] = []
    general: list[float] = []
    with loopback() as feed_url, Fetcher(allow_private=True) as fetcher:
        for _ in range(repeat):  # alternated, so a busy moment weighs on both alike
            fixed.append(one_poll(url, feed_url, fetcher, 0))
            general.append(one_poll(url, feed_url, fetcher, subjects))
        with fresh_archive(url) as archive:
            for k in range(subjects):
                define_subject(archive, f"floods-{town(k)}", f"Floods in {town(k)}", rules_of(k))
            compiled = router(archive)
    articles = parse_feed(body, "https://wire.example.org/", "application/atom+xml").articles
    routing = [
        timed(lambda: [compiled.route(Entry.of(a.title, a.text)) for a in articles])
        for _ in range(repeat)
    ]
    baseline = statistics.median(fixed)
    backend = "PostgreSQL" if url else "SQLite"
    print(f"general feed: {entries} entries, {subjects} subjects, {backend}, median of {repeat}")
    print(f"  poll, one fixed subject (baseline)   {baseline * 1000:8.1f} ms   1.00x")
    for label, seconds in [
        (f"poll, general, {subjects} subjects' rules", statistics.median(general)),
        ("routing alone (words + rules)", statistics.median(routing)),
    ]:
        print(f"  {label:<36} {seconds * 1000:8.1f} ms {seconds / baseline:6.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--subjects", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--url", help="a PostgreSQL URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    run(args.entries, args.subjects, args.repeat, args.url)


if __name__ == "__main__":
    main()
