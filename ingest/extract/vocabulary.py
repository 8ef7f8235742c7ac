"""The metric vocabulary: which words name which metric, loaded from TOML so a deployment can add
a metric ("evictions", "strikes") without touching code. See metrics.toml for the format.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from domain.errors import InvalidVocabulary

DEFAULT_PATH = Path(__file__).with_name("metrics.toml")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_METRIC_KEYS = {"triggers", "after_only", "unit"}
_FRAME_KEYS = ("toll_verbs", "predicate_words", "reporting_verbs", "passing_verbs")


@dataclass(frozen=True)
class Metric:
    """One countable thing and the words that name it."""

    name: str
    triggers: tuple[str, ...]
    after_only: tuple[str, ...] = ()
    unit: str = "people"


@dataclass(frozen=True)
class Frames:
    """The verb frames around a count, as word lists (see [frames] in metrics.toml)."""

    toll_verbs: frozenset[str] = frozenset()
    predicate_words: frozenset[str] = frozenset()
    reporting_verbs: frozenset[str] = frozenset()
    passing_verbs: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Vocabulary:
    """Metrics, units and verb frames; hashable so compiled patterns can be cached."""

    metrics: tuple[Metric, ...]
    units: tuple[tuple[str, str], ...]  # (word as written, canonical unit)
    source: str = "<memory>"
    frames: Frames = Frames()

    def metric(self, name: str) -> Metric:
        for metric in self.metrics:
            if metric.name == name:
                return metric
        raise KeyError(name)


@dataclass(frozen=True)
class Trigger:
    """A trigger occurrence's meaning: its metric, and whether it counts only after a number."""

    metric: str
    after_only: bool


