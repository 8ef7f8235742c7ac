"""Figures from news text with regular expressions: pure text in, reports out.

Per sentence: find written numbers; drop those that count no people (dates, ages, durations,
"200 aftershocks"); read the qualifier before or after; bind a metric (the predicate after the
number, the counted noun, the toll it completes, the nearest trigger, else the previous figure's);
then the status and whether it is a breakdown of a larger figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.qualifiers import Qualifier, interval
from domain.status import ReportStatus
from ingest.extract import cues
from ingest.extract.binding import Candidate, SentenceContext, metric_of, nearest_in_sentence
from ingest.extract.confidence import confidence
from ingest.extract.counted import Follow, what_follows
from ingest.extract.numbers import Number, find_numbers
from ingest.extract.sentences import sentence_spans
from ingest.extract.status import Scope, earlier_year, status_rule, years_in
from ingest.extract.vocabulary import Vocabulary, default_vocabulary

EXTRACTOR_VERSION = "regex-6"

# Words before "A to B" that make it a change, not a range: "from 30 to 40", "up to".
_TO_RANGE_BEFORE = re.compile(r"\b(?:from|up|to)\s+$", re.IGNORECASE)
# "bringing the total to N": the count continues the clause before it and shares its status.
_BRINGING = re.compile(r"\b(?:bringing|taking|pushing|raising)\b[^.;]*\bto\s*$", re.IGNORECASE)
_MODAL_STATUSES = frozenset(
    {ReportStatus.PLANNED, ReportStatus.PROJECTION, ReportStatus.HYPOTHETICAL}
)
# "Of the 312 confirmed deaths, 190 were in Sindh": the count after the comma is a part.
_OF_WHOLE = re.compile(r"(?:^|[,;:—–]\s*)of\s+(?:the|these|those|its|their)\s+$", re.IGNORECASE)
_WHOLE_THEN_PART = re.compile(
    r"[^.;,\d]{0,40},\s*(?:(?:at\s+least|more\s+than|nearly|about|some)\s+)?"
)
_OF_WHOLE_THINGS = re.compile(
    r"\s*of\s+(?:the|its|their|these|those)\s+(?:[\w'’-]+\s+){0,3}?\d[\d,]*\s+(?P<noun>[a-z]+)\s*,\s*"
    r"(?:(?:about|some|at\s+least|more\s+than|nearly)\s+)?",
    re.IGNORECASE,
)
_PLACES = re.compile(
    r"provinces|districts|states|regions|towns|cities|villages|countries|counties|municipalities"
    r"|schools|hospitals|buildings|houses|homes|communes|prefectures|departments|islands|camps"
    r"|mines|neighbourhoods|neighborhoods|areas|zones",
    re.IGNORECASE,
)
_OF_THE = re.compile(r"\s+of\s+(?:the\s+)?", re.IGNORECASE)


@dataclass(frozen=True)
class Extraction:
    """One figure a sentence states, with the words it used and where they are in the text."""

    metric: str
    value: int | None
    low: int | None
    high: int | None
    qualifier: Qualifier
    approximate: bool
    unit: str | None
    status: ReportStatus
    quote: str
    surface: str
    start: int
    end: int
    subset_of: str | None = None
    confidence: float = 1.0  # 0-1, from the binding and status evidence (see confidence.py)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready fields; qualifier and status as their string values."""
        return {
            "metric": self.metric,
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "qualifier": self.qualifier.value,
            "approximate": self.approximate,
            "unit": self.unit,
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
            "status": self.status.value,
            "subset_of": self.subset_of,
            "surface": self.surface,
            "confidence": self.confidence,
        }


def extract(
    text: str, vocabulary: Vocabulary | None = None, published: date | None = None
) -> list[Extraction]:
    """Every figure stated in `text`, in order of appearance.

    `published` is when the text was published, if known: a count dated by an earlier year
    ("the 2004 tsunami killed ...", "in 2010, an explosion killed 37") is another event's.
    """
    vocab = vocabulary if vocabulary is not None else default_vocabulary()
    found: list[Extraction] = []
    article_metric: str | None = None
    year = published.year if published is not None else None
    for start, end in sentence_spans(text):
        ctx = SentenceContext(text[start:end], vocab, article_metric, article_year=year)
        figures = _from_sentence(ctx, start)
        found.extend(figures)
        if figures:
            article_metric = figures[-1].metric
    return found


