"""Resources: the leak guard works, and clients give back every socket and thread.

Not generated: each test drives both clients (sync and async) itself.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator
from typing import TypeVar

import pytest

import codegen_async
import codegen_sync
from codegen_async import CodegenError, ConfigPresets
from codegen_async.emulator import Emulator, FaultConfig, serve_in_thread
from tests.conftest import _fds, _leaks, _threads
from tests.rawserver import raw_server

T = TypeVar("T")


def _config(emulator: Emulator, **overrides: object) -> codegen_async.CodegenConfig:
    return ConfigPresets.testing(
        base_url=emulator.url, api_token=emulator.token, org_id=emulator.org_id, **overrides
    )


def _sockets() -> int:
    return sum(1 for target in _fds().values() if target.startswith("socket:"))


def _sockets_back_to(before: int, within: float = 5.0) -> int:
    """The socket count once it is back to ``before``, or after ``within`` seconds.

    The servers here run in this process: the server's end of a connection the client
    closed goes away when its thread notices, a moment later on a loaded machine. A
    socket the client kept open never goes away, so a leak still shows.
    """
    deadline = time.monotonic() + within
    count = _sockets()
    while count > before and time.monotonic() < deadline:
        time.sleep(0.02)
        count = _sockets()
    return count


class TestLeakGuard:
    def test_it_sees_a_leaked_socket_and_thread(self) -> None:
        """The guard's comparison reports a socket and a thread opened after the snapshot."""
        fds, threads = _fds(), _threads()
        stop = threading.Event()
        thread = threading.Thread(target=stop.wait, name="leaky-thread")
        with socket.socket() as sock:
            thread.start()
            leaked_fds, leaked_threads = _leaks(fds, threads)
            assert any(f"{sock.fileno()} -> socket:" in entry for entry in leaked_fds)
            assert ["leaky-thread"] == leaked_threads
            stop.set()
            thread.join()
        assert ([], []) == _leaks(fds, threads)


class TestClientsGiveEverythingBack:
    def test_many_clients_opened_and_closed_leave_no_socket(self) -> None:
        """50 sync and 50 async clients, each used then closed: the socket count is back."""
        with serve_in_thread(time_scale=0.01, rate_limits="off") as emulator:
            before = _sockets()
            for _ in range(50):
                with codegen_sync.CodegenClient(_config(emulator)) as client:
                    client.get_current_user()

            async def use_async() -> None:
                for _ in range(50):
                    async with codegen_async.AsyncCodegenClient(_config(emulator)) as client:
                        await client.get_current_user()

            asyncio.run(use_async())
            assert before == _sockets_back_to(before)

    def test_failing_requests_leave_no_socket(self) -> None:
        """200 calls answered by faults (5xx, drops, garbage) hold no socket after close."""
        faults = FaultConfig(error_rate=0.4, drop_before_rate=0.3, malformed_rate=0.3)
        with serve_in_thread(time_scale=0.01, rate_limits="off", faults=faults) as emulator:
            before = _sockets()
            failures = 0
            with codegen_sync.CodegenClient(_config(emulator, max_retries=0)) as client:
                for _ in range(100):
                    try:
                        client.get_agent_runs()
                    except CodegenError:
                        failures += 1

            async def use_async() -> int:
                failed = 0
                config = _config(emulator, max_retries=0)
                async with codegen_async.AsyncCodegenClient(config) as client:
                    for _ in range(100):
                        try:
                            await client.get_agent_runs()
                        except CodegenError:
                            failed += 1
                return failed

            failures += asyncio.run(use_async())
            assert 200 == failures
            assert before == _sockets_back_to(before)

    def test_an_abandoned_stream_holds_nothing_after_close(self) -> None:
        """Breaking out of stream_agent_runs, then closing, frees the connection."""
        with serve_in_thread(time_scale=0.01, rate_limits="off", seed_runs=250) as emulator:
            before = _sockets()
            with codegen_sync.CodegenClient(_config(emulator)) as client:
                for index, _ in enumerate(client.stream_agent_runs(per_page=10)):
                    if index == 25:
                        break

            async def use_async() -> None:
                async with codegen_async.AsyncCodegenClient(_config(emulator)) as client:
                    stream = client.stream_agent_runs(per_page=10)
                    async for index, _ in _enumerate(stream):
                        if index == 25:
                            break
                    assert isinstance(stream, AsyncGenerator)
                    await stream.aclose()

            asyncio.run(use_async())
            assert before == _sockets_back_to(before)

    def test_closing_the_sync_client_closes_pools_still_referenced(self) -> None:
        """urllib3 2's PoolManager.clear() only forgets its pools; a pool something still
        holds (an exception's traceback, say) must be closed by close(), not by the GC."""
        with serve_in_thread(time_scale=0.01, rate_limits="off") as emulator:
            client = codegen_sync.CodegenClient(_config(emulator))
            client.get_current_user()
            held = list(client._transport._http._pools.values())
            client.close()
        assert held
        assert all(pool.pool is None for pool in held)  # closed, its sockets with it

    def test_a_timed_out_request_frees_its_socket(self) -> None:
        """A request that times out (server hangs) leaves no socket once the client closes."""
        before = _sockets()  # the server lives in this process: count outside its block
        with raw_server(None, hang=1.0) as url:
            config = ConfigPresets.testing(base_url=url, api_token="sk-t", timeout=0.1)
            config = config.replace(max_retries=0)
            with (
                codegen_sync.CodegenClient(config) as client,
                pytest.raises(codegen_async.APITimeoutError),
            ):
                client.get_current_user()

            async def use_async() -> None:
                async with codegen_async.AsyncCodegenClient(config) as aclient:
                    with pytest.raises(codegen_async.APITimeoutError):
                        await aclient.get_current_user()

            asyncio.run(use_async())
        assert before == _sockets_back_to(before)


async def _enumerate(stream: AsyncIterator[T]) -> AsyncIterator[tuple[int, T]]:
    index = 0
    async for item in stream:
        yield index, item
        index += 1
