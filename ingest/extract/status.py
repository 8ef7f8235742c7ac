"""The status of a count: whether the source states it as the figure now, or as an earlier toll,
a withdrawn one, another event's, a projection, a hypothesis or a plan.

The rules are one ordered table (`STATUS_RULES`): the first whose test holds decides, so the
order is the precedence a reader can scan. Each test reads a `Scope`, the words around one count
cut into the pieces a rule may look at (its clause, its segment between neighbouring figures, the
words after it up to the end of its clause), so a cue holds for its own clause and not for the
whole sentence ("at least 44 died, after an earlier statement that said 164 ... was retracted").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from domain.status import ReportStatus

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_Q = (
    r"(?:(?:about|around|some|nearly|almost|more\s+than|over|at\s+least|roughly|an\s+estimated"
    r"|approximately|just)\s+)?"
)
_I = re.IGNORECASE

# -- withdrawn figures ------------------------------------------------------------------------
_RETRACTED_CUE = re.compile(
    r"\bretract\w*|\bwithdr[ae]wn?\s+(?:the|its|their|an?|that|this)\s+(?:\w+\s+)?"
    r"(?:figure|toll|report|claim|statement|number|estimate)|\berroneous\w*|\bmistaken(?:ly)?\b"
    r"|\bin\s+error\b|\bincorrect(?:ly)?\b|\bwas\s+(?:wrong|false|inaccurate)\b|\bfalsely\b"
    r"|\bden(?:ied|ies|y|ying)\s+(?:that\b|(?:the\s+)?(?:reports?|claims?)\b)"
    r"|\bno\s+longer\s+stands\b"
    # numbers a source adjusted or amended away from: "adjusting the numbers from a previous
    # report that said 11,300 were dead"
    r"|\b(?:adjust|amend|correct)(?:ed|ing|s)?\b[^.;]{0,40}\bfrom\s+(?:an?|the|its|their)\s+"
    r"(?:previous|earlier|initial|original|first)\b",
    _I,
)
_CORRECTED_TO = re.compile(
    r"\b(?:corrected|revised|amended|updated|lowered|raised|now|adjusted|adjusting)\b[^.;]*\bto\s*$",
    _I,
)
# A correction note, for the figures of its own clause: "An earlier version of this story said 63
# people had died; the agency later revised the figure to 59".
_VERSION_CUE = re.compile(
    r"\b(?:earlier|previous|original|initial)\s+version\s+of\s+this\s+(?:story|article|report)"
    r"\b[^;]*$",
    _I,
)
# A figure a correction replaces: "the death toll is 112, not 122 as previously reported",
# "3,958 people have died instead of 11,300".
_REPLACED_BEFORE = re.compile(r"\b(?:instead\s+of|rather\s+than)\s+(?:the\s+)?$", _I)
_NOT_BEFORE = re.compile(r"(?:,\s*|\b)not\s+$", _I)
_AS_REPORTED_AFTER = re.compile(
    r"^\s*(?:\w+\s+)?(?:as\s+)?(?:was\s+|were\s+|had\s+been\s+)?(?:previously|originally|earlier"
    r"|initially|wrongly|incorrectly|first)\s+(?:reported|stated|said|published|announced)\b",
    _I,
)

# -- earlier tolls ----------------------------------------------------------------------------
_PREVIOUS_CUE = re.compile(
    r"\b(?:previous|earlier|preliminary|initial|prior|last|former|old)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:toll|count|tally|figure|estimate|report|number|total)s?\b"
    r"|\bpreviously\b|\binitially\b",
    _I,
)
# "amended the previous death toll, stating that at least 3,958": the new figure follows.
_AMENDED_PREVIOUS = re.compile(
    r"\b(?:amend|revis|correct|updat|adjust|rais|lower|replac)\w*\s+(?:the|its|their|an?)\s+$", _I
)
# Where a clause with its own report starts: ", and the Interior Ministry said ...".
_CLAUSE_START = re.compile(
    r"(?:;|,?\s+(?:and|but|while|whereas)\s)(?=[^,;]*\b(?:said|says|reported|announced|told)\b)",
    _I,
)
_NOW_CUE = re.compile(
    r"\b(?:now|latest|has\s+since|since\s+(?:risen|climbed|increased)"
    r"|(?:rose|risen|climbed|increased|jumped|soared|raised|revised|updated|lowered)\b[^.;]*\bto"
    r"|stating|saying|says)\b",
    _I,
)
_FROM_BEFORE = re.compile(
    r"\b(?:up|down|rising|rose|risen|increased?|climbed?|jumped?|revised(?:\s+\w+)?|lowered"
    r"|raised|compared\s+with|compared\s+to|fell|dropped|falling)\s+from\s+(?:a\s+|the\s+)?"
    r"(?:previous\s+|earlier\s+)?(?:\w+\s+){0,2}?$"
    # "not just the 64 in the official death toll": a figure the sentence moves beyond.
    r"|\bnot\s+(?:just|only|merely)\s+(?:the\s+)?$",
    _I,
)
# "as compared with about 100,000 on Jan. 30": read on the words before the qualifier.
_COMPARED_WITH = re.compile(
    r"\b(?:as\s+)?(?:compared\s+(?:with|to)|versus|against)\s+(?:a\s+|the\s+)?$", _I
)
# A change told as "from A to B": A is the earlier toll ("raised the toll from 64 to 2,975").
_FROM_A = re.compile(r"\bfrom\s+$", _I)
_TO_B_AFTER = re.compile(rf"^\s*(?:[\w,]+\s+){{0,3}}?to\s+{_Q}\d", _I)
_RANGE_WORD = re.compile(r"\b(?:range[sd]?|ranging|varie[sd]|varying|anywhere)\s+$", _I)
# "revised the number of dead to 44 from 51": the number after "to N from" is the earlier one.
_TO_FROM = re.compile(r"\bto\s+\d[\d,.]*(?:\s+\w+)?\s+from\s+$", _I)
# A toll as it stood before a change the sentence goes on to tell: "The toll, which stood at 356
# on Monday evening, rose to 492"; or at an earlier time: "when the official number ... stood at
# 16".
_STOOD_AT = re.compile(r"\b(?:which|that)\s+(?:had\s+)?(?:stood|been|was)\s+(?:at\s+)?$", _I)
_WHEN_STOOD = re.compile(
    r"\bwhen\b[^,;:]*\b(?:stood|was|were|had\s+been|numbered|reached)\s+(?:at\s+)?$", _I
)
_THEN_CHANGED = re.compile(
    r"\b(?:rose|has\s+risen|had\s+risen|climbed|jumped|increased|soared|surged|grew)\s+(?:to|past)\b",
    _I,
)

# -- other events -----------------------------------------------------------------------------
_OTHER_EVENT_CUE = re.compile(
    rf"\b(?:since|worst|deadliest|compared|comparison|recalled|recalls|reminiscent|ago|history"
    rf"|previous\s+(?:disaster|earthquake|quake|flood|floods|war|conflict|crisis|attack|unrest))\b"
    rf"|\bthe\s+{_YEAR}\s+[a-z]",
    _I,
)
# A date that places the figure in another event by itself: "In 2016, Hurricane Matthew killed",
# "in June 2022", "a 2015 heatwave", "last year's floods", "a decade ago".
_OTHER_EVENT_DATED = re.compile(
    rf"(?:^|[,;:—–(]\s*)in\s+(?:{_MONTH}\s+)?{_YEAR}\b|\bin\s+{_MONTH}\s+{_YEAR}\b"
    rf"|\b(?:a|an|the)\s+{_YEAR}\s+[a-z]|\blast\s+year['’]s\b|\bthe\s+previous\s+year\b"
    r"|^\s*(?:last|the\s+previous)\s+year,"
    # "In the 1990s, ...", "a similar disaster in ...": an event other than this one
    r"|\bin\s+the\s+(?:1[89]|20)\d0s\b"
    r"|\b(?:a|another|an\s+earlier)\s+similar\s+(?!number|figure|toll|count|amount)[a-z]+"
    r"|\b(?:\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|several|many)\s+"
    r"(?:years|decades?)\s+ago\b",
    _I,
)
# A count compared with another period after it: "up from 1,197 by the same point last year".
_COMPARED_BEFORE = re.compile(
    r"\b(?:from|compared\s+(?:with|to)|than|against|versus)\s+(?:an?\s+|the\s+)?$", _I
)
_OTHER_PERIOD_AFTER = re.compile(
    r"^\s*(?:[\w,]+\s+){0,5}?(?<!since\s)(?:last\s+year|a\s+year\s+(?:earlier|before|ago)"
    r"|the\s+(?:previous|prior)\s+year|the\s+year\s+before)\b",
    _I,
)

# -- what may happen --------------------------------------------------------------------------
_HYPOTHETICAL_CUE = re.compile(
    r"\b(?:if|unless|would\s+have|could\s+have|might\s+have|had\s+it\s+not|in\s+the\s+event"
    r"|worst[-\s]case|hypothetical(?:ly)?|scenario)\b",
    _I,
)
_PROJECTION_CUE = re.compile(
    r"\b(?:could|may|might|would|will|expected\s+to|likely\s+to|feared\s+to|set\s+to|projected\s+to"
    r"|forecast\s+to|predicted\s+to)\s+(?:\w+\s+)?(?:reach|rise|climb|exceed|top|surpass"
    r"|increase|grow|hit|pass|go\s+up|double|soar)\b|\bas\s+high\s+as\b",
    _I,
)
# A modal after the count: "as many as 270,000 people could flee" (not "may have been").
_PROJECTION_AFTER = re.compile(
    r"^\s*(?:more\s+|others?\s+)?(?:(?:could|might)\s+(?:still\s+|also\s+|soon\s+|eventually\s+)?"
    r"(?!have\b|had\b)\w+"
    r"|may\s+(?!(?:still\s+|also\s+|soon\s+|eventually\s+)?(?:have|had|be)\b)"
    r"(?:still\s+|also\s+|soon\s+|eventually\s+)?\w+"
    r"|(?:are|is|were|was)\s+(?:expected|likely|projected|forecast|predicted)\s+to\s+"
    r"(?!have\b|arrive\b|deploy\b|be\s+(?:sent|deployed)\b)\w+)",
    _I,
)
_PLANNED_CUE = re.compile(
    r"\b(?:will|would|shall|plans?\s+to|planning\s+to|planned|intends?\s+to|is\s+to|are\s+to"
    r"|was\s+to|were\s+to|to\s+be\s+(?:sent|deployed|dispatched)|set\s+to|pledged|promised"
    r"|agreed\s+to|to\s+deploy|to\s+send|aims?\s+to|(?:is|are|was|were)\s+(?:sending|deploying)"
    r"|ready\s+to|prepared\s+to|offered\s+to|expected\s+to\s+(?:arrive|be\s+sent|be\s+deployed)"
    r"|(?:approved|approves|authori[sz]ed|authori[sz]es)\s+(?:the\s+)?(?:sending|deploying"
    r"|deployment|dispatch))\b",
    _I,
)
# An aside between a count and its verb: "The first 400 troops, drawn from ..., will fly out".
_ASIDE_AFTER = re.compile(r"^,[^,;.]{0,80},\s*")
_MORE_FIRST = re.compile(r"^(?:more|others?|additional|further)\s+", _I)
# Where a clause after the count ends: a cue beyond it ("..., but ... might have found refuge")
# speaks of something else.
_CLAUSE_BREAK = re.compile(
    r";|\(|,\s*(?:but|while|and|as|although|who|which)\b|\s(?:but|while)\s", _I
)
_YEAR_RE = re.compile(rf"(?<![\w,.])(?P<year>{_YEAR})(?![\w]|,\d)")


@dataclass(frozen=True)
class Scope:
    """The words around one count that its status is read from.

    `prefix` is the sentence up to the count's qualifier, `before` the count's own segment up to
    its number (qualifier included), `after` the words after its counted noun up to the next
    figure, `segment` the whole segment, `years` whether a year dates the count's segment, `rest`
    the sentence after the count.
    """

    sentence: str
    prefix: str
    before: str
    after: str
    segment: str
    years: bool
    rest: str = ""  # the whole sentence after the count, past the next figures
    earlier_year: bool = False  # a year before the article's dates the count's segment

    @cached_property
    def near(self) -> int:
        """Where the last 80 characters of `prefix` start: the words a pattern anchored at the
        count can reach, searched from there for speed."""
        return max(0, len(self.prefix) - 80)

    @cached_property
    def clause(self) -> str:
        """The clause the count opens in, up to 60 characters before it."""
        return re.split(r"[,;:—–(]", self.before)[-1][-60:]

    @cached_property
    def after_clause(self) -> str:
        """The words after the count, up to the end of its clause."""
        cut = _CLAUSE_BREAK.search(self.after)
        return self.after[: cut.start()] if cut else self.after

    @cached_property
    def verb_after(self) -> str:
        """The words after the count past an aside and "more": "500 more would arrive"."""
        words = _ASIDE_AFTER.sub("", self.after.strip(), count=1)
        return _MORE_FIRST.sub("", words, count=1)


def _retracted(s: Scope) -> bool:
    """A withdrawal or denial before the count in its sentence, or after it up to the next
    figure (not past a bracket or semicolon: "3,958 dead (adjusting ... from a previous report
    that said 11,300 ...)" withdraws the 11,300 only)."""
    if _CORRECTED_TO.search(s.before):
        return False
    own_after = re.split(r"[;(]", s.after, maxsplit=1)[0]
    return bool(_RETRACTED_CUE.search(s.prefix) or _RETRACTED_CUE.search(own_after))


