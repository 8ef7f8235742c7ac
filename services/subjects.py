"""Subjects as an operator manages them: define (with routing rules), rename, merge, hide, show,
list, and what a name means in a window.

Every change is an event on the subject's stream (`subject:{slug}`), so replay rebuilds the
subjects and as-of questions see them as they stood. A subject need not be defined: one named
by a report, a feed or an ingest exists as before, and may be defined, renamed, merged or hidden
like any other. Renaming to a name in use, or changing a name already renamed or merged away,
is a Conflict that names where it went. Every event names its `actor` and `via`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from domain.errors import Conflict, SubjectMoved, UnknownSubject
from domain.events import (
    PendingEvent,
    RoutingRules,
    SubjectDefined,
    SubjectEvent,
    SubjectHidden,
    SubjectRenamed,
    SubjectShown,
    SubjectsMerged,
    subject_stream,
)
from domain.figures import FigurePage, Window
from domain.routing import Router, Rules
from domain.subjects import Naming, naming, validate_description, validate_subject, validate_title
from ingest.capture import CaptureResult
from services.archive import Archive
from store import subjects
from store.reports import stream_version
from store.subjects import LinksMark, Subject


@dataclass(frozen=True)
class Defined:
    """What `subjects add` did: the subject, and what its backfill routed to it."""

    subject: Subject
    redefined: bool
    backfilled: CaptureResult | None = None


def define_subject(
    archive: Archive,
    slug: str,
    title: str,
    rules: Rules,
    *,
    description: str | None = None,
    backfill: bool = False,
    progress: Callable[[int], None] | None = None,
    actor: str = "operator",
    via: str = "cli",
) -> Defined:
    """Append SubjectDefined (again for a defined subject: its title and rules are replaced);
    with `backfill`, route the documents general feeds captured before to it by its rules."""
    validate_subject(slug)
    _not_moved(archive, slug)
    before = subjects.defined_subjects(archive.engine).get(slug)
    event = SubjectDefined(
        subject=slug,
        title=validate_title(title),
        description=validate_description(description),
        rules=RoutingRules(**rules.to_json()),
    )
    same = before is not None and (before.title, before.description, before.rules) == (
        event.title,
        event.description,
        rules,
    )
    if not same:  # defining it again as it is appends nothing
        _append(archive, event, actor, via)
    found = None
    if backfill:
        from services.capture import backfill as run_backfill  # capture imports this module

        found = run_backfill(archive, slug, rules, progress=progress)
    return Defined(get_subject(archive, slug), before is not None, found)


def rename_subject(
    archive: Archive, old: str, new: str, actor: str = "operator", via: str = "cli"
) -> Subject:
    """`old` is called `new` from now on; `old` keeps answering, pointing at `new`."""
    validate_subject(new)
    _require(archive, old)
    if subjects.is_known(archive.engine, new):
        raise Conflict(f"subject {new!r} already exists: merge {old} into it instead")
    _append(archive, SubjectRenamed(subject=old, new_subject=new), actor, via)
    return get_subject(archive, new)


def merge_subjects(
    archive: Archive, source: str, into: str, actor: str = "operator", via: str = "cli"
) -> Subject:
    """From now on `source`'s figures are `into`'s; as of before now they stay apart."""
    _require(archive, source)
    _require(archive, into)
    if source == into:
        raise Conflict(f"cannot merge {source} into itself")
    _append(archive, SubjectsMerged(subject=source, into=into), actor, via)
    return get_subject(archive, into)


def hide_subject(archive: Archive, slug: str, actor: str = "operator", via: str = "cli") -> Subject:
    """Leave the subject out of the lists; hiding a hidden subject appends nothing."""
    subject = _require(archive, slug)
    if not subject.hidden:
        _append(archive, SubjectHidden(subject=slug), actor, via)
    return get_subject(archive, slug)


def show_subject(archive: Archive, slug: str, actor: str = "operator", via: str = "cli") -> Subject:
    """List a hidden subject again; showing a listed subject appends nothing."""
    subject = _require(archive, slug)
    if subject.hidden:
        _append(archive, SubjectShown(subject=slug), actor, via)
    return get_subject(archive, slug)


def get_subject(archive: Archive, slug: str) -> Subject:
    """A subject as it stands (a subject never defined: its slug, no title, no rules)."""
    found = subjects.defined_subjects(archive.engine).get(slug)
    if found is not None:
        return found
    if not subjects.is_known(archive.engine, slug):
        raise UnknownSubject(f"no subject {slug!r} in the archive")
    return Subject(slug, None, None, Rules(), False, None, None)


def resolve(archive: Archive, name: str, window: Window | None = None) -> Naming:
    """What `name` means in the window (now, without one): the subject it answers as, and the
    stored slugs that subject's reports are kept under."""
    window = window or Window()
    return naming(subjects.links(archive.engine), name, window.position)


