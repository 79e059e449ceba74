"""The async client across event loops (asyncio-specific, so not generated)."""

from __future__ import annotations

import asyncio

import pytest

from codegen_async import AsyncCodegenClient, CodegenError, ConfigPresets
from codegen_async.emulator import Emulator, serve_in_thread


@pytest.fixture
def emulator() -> object:
    with serve_in_thread(time_scale=0.01, rate_limits="off") as emu:
        yield emu


def make(emulator: Emulator) -> AsyncCodegenClient:
    return AsyncCodegenClient(
        ConfigPresets.testing(base_url=emulator.url, api_token=emulator.token, org_id=323)
    )


def test_reuse_across_asyncio_run_with_context_manager(emulator: Emulator) -> None:
    """One client serves two asyncio.run() calls when each closes it (async with)."""
    client = make(emulator)

    async def once() -> int:
        async with client:
            return (await client.get_current_user()).id

    assert [1, 1] == [asyncio.run(once()), asyncio.run(once())]


def test_reuse_in_another_loop_while_open_is_a_clear_error(emulator: Emulator) -> None:
    """Still open from a finished loop: a CodegenError says what to do."""
    client = make(emulator)

    async def use() -> None:
        await client.get_current_user()

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(use())
        with pytest.raises(CodegenError, match="another event loop"):
            asyncio.run(use())
    finally:
        loop.run_until_complete(client.aclose())
        loop.close()
