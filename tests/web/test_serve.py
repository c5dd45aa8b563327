"""`storywire serve` as a user runs it: a real process on a loopback port, one or more workers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from storywire.store import db

STORYWIRE = str(Path(sys.executable).with_name("storywire"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_answers_on_its_port(tmp_path: Path, workers: int) -> None:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    with db.engine_for(url) as engine:
        db.upgrade(engine)
    port = _free_port()
    env = {**os.environ, "STORYWIRE_DATABASE_URL": url, "STORYWIRE_ADMIN_TOKEN": "t0ken"}
    if workers > 1:
        # The token from a settings file named by STORYWIRE_CONFIG, the one variable the CLI
        # reads and `serve` hands on: every worker process must see it.
        config = tmp_path / "config.toml"
        config.write_text('admin_token = "t0ken"\n', encoding="utf-8")
        env["STORYWIRE_CONFIG"] = str(config)
        del env["STORYWIRE_ADMIN_TOKEN"]
    command = [STORYWIRE, "serve", "--workers", str(workers)]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                home = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the reader did not start"
                time.sleep(0.2)
        assert home.status_code == 200 and "You've reached the end" in home.text
        auth = {"Authorization": "Bearer t0ken"}
        for _ in range(4):  # requests land on either worker
            feeds = httpx.get(f"http://127.0.0.1:{port}/api/v1/feeds", headers=auth, timeout=5)
            assert feeds.status_code == 200 and feeds.json() == []
        health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        forged = httpx.get(f"http://127.0.0.1:{port}/", headers={"Host": "evil.example"})
        assert forged.status_code == 400, "serve answers only to its allowed hosts"
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_serve_refuses_a_database_without_the_schema(tmp_path: Path) -> None:
    env = {**os.environ, "STORYWIRE_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    for workers in ("1", "2"):
        done = subprocess.run(
            [STORYWIRE, "serve", "--workers", workers],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode != 0 and "storywire db upgrade" in done.stdout + done.stderr
