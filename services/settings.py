"""Settings from the environment: the names are a contract (see the README's Environment table)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from domain.addresses import IPNetwork, parse_networks
from domain.errors import InvalidInput

DEFAULT_DATABASE_URL = "sqlite:///recount.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    signing_key_path: Path | None = None  # None: next to the SQLite file (or ./recount.key)
    private_networks: tuple[IPNetwork, ...] = ()  # non-public networks feeds may reach
    metrics_path: Path | None = None  # a metric vocabulary (TOML) replacing the packaged one
    secrets_key_path: Path | None = None  # None: beside the signing key
    read_database_url: str | None = None  # a streaming replica for reads; None: the primary
    read_wait_seconds: float = 1.0  # how long a read waits for the replica before the primary
    ready_max_lag_seconds: float = 10.0  # /readyz fails when the replica is further behind

    @classmethod
    def from_env(cls) -> Settings:
        key = os.environ.get("RECOUNT_SIGNING_KEY")
        metrics = os.environ.get("RECOUNT_METRICS")
        secrets = os.environ.get("RECOUNT_SECRETS_KEY")
        return cls(
            database_url=os.environ.get("RECOUNT_DATABASE_URL", DEFAULT_DATABASE_URL),
            signing_key_path=Path(key) if key else None,
            private_networks=parse_networks(os.environ.get("RECOUNT_ALLOW_PRIVATE_FEEDS", "")),
            metrics_path=Path(metrics) if metrics else None,
            secrets_key_path=Path(secrets) if secrets else None,
            read_database_url=os.environ.get("RECOUNT_READ_DATABASE_URL") or None,
            read_wait_seconds=_seconds("RECOUNT_READ_WAIT", 1.0),
            ready_max_lag_seconds=_seconds("RECOUNT_READY_MAX_LAG", 10.0),
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

    @property
    def secrets_path(self) -> Path:
        """The key that encrypts feed credentials: RECOUNT_SECRETS_KEY, else beside the signing
        key (`recount.secrets.key`), so one backup of that directory keeps both."""
        if self.secrets_key_path is not None:
            return self.secrets_key_path
        signing = self.key_path
        return signing.with_name(signing.stem + ".secrets.key")


def _seconds(name: str, default: float) -> float:
    """A number of seconds from the environment; anything else names the variable."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value < 3600:
        raise InvalidInput(f"{name} must be a number of seconds from 0 to 3600, not {raw!r}")
    return value
