"""Start-up: `recount --help` and `recount extract` against `python -c pass`, in one run.

Each command runs in a fresh process, the three interleaved so load hits them alike; the wall
time and the CPU time (user + system, steadier on a shared machine) are medians of the runs.

    python -m bench.startup [--runs 10]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RECOUNT = Path(sys.executable).with_name("recount")


def measure(command: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        text = Path(folder) / "article.txt"
        text.write_text("Police said 1,200 people were detained.", encoding="utf-8")
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "recount --help": [str(RECOUNT), "--help"],
            "recount extract": [str(RECOUNT), "extract", str(text)],
        }
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        for _ in range(runs):
            for name, command in cases.items():
                samples[name].append(measure(command))
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
