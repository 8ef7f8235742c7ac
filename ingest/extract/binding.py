"""Which metric a count belongs to: the predicate after it, the noun it counts, the toll it
completes, the nearest trigger; and the candidate being worked out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from domain.qualifiers import Qualifier
from domain.status import ReportStatus
from ingest.extract import cues
from ingest.extract.counted import TOKEN_RE, Follow, noun_at
from ingest.extract.numbers import Number
from ingest.extract.vocabulary import Trigger, Vocabulary, normalise, trigger_pattern

# Words allowed between a count and its predicate ("10,000 are believed missing").
_PREDICATE_FILLER = frozenset(
    "have has had been were was are is be being to reportedly believed thought feared reported "
    "considered confirmed now already so far also still all who that which others more people "
    "later since then officially declared presumed listed remain remains remained sustained "
    "suffered got additional further allegedly mostly mainly either were found taken rushed sent "
    "brought admitted airlifted flown being treated expected likely due subsequently "
    "eventually among the prepared ready poised standing".split()
)
# Words that end a toll's subject just before its number ("the death toll rose to 5,434").
_LINK = frozenset(
    "to at of is was are were been now reached reach reaches hit hits stood stands stand "
    "totalled totaled totals total numbered be has had rose risen climbed jumped soared surged "
    "increased grew rising climbing touched touches topped tops passed passes crossed crosses "
    "surpassed exceeded exceeds neared nears approached approaches hitting reaching touching "
    "past above over nearly almost about around some".split()
)


_PARTITIVE = re.compile(
    r"\s+of\s+(?:them|those|whom|(?:the|its|their|his|her|our)\s+(?:\d[\d,]*\s+)?[\w-]+)\b",
    re.IGNORECASE,
)
# The head of a toll named before its count: "bringing the number of troops helping with the
# rescue effort to nearly 15,000" counts troops, whatever triggers come between.
_NUMBER_OF = re.compile(
    r"\b(?:number|total|tally|count|toll)\s+of\s+(?:the\s+)?(?:people\s+|those\s+)?$", re.IGNORECASE
)
# A toll that changes: "The toll, which stood at 356 on Monday, rose to 492" keeps its metric.
_CHANGED_TO = re.compile(
    r"\b(?:rose|risen|climbed|jumped|increased|grew|soared|surged|rising|climbing|fell|dropped)"
    r"\s+to\s*$",
    re.IGNORECASE,
)
# Verbs that report a count rather than say what the counted did ("2,445 announced earlier").
_REPORTING = frozenset(
    "announced recorded registered counted tallied estimated cited quoted published released "
    "given stated issued logged documented verified".split()
)
# People on board or inside are no casualties unless a predicate follows ("all 132 on board were
# killed"; "a van with four officers inside" counts no one hurt).
_ABOARD = re.compile(
    r"\s+(?:had\s+been\s+|were\s+|was\s+|still\s+)?(?:on\s+board|aboard|onboard|inside)\b",
    re.IGNORECASE,
)
# A verb of its own after the count: "tens of thousands rallied", "250,000 attended".
_OWN_VERB = re.compile(
    r"\s+(?:(?:who|that)\s+)?(?:(?:have|has|had|were|was|are|is|been|being|be|now|already"
    r"|since|all|so\s+far)\s+){0,3}([a-z]+ed)\b"
)
# A parenthetical breakdown between the count and its predicate: "143, including 50 police, were".
_ASIDE = re.compile(r",\s*(?:including|among\s+them|of\s+whom)\b[^,;.]*,", re.IGNORECASE)
# Words between a verb and its object count: "deploy an additional 2,500", "killed another 12".
_OBJECT_GAP = re.compile(r"\s*(?:(?:another|a\s+further|an\s+additional|a\s+total\s+of)\s+)?$")
_VERB_FORM = re.compile(r"[a-z]+(?:ed|ing)|kills|injures|wounds|detains|arrests|rescues|evacuates")
# A verb before the count that takes it as object and names no metric ("abducting 14 others",
# "employed about 1,200 people"); these verbs pass the count on to what follows instead.
_VERB_BEFORE = re.compile(r"\b([a-z]+(?:ing|ed))\s*$")
_PASSING_VERBS = frozenset(
    "including leaving left totalling totaling involving bringing taking excluding forcing "
    "prompting sending pushing raising putting included include includes housing sheltering "
    "hosting".split()
)
_CLAUSE_END = re.compile(r"[,;.]|\s(?:and|but|while|as)\s")


@dataclass
class Candidate:
    """A number that counts something, while its metric and status are being worked out."""

    number: Number
    start: int  # of the surface, qualifier included
    num_end: int  # of the (last) number
    end: int  # of the surface, unit included
    follow: Follow
    qualifier: Qualifier
    value: int | None
    low: int | None = None
    high: int | None = None
    metric: str | None = None
    status: ReportStatus = ReportStatus.REPORTED
    subset_of: str | None = None
    breakdown: bool = field(default=False)
    no_metric: bool = False  # the words after it say it counts no metric: no fallback
    status_rule: str | None = None  # the name of the status rule that decided, if any


def nearest_in_sentence(sent: str, c: Candidate, vocab: Vocabulary) -> str | None:
    """A last resort across other figures' segments, for a trigger a breakdown split off."""
    distances = []
    for start, end, trigger in _triggers(sent, vocab):
        if start >= c.follow.end:
            distances.append((start - c.follow.end, trigger.metric))
        elif end <= c.start and not trigger.after_only:
            distances.append((c.start - end, trigger.metric))
    near = [pair for pair in distances if pair[0] <= 60]
    return min(near)[1] if near else None


