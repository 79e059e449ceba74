"""A real forwarding proxy (proxy.py) on 127.0.0.1, in a process of its own, for tests.

It forwards plain HTTP and tunnels ``CONNECT``; ``auth="user:password"`` makes it demand
those credentials (407 otherwise). Its access log tells which requests went through it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

__all__ = ["ForwardProxy", "forward_proxy"]

_START_SECONDS = 30.0


class ForwardProxy:
    """A running proxy: ``url`` (without credentials) and its access log."""

    def __init__(self, url: str, log: Path) -> None:
        self.url = url
        self._log = log

    def url_with(self, credentials: str) -> str:
        """The proxy's URL carrying ``user:password``."""
        scheme, _, rest = self.url.partition("://")
        return f"{scheme}://{credentials}@{rest}"

    def access_log(self) -> list[str]:
        """The access-log lines so far: ``... - GET 127.0.0.1:123/path - 200 OK ...``."""
        if not self._log.exists():
            return []
        return [line for line in self._log.read_text().splitlines() if "access_log" in line]

    def wait_for(self, needle: str, timeout: float = 10.0) -> bool:
        """Whether an access-log line containing ``needle`` appears within ``timeout`` s."""
        give_up = time.monotonic() + timeout
        while time.monotonic() < give_up:
            if any(needle in line for line in self.access_log()):
                return True
            time.sleep(0.05)
        return False


@contextmanager
def forward_proxy(auth: str | None = None) -> Iterator[ForwardProxy]:
    """Start proxy.py on a free port of 127.0.0.1; stop it (and its workers) on exit."""
    with tempfile.TemporaryDirectory(prefix="proxy-") as folder:
        port_file = Path(folder, "port")
        log = Path(folder, "proxy.log")
        command = [
            sys.executable,
            *("-m", "proxy", "--hostname", "127.0.0.1", "--port", "0"),
            *("--port-file", str(port_file), "--log-file", str(log)),
            *("--num-workers", "1", "--num-acceptors", "1", "--log-level", "INFO"),
        ]
        if auth is not None:
            command += ["--basic-auth", auth]
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # its worker processes are stopped with it
        )
        try:
            give_up = time.monotonic() + _START_SECONDS
            while not (port_file.exists() and port_file.read_text().strip()):
                if process.poll() is not None or time.monotonic() > give_up:
                    raise RuntimeError("proxy.py did not start")
                time.sleep(0.02)
            port = int(port_file.read_text().split()[0])
            yield ForwardProxy(f"http://127.0.0.1:{port}", log)
        finally:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
