"""Start-up: `recount --help` and `recount extract` against `python -c pass`, in one run.

Each command runs in a fresh process, the three interleaved so load hits them alike; the wall
time and the CPU time (user + system, steadier on a shared machine) are medians of the runs.
With `--before DIR` (a tree before a change, e.g. `git archive main | tar -x -C DIR`) the two
commands also run from that tree (first on PYTHONPATH), interleaved with this one's, so both
trees meet the same load.

    python -m bench.startup [--runs 10] [--before DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RECOUNT = Path(sys.executable).with_name("recount")


def measure(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--before", type=Path, help="a tree before a change, run interleaved")
    args = parser.parse_args()
    runs = args.runs
    with tempfile.TemporaryDirectory() as folder:
        text = Path(folder) / "article.txt"
        text.write_text("Police said 1,200 people were detained.", encoding="utf-8")
        cases: dict[str, tuple[list[str], dict[str, str] | None]] = {
            "python -c pass": ([sys.executable, "-c", "pass"], None),
            "recount --help": ([str(RECOUNT), "--help"], None),
            "recount extract": ([str(RECOUNT), "extract", str(text)], None),
        }
        if args.before is not None:
            before = {**os.environ, "PYTHONPATH": str(args.before.resolve())}
            cases["before: --help"] = ([str(RECOUNT), "--help"], before)
            cases["before: extract"] = ([str(RECOUNT), "extract", str(text)], before)
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        for _ in range(runs):
            for name, (command, env) in cases.items():
                samples[name].append(measure(command, env))
    baseline = statistics.median(cpu for _, cpu in samples["python -c pass"])
    for name, found in samples.items():
        wall = statistics.median(w for w, _ in found)
        cpu = statistics.median(c for _, c in found)
        print(
            f"{name:16s} wall {wall:.3f}s (min {min(w for w, _ in found):.3f}s)  "
            f"cpu {cpu:.3f}s  cpu vs python -c pass {cpu / baseline:.1f}x"
        )


if __name__ == "__main__":
    main()
