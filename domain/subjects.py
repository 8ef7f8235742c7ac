"""Subjects: slugs (stable, URL-safe names such as `kazakhstan-unrest-2022`) and what a name
means at a moment of the log.

A subject is renamed or merged by an event, and the reports already recorded keep the slug they
were recorded under. A name is therefore resolved in the window a question is about: follow the
renames and merges made by then (`naming`), and read the reports of every slug that ends there.
Before a merge the two subjects answer apart; from the merge on, as one, under the one merged
into; an old name answers by pointing at the new one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from domain.errors import InvalidInput, SubjectMoved

SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,198}[a-z0-9])?")


def validate_subject(subject: str) -> str:
    if not SLUG.fullmatch(subject):
        raise InvalidInput(
            f"not a subject slug: {subject!r} (lowercase letters, digits and hyphens, "
            "e.g. kazakhstan-unrest-2022)"
        )
    return subject


MAX_TITLE = 200
MAX_DESCRIPTION = 2000


def validate_title(title: str) -> str:
    """A subject's title: what the home page lists it by."""
    title = " ".join(title.split())
    if not title or len(title) > MAX_TITLE:
        raise InvalidInput(f"a subject's title is 1 to {MAX_TITLE} characters")
    return title


def validate_description(description: str | None) -> str | None:
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise InvalidInput(f"a subject's description is at most {MAX_DESCRIPTION} characters")
    return description or None


@dataclass(frozen=True)
class Link:
    """A rename or a merge: from `position` on, `source`'s figures are `target`'s."""

    kind: str  # renamed or merged
    source: str
    target: str
    position: int
    recorded_at: datetime

    def in_window(self, position: int | None) -> bool:
        """A link holds in a window whose log bound reaches it: renames and merges are the
        archive's doing, so they sit on its axis (at_position, known_at), not the story's
        (`as_of`, a time the sources wrote about)."""
        return position is None or self.position <= position


@dataclass(frozen=True)
class Naming:
    """What a name means in one window: the subject it answers as, and the stored slugs whose
    reports that subject is made of (itself, and every subject renamed or merged into it)."""

    asked: str
    canonical: str
    members: tuple[str, ...]

    @property
    def moved(self) -> bool:
        return self.canonical != self.asked


def naming(links: Iterable[Link], name: str, position: int | None = None) -> Naming:
    """Follow the renames and merges made by `position` (None: all) from `name` to where it
    ended."""
    into = {link.source: link.target for link in links if link.in_window(position)}
    canonical, seen = name, {name}
    while canonical in into and into[canonical] not in seen:
        canonical = into[canonical]
        seen.add(canonical)

    def ends_at(slug: str) -> str:
        steps = 0
        while slug in into and steps <= len(into):
            slug, steps = into[slug], steps + 1
        return slug

    members = [canonical] + sorted(s for s in into if s != canonical and ends_at(s) == canonical)
    return Naming(name, canonical, tuple(members))


def stored_slugs(links: Iterable[Link], name: str, position: int | None) -> tuple[str, ...]:
    """The stored slugs a name's reports are read from at `position`: SubjectMoved if the name
    was renamed or merged away by then."""
    found = naming(links, name, position)
    if found.moved:
        raise SubjectMoved(name, found.canonical)
    return found.members