def _from_sentence(ctx: SentenceContext, offset: int) -> list[Extraction]:
    sent = ctx.sent
    candidates = _candidates(sent, ctx.vocab)
    for index in range(len(candidates)):
        _bind_metric(ctx, candidates, index)
    for candidate in candidates:
        if candidate.metric is None and not candidate.no_metric:
            _fall_back(ctx, candidates, candidate)
    for index in range(len(candidates)):
        _bind_status(ctx, candidates, index)
    _superseded(sent, candidates)
    quote = sent.strip()
    kept = [c for c in candidates if c.metric is not None]
    cued = any(c.status_rule is not None for c in kept)
    return [_extraction(ctx, c, quote, offset, len(kept), cued) for c in kept]


# A toll word with no metric of its own ("the tally could climb to 20,000") or a part of the
# people the sentence before counted ("There were 19 police ... among them").
_TOLL_WORD = re.compile(r"\b(?:tally|toll|total|count|figure|number)\b[^.;]*$", re.IGNORECASE)
_PART_OF_BEFORE = re.compile(r"\s*(?:[\w-]+\s+){0,4}?(?:among|of)\s+(?:them|those|whom)\b", re.I)


_OF_WHOM = re.compile(r"\s+of\s+(?:whom|them)\b", re.IGNORECASE)
_OF_WHOM_BEFORE = re.compile(r"\s*,\s*of\s+(?:whom|them|these)\s+", re.IGNORECASE)


# A later count of the same toll that the sentence says it rose to: "officials had put the toll
# at 753, but it climbed to 812" makes the 753 an earlier toll.
_ROSE_TO = re.compile(
    r"\b(?:rose|risen|climbed|increased|jumped|soared|grew|surged|went\s+up|has\s+since\s+\w+)"
    r"\s+(?:to|past)\s*$",
    re.IGNORECASE,
)


def _superseded(sent: str, candidates: list[Candidate]) -> None:
    """A reported count followed by the same metric's count it rose to is an earlier toll."""
    for c, later in zip(candidates, candidates[1:], strict=False):
        if c.metric is None or later.metric != c.metric or c.breakdown:
            continue
        if c.status is ReportStatus.REPORTED and later.status is ReportStatus.REPORTED:
            if _ROSE_TO.search(sent, c.end, later.start):
                c.status, c.status_rule = ReportStatus.PREVIOUS, "superseded by a later count"


def _fall_back(ctx: SentenceContext, candidates: list[Candidate], c: Candidate) -> None:
    """The last resorts, weakest last: a trigger elsewhere in the sentence ("Some 164 people,
    including 103 in Almaty, were killed"), then the metric the article was speaking of."""
    later = [other for other in candidates if other.start > c.start]
    if later and (
        _OF_WHOM.match(ctx.sent, later[0].follow.end)
        or _OF_WHOM_BEFORE.fullmatch(ctx.sent, c.end, later[0].start)
    ):
        return  # "about 400 residents, 96 of whom were rescued": the verb is the part's
    nearest = nearest_in_sentence(ctx, c)
    if nearest is not None:
        c.metric, c.metric_rule = nearest, "nearest trigger in the sentence"
        return
    if ctx.article_metric is None or any(other.metric for other in candidates):
        return
    if _TOLL_WORD.search(ctx.sent, 0, c.start) or _PART_OF_BEFORE.match(ctx.sent, c.follow.end):
        c.metric, c.metric_rule = ctx.article_metric, "the article's metric"


def _extraction(
    ctx: SentenceContext, c: Candidate, quote: str, offset: int, figures: int, cued: bool
) -> Extraction:
    assert c.metric is not None
    sent, vocab = ctx.sent, ctx.vocab
    bounds = interval(c.qualifier, c.value, c.low, c.high)
    unit = c.follow.unit or vocab.metric(c.metric).unit
    return Extraction(
        metric=c.metric,
        value=bounds.value,
        low=bounds.low,
        high=bounds.high,
        qualifier=c.qualifier,
        approximate=bounds.approximate,
        unit=unit,
        status=c.status,
        quote=quote,
        surface=sent[c.start : c.end],
        start=offset + c.start,
        end=offset + c.end,
        subset_of=c.subset_of if c.breakdown else None,
        confidence=confidence(
            c.metric_rule,
            c.status_rule,
            other_cues=cued,
            figures_in_sentence=figures,
            sentence_length=len(sent),
        ),
    )


