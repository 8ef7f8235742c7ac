"""One writer of the concurrency proof: a process posting reports through the proxy.

    python -m tests.deploy.writer BASE_URL TOKEN WRITER_NUMBER SECONDS

Half its reports go to its own figure stream (`writer-N/deaths`), half to two streams every
writer shares (`shared/deaths`, `shared/injuries`); each carries `If-Match` with the version it
believes the stream is at, so on a shared stream it sometimes loses the race and gets 409. After
each write to its own stream it reads that figure back with the `Recount-Position` the write
answered with, through the proxy (so from a replica), and checks it sees the value it wrote.
It says `ready` once connected and starts on the next line of its standard input, so that all
the writers start together. Then it prints one JSON object: every write acknowledged (event
id, position, stream, version), the conflicts, any other answer, and the reads that did not
show the writer's own write.
"""

from __future__ import annotations

import json
import random
import re
import sys
import time

import httpx

AT_VERSION = re.compile(r"is at version (\d+)")


def report(value: int, quote: str, metric: str) -> dict[str, object]:
    return {
        "metric": metric,
        "value": value,
        "qualifier": "exact",
        "quote": quote,
        "reported_at": f"2024-01-01T{_clock(value)}Z",
        "source": {"url": "https://example.org/proof", "title": "Proof", "publisher": "Test"},
    }


def _clock(n: int) -> str:
    """Later values are reported later, so a figure's current value is its last write."""
    return f"{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}"


def run(base: str, token: str, number: int, seconds: float) -> dict[str, object]:
    rng = random.Random(number)
    believed: dict[tuple[str, str], int] = {}
    acked: list[list[object]] = []
    conflicts, unexpected, stale, reads, written = 0, [], 0, 0, 0
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        client.get("/healthz").raise_for_status()
        print("ready", flush=True)  # then wait for the others: all eight write at once
        sys.stdin.readline()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            own = rng.random() < 0.5
            subject, metric = (
                (f"writer-{number}", "deaths")
                if own
                else ("shared", rng.choice(["deaths", "injuries"]))
            )
            written += 1
            key = (subject, metric)
            answer = client.post(
                f"/v1/subjects/{subject}/reports",
                json=report(written, f"writer {number} report {written}", metric),
                headers={"If-Match": f'"{believed.get(key, 0)}"'},
            )
            if answer.status_code == 409:
                conflicts += 1
                found = AT_VERSION.search(answer.json()["detail"])
                believed[key] = int(found.group(1)) if found else 0
                continue
            if answer.status_code != 201:
                unexpected.append([answer.status_code, answer.text[:200]])
                continue
            event = answer.json()
            believed[key] = event["version"]
            acked.append(
                [event["event_id"], event["position"], event["stream_id"], event["version"]]
            )
            if own:
                reads += 1
                position = answer.headers["Recount-Position"]
                figure = client.get(
                    f"/v1/subjects/{subject}/figures/{metric}",
                    headers={"Recount-Position": position},
                ).json()
                if (figure.get("current") or {}).get("value") != written:
                    stale += 1
    return {
        "acked": acked,
        "conflicts": conflicts,
        "unexpected": unexpected,
        "stale_reads": stale,
        "reads": reads,
    }


if __name__ == "__main__":
    base, token, number, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    print(json.dumps(run(base, token, number, seconds)), flush=True)
