"""Routing rules: which subjects an entry of a general feed belongs to.

A subject's rules are phrases, matched as whole words, case- and accent-blind, in an entry's
title and text:
- `match`: the entry must hold at least one of them (several `--match`: any of them);
- `exclude`: the entry must hold none of them;
- `feeds`: when given, only entries of those feeds (ids) are considered.
A phrase is one or more words in order: `earthquake`, `"death toll"`. Punctuation between words
is ignored, so `death-toll` and `death toll` read the same; a word never matches inside another
(`war` does not match `software`). A subject without `match` phrases is never routed to.

The text is cut into words once per entry; a one-word phrase is then a set lookup and a longer
one a search in the entry's words joined by single spaces, so routing against hundreds of
subjects costs little beside extracting the figures.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.errors import InvalidInput

WORD = re.compile(r"\w+")
MAX_PHRASES = 50
MAX_PHRASE = 200


def words_of(text: str) -> list[str]:
    """The text's words, lowercased and without accents: what phrases are compared with."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return WORD.findall(plain)


def _phrase(text: str) -> str:
    phrase = " ".join(words_of(text))
    if not phrase or len(text) > MAX_PHRASE:
        raise InvalidInput(
            f"not a phrase: {text[:60]!r} (one or more words, at most {MAX_PHRASE} characters)"
        )
    return phrase


@dataclass(frozen=True)
class Rules:
    """A subject's routing rules, normalised (lowercase words joined by single spaces)."""

    match: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()

    @classmethod
    def of(
        cls, match: Iterable[str] = (), exclude: Iterable[str] = (), feeds: Iterable[str] = ()
    ) -> Rules:
        """Rules from what an operator typed; InvalidInput says which phrase will not do."""
        found = [_phrase(p) for p in match], [_phrase(p) for p in exclude]
        if len(found[0]) + len(found[1]) > MAX_PHRASES:
            raise InvalidInput(f"at most {MAX_PHRASES} phrases in a subject's rules")
        if (found[1] or feeds) and not found[0]:
            raise InvalidInput("rules need at least one --match phrase")
        return cls(_unique(found[0]), _unique(found[1]), _unique(feeds))

    @classmethod
    def from_json(cls, value: dict[str, Any] | None) -> Rules:
        value = value or {}
        return cls(
            tuple(value.get("match", ())),
            tuple(value.get("exclude", ())),
            tuple(value.get("feeds", ())),
        )

    def to_json(self) -> dict[str, list[str]]:
        return {"match": list(self.match), "exclude": list(self.exclude), "feeds": list(self.feeds)}

    def __bool__(self) -> bool:
        return bool(self.match)

    def describe(self) -> str:
        """The rules in one readable line: `"quake" or "tremor"; not "football"; feed 1a2b3c4d`."""
        if not self.match:
            return "no rules: reports and feeds name this subject themselves"
        parts = [" or ".join(f'"{p}"' for p in self.match)]
        if self.exclude:
            parts.append("not " + " or ".join(f'"{p}"' for p in self.exclude))
        if self.feeds:
            parts.append("only from feed " + ", ".join(f[:8] for f in self.feeds))
        return "; ".join(parts)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


@dataclass(frozen=True)
class Entry:
    """An entry's words, cut once, to be held against every subject's rules."""

    words: frozenset[str]
    joined: str  # " w1 w2 … wn ": a phrase " a b " is found in it as a whole

    @classmethod
    def of(cls, *texts: str | None) -> Entry:
        found = [w for text in texts if text for w in words_of(text)]
        return cls(frozenset(found), f" {' '.join(found)} ")

    def holds(self, phrase: str) -> bool:
        if " " not in phrase:
            return phrase in self.words
        return f" {phrase} " in self.joined


@dataclass(frozen=True)
class Router:
    """Every subject's rules, compiled once for a poll: `route` names the subjects of an entry."""

    rules: Sequence[tuple[str, Rules]]
    _first_words: dict[str, list[int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Index each subject by the first word of each of its match phrases: an entry is held
        # only against the subjects one of whose first words it contains.
        index: dict[str, list[int]] = {}
        for i, (_, rules) in enumerate(self.rules):
            for phrase in rules.match:
                index.setdefault(phrase.split(" ", 1)[0], []).append(i)
        object.__setattr__(self, "_first_words", index)

    def route(self, entry: Entry, feed_id: str | None = None) -> list[str]:
        """The subjects whose rules the entry meets, in the order the rules were given."""
        candidates = sorted(
            {i for word in entry.words & self._first_words.keys() for i in self._first_words[word]}
        )
        found: list[str] = []
        for i in candidates:
            subject, rules = self.rules[i]
            if matches(rules, entry, feed_id) and subject not in found:
                found.append(subject)
        return found


def matches(rules: Rules, entry: Entry, feed_id: str | None = None) -> bool:
    """Whether an entry (of `feed_id`, None for a file) meets the rules."""
    if not rules.match or (rules.feeds and feed_id not in rules.feeds):
        return False
    if not any(entry.holds(p) for p in rules.match):
        return False
    return not any(entry.holds(p) for p in rules.exclude)