def _candidates(sent: str, vocab: Vocabulary) -> list[Candidate]:
    """The numbers of a sentence that count something, ranges joined, qualifiers read."""
    masks = cues.mask_spans(sent)
    numbers = [
        n
        for n in find_numbers(sent)
        if not any(s <= n.start < e for s, e in masks) and (n.value is not None or n.vague)
    ]
    # "40 of the 110 workers": the second number is the whole the first is part of.
    numbers = [
        n
        for i, n in enumerate(numbers)
        if i == 0 or not _OF_THE.fullmatch(sent, numbers[i - 1].end, n.start)
    ]
    # "Of the country's 31 provinces, 10 were affected": the part counts what the whole does.
    whole = _OF_WHOLE_THINGS.match(sent)
    if whole is not None and _PLACES.fullmatch(whole["noun"]):
        numbers = [n for n in numbers if n.start != whole.end()]
    candidates: list[Candidate] = []
    index = 0
    while index < len(numbers):
        number = numbers[index]
        after = numbers[index + 1] if index + 1 < len(numbers) else None
        if after is not None and _is_range(sent, number, after):
            candidate = _range(sent, number, after, vocab)
            index += 2
        else:
            candidate = _single(sent, number, vocab)
            index += 1
        if candidate is not None:
            candidates.append(candidate)
    return candidates


# Hedges allowed at either end of a range introduced by a range word: "range from about 1,200 to
# more than 1,800".
_END_HEDGE = (
    r"(?:(?:about|around|some|roughly|approximately|nearly|almost|at\s+least|more\s+than|over"
    r"|just\s+over|just\s+under|up\s+to|as\s+many\s+as)\s+)?"
)
# Words that open a range: "between", "ranging from", "range from", "anywhere from".
_RANGE_OPENER = re.compile(
    rf"\b(?:between|(?:range[sd]?|ranging|varie[sd]|varying|anywhere)\s+from)\s+{_END_HEDGE}$",
    re.IGNORECASE,
)
_RANGE_JOIN = re.compile(rf"\s+(?:to|and)\s+{_END_HEDGE}", re.IGNORECASE)
# "2,500 or 3,000 people": two bare estimates of one count.
_OR_JOIN = re.compile(r"\s+or\s+", re.IGNORECASE)


def _is_range(sent: str, low: Number, high: Number) -> bool:
    """ "169,000-190,000", "between 169,000 and 190,000", "30 to 40 people", "2,500 or 3,000",
    "ranging from about 1,200 to more than 1,800"."""
    if low.value is None or high.value is None or low.value >= high.value:
        return False
    between = sent[low.end : high.start]
    if re.fullmatch(r"\s*[-–—]\s*", between):
        return True
    opened = _RANGE_OPENER.search(sent, 0, low.start) is not None
    if opened and _RANGE_JOIN.fullmatch(between):
        return True
    if re.fullmatch(r"\s+to\s+", between):  # "30 to 40 people", never "rose from 30 to 40"
        return _TO_RANGE_BEFORE.search(sent, 0, low.start) is None
    if _OR_JOIN.fullmatch(between) and not low.words:  # never "one or two" read as a toll
        return cues.qualifier_before(sent[: low.start]) is None and high.value <= 4 * low.value
    return False


def _range(sent: str, low: Number, high: Number, vocab: Vocabulary) -> Candidate | None:
    follow = what_follows(sent, high, vocab)
    if follow is None or low.decimal or high.decimal:
        return None
    opener = _RANGE_OPENER.search(sent, 0, low.start)
    start = opener.start() if opener else low.start
    if opener and opener.group().lower().startswith(("range", "ranging", "varie", "varying")):
        start = sent.lower().index("from", opener.start(), low.start)
    return Candidate(
        number=low,
        start=start,
        num_end=high.end,
        end=max(high.end, _surface_end(sent, high.end, follow)),
        follow=follow,
        qualifier=Qualifier.RANGE,
        value=None,
        low=low.value,
        high=high.value,
    )


def _single(sent: str, number: Number, vocab: Vocabulary) -> Candidate | None:
    if number.decimal:
        return None  # "7.8 magnitude": people are not counted in tenths
    follow = what_follows(sent, number, vocab)
    if follow is None or not _plausible(sent, number, follow):
        return None
    start, qualifier = number.start, Qualifier.EXACT
    if number.vague is not None:
        qualifier = number.vague
    elif (before := cues.qualifier_before(sent[: number.start])) is not None:
        qualifier, start = before
    elif (after := cues.qualifier_after(sent[number.end :])) is not None:
        qualifier = after[0]
    elif cues.estimated_by_verb(sent[: number.start]):
        qualifier = Qualifier.ESTIMATED  # "a study that estimated the storm caused 2,975 deaths"
    return Candidate(
        number=number,
        start=start,
        num_end=number.end,
        end=_surface_end(sent, number.end, follow),
        follow=follow,
        qualifier=qualifier,
        value=None if number.vague else number.value,
    )


