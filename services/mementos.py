"""Captured versions of an article by URL and time: what the Memento routes serve."""

from __future__ import annotations

from services.archive import Archive
from store import mementos
from store.mementos import Capture as Capture
from store.mementos import nearest as nearest


def captures(archive: Archive, url: str) -> list[Capture]:
    """Every captured version of `url`, oldest first; UnknownMemento when there is none."""
    return mementos.captures(archive.engine, url)
