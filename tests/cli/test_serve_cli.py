"""`recount serve --workers N`: several server processes answer on one port, headers and all."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
from typer.testing import CliRunner

from api.headers import HEADERS
from cli.main import app


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_with_two_workers_answers_with_the_security_headers(sqlite_url):
    environment = {**os.environ, "RECOUNT_DATABASE_URL": sqlite_url}
    assert CliRunner().invoke(app, ["init"], env=environment).exit_code == 0
    port = _free_port()
    command = [sys.executable, "-c", "from cli.main import app; app()", "serve"]
    command += ["--port", str(port), "--workers", "2"]
    server = subprocess.Popen(command, env=environment, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/v1/subjects", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "the server never answered"
                time.sleep(0.2)
        assert answer.status_code == 200 and answer.json() == []
        for name, value in HEADERS.items():
            assert answer.headers[name] == value
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_serve_refuses_zero_workers(sqlite_url):
    result = CliRunner().invoke(
        app, ["serve", "--workers", "0"], env={"RECOUNT_DATABASE_URL": sqlite_url}
    )
    assert result.exit_code != 0 and "--workers" in result.output
