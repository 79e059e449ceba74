"""A real ``redis-server`` on 127.0.0.1 for the scale-out tests (no fakes).

One server per test session, on a free port, with persistence off; every test starts
with an empty database. Without ``redis-server`` or the ``redis`` package the tests are
skipped, with the reason (``apt-get install redis-server``, ``pip install redis``),
unless ``CODEGEN_REQUIRE_REDIS=1`` (CI): then they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """A ``redis-server`` child process; ``url`` points at it. With ``aof_dir`` it
    persists every write (``appendfsync always``) there, so a restart keeps the data."""

    def __init__(self, port: int | None = None, *, aof_dir: Path | None = None) -> None:
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.aof_dir = aof_dir
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:  # pragma: no cover - checked by the fixture
            raise RuntimeError("redis-server is not installed")
        persistence = ["--appendonly", "no"]
        if self.aof_dir is not None:
            persistence = ["--appendonly", "yes", "--appendfsync", "always"]
            persistence += ["--dir", str(self.aof_dir)]
        self._proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                *persistence,
                "--protected-mode",
                "no",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10.0
        while not _ping(self.port):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)
        return self

    def flush(self) -> None:
        """Empty every database."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=2.0) as sock:
            sock.sendall(b"FLUSHALL\r\n")
            sock.recv(16)

    def stop(self) -> None:
        """Kill the server and reap it (idempotent)."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
        if proc is not None:
            proc.wait(timeout=10)

    def restart(self) -> None:
        """Start again on the same port (after :meth:`stop`): empty, or with what the
        append-only file kept."""
        self.start()


def _require_redis() -> None:
    missing = ""
    if shutil.which("redis-server") is None:
        missing = "redis-server is not installed (apt-get install redis-server)"
    else:
        try:
            import redis  # noqa: F401
        except ImportError:
            missing = "the redis package is not installed"
    if missing and os.environ.get("CODEGEN_REQUIRE_REDIS") == "1":
        pytest.fail(f"CODEGEN_REQUIRE_REDIS=1 but {missing}")
    if missing:
        pytest.skip(missing)


@pytest.fixture(scope="session")
def redis_server_session() -> Iterator[RedisServer]:
    """One redis-server for the session."""
    _require_redis()
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_server(redis_server_session: RedisServer) -> RedisServer:
    """The session's redis-server, emptied for this test."""
    redis_server_session.flush()
    return redis_server_session


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The URL of an empty redis-server on 127.0.0.1."""
    return redis_server.url


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A redis-server of this test's own, that it may stop and start (outages)."""
    _require_redis()
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def persistent_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test's own whose data survive a restart (AOF, always)."""
    _require_redis()
    server = RedisServer(aof_dir=tmp_path).start()
    try:
        yield server
    finally:
        server.stop()
