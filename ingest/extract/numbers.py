"""Numbers as news writes them: digits, separators, scale words, number words, vague quantities.

Only spans are found here; whether a number is a figure (and not a date, an age or a duration) is
decided by the extractor, which sees the words around it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.qualifiers import Qualifier

_SMALL = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_SCALE_SUFFIX = {"k": 1_000, "m": 1_000_000, "mn": 1_000_000, "bn": 1_000_000_000}

_WORD = "|".join(sorted([*_SMALL, *_SCALES, "dozen"], key=len, reverse=True))
# "a thousand", "a dozen": the article only counts before a scale word.
_FIRST = "|".join(sorted(_SMALL, key=len, reverse=True))
# A phrase starts with a number word ("twenty thousand") or "a"/"an" before a scale word; a bare
# scale word ("USD1 billion") is no number of its own.
# The lookahead on first letters lets the engine skip most positions at once (2x faster).
_WORDS_RE = re.compile(
    rf"(?=[zotfsenaZOTFSENA])\b(?:(?:{_FIRST})|an?\s+(?:hundred|thousand|million|billion|dozen))"
    rf"(?:(?:\s+and\s+|[\s-]+)(?:{_WORD}))*\b",
    re.IGNORECASE,
)
# Thousands separated by comma, space, no-break or thin space ("11 300"); a decimal only with a
# scale word. Letters or currency glued to the digits ("USD1", "20s", "2nd") make it no count.
_DIGITS_RE = re.compile(
    r"(?=\d)(?:(?<![\w$€£¥.,/:])|(?<=\bthan)|(?<=\bover)|(?<=\babout))(?<![A-Za-z]-)"
    r"(?P<int>\d{1,3}(?:(?:,|[ \u00a0\u2009\u202f])\d{3})+(?!\d)|\d+)"
    r"(?P<frac>\.\d+)?"
    r"(?:(?P<sep>\s+|-)(?P<scale>thousand|million|billion)\b"
    r"|(?P<suffix>k|m|mn|bn)\b)?"
    r"(?![\w%]|[.,]\d|:\d|/\d)",
    re.IGNORECASE,
)
_VAGUE: tuple[tuple[str, Qualifier | None], ...] = (
    (r"hundreds\s+of\s+thousands", Qualifier.HUNDREDS_OF_THOUSANDS),
    (r"tens\s+of\s+thousands", Qualifier.TENS_OF_THOUSANDS),
    (r"(?:several|a\s+few)\s+thousand", Qualifier.SEVERAL_THOUSAND),
    (r"(?:several|a\s+few)\s+hundred", Qualifier.HUNDREDS),
    (r"several\s+dozen|dozens", Qualifier.DOZENS),
    (r"hundreds", Qualifier.HUNDREDS),
    (r"thousands", Qualifier.THOUSANDS),
    (r"millions", Qualifier.MILLIONS),
)
_VAGUE_RE = re.compile(
    "(?=[hHtTsSaAdDmM])(?:"
    + "|".join(f"(?P<q{i}>\\b(?:{pattern})\\b)" for i, (pattern, _) in enumerate(_VAGUE))
    + ")",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Number:
    """A span of `text` that states a quantity: a value, or a vague qualifier with no value."""

    start: int
    end: int
    value: int | None
    vague: Qualifier | None = None
    decimal: bool = False  # "7.8" with no scale word: a measurement, never a head count
    words: bool = False  # written in words ("three", "a thousand")


def parse_words(phrase: str) -> int | None:
    """The value of a number written in words ("Sixty-two", "twenty thousand", "a dozen")."""
    tokens = [t for t in re.split(r"[\s-]+", phrase.lower()) if t and t != "and"]
    total, current, seen = 0, 0, False
    for token in tokens:
        if token in ("a", "an"):
            current = max(current, 1)
        elif token in _SMALL:
            current += _SMALL[token]
            seen = True
        elif token == "dozen":
            current = max(current, 1) * 12
            seen = True
        elif token == "hundred":
            current = max(current, 1) * 100
            seen = True
        elif token in _SCALES:
            total += max(current, 1) * _SCALES[token]
            current, seen = 0, True
        else:
            return None
    return total + current if seen else None


def parse_number(text: str) -> int | None:
    """The value of one written number ("5,000", "11 300", "1.9 million", "a thousand")."""
    found = find_numbers(text.strip())
    if len(found) != 1 or found[0].value is None:
        return None
    return found[0].value


def _digits_value(match: re.Match[str]) -> tuple[int, bool]:
    digits = re.sub(r"\D", "", match["int"])
    number = float(digits + (match["frac"] or ""))
    scale_word = (match["scale"] or "").lower()
    scale = _SCALES.get(scale_word) or _SCALE_SUFFIX.get((match["suffix"] or "").lower(), 1)
    decimal = match["frac"] is not None and scale == 1
    return round(number * scale), decimal


def find_numbers(text: str) -> list[Number]:
    """Every written number in `text`, in order; overlapping matches keep the longer one."""
    found: list[Number] = []
    for match in _DIGITS_RE.finditer(text):
        if match["sep"] == "-" and match["scale"]:
            continue  # "7-million-strong" and the like: a compound adjective
        value, decimal = _digits_value(match)
        found.append(Number(match.start(), match.end(), value, decimal=decimal))
    for match in _WORDS_RE.finditer(text):
        worded = parse_words(match.group())
        if worded is not None:
            found.append(Number(match.start(), match.end(), worded, words=True))
    for match in _VAGUE_RE.finditer(text):
        qualifier = _VAGUE[int((match.lastgroup or "q0")[1:])][1]
        found.append(Number(match.start(), match.end(), None, vague=qualifier))
    return _longest_first(found)


def _longest_first(found: list[Number]) -> list[Number]:
    chosen: list[Number] = []
    for number in sorted(found, key=lambda n: (-(n.end - n.start), n.start)):
        if all(number.end <= c.start or number.start >= c.end for c in chosen):
            chosen.append(number)
    return sorted(chosen, key=lambda n: n.start)
