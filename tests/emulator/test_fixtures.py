"""The shipped pytest fixtures work in sync and async tests."""

from __future__ import annotations

import json
import urllib.request

import aiohttp

from codegen_async.emulator import DEFAULT_ORG_ID, DEFAULT_TOKEN, Emulator


def _get(emu: Emulator, path: str) -> tuple[int, object]:
    req = urllib.request.Request(emu.url + path, headers=emu.headers())
    with urllib.request.urlopen(req) as resp:
        return resp.status, json.loads(resp.read())


def test_fixture_in_a_sync_test(codegen_emulator: Emulator) -> None:
    """The function-scoped fixture serves plain sync code."""
    status, body = _get(codegen_emulator, "/v1/users/me")
    assert (
        status,
        codegen_emulator.token,
        codegen_emulator.org_id,
    ) == (200, DEFAULT_TOKEN, DEFAULT_ORG_ID)
    assert isinstance(body, dict) and body["github_username"] == "emulator-admin"
    assert codegen_emulator.url.startswith("http://127.0.0.1:")
    assert codegen_emulator.config.time_scale == 0.01


async def test_fixture_in_an_async_test(codegen_emulator: Emulator) -> None:
    """The same fixture serves an async test's own loop."""
    async with aiohttp.ClientSession(headers=codegen_emulator.headers()) as session:
        url = f"{codegen_emulator.url}/v1/organizations/{DEFAULT_ORG_ID}/agent/run"
        async with session.post(url, json={"prompt": "hello"}) as resp:
            run = await resp.json()
    assert resp.status == 200
    assert (run["status"], run["source_type"]) == ("ACTIVE", "API")
    assert run["id"] in codegen_emulator.state.runs


def test_factory_starts_several_and_applies_config(codegen_emulator_factory) -> None:  # type: ignore[no-untyped-def]
    """The factory takes EmulatorConfig keywords; each emulator is separate."""
    a = codegen_emulator_factory(org_id=7, tokens={"sk-a": 11})
    b = codegen_emulator_factory(time_scale=0.5)
    assert a.url != b.url
    assert (a.org_id, a.token) == (7, "sk-a")
    status, body = _get(a, "/v1/organizations")
    assert status == 200
    assert isinstance(body, dict) and [o["id"] for o in body["items"]] == [7]


async def test_factory_in_an_async_test(codegen_emulator_factory) -> None:  # type: ignore[no-untyped-def]
    """The factory works inside a running loop too."""
    emu = codegen_emulator_factory(seed_runs=3)
    url = f"{emu.url}/v1/organizations/{emu.org_id}/agent/runs"
    async with aiohttp.ClientSession(headers=emu.headers()) as session, session.get(url) as resp:
        page = await resp.json()
    assert page["total"] == 3