def writing_name(archive: Archive, name: str, links_at: LinksMark | None = None) -> str:
    """The name new reports for `name` are recorded under: where its renames and merges led.

    `links_at`, a mark the caller has just read (`services.tokens.admit_writer`), lets the
    links kept since the last rename or merge answer instead of a read of them all."""
    if links_at is None:
        return resolve(archive, name).canonical
    return naming(archive.links.at(archive.engine, links_at), name, None).canonical


def router(archive: Archive) -> Router:
    """Every subject's rules, for routing the entries of general feeds; a subject merged or
    renamed away routes to the subject it became."""
    links = subjects.links(archive.engine)
    return Router(
        [
            (naming(links, s.slug).canonical, s.rules)
            for s in subjects.defined_subjects(archive.engine).values()
            if s.rules
        ]
    )


@dataclass(frozen=True)
class Listing:
    """One subject in the lists: its definition, its headline figures, when it last changed."""

    subject: Subject
    figures: list[FigurePage]
    last_change: datetime | None


def list_subjects(archive: Archive, *, include_hidden: bool = False) -> list[Listing]:
    """Every subject that answers under its own name now (hidden ones only if asked), with its
    current figures; the most recently changed first: a report, a retraction or a subject
    event, of it or of a subject merged into it."""
    defined = subjects.defined_subjects(archive.engine)
    links = subjects.links(archive.engine)
    changed = subjects.last_changes(archive.engine)
    listings = []
    for slug in sorted(subjects.known_subjects(archive.engine)):
        subject = defined.get(slug) or Subject(slug, None, None, Rules(), False, None, None)
        if subject.moved_to or (subject.hidden and not include_hidden):
            continue
        listings.append(_listing(archive, subject, naming(links, slug).members, changed))
    return sorted(listings, key=_newest_first)


def listing(archive: Archive, slug: str) -> Listing:
    """One subject as the lists show it; SubjectMoved for a name renamed or merged away."""
    now = resolve(archive, slug)
    if now.moved:
        raise SubjectMoved(slug, now.canonical)
    changed = subjects.last_changes(archive.engine)
    return _listing(archive, get_subject(archive, slug), now.members, changed)


def _listing(
    archive: Archive,
    subject: Subject,
    members: tuple[str, ...],
    changed: dict[str, datetime],
) -> Listing:
    from services.figures import figures_as_of  # figures imports this module

    times = [subject.changed_at, *(changed.get(m) for m in members)]
    last = max((t for t in times if t is not None), default=None)
    return Listing(subject, figures_as_of(archive, subject.slug, revisions=1).figures, last)


def _newest_first(listing: Listing) -> tuple[bool, float, str]:
    last = listing.last_change
    return (last is None, -last.timestamp() if last else 0.0, listing.subject.slug)


def _require(archive: Archive, slug: str) -> Subject:
    _not_moved(archive, slug)
    return get_subject(archive, slug)


def _not_moved(archive: Archive, slug: str) -> None:
    now = resolve(archive, slug)
    if now.moved:
        raise Conflict(f"subject {slug!r} is now {now.canonical!r}: use that name")


def _append(archive: Archive, event: SubjectEvent, actor: str, via: str) -> None:
    with archive.engine.connect() as connection:
        version = stream_version(connection, subject_stream(event.subject))
    metadata = {"actor": actor, "via": via}
    archive.events.append([PendingEvent(event, version, metadata=metadata)])


@dataclass(frozen=True)
class PageFacts:
    """What a subject's page says of the subject itself: its definition, what feeds it, and
    the names it was made of."""

    subject: Subject
    feeds: list[tuple[str, str, str]]  # (feed id, URL, how it feeds: its subject, or "rules")
    also: tuple[str, ...]  # the slugs renamed or merged into it


def subject_page_facts(archive: Archive, slug: str) -> PageFacts:
    subject = get_subject(archive, slug)
    members = resolve(archive, slug).members
    feeds = []
    for feed_id, url, feed_subject in subjects.feeds_of(archive.engine, members):
        if feed_subject is not None:
            feeds.append((feed_id, url, feed_subject))
        elif subject.rules and (not subject.rules.feeds or feed_id in subject.rules.feeds):
            feeds.append((feed_id, url, "rules"))
    return PageFacts(subject, feeds, members[1:])