_SCANNED: list[tuple[str, Vocabulary, list[tuple[int, int, Trigger]]]] = []


def _triggers(sent: str, vocab: Vocabulary) -> list[tuple[int, int, Trigger]]:
    """Every trigger of the sentence, scanned once for all its candidates (the last one kept)."""
    last = _SCANNED[-1] if _SCANNED else None
    if last is not None and last[0] is sent and last[1] is vocab:
        return last[2]
    pattern, meaning = trigger_pattern(vocab)
    found = [(m.start(), m.end(), meaning[normalise(m.group())]) for m in pattern.finditer(sent)]
    _SCANNED[:] = [(sent, vocab, found)]
    return found


def metric_of(
    sent: str,
    c: Candidate,
    span: tuple[int, int],
    vocab: Vocabulary,
    parent: str | None = None,
) -> str | None:
    """Which metric a count belongs to, strongest evidence first; `parent` is the metric of the
    figure before it, which a breakdown ("including 14 children") shares."""
    seg_start, seg_end = span
    found = [(s, e, t) for s, e, t in _triggers(sent, vocab) if seg_start <= s and e <= seg_end]
    after = [(s, t) for s, e, t in found if s >= c.follow.end]
    before = [(e, t) for s, e, t in found if e <= c.start and not t.after_only]
    if (board := _ABOARD.match(sent, c.follow.end)) is not None:
        c.no_metric = True
        return _predicate(sent, board.end(), after, vocab)[0]
    # The walk to a predicate stops at the next figure, so it may look past this segment: "at
    # least 143 people, including 50 police officers, were injured".
    following = [(s, t) for s, e, t in _triggers(sent, vocab) if s >= c.follow.end]
    predicate, bare = _predicate(sent, c.follow.end, following, vocab)
    object_of = _object_of(sent, c, before, vocab)
    if predicate is not None and not (bare and object_of is not None):
        named = c.follow.unit_is_trigger
        if named is not None and named != predicate and vocab.metric(predicate).unit != "people":
            return named  # "450 rescue workers had been deployed" are rescue workers, not troops
        return predicate  # "rescued 1,342 people stranded": the verb before governs a bare one
    if object_of is not None:
        return object_of  # "killed 13 soldiers" are deaths, not troops
    is_part = parent is not None and cues.breakdown_before(sent[seg_start : c.start])[0]
    if is_part:
        return parent  # "killed 12 people, including two firefighters": deaths, not rescuers
    if c.follow.unit_is_trigger is not None:
        return c.follow.unit_is_trigger
    verb = _OWN_VERB.match(sent, c.follow.end)
    if verb is not None and verb.group(1) not in _PREDICATE_FILLER | _REPORTING | {"aged"}:
        c.no_metric = True
        return None  # the count is the subject of a verb that names no metric
    if _no_metric_object(sent, c, before, after, seg_start):
        c.no_metric = True
        return None
    words = sent[seg_start : c.start].split()
    if before and words and words[-1].lower() in _LINK:
        head = [t for s, e, t in found if e <= c.start and _NUMBER_OF.search(sent, seg_start, s)]
        if head:
            return head[-1].metric  # "the number of troops helping the rescue effort to 15,000"
    if before and words and (words[-1].lower() in _LINK or before[-1][0] >= c.start - 1):
        return before[-1][1].metric
    if parent is not None and not before and _CHANGED_TO.search(sent, seg_start, c.start):
        return parent  # "the toll, which stood at 356 on Monday, rose to 492"
    scored = [(c.start - e, t.metric) for e, t in before if ";" not in sent[e : c.start]]
    scored += [(s - c.follow.end, t.metric) for s, t in after if ";" not in sent[c.follow.end : s]]
    near = [(d, metric) for d, metric in scored if d <= 100]
    return min(near, key=lambda pair: pair[0])[1] if near else None


