"""Fault injection: seeded, reproducible, and honest in the accounting about what was done."""

from __future__ import annotations

import json
import time

import aiohttp
import pytest

from codegen_async.emulator import Emulator, EmulatorConfig, FaultConfig, parse_faults

from .helpers import org_path


def _emu(faults: FaultConfig, **kw: object) -> Emulator:
    return Emulator(EmulatorConfig(rate_limits="off", faults=faults, **kw))  # type: ignore[arg-type]


async def _create(session: aiohttp.ClientSession, emu: Emulator) -> tuple[int, bytes]:
    async with session.post(
        emu.url + org_path(emu, "/agent/run"), json={"prompt": "x"}, headers=emu.headers()
    ) as resp:
        return resp.status, await resp.read()


async def test_drop_before_processing() -> None:
    """The client sees a disconnect; no run exists; accounting says not created."""
    async with _emu(FaultConfig(drop_before_rate=1.0)) as emu:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientConnectionError):
                await _create(session, emu)
        assert emu.state.runs == {}
        [record] = emu.accounting.creates
    assert (record.fault, record.created, record.run_id, record.status) == (
        "drop_before",
        False,
        None,
        None,
    )


async def test_drop_after_processing() -> None:
    """The client sees a disconnect, but the run was created, and accounting says which."""
    async with _emu(FaultConfig(drop_after_rate=1.0)) as emu:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientConnectionError):
                await _create(session, emu)
        [record] = emu.accounting.creates
        assert list(emu.state.runs) == [record.run_id]
    assert (record.fault, record.created, record.status) == ("drop_after", True, None)


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors(status: int) -> None:
    """5xx answers (plain text, like a proxy) and nothing is created."""
    async with _emu(FaultConfig(error_rate=1.0, error_statuses=(status,))) as emu:
        async with aiohttp.ClientSession() as session:
            got, body = await _create(session, emu)
        assert (got, emu.state.runs) == (status, {})
        assert emu.accounting.creates[0].created is False
    with pytest.raises(ValueError):
        json.loads(body)


async def test_malformed_body() -> None:
    """200 with a body that is not valid JSON; the run was created."""
    async with _emu(FaultConfig(malformed_rate=1.0)) as emu:
        async with aiohttp.ClientSession() as session:
            for _ in range(4):
                status, body = await _create(session, emu)
                assert status == 200
                with pytest.raises(ValueError):
                    json.loads(body)
        assert len(emu.state.runs) == 4
        assert all(r.created and r.fault == "malformed" for r in emu.accounting.creates)


async def test_slow_body() -> None:
    """The body trickles out over slow_body_delay, complete and valid."""
    faults = FaultConfig(slow_body_rate=1.0, slow_body_delay=0.3)
    async with _emu(faults) as emu, aiohttp.ClientSession() as session:
        started = time.monotonic()
        status, body = await _create(session, emu)
        elapsed = time.monotonic() - started
    assert status == 200 and json.loads(body)["status"] == "ACTIVE"
    assert elapsed >= 0.25


async def test_latency_and_spikes() -> None:
    """Added latency delays every answer; spikes are counted."""
    async with _emu(FaultConfig(latency=0.05, spike_rate=1.0, spike_latency=0.05)) as emu:
        async with aiohttp.ClientSession() as session:
            started = time.monotonic()
            status, _ = await _create(session, emu)
            elapsed = time.monotonic() - started
        counters = emu.accounting.snapshot()["endpoints"]["create_agent_run"]
    assert status == 200 and elapsed >= 0.1
    assert counters["fault_latency_spike"] == 1


async def test_429_burst() -> None:
    """A burst answers burst_429_length consecutive 429s with the documented body."""
    faults = FaultConfig(burst_429_rate=0.5, burst_429_length=3)
    async with _emu(faults, seed=3) as emu, aiohttp.ClientSession() as session:
        statuses = [(await _create(session, emu))[0] for _ in range(20)]
    text = "".join("x" if s == 429 else "." for s in statuses)
    assert "xxx" in text
    # Bursts may follow one another; the last one may be cut short by the end of the loop.
    assert all(len(run) % 3 == 0 for run in text.rstrip("x").split(".") if run)


def _kinds(seed: int) -> list[str | None]:
    faults = FaultConfig(error_rate=0.2, malformed_rate=0.2, drop_after_rate=0.1)
    injector = _emu(faults, seed=seed)._ctx.faults
    assert injector is not None
    return [injector.decide("create_agent_run", "t").kind for _ in range(200)]


def test_faults_are_seeded() -> None:
    """The same seed draws the same faults, in the configured proportions."""
    first = _kinds(5)
    assert first == _kinds(5)
    assert first != _kinds(6)
    assert 20 < first.count("error") < 60
    assert first.count(None) > 60


async def test_endpoint_filter() -> None:
    """Faults apply only to the listed operations."""
    faults = FaultConfig(error_rate=1.0, endpoints=frozenset({"create_agent_run"}))
    async with _emu(faults) as emu, aiohttp.ClientSession(headers=emu.headers()) as session:
        async with session.get(emu.url + "/v1/users/me") as resp:
            assert resp.status == 200
        assert (await _create(session, emu))[0] >= 500


def test_parse_faults() -> None:
    """The --faults syntax maps onto FaultConfig."""
    parsed = parse_faults("latency=0.01, error_rate=0.1,endpoints=create_agent_run|get_agent_run")
    assert parsed == FaultConfig(
        latency=0.01, error_rate=0.1, endpoints=frozenset({"create_agent_run", "get_agent_run"})
    )
    with pytest.raises(ValueError):
        parse_faults("nonsense=1")
    with pytest.raises(ValueError):
        FaultConfig(error_rate=0.7, drop_after_rate=0.7)
