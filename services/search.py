"""Search the archive: subjects by name, captured articles by their words (store/search.py)."""

from __future__ import annotations

from services.archive import Archive
from store import search as store_search
from store.search import MARK_END as MARK_END
from store.search import MARK_START as MARK_START
from store.search import DocumentHit as DocumentHit
from store.search import SearchResults as SearchResults


def search(archive: Archive, query: str) -> SearchResults:
    return store_search.search(archive.engine, query)
