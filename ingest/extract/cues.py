"""The words around a number that say what kind of figure it is: qualifiers, status, breakdowns,
and the spans that are never counts (dates, times, ages, labels).

Each pattern is a rule of English news writing, not of one article: "at least N", "a previous
toll", "could reach N", "including N in <place>".
"""

from __future__ import annotations

import re

from domain.qualifiers import Qualifier

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_YEAR = r"(?:1[89]\d\d|20\d\d)"
YEAR_RE = re.compile(rf"(?<![\w,.])(?P<year>{_YEAR})(?![\w]|,\d)")
# Spans whose digits are never a count of people, by kind: a table a reader can scan, and the
# kind is what an explanation names.
NEVER_COUNTS: tuple[tuple[str, str], ...] = (
    ("date", rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+{_YEAR}\b(?!,\d))?"),
    ("date", rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR}\b(?!,\d))?"),
    ("date", rf"\b{_MONTH},?\s+{_YEAR}\b"),
    ("date", r"\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"),
    ("time", r"\b\d{1,2}(?::\d\d)+\b|\b\d{1,2}\s*(?:a\.m\.|p\.m\.|am\b|pm\b)"),
    # "aged 49", "between the ages of 17 and 56", "ages 18 to 25"
    ("age", r"\b(?:aged?|ages)\s+(?:of\s+|from\s+)?(?:between\s+)?\d+(?:\s*(?:to|and|-|–)\s*\d+)?"),
    # "12 were under 18", "most were younger than 30"
    (
        "age",
        r"\b(?:were|was|are|is)\s+(?:all\s+)?(?:under|over|below|above|younger\s+than|older\s+than)"
        r"\s+(?:the\s+age\s+of\s+)?\d{1,2}\b(?![,.]?\d)",
    ),
    # An age limit after a noun of people: "children under five", "adults over 65".
    (
        "age",
        r"\b(?:children|kids|boys|girls|infants|babies|adults|people)\s+(?:under|below|over|above)"
        r"\s+(?:the\s+age\s+of\s+)?(?:\d{1,2}|one|two|three|four|five|six|ten|twelve|eighteen"
        r"|sixty)\b(?![,.]?\d)",
    ),
    # "the youngest was six", "the oldest victim was 82"
    (
        "age",
        r"\b(?:youngest|oldest|eldest)\s+(?:\w+\s+){0,3}?(?:was|is|were|being|aged)\s+(?:just\s+|only"
        r"\s+)?(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|[a-z]+teen"
        r"|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)\b",
    ),
    ("magnitude", r"\bmagnitude[\s-]+(?:of\s+)?\d+(?:\.\d+)?"),
    ("money", r"\b(?:US|USD|EUR|GBP|Rs\.?|INR)\s?\$?\d[\d,.]*(?:\s*(?:million|billion|bn|m)\b)?"),
    (
        "label",
        r"\b(?:No|Nos|Article|Flight|Resolution|Category|Level|Phase|Route|Highway|Chapter|Section"
        r"|Room|Gate|Terminal|Platform|Paragraph|Grade|Stage|Block|Unit|Building|Number|Decree|Law"
        r"|Bill|Act|Order|Ordinance|Directive|Interstate|Exit|Pier|Berth|Line)\.?\s+\d+\b"
        r"|\b(?:flight|route|highway|platform|gate|terminal|exit|pier|berth|bus|train)\s+"
        r"(?:(?:number|no\.?)\s+)?\d+\b",
    ),
    # A crowd, not a toll: "demonstrations which drew an estimated 100,000 people".
    (
        "crowd",
        r"\b(?:drew|drawn|draws|drawing|attracted|attracting|attracts)\s+(?:crowds\s+of\s+)?"
        r"(?:an?\s+)?(?:(?:estimated|about|some|around|nearly|roughly|more\s+than|over|up\s+to)\s+)?"
        r"(?:\d|tens\b|hundreds\b|thousands\b|dozens\b|several\b)"
        r"|\b(?:put|estimated|put\s+the\s+size\s+of)\s+the\s+(?:crowd|turnout|attendance)"
        r"\s+at\s+(?:(?:about|some|around|nearly|roughly|more\s+than|over|up\s+to)\s+)?\d",
    ),
    # A vote: "voted 172 to 12", "by 312 votes to 45", "a 38-2 vote".
    (
        "vote",
        r"\bvot(?:ed|ing)\s+(?:\w+\s+)?\d[\d,]*\s*(?:to|-|–)\s*\d[\d,]*"
        r"|\bby\s+\d[\d,]*\s+votes?\s+to\s+\d[\d,]*|\b\d+\s*[-–]\s*\d+\s+vote\b",
    ),
    # A population, the whole a toll is part of: "a city of 840,000 people", "Haiti's population
    # of 11.7 million", "Of the village's roughly 200 residents", "were among 323 students".
    (
        "population",
        r"\b(?:population|city|town|village|country|nation|district|region|province|community)"
        r"\s+of\s+(?:(?:about|some|roughly|around|nearly|almost|more\s+than|over|just\s+over)\s+)?\d"
        r"|\b[Oo]f\s+the\s+\w+['’]s\s+(?:(?:about|some|roughly|around|nearly|more\s+than|over)\s+)?\d",
    ),
    # Phone numbers: "call the emergency lines 767 or 112", "helpline at 1800-425-1077".
    (
        "phone",
        r"\b(?:hotlines?|helplines?|(?:phone|telephone|emergency|toll-free)\s+(?:lines?|numbers?)"
        r"|call|dial)\b[^.;\d]{0,40}?\d[\d -]*\d(?:\s+or\s+\d[\d -]*\d)?",
    ),
    # Capacity, not a toll: "a ferry carrying more than 180 passengers", "licensed to carry 43".
    (
        "capacity",
        r"\b(?:carrying|carry|carries|carried|capacity\s+of|designed\s+for|room\s+for|holds|seats"
        r"|accommodates|can\s+hold|can\s+seat)\s+"
        r"(?:only\s+|about\s+|some\s+|around\s+|nearly\s+|up\s+to\s+|more\s+than\s+|over\s+)?\d",
    ),
)
MASK_RE = re.compile("|".join(f"(?:{pattern})" for _, pattern in NEVER_COUNTS))
# Masks that start with a lookbehind, kept apart: mixed in, they slow the whole alternation.
_GLUED_MASK_RE = re.compile(
    # a phone number: "1800-425-1077", "1-866-326-9393", "0800 123 456" (no count starts with 0)
    r"(?<![\w,])\+?(?:\d{1,3}-)?\d{3,4}-\d{3}-\d{3,4}\b|(?<![\w,.])0\d+(?:[ -]\d{2,})*\b"
    # an age between commas, or ending the sentence: "The stationmaster, 59, was", "his father, 45."
    r"|(?<=[A-Za-z]),\s+\d{1,2}(?:,(?=\s)|(?=\.\s*$))"
    r"|(?<=\bamong\s)(?:the\s+)?\d[\d,]*(?=\s+(?:students|pupils|passengers|people|residents"
    r"|workers|employees|members|guests|pilgrims|fans|spectators|tourists|children|inmates)\b)"
)