def _correction_note(s: Scope) -> bool:
    return bool(_VERSION_CUE.search(s.prefix)) and not _CORRECTED_TO.search(s.before)


def _replaced(s: Scope) -> bool:
    if _REPLACED_BEFORE.search(s.before):
        return True
    return bool(_NOT_BEFORE.search(s.before) and _AS_REPORTED_AFTER.match(s.after))


def _stood_before_change(s: Scope) -> bool:
    return bool(_STOOD_AT.search(s.before) and _THEN_CHANGED.search(s.after)) or bool(
        _WHEN_STOOD.search(s.clause)
    )


def _compared_with_other_period(s: Scope) -> bool:
    return bool(_COMPARED_BEFORE.search(s.prefix, s.near) and _OTHER_PERIOD_AFTER.match(s.after))


def _changed_from(s: Scope) -> bool:
    """ "up from 160", "rose from 160 to 164", "to 44 from 51", "compared with about 100,000",
    "from 64 to 2,975" (but never "ranged from 1,200 to 1,800")."""
    if _FROM_BEFORE.search(s.before) or _COMPARED_WITH.search(s.prefix, s.near):
        return True
    if _TO_FROM.search(s.prefix, s.near):
        return True
    start = _FROM_A.search(s.before)
    if start is None or _RANGE_WORD.search(s.before, 0, start.start()):
        return False
    return bool(_TO_B_AFTER.match(s.rest))


