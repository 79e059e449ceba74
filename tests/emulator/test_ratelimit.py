"""Rate limits: documented counts per token and group, sliding windows, scale, time scale."""

from __future__ import annotations

import asyncio

import pytest

from codegen_async.emulator import LIMITS, Emulator, EmulatorConfig

from .helpers import call, org_path


async def _burst(emu: Emulator, n: int, method: str, path: str, **kw: object) -> list[int]:
    statuses = []
    for _ in range(n):
        status, _, _ = await call(emu, method, path, **kw)  # type: ignore[arg-type]
        statuses.append(status)
    return statuses


def test_documented_limits() -> None:
    """The groups carry the counts and windows the API documents."""
    assert dict(LIMITS) == {
        "standard": (60, 30.0),
        "create_run": (10, 60.0),
        "setup_commands": (5, 60.0),
        "analyze_logs": (5, 60.0),
        "pr_edit": (30, 60.0),
        "cli_rules": (30, 60.0),
        "logs": (60, 60.0),
    }


@pytest.mark.parametrize(
    ("method", "tail", "body", "allowed"),
    [
        ("POST", "/agent/run", {"prompt": "x"}, 10),
        ("GET", "/agent/runs", None, 60),
        ("POST", "/setup-commands/generate", {"repo_id": 101}, 5),
        ("POST", "/sandbox/1/analyze-logs", None, 5),
        ("GET", "/cli/rules", None, 30),
    ],
)
async def test_limit_per_group(method: str, tail: str, body: object, allowed: int) -> None:
    """Exactly the documented count passes, then 429."""
    async with Emulator(EmulatorConfig()) as emu:
        statuses = await _burst(emu, allowed + 2, method, org_path(emu, tail), json_body=body)
    assert statuses == [200] * allowed + [429, 429]


async def test_groups_and_tokens_are_separate() -> None:
    """Using up one group leaves others, and other tokens, untouched."""
    async with Emulator(EmulatorConfig(tokens={"sk-a": 1, "sk-b": 1})) as emu:
        create = org_path(emu, "/agent/run")
        assert (await _burst(emu, 11, "POST", create, json_body={"prompt": "x"}, token="sk-a"))[
            -1
        ] == 429
        status, _, _ = await call(emu, "GET", org_path(emu, "/agent/runs"), token="sk-a")
        assert status == 200
        status, _, _ = await call(emu, "POST", create, json_body={"prompt": "x"}, token="sk-b")
        assert status == 200


async def test_window_slides_in_scaled_time() -> None:
    """time_scale 0.01 turns the per-minute window into 0.6 wall seconds."""
    async with Emulator(EmulatorConfig(time_scale=0.01)) as emu:
        create = org_path(emu, "/agent/run")
        first = await _burst(emu, 11, "POST", create, json_body={"prompt": "x"})
        await asyncio.sleep(0.65)
        later = await _burst(emu, 10, "POST", create, json_body={"prompt": "x"})
    assert first[-1] == 429
    assert later == [200] * 10


async def test_window_slides_with_the_emulated_clock() -> None:
    """At time scale 1, advancing the clock past the window frees it (no sleeping)."""
    async with Emulator(EmulatorConfig()) as emu:
        create = org_path(emu, "/agent/run")
        assert (await _burst(emu, 11, "POST", create, json_body={"prompt": "x"}))[-1] == 429
        emu.clock.advance(59)
        assert (await _burst(emu, 1, "POST", create, json_body={"prompt": "x"})) == [429]
        emu.clock.advance(1.1)
        assert (await _burst(emu, 1, "POST", create, json_body={"prompt": "x"})) == [200]


@pytest.mark.parametrize(("setting", "allowed"), [(2.0, 20), (0.5, 5)])
async def test_scaled_limits(setting: float, allowed: int) -> None:
    """A float scales the documented counts."""
    async with Emulator(EmulatorConfig(rate_limits=setting)) as emu:
        statuses = await _burst(
            emu, allowed + 1, "POST", org_path(emu, "/agent/run"), json_body={"prompt": "x"}
        )
    assert statuses == [200] * allowed + [429]


async def test_limits_off() -> None:
    """rate_limits='off' never answers 429."""
    async with Emulator(EmulatorConfig(rate_limits="off")) as emu:
        statuses = await _burst(
            emu, 30, "POST", org_path(emu, "/agent/run"), json_body={"prompt": "x"}
        )
    assert set(statuses) == {200}


@pytest.mark.parametrize(("time_scale", "expected"), [(1.0, 60), (0.01, 1)])
async def test_retry_after_header(time_scale: float, expected: int) -> None:
    """With retry_after, 429s carry Retry-After in whole wall seconds (at least 1)."""
    cfg = EmulatorConfig(retry_after=True, time_scale=time_scale)
    async with Emulator(cfg) as emu:
        for _ in range(11):
            status, _, headers = await call(
                emu, "POST", org_path(emu, "/agent/run"), json_body={"prompt": "x"}
            )
    assert status == 429
    assert headers["Retry-After"] == str(expected)
