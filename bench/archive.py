"""A large PostgreSQL archive built the way an operator moves one: `recount import`.

    .venv/bin/python -m bench.archive --events 1000000 --url postgresql+psycopg://…/empty_db

Builds an N-event log in a SQLite file through the append path (80% the as-of benchmark's
filler and followed figures, bench/reads.py; 20% captured articles of about 1.5 KB with four
reports each, bench/audit.py), signs a checkpoint and exports it, then runs `recount init` and
`recount import DIR` into the empty PostgreSQL database at --url, as separate commands. On the
imported archive it measures, in this process:

- as-of: bench/reads.py's comparison, each lookup against a hand-written indexed SQL query
  timed in turn with it (so the ratio holds on a busy machine);
- `recount verify` (live) and `recount replay`, as rates against reading every row of the log
  straight from the driver, measured just before each;
- sizes: each table's bytes on disk, bytes per event, per document version, and what a body
  takes stored against its length (`pg_column_size` against `octet_length`).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.audit import mixed_log
from bench.reads import fill, measure
from services.archive import Archive
from services.audit import export, make_checkpoint, replay, verify_live
from services.settings import Settings
from store.database import stream_rows

RECOUNT = str(Path(sys.executable).with_name("recount"))
TABLES = ("events", "documents", "reports", "merkle_subtrees", "figures")


def build_source(folder: Path, events: int) -> Path:
    """The log in a SQLite file, appended through the ordinary path, and its export."""
    settings = Settings(
        database_url=f"sqlite:///{folder / 'source.db'}", signing_key_path=folder / "k"
    )
    archive = Archive.open(settings)
    archive.migrate()
    began = time.perf_counter()
    fill(archive, events - events // 5)
    articles = mixed_log(events // 5, random.Random(10))
    for start in range(0, len(articles), 1000):
        archive.events.append(articles[start : start + 1000])
    del articles
    say(f"appended {archive.events.head():,} events to SQLite", began)
    make_checkpoint(archive)
    began = time.perf_counter()
    export(archive, folder / "export")
    say("exported", began)
    archive.close()
    return folder / "export"


def import_into(url: str, export_dir: Path, key: Path) -> None:
    env = {**os.environ, "RECOUNT_DATABASE_URL": url, "RECOUNT_SIGNING_KEY": str(key)}
    subprocess.run([RECOUNT, "init"], env=env, check=True, capture_output=True)
    began = time.perf_counter()
    subprocess.run([RECOUNT, "import", str(export_dir)], env=env, check=True)
    say("recount import", began)


def baseline_rate(archive: Archive) -> float:
    """Events per second reading every row of the log from the driver: the passes' baseline."""
    began = time.perf_counter()
    with archive.engine.connect() as connection:
        for _ in stream_rows(connection, "SELECT * FROM events ORDER BY position"):
            pass
    return archive.events.head() / (time.perf_counter() - began)


def passes(archive: Archive) -> None:
    size = archive.events.head()
    for name, work in (("recount verify (live)", verify_live), ("recount replay", replay)):
        baseline = baseline_rate(archive)
        began = time.perf_counter()
        work(archive)
        rate = size / (time.perf_counter() - began)
        print(f"  {name:<24}{rate:>10,.0f} events/s  {rate / baseline:.3f}x the row read "
              f"({baseline:,.0f}/s)", flush=True)  # fmt: skip


def sizes(archive: Archive) -> dict[str, Any]:
    with archive.engine.connect() as connection:

        def one(sql: str) -> Any:
            return connection.execute(text(sql)).one()

        tables = {t: one(f"SELECT pg_total_relation_size('{t}')")[0] for t in TABLES}
        events = one("SELECT count(*) FROM events")[0]
        versions = one("SELECT count(*) FROM documents")[0]
        bodies = one(
            "SELECT avg(octet_length(text)), avg(pg_column_size(text)),"
            " string_agg(DISTINCT pg_column_compression(text), ',') FROM documents"
        )
        logged = one(
            "SELECT avg(octet_length(data::text)), avg(pg_column_size(data)) FROM events"
            " WHERE type = 'DocumentCaptured'"
        )
        database = one("SELECT pg_database_size(current_database())")[0]
    return {
        "tables": tables,
        "database": database,
        "events": events,
        "document_versions": versions,
        "bytes_per_event": tables["events"] / events,
        "bytes_per_document_version": tables["documents"] / max(versions, 1),
        "body": {"length": float(bodies[0]), "stored": float(bodies[1]), "method": bodies[2]},
        "logged_article": {"length": float(logged[0]), "stored": float(logged[1])},
    }


def say(what: str, began: float) -> None:
    print(f"{what}: {time.perf_counter() - began:,.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--url", required=True, help="an empty PostgreSQL database")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument(
        "--export",
        type=Path,
        help="reuse an export an earlier run built (its signing key `k` beside it)",
    )
    args = parser.parse_args()
    if args.export:
        import_into(args.url, args.export, args.export.parent / "k")
    else:
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            import_into(args.url, build_source(folder, args.events), folder / "k")
    archive = Archive.open(Settings(database_url=args.url))
    print("sizes:", sizes(archive), flush=True)
    print("as-of:", measure(archive, archive.events.head(), args.rounds), flush=True)
    passes(archive)
    archive.close()


if __name__ == "__main__":
    main()
