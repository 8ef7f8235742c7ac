"""How sure the extractor is of one figure, 0 to 1, so that a review queue can put doubtful
figures first.

It is the product of two strengths read from the rules that decided the figure: how the metric
was bound (a predicate or the counted noun is strong evidence, the nearest trigger or the
article's last metric is weak), and how the status was decided (a stated cue, or none at all in
a sentence that carries cues for other figures). A long sentence with many figures, where
segments are short and cues crowd, lowers it a little.
"""

from __future__ import annotations

# The metric rule that bound the figure: named as in binding.METRIC_RULES and the extractor's
# fallbacks. Strongest first.
BINDING_STRENGTH: dict[str, float] = {
    "predicate": 0.95,
    "counted noun": 0.95,
    "noun the count completes": 0.92,
    "object of a verb": 0.92,
    "toll the count completes": 0.9,
    "counted noun over predicate": 0.85,
    "head of the toll named before": 0.85,
    "breakdown of the figure before": 0.85,
    "a toll that changed": 0.8,
    "the figure before's metric (elision)": 0.75,
    "people on board or inside": 0.7,
    "nearest trigger in the segment": 0.6,
    "nearest trigger in the sentence": 0.45,
    "the article's metric": 0.4,
}
# The status rule that decided (named as in status.STATUS_RULES); None is "reported, no cue".
STATUS_STRENGTH: dict[str | None, float] = {
    None: 1.0,
    "retraction or denial": 0.8,
    "correction note": 0.9,
    "figure replaced": 0.9,
    "toll as it stood": 0.85,
    "superseded by a later count": 0.8,
    "another period": 0.8,
    "changed from": 0.9,
    "previous toll named": 0.8,
    "another event or year": 0.75,
    "projection before": 0.85,
    "condition": 0.75,
    "modal after": 0.8,
    "plan": 0.8,
}
_CROWDED_FIGURES = 4  # figures in one sentence beyond which each is a little less sure
_LONG_SENTENCE = 300  # characters


def confidence(
    metric_rule: str,
    status_rule: str | None,
    *,
    other_cues: bool,
    figures_in_sentence: int,
    sentence_length: int,
) -> float:
    """The confidence of one figure (see the module docstring), rounded to two places.

    `other_cues` says whether the sentence holds status cues that decided other figures while
    this one stayed `reported`: its status is then the less certain for it.
    """
    score = BINDING_STRENGTH.get(metric_rule, 0.5) * STATUS_STRENGTH.get(status_rule, 0.8)
    if status_rule is None and other_cues:
        score *= 0.85
    if figures_in_sentence > _CROWDED_FIGURES:
        score *= 0.9
    if sentence_length > _LONG_SENTENCE:
        score *= 0.9
    return round(max(0.0, min(1.0, score)), 2)
