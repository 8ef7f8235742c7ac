"""Extraction speed on the three dev files, in process CPU time, against a one-regex number finder
in the same process.

    .venv/bin/python -m bench.extract_speed [--runs 5] [--dev ../shared/extraction-dev]

CPU time, not wall time: on a machine shared by several busy processes the wall clock measures
the queue, while CPU time still compares one extractor with another run the same way. To compare
with an older extractor, unpack its tree (`git archive OLD ingest domain | tar -x -C /tmp/old`)
and run this file from there with `PYTHONPATH=/tmp/old` and `--dev`.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Callable
from pathlib import Path

from ingest.extract.evaluation import load_gold
from ingest.extract.extractor import EXTRACTOR_VERSION, extract

DEV = Path(__file__).resolve().parents[2] / "shared" / "extraction-dev"
FILES = ("figures.jsonl", "figures-2.jsonl", "figures-3.jsonl")
_BASELINE_RE = re.compile(r"\d[\d,.]*")


def best_rate(texts: list[str], run: Callable[[str], object], runs: int, passes: int = 3) -> float:
    """The best of `runs` measurements of sentences per CPU second, `passes` passes each."""
    best = 0.0
    for _ in range(runs):
        started = time.process_time()
        for _ in range(passes):
            for text in texts:
                run(text)
        elapsed = time.process_time() - started
        if elapsed > 0:
            best = max(best, len(texts) * passes / elapsed)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dev", type=Path, default=DEV, help="the folder of the dev files")
    args = parser.parse_args()
    runs = args.runs
    texts = [s.text for name in FILES for s in load_gold(args.dev / name)]
    extract(texts[0])  # load and compile the vocabulary outside the timing
    rate = best_rate(texts, extract, runs)
    baseline = best_rate(texts, _BASELINE_RE.findall, runs)
    print(
        json.dumps(
            {
                "extractor_version": EXTRACTOR_VERSION,
                "sentences": len(texts),
                "extractor_sentences_per_cpu_second": round(rate),
                "baseline_sentences_per_cpu_second": round(baseline),
                "ratio": round(rate / baseline, 4) if baseline else None,
            }
        )
    )


if __name__ == "__main__":
    main()