def _plausible(sent: str, number: Number, follow: Follow) -> bool:
    """Years and a lone "one" count people only when a counted noun follows at once."""
    written = sent[number.start : number.end]
    is_year = re.fullmatch(r"1[89]\d\d|20\d\d", written) is not None
    is_one = written.lower() == "one"
    if is_year:  # "2019 soldiers", "2030 deaths", never "in 2019 killed"
        plural_trigger = follow.unit_is_trigger is not None and sent[follow.end - 1] in "sS"
        return follow.unit is not None or plural_trigger
    if is_one:
        return follow.unit is not None or follow.unit_is_trigger is not None
    return True


def _surface_end(sent: str, number_end: int, follow: Follow) -> int:
    """The surface takes in the counted noun when it follows directly ("1,602 people")."""
    if follow.unit is not None or follow.unit_is_trigger is not None:
        return follow.end
    return number_end


def _segment(sent: str, candidates: list[Candidate], index: int) -> tuple[int, int]:
    """A candidate's part of the sentence: from the previous figure to the next one."""
    seg_start = candidates[index - 1].num_end if index > 0 else 0
    seg_end = candidates[index + 1].start if index + 1 < len(candidates) else len(sent)
    return seg_start, seg_end


def _bind_metric(ctx: SentenceContext, candidates: list[Candidate], index: int) -> None:
    """The metric from the candidate's own segment, else the previous figure's (elision)."""
    c = candidates[index]
    seg_start, seg_end = _segment(ctx.sent, candidates, index)
    previous = [p.metric for p in candidates[:index] if p.metric is not None]
    parent = previous[-1] if previous else None
    binding = metric_of(ctx, c, (seg_start, seg_end), parent)
    c.metric, c.metric_rule, c.no_metric = binding.metric, binding.rule, binding.no_metric
    if c.metric is None and not c.no_metric and parent is not None:
        c.metric, c.metric_rule = parent, "the figure before's metric (elision)"


def _bind_status(ctx: SentenceContext, candidates: list[Candidate], index: int) -> None:
    """Status from the cues around the candidate; a breakdown takes its parent's."""
    sent = ctx.sent
    c = candidates[index]
    seg_start, seg_end = _segment(sent, candidates, index)
    before = sent[seg_start : c.start]
    after = sent[c.follow.end : seg_end]
    scope = Scope(
        sentence=sent,
        prefix=sent[: c.start],
        before=sent[seg_start : c.number.start],  # "could reach" is both qualifier and cue
        after=after,
        segment=sent[seg_start:seg_end],
        years=years_in(sent, seg_start, seg_end, c.number.start, c.num_end),
        earlier_year=earlier_year(
            sent, seg_start, seg_end, c.number.start, c.num_end, ctx.article_year
        ),
        rest=sent[c.follow.end :],
    )
    rule = status_rule(scope)
    c.status = rule.status if rule is not None else ReportStatus.REPORTED
    c.status_rule = rule.name if rule is not None else None
    earlier = [p.status for p in candidates[:index] if p.metric is not None]
    if c.status is ReportStatus.REPORTED and earlier and _BRINGING.search(before):
        if earlier[-1] in _MODAL_STATUSES:
            c.status = earlier[-1]  # "will deploy 2,500 more, bringing the contingent to 4,000"
    previous = [p for p in candidates[:index] if p.metric is not None]
    _breakdown(sent, c, before, previous)


def _breakdown(sent: str, c: Candidate, before: str, previous: list[Candidate]) -> None:
    is_part, scope = cues.breakdown_before(before)
    if not is_part:
        is_part, scope = cues.breakdown_after(sent[c.follow.end :])
    if not is_part and previous and _OF_WHOLE.search(sent, 0, previous[-1].start):
        is_part = bool(_WHOLE_THEN_PART.fullmatch(sent, previous[-1].end, c.start))
    if not is_part:
        return
    c.breakdown = True
    parents = [p for p in previous if p.metric == c.metric]
    if parents:
        parent = parents[-1]
        c.subset_of = sent[parent.number.start : parent.num_end]
        c.status = parent.status
        return
    c.subset_of = (
        cues.place_after(sent[c.follow.end :]) or scope or c.follow.unit or "a larger toll"
    )