def _predicate(
    sent: str, pos: int, after: list[tuple[int, Trigger]], vocab: Vocabulary
) -> tuple[str | None, bool]:
    """A trigger reached from the count through auxiliaries only ("have been arrested"), and
    whether it came at once, with no auxiliary ("people stranded")."""
    starts = {start: trigger.metric for start, trigger in after}
    partitive = _PARTITIVE.match(sent, pos)  # "nine of the injured were taken to hospital"
    aside = _ASIDE.match(sent, pos)  # "at least 143 people, including 50 police officers, were"
    cursor = partitive.end() if partitive else aside.end() if aside else pos
    first = True
    while (token := TOKEN_RE.match(sent, cursor)) is not None:
        if first and token.group(1).lower() in ("or", "and"):
            # "19 police officers or servicemen were among the dead": a second noun, same count
            other = noun_at(sent, len(sent) - len(sent[token.end() :].lstrip()), vocab)
            if other is not None and other[1] is not None:
                cursor = other[0]
                continue
        if token.start(1) in starts:
            return starts[token.start(1)], first
        if token.group(1).lower() not in _PREDICATE_FILLER:
            return None, False
        cursor, first = token.end(), False
    return None, False


def _object_of(
    sent: str, c: Candidate, before: list[tuple[int, Trigger]], vocab: Vocabulary
) -> str | None:
    """The metric of a verb whose object the count is ("killed 13 soldiers", "rescued 40"),
    for verbs of metrics that count people; "deployed 500 rescuers" keeps its noun."""
    if not before or not _OBJECT_GAP.fullmatch(sent, before[-1][0], c.start):
        return None
    end, trigger = before[-1]
    word = re.search(r"[A-Za-z]+$", sent[:end])
    if word is None or not _VERB_FORM.fullmatch(word.group().lower()):
        return None
    return trigger.metric if vocab.metric(trigger.metric).unit == "people" else None


def _no_metric_object(
    sent: str,
    c: Candidate,
    before: list[tuple[int, Trigger]],
    after: list[tuple[int, Trigger]],
    seg_start: int,
) -> bool:
    """ "abducting 14 others", "employed about 1,200 people": the object of a verb that is no
    trigger, with no trigger after it in its clause, counts nothing the vocabulary names."""
    verb = _VERB_BEFORE.search(sent, seg_start, c.start)
    if verb is None or verb.group(1).lower() in _PASSING_VERBS | _LINK | _PREDICATE_FILLER:
        return False
    if any(end == verb.end(1) for end, _ in before):
        return False
    clause = _CLAUSE_END.search(sent, c.follow.end)
    clause_end = clause.start() if clause else len(sent)
    return not any(start < clause_end for start, _ in after)