def mask_spans(sent: str) -> list[tuple[int, int]]:
    """The spans of a sentence whose digits are never a count of people."""
    return [m.span() for m in MASK_RE.finditer(sent)] + [
        m.span() for m in _GLUED_MASK_RE.finditer(sent)
    ]


_QUALIFIERS_BEFORE: tuple[tuple[str, Qualifier], ...] = (
    (
        r"more\s+than|over|above|in\s+excess\s+of|upwards\s+of|beyond|passed|surpassed|exceeded"
        r"|topped|pass(?:es)?|surpass(?:es)?|exceeds?|tops?|crossed|crosses"
        r"|(?:soared|climbed|rose|risen|jumped|surged|went|gone|edged|crept)\s+past",
        Qualifier.MORE_THAN,
    ),
    (
        r"at\s+least|no\s+(?:fewer|less)\s+than|not\s+less\s+than|a\s+minimum\s+of",
        Qualifier.AT_LEAST,
    ),
    (
        r"nearly|almost|close\s+to|approaching|approached|approaches|just\s+(?:under|below|shy\s+of)"
        r"|short\s+of",
        Qualifier.NEARLY,
    ),
    (
        r"up\s+to|as\s+many\s+as|as\s+high\s+as|at\s+most|no\s+more\s+than"
        r"|(?:could|may|might|would|will)\s+(?:reach|rise\s+to|climb\s+to|increase\s+to|hit)",
        Qualifier.UP_TO,
    ),
    (r"an?\s+estimated|estimated|est\.", Qualifier.ESTIMATED),
    (r"around|about|some|approximately|roughly|circa|approx\.|an?\s+approximate", Qualifier.AROUND),
)
_QUALIFIER_BEFORE_RE = re.compile(
    "(?:"
    + "|".join(f"(?P<q{i}>\\b(?:{p}))" for i, (p, _) in enumerate(_QUALIFIERS_BEFORE))
    + r")\s*$",
    re.IGNORECASE,
)
_QUALIFIERS_AFTER: tuple[tuple[str, Qualifier], ...] = (
    (r"\s+or\s+more\b|\s+and\s+more\b", Qualifier.AT_LEAST),
    (r"-?plus\b|\s+or\s+over\b", Qualifier.MORE_THAN),
    (
        r"(?:\s+\w+)?\s+(?:are|were|is|was)\s+(?:believed|thought|estimated|feared|presumed)\b"
        r"|(?:\s+\w+)?\s+(?:feared|presumed|believed)\s+(?:dead|killed|missing|trapped|drowned|buried)\b",
        Qualifier.ESTIMATED,
    ),
)
_QUALIFIER_AFTER_RE = re.compile(
    "^(?:" + "|".join(f"(?P<q{i}>{p})" for i, (p, _) in enumerate(_QUALIFIERS_AFTER)) + ")",
    re.IGNORECASE,
)

