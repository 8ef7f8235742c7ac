"""Subjects are slugs: stable, URL-safe names such as `kazakhstan-unrest-2022`."""

from __future__ import annotations

import re

from domain.errors import InvalidInput

SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,198}[a-z0-9])?")


def validate_subject(subject: str) -> str:
    if not SLUG.fullmatch(subject):
        raise InvalidInput(
            f"not a subject slug: {subject!r} (lowercase letters, digits and hyphens, "
            "e.g. kazakhstan-unrest-2022)"
        )
    return subject
