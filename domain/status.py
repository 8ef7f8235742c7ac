"""What a source says a number is: only a figure stated as current may become a current value."""

from __future__ import annotations

from enum import StrEnum

from domain.errors import InvalidReport


class ReportStatus(StrEnum):
    REPORTED = "reported"  # the source states it as the figure now
    PREVIOUS = "previous"  # an earlier toll the source mentions
    RETRACTED = "retracted"  # the source itself withdrew it
    PROJECTION = "projection"  # "could reach"
    HYPOTHETICAL = "hypothetical"
    PLANNED = "planned"  # a deployment announced, not made
    OTHER_EVENT = "other_event"  # a figure of another event, cited for comparison

    @classmethod
    def parse(cls, name: str) -> ReportStatus:
        try:
            return cls(name.strip().lower().replace(" ", "_"))
        except ValueError:
            known = ", ".join(s.value for s in cls)
            raise InvalidReport(f"unknown status {name!r} (known: {known})") from None