def _named_previous(s: Scope) -> bool:
    """A "previous toll" named before the number, with no "now" or "rose to" in between, and not
    as the object of a correction ("amended the previous death toll, stating that ...")."""
    clause = _CLAUSE_START.split(s.prefix)[-1]
    found = list(_PREVIOUS_CUE.finditer(clause))
    if not found:
        return False
    last = found[-1]
    if _AMENDED_PREVIOUS.search(clause, 0, last.start()):
        return False
    return _NOW_CUE.search(clause[last.end() :]) is None


def _other_event(s: Scope) -> bool:
    return (
        s.earlier_year
        or bool(s.years and _OTHER_EVENT_CUE.search(s.sentence))
        or bool(_OTHER_EVENT_DATED.search(s.segment))
    )


def _projection(s: Scope) -> bool:
    return bool(_PROJECTION_CUE.search(s.clause))


def _hypothetical(s: Scope) -> bool:
    """A condition before the count in its segment, or after it in its own clause."""
    return bool(_HYPOTHETICAL_CUE.search(s.before) or _HYPOTHETICAL_CUE.search(s.after_clause))


def _modal_after(s: Scope) -> bool:
    return bool(_PROJECTION_AFTER.match(s.after))


# The count's own verb, past a phrase that qualifies it: "1,200 soldiers from the 10th Mountain
# Division will deploy to Poland".
_LATER_MODAL = re.compile(
    r"^[^,;.]{0,60}?\b(?:will|shall|are\s+to|is\s+to|(?:are|is)\s+(?:due|set|expected|scheduled)"
    r"\s+to)\s+"
    r"(?:\w+\s+)?(?:deploy|arrive|be\s+sent|be\s+deployed|leave|fly|travel|join|head|go|begin)\b",
    _I,
)


