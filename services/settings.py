"""Settings from the environment: the names are a contract (see the README's Environment table)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

DEFAULT_DATABASE_URL = "sqlite:///recount.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    signing_key_path: Path | None = None  # None: next to the SQLite file (or ./recount.key)
    allow_private_feeds: bool = False
    metrics_path: Path | None = None  # a metric vocabulary (TOML) replacing the packaged one

    @classmethod
    def from_env(cls) -> Settings:
        key = os.environ.get("RECOUNT_SIGNING_KEY")
        metrics = os.environ.get("RECOUNT_METRICS")
        return cls(
            database_url=os.environ.get("RECOUNT_DATABASE_URL", DEFAULT_DATABASE_URL),
            signing_key_path=Path(key) if key else None,
            allow_private_feeds=os.environ.get("RECOUNT_ALLOW_PRIVATE_FEEDS") == "1",
            metrics_path=Path(metrics) if metrics else None,
        )

    @property
    def key_path(self) -> Path:
        """The Ed25519 key: RECOUNT_SIGNING_KEY, else beside the SQLite file, else ./recount.key."""
        if self.signing_key_path is not None:
            return self.signing_key_path
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return Path(str(url.database)).with_suffix(".key")
        return Path("recount.key")
