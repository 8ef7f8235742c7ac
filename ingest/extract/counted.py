"""What a number counts: the noun rule that tells "200 people" from "200 aftershocks".

A count is followed by what it counts (a unit or trigger noun, perhaps after a modifier: "2,000
Russian troops"), by a verb or a function word ("10,000 have been arrested"), or by nothing.
Any other noun ("ten days", "11 quake-hit provinces", "149 bridges") means the number counts
something the vocabulary does not, so it is no figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.extract.numbers import Number
from ingest.extract.vocabulary import Vocabulary, normalise, trigger_pattern, unit_pattern

TOKEN_RE = re.compile(r"\s*([A-Za-z][\w'’]*|\S)")
# Words that may follow a count without naming what is counted ("10,000 have been arrested").
_FUNCTION = frozenset(
    "am is are was were be been being have has had do does did will would shall should can could "
    "may might must in on at of from to for by with into across among amid after before during "
    "since until as and or but nor while than so because who whom that which them they their it "
    "more others other further additional alone also still now reportedly already altogether "
    "each all both overall including according said say says remain remains remained mostly "
    "mainly many most yesterday today tonight overnight earlier previously initially taken brought "
    "held found known thought feared seen later subsequently eventually along given despite "
    "amid following against under over near outside inside across".split()
)
_PRONOUNS_AFTER_OF = frozenset("them whom those us".split())
# "40 of the 110 workers", "99 of its citizens": a noun of people must follow.
_ARTICLES_AFTER_OF = frozenset("the these its their his her our".split())
# "five other states": after these words the noun still has to be one that counts people.
_MORE_WORDS = frozenset("other more additional further".split())
# Verbs whose object is people whatever noun names them: "killed four climbers".
_PERSON_VERB = re.compile(
    r"\b(?:kill(?:ed|ing|s)?|injur(?:ed|ing|es)|wound(?:ed|ing|s)|arrest(?:ed|ing|s)|detain(?:ed|ing|s)"
    r"|rescu(?:ed|ing|es))\s+(?:(?:at\s+least|more\s+than|nearly|about|some|over)\s+)?$",
    re.IGNORECASE,
)
# "up from 96 a day earlier", "reached 410 this week": the words after the count date it.
_TIME_AFTER = re.compile(
    r"\s+(?:a|an|the|one|two|three|four|five|six|seven|\d+)\s+(?:days?|weeks?|months?|years?|hours?)"
    r"\s+(?:earlier|before|ago|previously|prior)\b"
    r"|\s+(?:this|last)\s+(?:year|season|week|month|morning|afternoon|evening|weekend)\b"
    # "bringing to 156 the number of people rescued": the toll named after its count.
    r"|\s+the\s+(?:total\s+)?(?:number|toll|total|tally|count)\b",
    re.IGNORECASE,
)
# A trigger used as a modifier before a noun that counts no people: "78 affected
# municipalities", "32 evacuation centres" (never "500 injured people": a unit follows).
_MODIFIED_NOUN = re.compile(r"\s+([a-z]{3,}s)\b")
_PLACE_TRIGGER = re.compile(r"\b(?:camps|shelters|centres|centers|sites|facilities)$")
_NOT_NOUNS = frozenset("this thus plus perhaps besides unless whereas".split())
_WHOLE_NUMBER = re.compile(r"\s*(?:\d[\d,.]*\s+(?:(?:million|thousand)\s+)?)?")
# A plural noun the vocabulary lacks counts people when what happens to people follows: "16
# Sherpas were killed", "40 porters died".
_PEOPLE_PREDICATE = re.compile(
    r"\s+(?:(?:were|was|have\s+been|had\s+been|are\s+being)\s+(?:\w+ly\s+)?(?:killed|injured"
    r"|wounded|hurt|arrested|detained|slain|shot\s+dead|reported\s+missing)|died|drowned|perished)\b"
)
# A plural demonym counts people: "145 Egyptians", "12 Pakistanis", "300 Congolese".
_DEMONYM = re.compile(r"[A-Z][a-z]+(?:ans|ese|is|ites)")


@dataclass(frozen=True)
class Follow:
    """What follows a number: the counted noun if any, where it ends, and its metric if any."""

    end: int
    unit: str | None = None
    unit_is_trigger: str | None = None


def noun_at(sent: str, pos: int, vocab: Vocabulary) -> tuple[int, str | None, str | None] | None:
    """A unit or trigger noun starting at `pos`: (end, canonical unit, metric it names)."""
    units, canonical = unit_pattern(vocab)
    triggers, meaning = trigger_pattern(vocab)
    unit_match = units.match(sent, pos)
    trigger_match = triggers.match(sent, pos)
    if unit_match is None and trigger_match is None:
        return None
    trigger = meaning[normalise(trigger_match.group())] if trigger_match else None
    metric = trigger.metric if trigger else None
    if unit_match is not None and (
        trigger_match is None or unit_match.end() >= trigger_match.end()
    ):
        return unit_match.end(), canonical[normalise(unit_match.group())], metric
    assert trigger_match is not None
    return trigger_match.end(), None, metric


def what_follows(sent: str, number: Number, vocab: Vocabulary) -> Follow | None:
    """The noun rule: a count is followed by what it counts, a verb, or a function word.

    A noun that is neither a unit nor a trigger ("200 aftershocks", "ten days", "11 quake-hit
    provinces") means the number counts something else, so None.
    """
    pos = number.end
    rest = sent[pos:]
    strong = _STRONG.match(rest)
    if strong is not None:  # "a 5,000-strong force", "a 300-strong Belgian contingent"
        return _strong_head(sent, pos + strong.end(), vocab)
    if re.match(r"-[A-Za-z]|\s*(?:%|percent\b|per\s+cent\b)", rest):
        return None
    of = re.match(r"\s+of\s+", rest)
    if of is not None:
        noun = noun_at(sent, pos + of.end(), vocab)
        if noun is not None and not _counts_another_noun(sent, noun[0], vocab):
            return Follow(noun[0], noun[1], noun[2] if noun[1] is None else noun[2])
        return _partitive(sent, pos, pos + of.end(), vocab) or _of_modified(
            sent, pos + of.end(), vocab
        )
    if _TIME_AFTER.match(rest):
        return Follow(pos)
    return _follow_words(sent, pos, vocab, number.start)


_STRONG = re.compile(r"-strong\s+", re.IGNORECASE)


def _strong_head(sent: str, cursor: int, vocab: Vocabulary) -> Follow | None:
    """The noun after "N-strong": a unit or a trigger noun, maybe past modifiers; "a 2,000-strong
    crowd" counts no metric."""
    for _ in range(4):  # past up to three modifiers: "a 300-strong Belgian contingent"
        noun = noun_at(sent, cursor, vocab)
        if noun is not None and (noun[1] is not None or noun[2] is not None):
            return Follow(noun[0], noun[1], noun[2])
        token = TOKEN_RE.match(sent, cursor)
        if token is None or not _MODIFIER_WORD.fullmatch(token.group(1)):
            return None
        cursor = len(sent) - len(sent[token.end() :].lstrip())
    return None


def _after_more(sent: str, pos: int, cursor: int, vocab: Vocabulary) -> Follow | None:
    """ "12 more bodies", "two more were killed", "five others"; never "five other states"."""
    token = TOKEN_RE.match(sent, cursor)
    if token is None or not token.group(1)[0].isalpha():
        return Follow(pos)
    word = token.group(1).lower()
    noun = noun_at(sent, token.start(1), vocab)
    if noun is not None:
        return Follow(noun[0], noun[1], noun[2])
    if word in _FUNCTION or word.endswith("ed"):
        return Follow(pos)
    return None


def _of_modified(sent: str, after_of: int, vocab: Vocabulary) -> Follow | None:
    """ "thousands of National Guard members": a count of a modified noun of people."""
    follow = noun_phrase_head(sent, after_of, vocab)
    return follow if follow is not None and follow.unit is not None else None


def _partitive(sent: str, pos: int, after_of: int, vocab: Vocabulary) -> Follow | None:
    """ "103 of them", "nine of the injured" count people; "19 of the state's 35 districts" not."""
    word = TOKEN_RE.match(sent, after_of)
    if word is None:
        return None
    if word.group(1).lower() in _PRONOUNS_AFTER_OF:
        return Follow(pos)
    if word.group(1).lower() in _ARTICLES_AFTER_OF:  # "40 of the 110 workers": a total
        noun = _WHOLE_NUMBER.match(sent, word.end())
        at = noun.end() if noun else word.end()
        if noun_at(sent, at, vocab) is not None:
            return Follow(pos)
    return None


def _follow_words(sent: str, pos: int, vocab: Vocabulary, start_of_number: int) -> Follow | None:
    start = len(sent) - len(sent[pos:].lstrip())
    noun = noun_at(sent, start, vocab)
    if noun is not None:
        if _counts_another_noun(sent, noun[0], vocab):
            return None  # "32 evacuation centres", "dozens of police departments"
        if noun[1] is None and _PLACE_TRIGGER.search(sent, start, noun[0]):
            return None  # "312 relief camps", "40 shelters": places, not people
        if (
            noun[1] is None
            and trigger_pattern(vocab)[1][normalise(sent[start : noun[0]])].after_only
        ):
            return Follow(pos)  # a verb whose subject the count is: "2.4 million need food aid"
        return Follow(noun[0], noun[1], noun[2])
    first = TOKEN_RE.match(sent, pos)
    if first is None or not first.group(1)[0].isalpha():
        return Follow(pos)  # punctuation or the end: "rose to 3,419."
    word = first.group(1).lower()
    if word in _MORE_WORDS:
        return _after_more(sent, pos, first.end(), vocab)
    if word in _FUNCTION or word.endswith("ed"):
        return Follow(pos)
    if re.fullmatch(r"[A-Za-z]+s", first.group(1)) and _PEOPLE_PREDICATE.match(sent, first.end()):
        return Follow(first.end(), "people")  # "16 Sherpas were killed"
    if _DEMONYM.fullmatch(first.group(1)):
        return Follow(first.end(), "people")
    if _PERSON_VERB.search(sent, 0, start_of_number) and re.fullmatch(r"[a-z]+s", first.group(1)):
        return Follow(first.end(), "people")  # "killing 11 hikers"
    return noun_phrase_head(sent, first.start(1), vocab)


# Modifiers a counted noun may carry: proper adjectives and names ("Russian", "National Guard",
# "U.S."), hyphenated compounds ("active-duty"), lists joined by commas, "and", "or".
_MODIFIER_WORD = re.compile(r"[A-Z][\w'’]*|[a-z]+-[a-z-]+|[a-z]+(?:ian|ese|ish|ic|al|ary|ive)")
_JOINERS = frozenset({",", "and", "or", "&", ".", "-"})


def noun_phrase_head(sent: str, cursor: int, vocab: Vocabulary) -> Follow | None:
    """The noun a count counts past a run of modifiers: "2,030 Russian, Belarusian, Armenian,
    Tajik and Kyrgyz troops", "4,500 U.S. forces", "thousands of National Guard members".

    The run holds only modifier words and joiners, so "173,000 buildings" or "ten days" end it at
    once with no head: the number counts something the vocabulary does not.
    """
    seen, free = 0, 0
    for _ in range(12):
        token = TOKEN_RE.match(sent, cursor)
        if token is None:
            return None
        word = token.group(1)
        noun = noun_at(sent, token.start(1), vocab) if word[0].isalpha() else None
        if noun is not None and seen and (noun[1] is not None or _plural_noun(sent, noun)):
            if noun[1] is None and _PLACE_TRIGGER.search(sent, token.start(1), noun[0]):
                return None  # "57 temporary shelters": places, not people
            return Follow(noun[0], noun[1], noun[2])
        if word.lower() in _JOINERS:
            if not seen:
                return None
        elif word.lower() in _FUNCTION or not word[0].isalpha():
            return None
        elif _MODIFIER_WORD.fullmatch(word):
            seen += 1
        elif free < 2:  # "three foreign victims": at most two plain words before the noun
            seen, free = seen + 1, free + 1
        else:
            return None
        cursor = token.end()
    return None


def _plural_noun(sent: str, noun: tuple[int, str | None, str | None]) -> bool:
    """A trigger that is a plural noun ("martyrs", "bodies"), not a verb ("kills", "killed")."""
    word = re.search(r"[A-Za-z]+$", sent[: noun[0]])
    return word is not None and word.group().endswith("s") and not word.group().endswith("ss")


_DETERMINER_BEFORE = re.compile(
    r"\b(?:the|these|those|its|their|in|of|other|all|many|most|worst|hardest)\s+$", re.IGNORECASE
)


def modifies_another_noun(sent: str, start: int, end: int, vocab: Vocabulary) -> bool:
    """Whether a trigger is an adjective of a noun the vocabulary does not count, after a
    determiner: "the affected provinces", "in displaced areas" (never "toll surpasses")."""
    if not _DETERMINER_BEFORE.search(sent, max(0, start - 12), start):
        return False
    return _counts_another_noun(sent, end, vocab)


def _counts_another_noun(sent: str, end: int, vocab: Vocabulary) -> bool:
    """A trigger that modifies a noun neither unit nor trigger: "78 affected municipalities"
    count municipalities, "32 evacuation centres" count centres."""
    if sent[end - 1] in "sS":
        return False  # a plural noun is the counted noun: "1,084 deaths surpasses"
    word = _MODIFIED_NOUN.match(sent, end)
    if word is None or word.group(1) in _FUNCTION or word.group(1) in _NOT_NOUNS:
        return False
    return noun_at(sent, len(sent) - len(sent[end:].lstrip()), vocab) is None