def _planned(s: Scope) -> bool:
    return bool(
        _PLANNED_CUE.search(s.clause)
        or _PLANNED_CUE.match(s.verb_after)
        or _LATER_MODAL.match(s.verb_after)
    )


@dataclass(frozen=True)
class StatusRule:
    """One status rule: its name (shown in explanations), the status it gives, and its test."""

    name: str
    status: ReportStatus
    test: Callable[[Scope], bool]


# Precedence, first match wins: a withdrawal outranks everything; an earlier toll outranks a date
# (a toll "up from 40" of the same event); a date outranks a modal; a condition outranks a plan.
STATUS_RULES: tuple[StatusRule, ...] = (
    StatusRule("retraction or denial", ReportStatus.RETRACTED, _retracted),
    StatusRule("correction note", ReportStatus.RETRACTED, _correction_note),
    StatusRule("figure replaced", ReportStatus.RETRACTED, _replaced),
    StatusRule("toll as it stood", ReportStatus.PREVIOUS, _stood_before_change),
    StatusRule("another period", ReportStatus.OTHER_EVENT, _compared_with_other_period),
    StatusRule("changed from", ReportStatus.PREVIOUS, _changed_from),
    StatusRule("previous toll named", ReportStatus.PREVIOUS, _named_previous),
    StatusRule("another event or year", ReportStatus.OTHER_EVENT, _other_event),
    StatusRule("projection before", ReportStatus.PROJECTION, _projection),
    StatusRule("condition", ReportStatus.HYPOTHETICAL, _hypothetical),
    StatusRule("modal after", ReportStatus.PROJECTION, _modal_after),
    StatusRule("plan", ReportStatus.PLANNED, _planned),
)


