"""A story whose chart once lied: a toll rising 1,200 → 4,890 → 4,980 beside another event's
30,000, a projection and a vague "thousands", told by three publishers over five days."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.events import Source
from services.archive import Archive
from services.reports import ReportInput, record_report

SUBJECT = "valoria-earthquake-2026"

# (metric, value, qualifier, status, day, publisher, quote)
REPORTS = [
    ("deaths", 1200, "at_least", "reported", 10, "Reuters", "At least 1,200 people died."),
    ("deaths", 30000, "exact", "other_event", 11, "AP", "The 1999 quake killed 30,000."),
    ("deaths", 2300, "exact", "reported", 11, "AP", "The toll rose to 2,300."),
    ("deaths", None, "thousands", "reported", 12, "BBC", "Thousands are feared dead."),
    ("deaths", 10000, "up_to", "projection", 12, "BBC", "The toll could reach 10,000."),
    ("deaths", 4890, "exact", "reported", 13, "Reuters", "The toll stood at 4,890."),
    ("deaths", 4980, "at_least", "reported", 14, "BBC", "At least 4,980 people have died."),
    ("troops", 2030, "exact", "reported", 11, "AP", "2,030 soldiers were deployed."),
    ("troops", None, "thousands", "reported", 12, "BBC", "Thousands of troops arrived."),
]
PLOTTED = [1200, 2300, 4890, 4980]


def record_story(archive: Archive) -> None:
    for metric, value, qualifier, status, day, publisher, quote in REPORTS:
        slug = publisher.lower()
        report = ReportInput(
            metric=metric,
            value=value,
            qualifier=qualifier,
            status=status,
            quote=quote,
            reported_at=datetime(2026, 3, day, 9, tzinfo=UTC),
            source=Source(
                url=f"https://{slug}.example/valoria-{metric}-{day}",
                title=f"Valoria earthquake: {quote.rstrip('.')}",
                publisher=publisher,
            ),
        )
        record_report(archive, SUBJECT, report, actor="desk")
