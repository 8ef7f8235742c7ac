"""How well `extract` reads a hand-labelled gold file, and how fast.

Strict rule: an extraction matches a gold figure of the same sentence when metric, qualifier and
status agree and so does the number: `value` for a stated number, `low`/`high` for vague and
range figures. Matching is one-to-one within a sentence (each gold figure is used once).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from domain.qualifiers import Qualifier, interval
from domain.status import ReportStatus
from ingest.extract.extractor import EXTRACTOR_VERSION, Extraction, extract
from ingest.extract.vocabulary import Vocabulary


@dataclass(frozen=True)
class Gold:
    """One labelled figure of a gold sentence."""

    metric: str
    qualifier: Qualifier
    status: ReportStatus
    value: int | None
    low: int | None
    high: int | None
    surface: str

    @property
    def by_bounds(self) -> bool:
        return self.qualifier is Qualifier.RANGE or self.qualifier.is_vague


@dataclass(frozen=True)
class Sentence:
    text: str
    figures: tuple[Gold, ...]
    distractors: tuple[str, ...]
    published: date | None = None  # the article's, as the extractor would be given it


@dataclass
class Score:
    """True positives, false positives, false negatives, and what follows from them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass
class Evaluation:
    """Scores of one run over a gold file, with every miss and false positive to read."""

    overall: Score = field(default_factory=Score)
    by_metric: dict[str, Score] = field(default_factory=dict)
    by_qualifier: dict[str, Score] = field(default_factory=dict)
    by_status: dict[str, Score] = field(default_factory=dict)
    misses: list[dict[str, Any]] = field(default_factory=list)
    false_positives: list[dict[str, Any]] = field(default_factory=list)
    gold_total: int = 0
    values_found: int = 0
    distractors_extracted: list[dict[str, Any]] = field(default_factory=list)
    sentences: int = 0
    ranked: list[tuple[float, bool]] = field(default_factory=list)  # (confidence, matched)

    @property
    def value_recall(self) -> float:
        return self.values_found / self.gold_total if self.gold_total else 0.0

    def ranking(self) -> dict[str, Any]:
        """How well confidence ranks: precision of the more and the less confident half of the
        extractions (ties keep the order of the text)."""
        ordered = sorted(self.ranked, key=lambda pair: -pair[0])
        half = (len(ordered) + 1) // 2
        top, bottom = ordered[:half], ordered[half:]

        def precision(rows: list[tuple[float, bool]]) -> float | None:
            return round(sum(ok for _, ok in rows) / len(rows), 4) if rows else None

        return {
            "extractions": len(ordered),
            "top_half_precision": precision(top),
            "bottom_half_precision": precision(bottom),
            "threshold": ordered[half - 1][0] if ordered else None,
        }

    def add(self, other: Evaluation) -> None:
        """Fold another file's evaluation into this one (for the union of several files)."""
        for name in ("tp", "fp", "fn"):
            setattr(self.overall, name, getattr(self.overall, name) + getattr(other.overall, name))
        for mine, theirs in (
            (self.by_metric, other.by_metric),
            (self.by_qualifier, other.by_qualifier),
            (self.by_status, other.by_status),
        ):
            for key, score in theirs.items():
                into = mine.setdefault(key, Score())
                into.tp, into.fp, into.fn = (
                    into.tp + score.tp,
                    into.fp + score.fp,
                    into.fn + score.fn,
                )
        self.misses += other.misses
        self.false_positives += other.false_positives
        self.gold_total += other.gold_total
        self.values_found += other.values_found
        self.distractors_extracted += other.distractors_extracted
        self.sentences += other.sentences
        self.ranked += other.ranked

    def to_json(self) -> dict[str, Any]:
        return {
            "extractor_version": EXTRACTOR_VERSION,
            "sentences": self.sentences,
            "gold_figures": self.gold_total,
            "overall": self.overall.to_json(),
            "by_metric": {k: v.to_json() for k, v in sorted(self.by_metric.items())},
            "by_qualifier": {k: v.to_json() for k, v in sorted(self.by_qualifier.items())},
            "by_status": {k: v.to_json() for k, v in sorted(self.by_status.items())},
            "confidence_ranking": self.ranking(),
            "value_found": {"found": self.values_found, "recall": round(self.value_recall, 4)},
            "distractors_extracted": len(self.distractors_extracted),
            "distractor_extractions": self.distractors_extracted,
            "misses": self.misses,
            "false_positives": self.false_positives,
        }

    def headline(self) -> str:
        """One line: the strict scores and the distractors extracted."""
        o = self.overall
        return (
            f"P {o.precision:.3f}  R {o.recall:.3f}  F1 {o.f1:.3f}  (tp {o.tp}, fp {o.fp},"
            f" fn {o.fn}; {self.sentences} sentences, {self.gold_total} figures;"
            f" distractors extracted {len(self.distractors_extracted)})"
        )

    def render(self) -> str:
        """A plain-text report: the scores, then each miss and false positive."""
        o = self.overall
        rank = self.ranking()
        lines = [
            f"extractor {EXTRACTOR_VERSION}: {self.sentences} sentences, {self.gold_total} figures",
            f"strict  P {o.precision:.3f}  R {o.recall:.3f}  F1 {o.f1:.3f}"
            f"  (tp {o.tp}, fp {o.fp}, fn {o.fn})",
            f"value found  {self.values_found}/{self.gold_total} ({self.value_recall:.3f})",
            f"distractors extracted  {len(self.distractors_extracted)}",
            f"confidence ranking  precision of the top half {rank['top_half_precision']},"
            f" of the bottom half {rank['bottom_half_precision']}"
            f" ({rank['extractions']} extractions, split at {rank['threshold']})",
        ]
        for title, table in (
            ("metric", self.by_metric),
            ("qualifier", self.by_qualifier),
            ("status", self.by_status),
        ):
            lines.append(f"\nby {title}:")
            for name, s in sorted(table.items()):
                lines.append(
                    f"  {name:<18} P {s.precision:.2f}  R {s.recall:.2f}  F1 {s.f1:.2f}"
                    f"  (tp {s.tp}, fp {s.fp}, fn {s.fn})"
                )
        for title, rows in (("misses", self.misses), ("false positives", self.false_positives)):
            lines.append(f"\n{title} ({len(rows)}):")
            lines.extend(f"  - {row['figure']}  in: {row['sentence']}" for row in rows)
        return "\n".join(lines)


