"""Process plumbing for the harness: the lean server, worker children, cleanup, machine info."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import select
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

from benchmarks._procs import ROOT, child_env

PYTHON = sys.executable
CHILD_TIMEOUT = 180.0  # seconds; every child is killed after this, whatever it is doing


class Children:
    """Tracks every process the harness starts so that all of them die with it."""

    def __init__(self) -> None:
        self._procs: list[subprocess.Popen[str]] = []

    def popen(self, args: list[str], **kwargs: Any) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            args, cwd=ROOT, env=child_env(), text=True, stdout=subprocess.PIPE, **kwargs
        )
        self._procs.append(proc)
        return proc

    def forget(self, proc: subprocess.Popen[str]) -> None:
        with contextlib.suppress(ValueError):
            self._procs.remove(proc)

    def kill_all(self) -> None:
        """Terminate, then kill, every child still running (only our own, by pid)."""
        for proc in self._procs:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 3
        for proc in self._procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(max(0.0, deadline - time.monotonic()))
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self._procs.clear()


@dataclass
class Server:
    """A running lean server."""

    proc: subprocess.Popen[str]
    port: int
    loop: str
    ps: psutil.Process

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu(self) -> float:
        """CPU seconds (user + system) the server has used so far."""
        times = self.ps.cpu_times()
        return times.user + times.system


def start_server(children: Children, total: int = 1_000_000, timeout: float = 15.0) -> Server:
    """Start ``benchmarks.lean_server`` and wait for its ready line."""
    proc = children.popen([PYTHON, "-m", "benchmarks.lean_server", "--total", str(total)])
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline() if ready else ""
    if not line:
        raise RuntimeError("lean server did not start")
    info = json.loads(line)
    return Server(proc, int(info["port"]), str(info["loop"]), psutil.Process(proc.pid))


@dataclass
class Sample:
    """One (contender, workload, round) measurement, or why there is none."""

    n: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    server_cpu: float = 0.0
    server_wall: float = 0.0
    busy_cpu: float = 0.0  # CPU seconds the whole machine was busy in the timed window
    steal: float = 0.0  # CPU seconds the hypervisor gave to other guests
    notes: list[str] | None = None
    unavailable: str | None = None
    error: str | None = None

    @property
    def rps(self) -> float:
        return self.n / self.wall if self.wall else 0.0

    @property
    def cpu_per_1k(self) -> float:
        """Client CPU seconds per 1,000 requests."""
        return self.cpu / self.n * 1000 if self.n else 0.0

    @property
    def foreign_load(self) -> float:
        """Cores' worth of CPU used by processes other than client and server (noise)."""
        if not self.server_wall:
            return 0.0
        other = self.busy_cpu - self.cpu - self.server_cpu + self.steal
        return max(0.0, other / self.server_wall)

    @property
    def server_share(self) -> float:
        """Fraction of one core the server used during the timed window."""
        return self.server_cpu / self.server_wall if self.server_wall else 0.0


def run_worker(
    children: Children,
    server: Server,
    args: list[str],
    timeout: float = CHILD_TIMEOUT,
) -> Sample:
    """Run ``benchmarks.worker`` with ``args``; sample the server's CPU over the timed window."""
    sample = Sample()
    result: dict[str, Any] | None = None
    with tempfile.TemporaryFile("w+") as errfile:
        proc = children.popen([PYTHON, "-m", "benchmarks.worker", *args], stderr=errfile)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            assert proc.stdout is not None
            c0 = w0 = 0.0
            m0 = m1 = psutil.cpu_times()
            for line in proc.stdout:
                if line == "T0\n":
                    c0, m0, w0 = server.cpu(), psutil.cpu_times(), time.perf_counter()
                elif line.startswith("{"):
                    c1, m1, w1 = server.cpu(), psutil.cpu_times(), time.perf_counter()
                    result = json.loads(line)
                    if w0:
                        sample.server_cpu, sample.server_wall = c1 - c0, w1 - w0
                        sample.busy_cpu = _busy(m1) - _busy(m0)
                        sample.steal = getattr(m1, "steal", 0.0) - getattr(m0, "steal", 0.0)
            proc.wait()
        finally:
            killer.cancel()
            children.forget(proc)
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        errfile.seek(0)
        stderr = errfile.read()
    if result is None:
        tail = (stderr or "").strip().splitlines()[-3:]
        sample.error = f"exit {proc.returncode}: {' | '.join(tail) or 'no output'}"
    elif "unavailable" in result:
        sample.unavailable = str(result["unavailable"])
    elif "error" in result:
        sample.error = str(result["error"])
    else:
        sample.n, sample.wall, sample.cpu = int(result["n"]), result["wall"], result["cpu"]
        sample.notes = list(result.get("notes") or [])
    return sample


def _busy(times: Any) -> float:
    """Machine-wide process CPU seconds (user + nice + system).

    Interrupt time is left out: loopback traffic of the benchmark itself is processed there.
    Steal is counted apart.
    """
    return float(times.user + times.nice + times.system)


def run_json_child(children: Children, args: list[str], timeout: float = 300.0) -> Any:
    """Run ``python args...`` and return the JSON object on its last stdout line."""
    proc = children.popen([PYTHON, *args], stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return {"error": f"timed out after {timeout:.0f} s"}
    finally:
        children.forget(proc)
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = " | ".join(err.strip().splitlines()[-3:])
        return {"error": f"exit {proc.returncode}: {tail or 'no output'}"}
    return json.loads(lines[-1])


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git_commit() -> str:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        return out.stdout.strip() or "unknown"
    return "unknown"


def machine_info(command: str, server_loop: str) -> dict[str, Any]:
    """Where and how the figures were taken."""
    dists = ("aiohttp", "msgspec", "urllib3", "httpx", "requests", "pydantic", "codegen-api-client")
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "git_commit": _git_commit(),
        "server_loop": server_loop,
        "versions": {dist: _version(dist) for dist in dists},
    }


@contextlib.contextmanager
def managed_children() -> Iterator[Children]:
    """Yield a :class:`Children` registry; everything in it is killed on exit or Ctrl-C."""
    children = Children()
    try:
        yield children
    finally:
        children.kill_all()