def status_rule(scope: Scope) -> StatusRule | None:
    """The first status rule that holds for a count, or None: the count is reported."""
    for rule in STATUS_RULES:
        if rule.test(scope):
            return rule
    return None


# A year that dates the start of this event's running total: "since 2011", "the war, which began
# in 2022", "as of 2020".
_SINCE_BEFORE = re.compile(
    r"\b(?:since|from|as\s+of|until|through|began|begun|begin|started|start|erupted|broke\s+out"
    r"|launched|beginning|onset|outbreak)\b[^,;.]{0,25}$",
    _I,
)


def earlier_year(
    sent: str, seg_start: int, seg_end: int, num_start: int, num_end: int, article: int | None
) -> bool:
    """A year older than the article's own that dates the count: before it in its segment, or
    "in 2005" after it; "since 2011", "which began in 2022" and "as of 2020" date this event's
    running total instead."""
    if article is None:
        return False
    for y in _YEAR_RE.finditer(sent, seg_start, seg_end):
        if int(y.group()) >= article or _SINCE_BEFORE.search(
            sent, max(0, y.start() - 60), y.start()
        ):
            continue
        if y.end() <= num_start or (
            y.start() >= num_end and re.search(r"\bin\s+$", sent[: y.start()])
        ):
            return True
    return False


def years_in(sent: str, seg_start: int, seg_end: int, num_start: int, num_end: int) -> bool:
    """A year before the number in its segment, or "in 1999" after it ("since 2011" after it dates
    this event)."""
    return any(
        y.end() <= num_start or (y.start() >= num_end and re.search(r"\bin\s+$", sent[: y.start()]))
        for y in _YEAR_RE.finditer(sent, seg_start, seg_end)
    )
