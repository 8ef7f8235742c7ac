"""The process model of deploy/compose.yaml, started from Debian's packages on loopback.

A PostgreSQL primary and a hot standby copied from it with `pg_basebackup`, kept in step by
streaming replication; the one-shot migration (`recount init`); two API processes reading from
the standby; HAProxy in front of them, sending traffic only to processes whose `/readyz`
answers 200; two feed workers. Every port is picked free on 127.0.0.1 (55400-55499 first);
everything lives in one temporary directory and is stopped and removed by `stop()`.

Run as root (a CI container), PostgreSQL runs as the `postgres` user, as it insists.
"""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PG_BINS = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
RECOUNT = str(Path(sys.executable).with_name("recount"))
PORTS = range(55400, 55500)
HAPROXY_CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "haproxy.cfg"


def missing() -> str | None:
    """Why the topology cannot start here, or None: the Debian packages it needs."""
    if not PG_BINS:
        return "PostgreSQL server binaries are not installed (Debian package postgresql)"
    if not Path(HAPROXY).exists():
        return "haproxy is not installed (Debian package haproxy)"
    if os.geteuid() == 0 and shutil.which("su") is None:
        return "running as root without `su` to start PostgreSQL as postgres"
    return None


def free_ports(count: int, taken: Collection[int] = ()) -> list[int]:
    """Ports nobody listens on, from 55400-55499, then any the kernel gives."""
    found: list[int] = []
    for port in [*(p for p in PORTS if p not in taken), *([0] * count)]:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            found.append(probe.getsockname()[1])
        if len(found) == count:
            return found
    raise RuntimeError("no free ports on 127.0.0.1")


