"""Figure extraction: news text in, reported figures out (regular expressions, no model)."""

from __future__ import annotations

from ingest.extract.extractor import EXTRACTOR_VERSION, Extraction, extract
from ingest.extract.vocabulary import (
    Vocabulary,
    default_vocabulary,
    load_vocabulary,
    vocabulary_for,
)

__all__ = [
    "EXTRACTOR_VERSION",
    "Extraction",
    "Vocabulary",
    "default_vocabulary",
    "extract",
    "load_vocabulary",
    "vocabulary_for",
]