def load_vocabulary(path: Path | str) -> Vocabulary:
    """Read and validate a vocabulary file; every problem is one InvalidVocabulary naming it."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidVocabulary(f"{path}: cannot read: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise InvalidVocabulary(f"{path}: not valid TOML: {error}") from None
    return _from_mapping(raw, str(path))


@cache
def default_vocabulary() -> Vocabulary:
    """The packaged vocabulary, read once per process."""
    return load_vocabulary(DEFAULT_PATH)


@cache
def vocabulary_for(path: Path | None) -> Vocabulary:
    """The vocabulary a deployment configured (RECOUNT_METRICS), else the packaged one."""
    return default_vocabulary() if path is None else load_vocabulary(path)


def _from_mapping(raw: dict[str, Any], source: str) -> Vocabulary:
    def fail(problem: str) -> InvalidVocabulary:
        return InvalidVocabulary(f"{source}: {problem}")

    metrics_table = raw.get("metrics")
    if metrics_table is None:
        raise fail("missing key 'metrics' (a table of [metrics.NAME] entries)")
    if not isinstance(metrics_table, dict) or not metrics_table:
        raise fail("'metrics' must be a non-empty table of [metrics.NAME] entries")
    metrics = tuple(_metric(name, entry, fail) for name, entry in metrics_table.items())
    units = _units(raw.get("units", {}), fail)
    _check_unique(metrics, fail)
    frames = _frames(raw["frames"], fail) if "frames" in raw else _packaged_frames()
    return Vocabulary(metrics=metrics, units=units, source=source, frames=frames)


def _frames(table: object, fail: Any) -> Frames:
    if not isinstance(table, dict):
        raise fail(f"'frames' must be a table, not {type(table).__name__}")
    unknown = set(table) - set(_FRAME_KEYS)
    if unknown:
        raise fail(f"'frames' has unknown key(s): {', '.join(sorted(unknown))}")
    packaged = None if set(table) == set(_FRAME_KEYS) else _packaged_frames()
    lists = {
        key: frozenset(_words(table[key], f"frames.{key}", fail))
        if key in table
        else getattr(packaged, key)
        for key in _FRAME_KEYS
    }
    return Frames(**lists)


@cache
def _packaged_frames() -> Frames:
    """The packaged verb frames, for a vocabulary that does not set its own."""
    raw = tomllib.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    return _frames(raw["frames"], lambda problem: InvalidVocabulary(f"{DEFAULT_PATH}: {problem}"))


def _metric(name: str, entry: object, fail: Any) -> Metric:
    where = f"metrics.{name}"
    if not _NAME_RE.match(name):
        raise fail(f"metric name {name!r} must be snake_case (a-z, 0-9, _)")
    if not isinstance(entry, dict):
        raise fail(f"'{where}' must be a table")
    unknown = set(entry) - _METRIC_KEYS
    if unknown:
        raise fail(f"'{where}' has unknown key(s): {', '.join(sorted(unknown))}")
    if "triggers" not in entry:
        raise fail(f"'{where}' is missing key 'triggers'")
    triggers = _words(entry["triggers"], f"{where}.triggers", fail)
    if not triggers:
        raise fail(f"'{where}.triggers' is empty: a metric needs at least one trigger word")
    after_only = _words(entry.get("after_only", []), f"{where}.after_only", fail)
    unit = entry.get("unit", "people")
    if not isinstance(unit, str) or not unit.strip():
        raise fail(f"'{where}.unit' must be a non-empty string, not {type(unit).__name__}")
    return Metric(name=name, triggers=triggers, after_only=after_only, unit=unit.strip())


def _words(value: object, where: str, fail: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise fail(f"'{where}' must be a list of strings, not {type(value).__name__}")
    words: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise fail(f"'{where}' must hold non-empty strings, found {item!r}")
        words.append(" ".join(item.lower().split()))
    return tuple(words)


def _units(table: object, fail: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(table, dict):
        raise fail(f"'units' must be a table, not {type(table).__name__}")
    pairs: list[tuple[str, str]] = []
    for canonical, words in table.items():
        pairs.extend((word, canonical) for word in _words(words, f"units.{canonical}", fail))
    return tuple(pairs)


def _check_unique(metrics: tuple[Metric, ...], fail: Any) -> None:
    owner: dict[str, str] = {}
    for metric in metrics:
        for word in (*metric.triggers, *metric.after_only):
            if owner.setdefault(word, metric.name) != metric.name:
                raise fail(
                    f"trigger {word!r} is listed under both {owner[word]!r} and {metric.name!r}"
                )


def _alternation(words: list[str]) -> str:
    """One pattern for all the words, as a trie of their letters, so the regex engine tries each
    letter once instead of each word; greedy, so "death toll" wins over "death"; a space matches
    any whitespace."""
    trie: dict[str, Any] = {}
    for word in set(words):
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_pattern(trie)


def _trie_pattern(node: dict[str, Any]) -> str:
    branches = [
        (r"\s+" if char == " " else re.escape(char)) + _trie_pattern(child)
        for char, child in sorted(node.items())
        if char
    ]
    if not branches:
        return ""
    ends_here = "" in node
    if len(branches) == 1 and not ends_here:
        return branches[0]
    group = "(?:" + "|".join(branches) + ")"
    return group + "?" if ends_here else group


_COMPILED: dict[int, tuple[Vocabulary, Any, Any]] = {}


def trigger_pattern(vocabulary: Vocabulary) -> tuple[re.Pattern[str], dict[str, Trigger]]:
    """One regex for every trigger of every metric, and what each matched phrase means.

    Cached by identity: hashing a whole vocabulary on every call would cost more than the match.
    """
    return _compiled(vocabulary)[1]  # type: ignore[no-any-return]


def unit_pattern(vocabulary: Vocabulary) -> tuple[re.Pattern[str], dict[str, str]]:
    """One regex for every unit word, and the canonical unit of each."""
    return _compiled(vocabulary)[2]  # type: ignore[no-any-return]


def _compiled(vocabulary: Vocabulary) -> tuple[Vocabulary, Any, Any]:
    entry = _COMPILED.get(id(vocabulary))
    if entry is None or entry[0] is not vocabulary:
        entry = (vocabulary, _compile_triggers(vocabulary), _compile_units(vocabulary))
        if len(_COMPILED) > 64:
            _COMPILED.clear()
        _COMPILED[id(vocabulary)] = entry
    return entry


def _compile_triggers(vocabulary: Vocabulary) -> tuple[re.Pattern[str], dict[str, Trigger]]:
    meaning: dict[str, Trigger] = {}
    for metric in vocabulary.metrics:
        for word in metric.triggers:
            meaning[word] = Trigger(metric.name, after_only=False)
        for word in metric.after_only:
            meaning[word] = Trigger(metric.name, after_only=True)
    pattern = re.compile(rf"\b(?:{_alternation(list(meaning))})\b", re.IGNORECASE)
    return pattern, meaning


def _compile_units(vocabulary: Vocabulary) -> tuple[re.Pattern[str], dict[str, str]]:
    canonical = dict(vocabulary.units)
    if not canonical:
        return re.compile(r"(?!x)x"), canonical
    return re.compile(rf"\b(?:{_alternation(list(canonical))})\b", re.IGNORECASE), canonical


def normalise(phrase: str) -> str:
    """A matched phrase as the vocabulary spells it (lower case, single spaces)."""
    return " ".join(phrase.lower().split())
