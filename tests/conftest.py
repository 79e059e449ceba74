"""Suite-wide guard: no test may leak file descriptors (sockets) or threads.

The autouse ``no_leaks`` fixture snapshots ``/proc/self/fd`` and the live threads
before each test and compares after it. It is set up before the test's function-scoped
fixtures (autouse fixtures come first), so it is torn down after them: the emulators
they started are stopped and their threads joined by then. Resources that close
asynchronously (a socket freed by the garbage collector, a thread finishing its last
step) get a short grace period before a leak is reported.

``@pytest.mark.allow_leaks`` exempts a test that leaks on purpose.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from collections.abc import Iterator

import pytest

_FD_DIR = "/proc/self/fd"
_GRACE_SECONDS = 2.0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allow_leaks: the test may leave fds or threads behind")


def _fds() -> dict[int, str]:
    """Open descriptors and what they point at (``socket:[123]``, a path, ...)."""
    out: dict[int, str] = {}
    for name in os.listdir(_FD_DIR):
        try:
            out[int(name)] = os.readlink(f"{_FD_DIR}/{name}")
        except OSError:  # closed between listdir and readlink (the listdir fd itself)
            continue
    return out


def _threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.is_alive()}


def _leaks(
    fds_before: dict[int, str], threads_before: set[threading.Thread]
) -> tuple[list[str], list[str]]:
    fds = [
        f"{fd} -> {target}"
        for fd, target in sorted(_fds().items())
        if fds_before.get(fd) != target
        # Descriptors that only read the fd table or the terminal are not resources.
        and not target.startswith(("/proc/", "/dev/pts", "/dev/null"))
        and fd > 2
    ]
    threads = [t.name for t in _threads() - threads_before]
    return fds, threads


@pytest.fixture(autouse=True)
def no_leaks(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test if it leaves a socket, file or thread open behind it."""
    if not os.path.isdir(_FD_DIR) or request.node.get_closest_marker("allow_leaks"):
        yield
        return
    fds_before, threads_before = _fds(), _threads()
    yield
    fds, threads = _leaks(fds_before, threads_before)
    deadline = time.monotonic() + _GRACE_SECONDS
    while (fds or threads) and time.monotonic() < deadline:
        gc.collect()  # a socket object dropped without close() closes when collected
        time.sleep(0.02)
        fds, threads = _leaks(fds_before, threads_before)
    if fds or threads:
        pytest.fail(f"leaked after the test: fds {fds}, threads {threads}", pytrace=False)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Report how many cases the property-based tests ran."""
    fuzzing = sys.modules.get("tests.fuzzing")
    if fuzzing is not None and fuzzing.COUNTS:
        terminalreporter.section("fuzz cases run")
        for name, n in sorted(fuzzing.COUNTS.items()):
            terminalreporter.write_line(f"{n:>8}  {name}")
