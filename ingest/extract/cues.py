"""The words around a number that say what kind of figure it is: qualifiers, status, breakdowns,
and the spans that are never counts (dates, times, ages, labels).

Each pattern is a rule of English news writing, not of one article: "at least N", "a previous
toll", "could reach N", "including N in <place>".
"""

from __future__ import annotations

import re

from domain.qualifiers import Qualifier
from domain.status import ReportStatus

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_YEAR = r"(?:1[89]\d\d|20\d\d)"
YEAR_RE = re.compile(rf"(?<![\w,.])(?P<year>{_YEAR})(?![\w]|,\d)")
# Spans whose digits are never a count of people.
_MASKS = (
    rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+{_YEAR}\b(?!,\d))?",
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR}\b(?!,\d))?",
    rf"\b{_MONTH},?\s+{_YEAR}\b",
    r"\b\d{4}-\d{1,2}-\d{1,2}\b",
    r"\b\d{1,2}/\d{1,2}/\d{2,4}\b",
    r"\b\d{1,2}(?::\d\d)+\b|\b\d{1,2}\s*(?:a\.m\.|p\.m\.|am\b|pm\b)",
    r"\b(?:aged?|ages)\s+\d+(?:\s*(?:to|and|-|–)\s*\d+)?",
    # An age limit after a noun of people: "children under five", "adults over 65".
    r"\b(?:children|kids|boys|girls|infants|babies|adults|people)\s+(?:under|below|over|above)\s+"
    r"(?:the\s+age\s+of\s+)?(?:\d{1,2}|one|two|three|four|five|six|ten|twelve|eighteen|sixty)"
    r"\b(?![,.]?\d)",
    r"\bmagnitude[\s-]+\d+(?:\.\d+)?",
    r"\b(?:US|USD|EUR|GBP|Rs\.?|INR)\s?\$?\d[\d,.]*(?:\s*(?:million|billion|bn|m)\b)?",
    r"\b(?:No|Nos|Article|Flight|Resolution|Category|Level|Phase|Route|Highway|Chapter|Section"
    r"|Room|Gate|Terminal|Platform|Paragraph|Grade|Stage|Block|Unit|Building|Number|Decree|Law"
    r"|Bill|Act|Order|Ordinance|Directive)\.?\s+\d+\b",
    # A crowd, not a toll: "demonstrations which drew an estimated 100,000 people".
    r"\b(?:drew|drawn|draws|drawing|attracted|attracting|attracts)\s+(?:crowds\s+of\s+)?(?:an?\s+)?"
    r"(?:(?:estimated|about|some|around|nearly|roughly|more\s+than|over|up\s+to)\s+)?"
    r"(?:\d|tens\b|hundreds\b|thousands\b|dozens\b|several\b)",
    # A vote: "voted 172 to 12", "by 312 votes to 45", "a 38-2 vote".
    r"\bvot(?:ed|ing)\s+(?:\w+\s+)?\d[\d,]*\s*(?:to|-|–)\s*\d[\d,]*"
    r"|\bby\s+\d[\d,]*\s+votes?\s+to\s+\d[\d,]*|\b\d+\s*[-–]\s*\d+\s+vote\b",
    # A population, the whole a toll is part of: "a city of 840,000 people", "Haiti's population
    # of 11.7 million", "Of the village's roughly 200 residents".
    r"\b(?:population|city|town|village|country|nation|district|region|province|community)\s+of"
    r"\s+(?:(?:about|some|roughly|around|nearly|almost|more\s+than|over|just\s+over)\s+)?\d",
    r"\b[Oo]f\s+the\s+\w+['’]s\s+(?:(?:about|some|roughly|around|nearly|more\s+than|over)\s+)?\d",
    # Phone numbers: "call the emergency lines 767 or 112", "helpline at 1800-425-1077".
    r"\b(?:hotlines?|helplines?|(?:phone|telephone|emergency|toll-free)\s+(?:lines?|numbers?)|call"
    r"|dial)\b[^.;\d]{0,25}?\d[\d -]*\d(?:\s+or\s+\d[\d -]*\d)?",
    # Capacity, not a toll: "a ferry carrying more than 180 passengers", "licensed to carry 43".
    r"\b(?:carrying|carry|carries|carried|capacity\s+of|designed\s+for|room\s+for|holds|seats"
    r"|accommodates|can\s+hold|can\s+seat)\s+"
    r"(?:only\s+|about\s+|some\s+|around\s+|nearly\s+|up\s+to\s+|more\s+than\s+|over\s+)?\d",
)
MASK_RE = re.compile("|".join(f"(?:{m})" for m in _MASKS))
# Masks that start with a lookbehind, kept apart: mixed in, they slow the whole alternation.
_GLUED_MASK_RE = re.compile(
    r"(?<![\w,])\+?\d{3,4}-\d{3}-\d{3,4}\b"  # a phone number: "1800-425-1077"
    r"|(?<=[A-Za-z]),\s+\d{1,2},(?=\s)"  # an age between commas: "The stationmaster, 59, was"
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
    + r")\s+$",
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

_PREVIOUS_CUE = re.compile(
    r"\b(?:previous|earlier|preliminary|initial|prior|last|former)\s+(?:death\s+)?"
    r"(?:toll|count|tally|figure|estimate|report|number)s?\b"
    r"|\bpreviously\b|\binitially\b|\bhad\s+earlier\b",
    re.IGNORECASE,
)
_NOW_CUE = re.compile(
    r"\b(?:now|latest|has\s+since|(?:rose|risen|climbed|increased|jumped|soared)\s+to)\b",
    re.IGNORECASE,
)
_FROM_BEFORE = re.compile(
    r"\b(?:up|down|rising|rose|risen|increased?|climbed?|jumped?|revised(?:\s+\w+)?|lowered"
    r"|raised|compared\s+with|compared\s+to)\s+from\s+(?:a\s+|the\s+)?(?:previous\s+|earlier\s+)?"
    r"(?:\w+\s+){0,2}?$",
    re.IGNORECASE,
)
_RETRACTED_CUE = re.compile(
    r"\bretract\w*|\bwithdr[ae]wn?\s+(?:the|its|their|an?|that|this)\s+(?:\w+\s+)?"
    r"(?:figure|toll|report|claim|statement|number|estimate)|\berroneous\w*|\bmistaken(?:ly)?\b"
    r"|\bin\s+error\b|\bincorrect(?:ly)?\b|\bwas\s+(?:wrong|false|inaccurate)\b|\bfalsely\b"
    r"|\bdenied\s+(?:the\s+)?(?:reports?|claims?)\b|\bno\s+longer\s+stands\b",
    re.IGNORECASE,
)
# "revised the number of dead to 44 from 51": the number after "to N from" is the earlier one.
_TO_FROM = re.compile(r"\bto\s+\d[\d,.]*(?:\s+\w+)?\s+from\s+$", re.IGNORECASE)
_CORRECTED_TO = re.compile(
    r"\b(?:corrected|revised|amended|updated|lowered|raised|now)\b[^.;]*\bto\s*$", re.IGNORECASE
)
# A correction note, for the figures of its own clause: "An earlier version of this story said 63
# people had died; the agency later revised the figure to 59".
_VERSION_CUE = re.compile(
    r"\b(?:earlier|previous|original|initial)\s+version\s+of\s+this\s+(?:story|article|report)"
    r"\b[^;]*$",
    re.IGNORECASE,
)
# A figure a correction replaces: "the death toll is 112, not 122 as previously reported".
_NOT_BEFORE = re.compile(r"(?:,\s*|\b)(?:not|rather\s+than|instead\s+of)\s+$", re.IGNORECASE)
_AS_REPORTED_AFTER = re.compile(
    r"^\s*(?:\w+\s+)?(?:as\s+)?(?:previously|originally|earlier|initially|wrongly|incorrectly)"
    r"\s+(?:reported|stated|said|published)\b",
    re.IGNORECASE,
)
# A toll as it stood before a change the sentence goes on to tell: "The toll, which stood at 356
# on Monday evening, rose to 492".
_STOOD_AT = re.compile(r"\b(?:which|that)\s+(?:had\s+)?(?:stood|been|was)\s+(?:at\s+)?$", re.I)
_THEN_CHANGED = re.compile(
    r"\b(?:rose|has\s+risen|had\s+risen|climbed|jumped|increased|soared|surged|grew)\s+(?:to|past)\b",
    re.IGNORECASE,
)
_HYPOTHETICAL_CUE = re.compile(
    r"\b(?:if|unless|would\s+have|could\s+have|might\s+have|had\s+it\s+not|in\s+the\s+event"
    r"|worst[-\s]case|hypothetical(?:ly)?|scenario)\b",
    re.IGNORECASE,
)
_PROJECTION_CUE = re.compile(
    r"\b(?:could|may|might|would|will|expected\s+to|likely\s+to|feared\s+to|set\s+to|projected\s+to"
    r"|forecast\s+to|predicted\s+to)\s+(?:\w+\s+)?(?:reach|rise|climb|exceed|top|surpass"
    r"|increase|grow|hit|pass|go\s+up|double|soar)\b|\bas\s+high\s+as\b",
    re.IGNORECASE,
)
_PLANNED_CUE = re.compile(
    r"\b(?:will|would|shall|plans?\s+to|planning\s+to|planned|intends?\s+to|is\s+to|are\s+to"
    r"|to\s+be\s+(?:sent|deployed|dispatched)|set\s+to|pledged|promised|agreed\s+to|to\s+deploy"
    r"|to\s+send|aims?\s+to|expected\s+to\s+(?:arrive|be\s+sent|be\s+deployed))\b",
    re.IGNORECASE,
)
_OTHER_EVENT_CUE = re.compile(
    rf"\b(?:since|worst|deadliest|compared|comparison|recalled|recalls|reminiscent|ago|history"
    rf"|previous\s+(?:disaster|earthquake|quake|flood|floods|war|conflict|crisis|attack|unrest))\b"
    rf"|\bthe\s+{_YEAR}\s+[a-z]",
    re.IGNORECASE,
)
# A date that places the figure in another event by itself: "In 2016, Hurricane Matthew killed",
# "in June 2022", "a 2015 heatwave", "last year's floods", "a decade ago".
_OTHER_EVENT_DATED = re.compile(
    rf"(?:^|[,;:—–(]\s*)in\s+(?:{_MONTH}\s+)?{_YEAR}\b|\bin\s+{_MONTH}\s+{_YEAR}\b"
    rf"|\b(?:a|an|the)\s+{_YEAR}\s+[a-z]|\blast\s+year['’]s\b|\bthe\s+previous\s+year\b"
    r"|^\s*(?:last|the\s+previous)\s+year,"
    r"|\b(?:\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|several|many)\s+"
    r"(?:years|decades?)\s+ago\b",
    re.IGNORECASE,
)
# A modal after the count: "as many as 270,000 people could flee" (not "may have been").
_PROJECTION_AFTER = re.compile(
    r"^\s*(?:more\s+|others?\s+)?(?:(?:could|might)\s+(?:still\s+|also\s+|soon\s+|eventually\s+)?"
    r"(?!have\b|had\b)\w+|may\s+(?:still\s+|also\s+|soon\s+|eventually\s+)?(?!have\b|had\b|be\b)\w+"
    r"|(?:are|is|were|was)\s+(?:expected|likely|projected|forecast|predicted)\s+to\s+(?!have\b)\w+)",
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
_OTHER_PERIOD_AFTER = re.compile(
    r"^\s*(?:[\w,]+\s+){0,5}?(?<!since\s)(?:last\s+year|a\s+year\s+(?:earlier|before|ago)"
    r"|the\s+(?:previous|prior)\s+year|the\s+year\s+before)\b",
    re.IGNORECASE,
)
# An aside between a count and its verb: "The first 400 troops, drawn from ..., will fly out".
_ASIDE_AFTER = re.compile(r"^,[^,;.]{0,80},\s*")
_MORE_FIRST = re.compile(r"^(?:more|others?|additional|further)\s+", re.IGNORECASE)
_PLACE_AFTER = re.compile(r"^\s*(?:[\w-]+\s+)?(?:[\w\s—–-]{0,20}?)\bin\s+(?P<place>[A-Z][\w'’-]+)")


def qualifier_before(before: str) -> tuple[Qualifier, int] | None:
    """The qualifier that ends `before` (the text up to a number), and where its words start."""
    match = _QUALIFIER_BEFORE_RE.search(before)
    if match is None or match.lastgroup is None:
        return None
    return _QUALIFIERS_BEFORE[int(match.lastgroup[1:])][1], match.start()


def qualifier_after(after: str) -> tuple[Qualifier, int] | None:
    """A qualifier written after the number ("10,000 or more", "10,000 are believed missing")."""
    match = _QUALIFIER_AFTER_RE.match(after)
    if match is None or match.lastgroup is None:
        return None
    return _QUALIFIERS_AFTER[int(match.lastgroup[1:])][1], match.end()


def status_of(
    sentence: str, prefix: str, before: str, after: str, years: bool, segment: str = ""
) -> ReportStatus:
    """The status a sentence gives one of its numbers.

    `prefix` is the sentence up to the number's qualifier, `before` the number's own segment of
    it (since the previous figure), `after` the words that follow; `years` says whether a year is
    written in the number's segment, and `segment` is that segment.
    """
    clause = re.split(r"[,;:—–(]", before)[-1][-60:]
    if _RETRACTED_CUE.search(sentence) and not _CORRECTED_TO.search(before):
        return ReportStatus.RETRACTED
    if _VERSION_CUE.search(prefix) and not _CORRECTED_TO.search(before):
        return ReportStatus.RETRACTED
    if _NOT_BEFORE.search(before) and _AS_REPORTED_AFTER.match(after):
        return ReportStatus.RETRACTED
    if _STOOD_AT.search(before) and _THEN_CHANGED.search(after):
        return ReportStatus.PREVIOUS
    if _OTHER_PERIOD_AFTER.match(after):
        return ReportStatus.OTHER_EVENT
    if _FROM_BEFORE.search(before) or _TO_FROM.search(prefix) or _is_previous(prefix):
        return ReportStatus.PREVIOUS
    if (years and _OTHER_EVENT_CUE.search(sentence)) or _OTHER_EVENT_DATED.search(segment):
        return ReportStatus.OTHER_EVENT
    if _PROJECTION_CUE.search(clause):
        return ReportStatus.PROJECTION
    if _HYPOTHETICAL_CUE.search(segment or sentence):  # "evacuated 1,200, and warned ... if"
        return ReportStatus.HYPOTHETICAL
    if _PROJECTION_AFTER.match(after):
        return ReportStatus.PROJECTION
    verb_after = _ASIDE_AFTER.sub("", after.strip(), count=1)
    verb_after = _MORE_FIRST.sub("", verb_after, count=1)  # "500 more would arrive"
    if _PLANNED_CUE.search(clause) or _PLANNED_CUE.match(verb_after):
        return ReportStatus.PLANNED
    return ReportStatus.REPORTED


def _is_previous(prefix: str) -> bool:
    """A "previous toll" named before the number, with no "now" or "rose to" in between."""
    cues = list(_PREVIOUS_CUE.finditer(prefix))
    return bool(cues) and _NOW_CUE.search(prefix[cues[-1].end() :]) is None


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