@dataclass
class Topology:
    root: Path
    ports: dict[str, int]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    read_wait: float = 1.0
    ready_max_lag: float = 10.0

    @property
    def primary_url(self) -> str:
        return f"postgresql+psycopg://recount@127.0.0.1:{self.ports['primary']}/recount"

    @property
    def replica_url(self) -> str:
        return f"postgresql+psycopg://recount@127.0.0.1:{self.ports['replica']}/recount"

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.ports['proxy']}"

    def api(self, n: int) -> str:
        return f"http://127.0.0.1:{self.ports[f'api{n}']}"

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "RECOUNT_DATABASE_URL": self.primary_url,
            "RECOUNT_SIGNING_KEY": str(self.root / "keys" / "recount.key"),
            "RECOUNT_ALLOW_PRIVATE_FEEDS": "loopback",
            **extra,
        }

    def recount(self, *args: str) -> subprocess.CompletedProcess[str]:
        """One `recount` command against the primary (as an operator runs it)."""
        return subprocess.run(
            [RECOUNT, *args], env=self.env(), capture_output=True, text=True, timeout=300
        )

    # -- start and stop ------------------------------------------------------------------------

    def start(self) -> Topology:
        try:
            self._start_primary()
            self._start_replica()
            done = self.recount("init")  # the one-shot migration
            assert done.returncode == 0, done.stderr
            for n in (1, 2):
                self._start_api(n)
            for n in (1, 2):
                self._spawn(f"worker{n}", "worker", "--dispatch-every", "0.5")
            self._start_proxy()
            for n in (1, 2):
                self._listening(f"api{n}", self._start_api, n)
            self._listening("proxy", lambda _: self._start_proxy(), 0)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for name in ("replica", "primary"):
            if (self.root / name / "postmaster.pid").exists():
                stop = ("-D", str(self.root / name), "-m", "immediate", "stop")
                self._as_postgres(self._pg("pg_ctl"), *stop)
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self, name: str) -> str:
        path = self.root / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # -- the parts -----------------------------------------------------------------------------

    def _pg(self, tool: str) -> str:
        return str(PG_BINS[-1].with_name(tool))

    def _as_postgres(self, *command: str) -> None:
        if os.geteuid() == 0:
            command = ("su", "postgres", "-s", "/bin/sh", "-c", shlex.join(command))
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def _postgres_dir(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(mode=0o700)
        if os.geteuid() == 0:
            shutil.chown(path, "postgres")
        return path

    def _start_postgres(self, name: str) -> None:
        data = self.root / name
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.ports[name]} -k {data}"
            " -c fsync=off -c max_connections=100"
        )
        self._as_postgres(
            self._pg("pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-w",
            "-o", options, "start",
        )  # fmt: skip

    def _start_primary(self) -> None:
        data = self._postgres_dir("primary")
        self._as_postgres(
            self._pg("initdb"), "-D", str(data), "-A", "trust", "-U", "recount",
            "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        self._start_postgres("primary")
        self._as_postgres(
            self._pg("createdb"), "-h", "127.0.0.1", "-p", str(self.ports["primary"]),
            "-U", "recount", "recount",
        )  # fmt: skip

    def _start_replica(self) -> None:
        """A base backup of the primary that streams its WAL from then on (`-R`: standby)."""
        data = self._postgres_dir("replica")
        self._as_postgres(
            self._pg("pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.ports["primary"]),
            "-U", "recount", "-D", str(data), "-R", "-X", "stream", "-c", "fast", "--no-sync",
        )  # fmt: skip
        self._start_postgres("replica")

    def _start_api(self, n: int) -> None:
        port = str(self.ports[f"api{n}"])
        self._spawn(f"api{n}", "serve", "--host", "127.0.0.1", "--port", port, read=True)

    def _listening(self, name: str, restart: Callable[[int], None], n: int) -> None:
        """Wait until `name` is ready; if its port was taken meanwhile, start it on another.

        A port free when picked can still be taken before the process binds it: the kernel
        gives ports of this range to outgoing connections too.
        """
        for _ in range(5):
            try:
                self.wait_ready(f"http://127.0.0.1:{self.ports[name]}", only=name)
                return
            except RuntimeError:
                if "in use" not in self.log(name) and "cannot bind" not in self.log(name):
                    raise
            self.ports[name] = free_ports(1, taken=set(self.ports.values()))[0]
            restart(n)
        raise RuntimeError(f"{name}: no port it could bind")

    def _spawn(self, name: str, *args: str, read: bool = False) -> None:
        extra = {
            "RECOUNT_READ_DATABASE_URL": self.replica_url,
            "RECOUNT_READ_WAIT": str(self.read_wait),
            "RECOUNT_READY_MAX_LAG": str(self.ready_max_lag),
        }
        out = (self.root / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            [RECOUNT, *args],
            env=self.env(**extra) if read else self.env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=self.root,
        )

    def _start_proxy(self) -> None:
        """HAProxy with deploy/haproxy.cfg, the compose file's own, pointed at our ports."""
        addresses = {
            "PROXY_BIND": f"127.0.0.1:{self.ports['proxy']}",
            "API1": f"127.0.0.1:{self.ports['api1']}",
            "API2": f"127.0.0.1:{self.ports['api2']}",
        }
        out = (self.root / "proxy.log").open("wb")
        self.processes["proxy"] = subprocess.Popen(
            [HAPROXY, "-f", str(HAPROXY_CONFIG), "-db"],
            env={**os.environ, **addresses},
            stdout=out,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, base: str, seconds: float = 90, only: str | None = None) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if (only is None or name == only) and process.poll() is not None:
                    raise RuntimeError(f"{name} exited: {self.log(name)[-2000:]}")
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{base} not ready after {seconds}s")


def start(read_wait: float = 1.0, ready_max_lag: float = 10.0) -> Topology:
    root = Path(tempfile.mkdtemp(prefix="recount-topology-"))
    root.chmod(0o755)  # PostgreSQL, running as postgres, keeps its data below
    (root / "keys").mkdir()
    names = ["primary", "replica", "api1", "api2", "proxy"]
    topology = Topology(root, dict(zip(names, free_ports(len(names)), strict=True)))
    topology.read_wait = read_wait
    topology.ready_max_lag = ready_max_lag
    return topology.start()
