"""Prometheus metrics for `/metrics`: what an operator graphs and alerts on.

Read from the database when scraped, so every API process reports the same cluster-wide
values: the log head, the replica's lag, the feeds by the result of their last poll. Counted by
this process: the events it appended (once committed) and how long its figure answers (the
as-of queries) took. Each app has its own registry, so two apps in one process never mix.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.health import count_appends, feeds_by_last_poll
from services.replica import Reads

# The figure routes, JSON or CSV: a subject's figures, or one figure.
FIGURE_PATHS = re.compile(r"^/v1/subjects/[^/]+/figures(?:\.csv|(?P<one>/[^/]+))?$")
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    """One app's registry: its counters, and a collector that asks the database when scraped."""

    def __init__(self, reads: Reads) -> None:
        disable_created_metrics()  # type: ignore[no-untyped-call]  # `_created`: noise
        self.registry = CollectorRegistry()
        self.appends = Counter(
            "recount_appends",
            "Events this process appended to the log (committed).",
            registry=self.registry,
        )
        self.answers = Histogram(
            "recount_figure_answer_seconds",
            "Time to answer a figures request (an as-of query), by view: subject or figure.",
            ["view"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_FromDatabase(reads))
        count_appends(reads.primary, self.appends.inc)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _FromDatabase(Collector):
    def __init__(self, reads: Reads) -> None:
        self.reads = reads

    def collect(self) -> Iterator[GaugeMetricFamily]:
        head = GaugeMetricFamily("recount_log_head", "The last position in the log (primary).")
        head.add_metric([], self.reads.primary.events.head())
        yield head
        lag = self.reads.lag()
        if lag is not None:
            yield GaugeMetricFamily(
                "recount_replica_lag_events",
                "Events the read replica has not applied yet.",
                value=lag.positions,
            )
            yield GaugeMetricFamily(
                "recount_replica_lag_seconds",
                "How long the oldest event the replica lacks has waited (0 when caught up).",
                value=lag.seconds,
            )
        polls = GaugeMetricFamily(
            "recount_feeds_last_poll",
            "Feeds (not removed) by the result of their last poll: ok, not_modified, malformed, "
            "failed, or never.",
            labels=["result"],
        )
        for result, count in sorted(feeds_by_last_poll(self.reads.primary).items()):
            polls.add_metric([result], count)
        yield polls


class AnswerTimer:
    """Times the figure routes (their whole answer, as a client waits for it) into `answers`."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self._figure = metrics.answers.labels("figure")
        self._subject = metrics.answers.labels("subject")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = FIGURE_PATHS.match(scope["path"]) if scope["type"] == "http" else None
        if found is None:
            await self.app(scope, receive, send)
            return
        answers = self._figure if found["one"] else self._subject
        began = time.perf_counter()

        async def timed(message: Message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                answers.observe(time.perf_counter() - began)

        await self.app(scope, receive, timed)