_BREAKDOWN_BEFORE = re.compile(
    r"(?P<cue>\bincluding|\bincl\.|\bamong\s+(?P<a>them|whom|those\b[^,.;]{0,40}?|the\s+\w+)"
    r"(?:\s+(?:were|are|was|is))?|\bof\s+(?:them|whom)|\bof\s+(?P<b>(?:those|the)\b[^,.;]{0,40}),"
    r"|\bmost\s+of\s+(?P<c>the\s+\w+)\s*[—–-]+"
    r"|\b(?P<d>the\s+(?:dead|victims|injured|wounded|missing|detainees))\s+(?:also\s+)?included)\s*$",
    re.IGNORECASE,
)
_BREAKDOWN_AFTER = re.compile(
    r"^\s*(?:[\w-]+\s+)?(?P<cue>of\s+(?P<a>them|whom|those|the\s+(?:dead|victims|deaths|injured"
    r"|wounded|killed|missing|detained|arrested))\b|among\s+(?P<b>them|the\s+\w+))",
    re.IGNORECASE,
)
# A count compared with another period after it: "up from 1,197 by the same point last year".
_PLACE_AFTER = re.compile(r"^\s*(?:[\w-]+\s+)?(?:[\w\s—–-]{0,20}?)\bin\s+(?P<place>[A-Z][\w'’-]+)")


def qualifier_before(before: str) -> tuple[Qualifier, int] | None:
    """The qualifier that ends `before` (the text up to a number), and where its words start."""
    # Only the last words can end in a qualifier; searching from there is much faster, and the
    # engine still sees the letter before, so "moreover" is never "over".
    match = _QUALIFIER_BEFORE_RE.search(before, max(0, len(before) - 48))
    if match is None or match.lastgroup is None:
        return None
    return _QUALIFIERS_BEFORE[int(match.lastgroup[1:])][1], match.start()


# A verb of estimating earlier in the count's clause: "a report that estimated the storm caused
# 2,975 deaths" (not "an estimated", which is read as a qualifier right before the number).
_ESTIMATED_VERB = re.compile(
    r"(?<!\ban\s)(?<!\ba\s)\b(?:estimated|estimates|estimating)\s+(?:that\s+)?[^,;:]{0,50}$",
    re.IGNORECASE,
)
_SAID_BETWEEN = re.compile(r"\b(?:said|says|and|but|while)\b", re.IGNORECASE)


def estimated_by_verb(before: str) -> bool:
    """Whether a verb of estimating governs the count ("estimated the storm caused 2,975")."""
    match = _ESTIMATED_VERB.search(before[-90:])
    return match is not None and not _SAID_BETWEEN.search(match.group(), len("estimated"))


def qualifier_after(after: str) -> tuple[Qualifier, int] | None:
    """A qualifier written after the number ("10,000 or more", "10,000 are believed missing")."""
    match = _QUALIFIER_AFTER_RE.match(after)
    if match is None or match.lastgroup is None:
        return None
    return _QUALIFIERS_AFTER[int(match.lastgroup[1:])][1], match.end()


def breakdown_before(before: str) -> tuple[bool, str | None]:
    """Whether the words before a number make it part of a larger figure, and the scope named."""
    match = _BREAKDOWN_BEFORE.search(before)
    if match is None:
        return False, None
    scope = match["a"] or match["b"] or match["c"] or match["d"]
    return True, " ".join(scope.split()) if scope else None


def breakdown_after(after: str) -> tuple[bool, str | None]:
    """ "103 of them", "12 children among the dead": the part-of words come after the number."""
    match = _BREAKDOWN_AFTER.match(after)
    if match is None:
        return False, None
    return True, match["a"] or match["b"]


def place_after(after: str) -> str | None:
    """A place named just after a number ("a thousand in Istanbul"), used as a breakdown scope."""
    match = _PLACE_AFTER.match(after[:60])
    return match["place"] if match else None