def load_gold(path: Path) -> list[Sentence]:
    """The sentences of a gold file: one article per line, each with labelled sentences."""
    sentences: list[Sentence] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        article = json.loads(line)
        published = _date(article.get("published"))
        for raw in article["sentences"]:
            figures = tuple(_gold(figure) for figure in raw.get("figures", []))
            distractors = tuple(raw.get("distractors", []))
            sentences.append(Sentence(raw["text"], figures, distractors, published))
    return sentences


def _date(value: object) -> date | None:
    """An article's publication date ("2022-01-06", or a full timestamp), if it has one."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _gold(raw: dict[str, Any]) -> Gold:
    """A gold figure; a vague one takes its bounds from the qualifier, as reports do.

    The bounds of a vague word are fixed by the design's table (`domain.qualifiers`); a gold
    file may write them differently (999,999,999 for "millions" where the table says 999M), and
    that difference is one of convention, not of reading, so it is not scored.
    """
    qualifier = Qualifier.parse(raw["qualifier"])
    low, high = raw.get("low"), raw.get("high")
    if qualifier.is_vague:
        bounds = interval(qualifier, None)
        low, high = bounds.low, bounds.high
    return Gold(
        metric=raw["metric"],
        qualifier=qualifier,
        status=ReportStatus.parse(raw.get("status") or "reported"),
        value=raw.get("value"),
        low=low,
        high=high,
        surface=raw.get("surface", ""),
    )


def same_number(gold: Gold, found: Extraction) -> bool:
    """The number agrees: value, or low/high for vague and range figures."""
    if gold.by_bounds:
        return (gold.low, gold.high) == (found.low, found.high)
    return gold.value == found.value


def matches(gold: Gold, found: Extraction) -> bool:
    """The strict rule: metric, number, qualifier and status all agree."""
    return (
        gold.metric == found.metric
        and gold.qualifier is found.qualifier
        and gold.status is found.status
        and same_number(gold, found)
    )


def evaluate(gold_path: Path, vocabulary: Vocabulary | None = None) -> Evaluation:
    """Run `extract` on every gold sentence and score it (see the module docstring)."""
    evaluation = Evaluation()
    for sentence in load_gold(Path(gold_path)):
        found = extract(sentence.text, vocabulary, published=sentence.published)
        _score_sentence(evaluation, sentence, found)
    return evaluation


def _score_sentence(ev: Evaluation, sentence: Sentence, found: list[Extraction]) -> None:
    ev.sentences += 1
    ev.gold_total += len(sentence.figures)
    unmatched = list(found)
    for gold in sentence.figures:
        hit = next((f for f in unmatched if matches(gold, f)), None)
        if hit is not None:
            unmatched.remove(hit)
        _count(ev, gold.metric, gold.qualifier.value, gold.status.value, "tp" if hit else "fn")
        if hit is not None:
            ev.ranked.append((hit.confidence, True))
        if hit is None:
            ev.misses.append({"figure": _describe_gold(gold), "sentence": sentence.text})
        if any(same_number(gold, f) for f in found):
            ev.values_found += 1
    for extra in unmatched:
        _count(ev, extra.metric, extra.qualifier.value, extra.status.value, "fp")
        ev.ranked.append((extra.confidence, False))
        ev.false_positives.append({"figure": _describe(extra), "sentence": sentence.text})
        if _is_distractor(sentence, extra):
            ev.distractors_extracted.append({"figure": _describe(extra), "sentence": sentence.text})


def _count(ev: Evaluation, metric: str, qualifier: str, status: str, outcome: str) -> None:
    for score in (
        ev.overall,
        ev.by_metric.setdefault(metric, Score()),
        ev.by_qualifier.setdefault(qualifier, Score()),
        ev.by_status.setdefault(status, Score()),
    ):
        setattr(score, outcome, getattr(score, outcome) + 1)


def _is_distractor(sentence: Sentence, found: Extraction) -> bool:
    """An unmatched extraction over a distractor span whose number is no gold figure's."""
    if any(same_number(gold, found) for gold in sentence.figures):
        return False
    for span in _distractor_spans(sentence):
        if found.start < span[1] and span[0] < found.end:
            return True
    return False


def _distractor_spans(sentence: Sentence) -> list[tuple[int, int]]:
    """Where each distractor is; a label with a remark in brackets is looked up without it."""
    spans: list[tuple[int, int]] = []
    for distractor in sentence.distractors:
        for candidate in (distractor, distractor.split(" (")[0]):
            at = sentence.text.find(candidate)
            if at >= 0:
                spans.append((at, at + len(candidate)))
                break
    return spans


def _describe_gold(g: Gold) -> str:
    number = g.value if not g.by_bounds else f"[{g.low}, {g.high}]"
    return f"{g.metric} {g.qualifier.value} {number} {g.status.value} ({g.surface!r})"


def _describe(e: Extraction) -> str:
    number = e.value if e.value is not None else f"[{e.low}, {e.high}]"
    return f"{e.metric} {e.qualifier.value} {number} {e.status.value} ({e.surface!r})"
