"""Capture use cases: articles (from a feed file, a URL, or a poll) appended to the log.

Each article is all-or-nothing: its document and its reports are always in the same append.
A feed's articles are captured in few transactions: the latest version of every document is
read in one chunked query and many articles go into one append. If another writer moved a
document on in between (a StreamConflict), that group is retried one article at a time, reading
the version afresh.

Memory stays flat: events are built one group of articles at a time and dropped once appended.
`limit` caps the new or changed articles one call captures; the rest are counted as `deferred`
for the caller (a poll) to take next time.

With a subject (a feed's `--subject`, `recount ingest --subject`), each article goes to that
subject, under the name its renames and merges led to; an article already captured (for
another subject, or by a general feed) is not captured again, only routed to this subject
(DocumentRouted and the subject's reports). Without one, each article is routed to every
subject whose rules it meets (domain/routing.py), possibly none: it is captured all the same,
and `backfill` routes it when a subject whose rules it meets is defined later.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.errors import InvalidInput, StreamConflict
from domain.events import DocumentCaptured, DocumentRouted, FigureReported, PendingEvent
from domain.routing import Entry, Router, Rules, matches
from domain.subjects import validate_subject
from domain.urls import redact_url
from ingest.articles import Article, parse_feed
from ingest.capture import CaptureResult, article_document, article_events, route_events
from ingest.extract import EXTRACTOR_VERSION, Vocabulary, extract, vocabulary_for
from ingest.sources import read_source
from services.archive import Archive
from services.subjects import router, writing_name
from store import subjects
from store.documents import latest_versions
from store.events import AppendResult

ARTICLES_PER_APPEND = 100


def ingest_source(
    archive: Archive,
    source: str,
    subject: str | None,
    *,
    on_total: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> CaptureResult:
    if subject is not None:
        validate_subject(subject)
    content, base_url, content_type = read_source(source, archive.settings.private_networks)
    feed = parse_feed(content, base_url, content_type)
    if feed.unusable:
        raise InvalidInput(f"{redact_url(source)}: {feed.unusable}")
    if on_total is not None:
        on_total(len(feed.articles))
    captured_at = archive.events.clock()
    return capture_articles(archive, subject, feed.articles, captured_at, progress=progress)


@dataclass
class _Routing:
    """Where each article goes: one subject, or the subjects whose rules it meets."""

    subject: str | None
    router: Router | None
    feed_id: str | None

    def subjects(self, article: Article) -> list[str]:
        if self.subject is not None:
            return [self.subject]
        assert self.router is not None
        return self.router.route(Entry.of(article.title, article.text), self.feed_id)


def capture_articles(
    archive: Archive,
    subject: str | None,
    articles: Sequence[Article],
    captured_at: datetime,
    *,
    feed_id: str | None = None,
    per_append: int = ARTICLES_PER_APPEND,
    progress: Callable[[int], None] | None = None,
    limit: int | None = None,
) -> CaptureResult:
    """Capture every new or changed article (at most `limit`) and route it; an unchanged one
    appends only the routes it is missing."""
    vocabulary = vocabulary_for(archive.settings.metrics_path)
    if subject is None:
        routing = _Routing(None, router(archive), feed_id)
    else:
        routing = _Routing(writing_name(archive, subject), None, feed_id)
    latest = latest_versions(archive.engine, {a.document_id for a in articles})
    routes = subjects.routed(archive.engine, ((d, v) for d, (v, _) in latest.items()))
    total = CaptureResult()
    group: list[tuple[Article, list[PendingEvent]]] = []
    taken = 0
    counted = 0  # articles not yet reported to `progress`
    for article in articles:
        known = latest.get(article.document_id)
        if known is not None and known[1] == article.content_hash:
            have = routes.setdefault((article.document_id, known[0]), set())
            missing = [s for s in routing.subjects(article) if s not in have]
            if not missing:
                total += CaptureResult(unchanged=1)
                counted += 1
                continue
            have.update(missing)
            events = _routed(article, known[0], missing, captured_at, feed_id, vocabulary)
        else:
            if limit is not None and taken >= limit:
                total += CaptureResult(deferred=1)
                continue
            taken += 1
            version = 1 if known is None else known[0] + 1
            latest[article.document_id] = (version, article.content_hash)
            wanted = routing.subjects(article)
            routes[(article.document_id, version)] = set(wanted)
            events = _new_version(routing, article, version, wanted, captured_at, vocabulary)
        group.append((article, events))
        if len(group) >= per_append:
            total += _append_group(archive, routing, group, captured_at, vocabulary)
            counted += len(group)
            group = []
            if progress is not None:
                progress(counted)
                counted = 0
    if group:
        total += _append_group(archive, routing, group, captured_at, vocabulary)
        counted += len(group)
    if progress is not None and counted:
        progress(counted)
    return total


def _new_version(
    routing: _Routing,
    article: Article,
    version: int,
    wanted: list[str],
    captured_at: datetime,
    vocabulary: Vocabulary,
) -> list[PendingEvent]:
    """A new or changed article captured: under its one subject, or as a general document
    routed to the subjects whose rules it meets (`wanted`)."""
    general = routing.subject is None
    return article_events(
        routing.subject,
        article,
        version,
        captured_at,
        routing.feed_id,
        vocabulary,
        routes=wanted if general else (),
    )


def _routed(
    article: Article,
    version: int,
    missing: list[str],
    captured_at: datetime,
    feed_id: str | None,
    vocabulary: Vocabulary,
) -> list[PendingEvent]:
    """A captured article's routes to more subjects, with those subjects' reports."""
    document = article_document(None, article, captured_at, feed_id)
    found = extract(article.text, vocabulary, published=article.published_at)
    metadata = {"actor": "ingest", "extractor_version": EXTRACTOR_VERSION}
    return route_events(document, version, missing, found, metadata)


def _append_group(
    archive: Archive,
    routing: _Routing,
    group: list[tuple[Article, list[PendingEvent]]],
    captured_at: datetime,
    vocabulary: Vocabulary,
) -> CaptureResult:
    """One append for the group; on a conflict, each article again on its own."""
    try:
        return _counted(archive.events.append([e for _, events in group for e in events]))
    except StreamConflict:
        total = CaptureResult()
        for article, _ in group:
            total += _capture_one(archive, routing, article, captured_at, vocabulary)
        return total


def _capture_one(
    archive: Archive,
    routing: _Routing,
    article: Article,
    captured_at: datetime,
    vocabulary: Vocabulary,
) -> CaptureResult:
    feed_id = routing.feed_id
    known = latest_versions(archive.engine, {article.document_id}).get(article.document_id)
    wanted = routing.subjects(article)
    if known is not None and known[1] == article.content_hash:
        have = subjects.routed(archive.engine, [(article.document_id, known[0])])
        missing = [s for s in wanted if s not in have.get((article.document_id, known[0]), ())]
        if not missing:
            return CaptureResult(unchanged=1)
        events = _routed(article, known[0], missing, captured_at, feed_id, vocabulary)
        return _counted(archive.events.append(events))
    version = 1 if known is None else known[0] + 1
    events = _new_version(routing, article, version, wanted, captured_at, vocabulary)
    return _counted(archive.events.append(events))


def backfill(
    archive: Archive,
    subject: str,
    rules: Rules,
    *,
    progress: Callable[[int], None] | None = None,
) -> CaptureResult:
    """Route to `subject` every document general feeds captured (its latest version) whose
    text meets `rules`, with its reports; what was routed before appends nothing."""
    vocabulary = vocabulary_for(archive.settings.metrics_path)
    total = CaptureResult()
    after: str | None = None
    while True:
        page = subjects.general_documents(archive.engine, after, BACKFILL_PAGE)
        if not page:
            return total
        after = page[-1].data["document_id"]
        pending: list[PendingEvent] = []
        keys = [(r.data["document_id"], r.version) for r in page]
        have = subjects.routed(archive.engine, keys)
        for recorded in page:
            document = recorded.event
            assert isinstance(document, DocumentCaptured)
            entry = Entry.of(document.title, document.text)
            if subject in have.get((document.document_id, recorded.version), ()):
                continue
            if not matches(rules, entry, document.feed_id):
                continue
            found = extract(document.text, vocabulary, published=document.published_at)
            metadata = {"actor": "backfill", "extractor_version": EXTRACTOR_VERSION}
            pending += route_events(document, recorded.version, [subject], found, metadata)
        if pending:
            total += _counted(archive.events.append(pending))
        if progress is not None:
            progress(len(page))


BACKFILL_PAGE = 200


def _counted(result: AppendResult) -> CaptureResult:
    """Count an append's documents (new or changed) and reports; a replayed key counts unchanged."""
    total = CaptureResult()
    for event in result.appended:
        if event.type == DocumentCaptured.type:
            total += CaptureResult(new=1) if event.version == 1 else CaptureResult(changed=1)
        elif event.type == DocumentRouted.type:
            total += CaptureResult(routed=1)
        elif event.type == FigureReported.type:
            total += CaptureResult(reports=1)
    skipped = sum(1 for event in result.existing if event.type == DocumentCaptured.type)
    return total + CaptureResult(unchanged=skipped)
