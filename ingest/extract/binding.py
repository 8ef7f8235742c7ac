"""Which metric a count belongs to: the predicate after it, the noun it counts, the toll it
completes, the nearest trigger; and the candidate being worked out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from domain.qualifiers import Qualifier
from domain.status import ReportStatus
from ingest.extract import cues
from ingest.extract.counted import TOKEN_RE, Follow, modifies_another_noun, noun_at
from ingest.extract.numbers import Number
from ingest.extract.vocabulary import Trigger, Vocabulary, normalise, trigger_pattern

# The word lists of the verb frames (toll verbs, words before a predicate, reporting and passing
# verbs) are data: `Vocabulary.frames`, read from the [frames] table of metrics.toml.

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
# People on board or inside are no casualties unless a predicate follows ("all 132 on board were
# killed"; "a van with four officers inside" counts no one hurt).
_ABOARD = re.compile(
    r"\s+(?:had\s+been\s+|were\s+|was\s+|still\s+)?(?:on\s+board|aboard|onboard|inside)\b",
    re.IGNORECASE,
)
# A verb of its own after the count: "tens of thousands rallied", "250,000 attended".
_OWN_VERB = re.compile(
    r"\s+(?:(?:who|that)\s+)?(?:(?:have|has|had|were|was|are|is|been|being|be|now|already"
    r"|since|all|so\s+far)\s+){0,3}([a-z]+ed|took|went|came|gave|made|sang|stood|sat|rode"
    r"|drove|began|threw|broke|met|saw|ran|won|paid|chose|wore|spoke|bought|fought|live|lived)\b"
)
# A parenthetical breakdown between the count and its predicate: "143, including 50 police, were".
_ASIDE = re.compile(
    r",\s*(?:including|among\s+them|of\s+whom|(?:many|most|some|all)\s+of\s+(?:them|whom)|mostly"
    r"|mainly)\b[^,;.]*,",
    re.IGNORECASE,
)
# Words between a verb and its object count: "deploy an additional 2,500", "killed another 12".
_OBJECT_GAP = re.compile(r"\s*(?:(?:another|a\s+further|an\s+additional|a\s+total\s+of)\s+)?$")
_VERB_FORM = re.compile(r"[a-z]+(?:ed|ing)|kills|injures|wounds|detains|arrests|rescues|evacuates")
# A verb before the count that takes it as object and names no metric ("abducting 14 others",
# "employed about 1,200 people"); the frames' passing verbs pass the count on instead.
_VERB_BEFORE = re.compile(r"\b([a-z]+(?:ing|ed))\s*$")
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
    metric_rule: str = "none"  # the name of the rule that bound the metric
    status_rule: str | None = None  # the name of the status rule that decided, if any


@dataclass(frozen=True)
class Binding:
    """Which metric a count belongs to, the rule that said so, and whether the words after the
    count say it counts no metric at all (then no fallback may give it one)."""

    metric: str | None
    rule: str
    no_metric: bool = False


@dataclass
class SentenceContext:
    """What every count of one sentence is read against: the sentence, the vocabulary, its
    triggers (scanned once), and the metric the article was last speaking of ("the tally could
    climb to 20,000" in a story about deaths)."""

    sent: str
    vocab: Vocabulary
    article_metric: str | None = None
    article_year: int | None = None

    @cached_property
    def triggers(self) -> list[tuple[int, int, Trigger]]:
        """Every trigger of the sentence, scanned once, and only for a sentence with a count."""
        pattern, meaning = trigger_pattern(self.vocab)
        return [
            (m.start(), m.end(), meaning[normalise(m.group())])
            for m in pattern.finditer(self.sent)
            if not modifies_another_noun(self.sent, m.start(), m.end(), self.vocab)
        ]


@dataclass(frozen=True)
class _Evidence:
    """The words around one count that the metric rules read, worked out once."""

    ctx: SentenceContext
    c: Candidate
    seg_start: int
    parent: str | None
    found: list[tuple[int, int, Trigger]]  # triggers of the count's segment
    after: list[tuple[int, Trigger]]  # of the segment, after the count
    before: list[tuple[int, Trigger]]  # of the segment, before the count
    predicate: str | None
    bare: bool  # the predicate came at once, with no auxiliary ("people stranded")
    object_of: str | None

    @property
    def sent(self) -> str:
        return self.ctx.sent

    @property
    def last_word(self) -> str:
        words = self.sent[self.seg_start : self.c.start].split()
        return words[-1].lower() if words else ""


def _on_board(ev: _Evidence) -> Binding | None:
    board = _ABOARD.match(ev.sent, ev.c.follow.end)
    if board is None:
        return None
    metric = _predicate(ev.sent, board.end(), ev.after, ev.ctx.vocab)[0]
    return Binding(metric, "people on board or inside", no_metric=True)


_NOUN_OF = re.compile(r"\s+of\s+(?:the\s+|some\s+|another\s+|a\s+further\s+)?$", re.IGNORECASE)


def _by_noun_of(ev: _Evidence) -> Binding | None:
    """ "the bodies of 14 miners", "the evacuation of 5,000 residents", "a contingent of 500":
    the count completes a trigger noun, whatever the verb after says ("were brought out")."""
    if not ev.before:
        return None
    end, trigger = ev.before[-1]
    if not _NOUN_OF.fullmatch(ev.sent, end, ev.c.start):
        return None
    word = ev.sent[:end].rsplit(None, 1)[-1].lower()
    if _VERB_FORM.fullmatch(word) and not word.endswith(("tion", "ment")):
        return None  # "killed of" never; a verb form is no head noun
    return Binding(trigger.metric, "noun the count completes")


def _by_predicate(ev: _Evidence) -> Binding | None:
    if ev.predicate is None or (ev.bare and ev.object_of is not None):
        return None
    named = ev.c.follow.unit_is_trigger
    unit = ev.ctx.vocab.metric(ev.predicate).unit
    if named is not None and named != ev.predicate and unit != "people":
        return Binding(named, "counted noun over predicate")  # "450 rescue workers ... deployed"
    return Binding(ev.predicate, "predicate")  # "rescued 1,342 people stranded": verb governs


def _by_object(ev: _Evidence) -> Binding | None:
    return Binding(ev.object_of, "object of a verb") if ev.object_of is not None else None


def _by_breakdown(ev: _Evidence) -> Binding | None:
    if ev.parent is None or not cues.breakdown_before(ev.sent[ev.seg_start : ev.c.start])[0]:
        return None
    return Binding(ev.parent, "breakdown of the figure before")  # "including two firefighters"


def _by_counted_noun(ev: _Evidence) -> Binding | None:
    named = ev.c.follow.unit_is_trigger
    return Binding(named, "counted noun") if named is not None else None


def _own_verb(ev: _Evidence) -> Binding | None:
    verb = _OWN_VERB.match(ev.sent, ev.c.follow.end)
    frames = ev.ctx.vocab.frames
    if verb is None or verb.group(1) in frames.predicate_words | frames.reporting_verbs | {"aged"}:
        return None
    return Binding(None, "a verb of its own", no_metric=True)  # "tens of thousands rallied"


def _other_object(ev: _Evidence) -> Binding | None:
    if not _no_metric_object(ev.ctx, ev.c, ev.before, ev.after, ev.seg_start):
        return None
    return Binding(None, "object of a verb that is no trigger", no_metric=True)


def _by_toll_head(ev: _Evidence) -> Binding | None:
    if not ev.before or ev.last_word not in ev.ctx.vocab.frames.toll_verbs:
        return None
    head = [
        t for s, e, t in ev.found if e <= ev.c.start and _NUMBER_OF.search(ev.sent, ev.seg_start, s)
    ]
    return Binding(head[-1].metric, "head of the toll named before") if head else None


def _by_toll_completed(ev: _Evidence) -> Binding | None:
    links = ev.ctx.vocab.frames.toll_verbs
    if not ev.before or not (ev.last_word in links or ev.before[-1][0] >= ev.c.start - 1):
        return None
    return Binding(ev.before[-1][1].metric, "toll the count completes")  # "the toll rose to 492"


def _by_changed_toll(ev: _Evidence) -> Binding | None:
    if ev.parent is None or ev.before or not _CHANGED_TO.search(ev.sent, ev.seg_start, ev.c.start):
        return None
    return Binding(ev.parent, "a toll that changed")  # "which stood at 356 on Monday, rose to 492"


def _by_nearest(ev: _Evidence) -> Binding | None:
    sent, c = ev.sent, ev.c
    scored = [(c.start - e, t.metric) for e, t in ev.before if ";" not in sent[e : c.start]]
    scored += [
        (s - c.follow.end, t.metric) for s, t in ev.after if ";" not in sent[c.follow.end : s]
    ]
    near = [(d, metric) for d, metric in scored if d <= 100]
    if not near:
        return None
    return Binding(min(near, key=lambda pair: pair[0])[1], "nearest trigger in the segment")


@dataclass(frozen=True)
class MetricRule:
    """One metric rule: its name family (shown in explanations) and its test."""

    name: str
    bind: Callable[[_Evidence], Binding | None]


# Strongest evidence first; the first rule that binds decides. After these the extractor falls
# back to the figure before's metric (elision), the nearest trigger in the sentence, and the
# metric the article was speaking of, in that order, unless a rule said "no metric".
METRIC_RULES: tuple[MetricRule, ...] = (
    MetricRule("people on board or inside", _on_board),
    MetricRule("noun the count completes", _by_noun_of),
    MetricRule("predicate", _by_predicate),
    MetricRule("object of a verb", _by_object),
    MetricRule("breakdown of the figure before", _by_breakdown),
    MetricRule("counted noun", _by_counted_noun),
    MetricRule("a verb of its own", _own_verb),
    MetricRule("object of a verb that is no trigger", _other_object),
    MetricRule("head of the toll named before", _by_toll_head),
    MetricRule("toll the count completes", _by_toll_completed),
    MetricRule("a toll that changed", _by_changed_toll),
    MetricRule("nearest trigger in the segment", _by_nearest),
)


def metric_of(
    ctx: SentenceContext, c: Candidate, span: tuple[int, int], parent: str | None = None
) -> Binding:
    """Which metric a count belongs to, by the first rule of `METRIC_RULES` that binds; `parent`
    is the metric of the figure before it, which a breakdown ("including 14 children") shares."""
    seg_start, seg_end = span
    found = [(s, e, t) for s, e, t in ctx.triggers if seg_start <= s and e <= seg_end]
    # The walk to a predicate stops at the next figure, so it may look past this segment: "at
    # least 143 people, including 50 police officers, were injured".
    following = [(s, t) for s, e, t in ctx.triggers if s >= c.follow.end]
    before = [(e, t) for s, e, t in found if e <= c.start and not t.after_only]
    predicate, bare = _predicate(ctx.sent, c.follow.end, following, ctx.vocab)
    evidence = _Evidence(
        ctx=ctx,
        c=c,
        seg_start=seg_start,
        parent=parent,
        found=found,
        after=[(s, t) for s, e, t in found if s >= c.follow.end],
        before=before,
        predicate=predicate,
        bare=bare,
        object_of=_object_of(ctx.sent, c, before, ctx.vocab),
    )
    for rule in METRIC_RULES:
        binding = rule.bind(evidence)
        if binding is not None:
            return binding
    return Binding(None, "none")


def nearest_in_sentence(ctx: SentenceContext, c: Candidate) -> str | None:
    """A last resort across other figures' segments, for a trigger a breakdown split off."""
    distances = []
    for start, end, trigger in ctx.triggers:
        if start >= c.follow.end:
            distances.append((start - c.follow.end, trigger.metric))
        elif end <= c.start and not trigger.after_only:
            distances.append((c.start - end, trigger.metric))
    near = [pair for pair in distances if pair[0] <= 60]
    return min(near)[1] if near else None


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
        if token.group(1).lower() not in vocab.frames.predicate_words:
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
    ctx: SentenceContext,
    c: Candidate,
    before: list[tuple[int, Trigger]],
    after: list[tuple[int, Trigger]],
    seg_start: int,
) -> bool:
    """ "abducting 14 others", "employed about 1,200 people": the object of a verb that is no
    trigger, with no trigger after it in its clause, counts nothing the vocabulary names."""
    sent, frames = ctx.sent, ctx.vocab.frames
    verb = _VERB_BEFORE.search(sent, seg_start, c.start)
    passing = frames.passing_verbs | frames.toll_verbs | frames.predicate_words
    if verb is None or verb.group(1).lower() in passing:
        return False
    if any(end == verb.end(1) for end, _ in before):
        return False
    clause = _CLAUSE_END.search(sent, c.follow.end)
    clause_end = clause.start() if clause else len(sent)
    return not any(start < clause_end for start, _ in after)
