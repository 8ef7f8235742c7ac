"""Export the log for an auditor: everything needed to verify it offline, and nothing to trust.

The directory holds:

- `events.jsonl`: line P is the canonical form of the event at position P (RFC 8785 JSON of
  position, event_id, stream_id, version, type, data, metadata, recorded_at), exactly the bytes
  whose SHA-256(0x00 ‖ line) is the leaf hash; the newline is not part of them.
- `checkpoint.json`: a checkpoint signed for this export, covering exactly those lines.
- `public-key.pem`: the Ed25519 public key that signed it (SubjectPublicKeyInfo PEM).
- `leaf-hashes.txt`: line P is the server's stored leaf hash of position P (base64). It proves
  nothing (the root does); it lets a verifier name the first event whose bytes changed.
- `idempotency-keys.jsonl`: line P is the idempotency key of the event at position P, as a JSON
  string, or `null`. Not part of the hashed bytes (the log's own bookkeeping, never secret);
  `recount import` restores it, so re-ingesting a source after a move appends nothing.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

from domain.canonical import canonical_bytes, canonical_form
from domain.checkpoints import Checkpoint
from domain.events import RecordedEvent
from store.events import EventStore
from store.keys import known_keys

EVENTS_FILE = "events.jsonl"
CHECKPOINT_FILE = "checkpoint.json"
PUBLIC_KEY_FILE = "public-key.pem"
LEAF_HASHES_FILE = "leaf-hashes.txt"
IDEMPOTENCY_KEYS_FILE = "idempotency-keys.jsonl"

Progress = Callable[[int, int], None]
"""Called with (events done, events in all) as a long export or verification goes."""


def canonical_line(event: RecordedEvent) -> bytes:
    """The bytes hashed into the event's leaf, recomputed from its stored fields."""
    return canonical_bytes(
        canonical_form(
            position=event.position,
            event_id=event.event_id,
            stream_id=event.stream_id,
            version=event.version,
            type=event.type,
            data=event.data,
            metadata=event.metadata,
            recorded_at=event.recorded_at,
        )
    )


def export(
    store: EventStore, checkpoint: Checkpoint, directory: Path, progress: Progress | None = None
) -> Checkpoint:
    """Write the events `checkpoint` covers, with the checkpoint and the key that signed it."""
    directory.mkdir(parents=True, exist_ok=True)
    with store.engine.connect() as connection:
        public_pem = known_keys(connection)[checkpoint.key_id].pem
    size = checkpoint.tree_size
    with (
        (directory / EVENTS_FILE).open("wb") as lines,
        (directory / LEAF_HASHES_FILE).open("w", encoding="ascii") as leaves,
        (directory / IDEMPOTENCY_KEYS_FILE).open("w", encoding="utf-8") as keys,
    ):
        for done, event in enumerate(store.read(limit=size), start=1):
            lines.write(canonical_line(event) + b"\n")
            leaves.write(base64.b64encode(event.leaf_hash).decode("ascii") + "\n")
            keys.write(json.dumps(event.idempotency_key, ensure_ascii=False) + "\n")
            if progress is not None and (done % 1000 == 0 or done == size):
                progress(done, size)
    (directory / CHECKPOINT_FILE).write_text(
        json.dumps(checkpoint.to_json(), indent=2) + "\n", encoding="utf-8"
    )
    (directory / PUBLIC_KEY_FILE).write_text(public_pem, encoding="ascii")
    return checkpoint
