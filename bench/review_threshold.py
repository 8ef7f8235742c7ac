"""What a confidence threshold on the review queue costs and lets through.

    .venv/bin/python -m bench.review_threshold [--dev ../shared/extraction-dev]

A desk that looks only at readings whose confidence is below a threshold T looks at fewer
readings, and lets the wrong readings at or above T through unchecked. For each T this prints:
- on the seed feed (the demo, as `recount demo` loads it): the readings in the queue, and how
  many of them a reviewer must look at (confidence < T);
- on the three development files (every sentence extracted, each reading judged by the
  extractor evaluation's strict rule): the readings, those to look at, the wrong readings among
  them (caught), and the wrong readings at or above T (let through).
Figures the extractor missed are no reading at all and no threshold finds them: they are
counted apart. Counts, not times: the numbers do not depend on the machine.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from ingest.extract.evaluation import Evaluation, evaluate

DEV = Path(__file__).resolve().parents[2] / "shared" / "extraction-dev"
FILES = ("figures.jsonl", "figures-2.jsonl", "figures-3.jsonl")
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.01)


def seed_confidences() -> list[float]:
    """The confidence of every reading the demo feed yields, read from a fresh archive."""
    from ingest.sources import DEMO_FEED, DEMO_SUBJECT
    from services.archive import Archive
    from services.capture import ingest_source
    from services.review import review_queue
    from services.settings import Settings

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            database_url=f"sqlite:///{folder}/recount.db",
            signing_key_path=Path(folder) / "signing.key",
        )
        archive = Archive.open(settings)
        try:
            archive.migrate()
            ingest_source(archive, str(DEMO_FEED), DEMO_SUBJECT)
            items = review_queue(archive, DEMO_SUBJECT, limit=500).items
        finally:
            archive.close()
    return [item.confidence or 0.0 for item in items]


def dev_readings(dev: Path) -> tuple[list[tuple[float, bool]], int]:
    """Every reading of the dev files with whether it is right, and the figures missed."""
    union = Evaluation()
    for name in FILES:
        union.add(evaluate(dev / name))
    return list(union.ranked), union.overall.fn


def table(seed: list[float], readings: list[tuple[float, bool]], missed: int) -> str:
    wrong = sum(1 for _, right in readings if not right)
    lines = [
        f"seed feed: {len(seed)} readings; dev files: {len(readings)} readings, {wrong} wrong, "
        f"{missed} figures missed (no threshold finds those)",
        "",
        "| threshold | seed: look at | dev: look at | dev: wrong caught | dev: wrong let through |",
        "|---|---|---|---|---|",
    ]
    for threshold in THRESHOLDS:
        look = [(c, right) for c, right in readings if c < threshold]
        caught = sum(1 for _, right in look if not right)
        passed = sum(1 for c, right in readings if c >= threshold and not right)
        shown = "all (1.0 included)" if threshold > 1 else f"< {threshold:.2f}"
        lines.append(
            f"| {shown} | {sum(1 for c in seed if c < threshold)} of {len(seed)} "
            f"| {len(look)} of {len(readings)} | {caught} of {wrong} | {passed} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=DEV)
    args = parser.parse_args()
    readings, missed = dev_readings(args.dev)
    print(table(seed_confidences(), readings, missed))  # noqa: T201


if __name__ == "__main__":
    main()
