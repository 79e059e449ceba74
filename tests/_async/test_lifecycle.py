"""Opening, closing and reusing a client."""

from __future__ import annotations

import gc

import pytest

from codegen_async import AsyncCodegenClient
from codegen_async.emulator import Emulator

from .conftest import config_for


async def test_close_twice_is_harmless(emulator: Emulator) -> None:
    """aclose() may be called again, and after the context manager closed the client."""
    async with AsyncCodegenClient(config_for(emulator)) as client:
        await client.get_current_user()
    await client.aclose()
    await client.aclose()


async def test_a_closed_client_reopens_on_use(emulator: Emulator) -> None:
    """After aclose() the next call opens a new pool; the client still works."""
    client = AsyncCodegenClient(config_for(emulator))
    await client.get_current_user()
    await client.aclose()
    assert 1 == (await client.get_current_user()).id
    await client.aclose()


async def test_unclosed_client_warns_once(emulator: Emulator) -> None:
    """A client garbage-collected while open warns one ResourceWarning and frees its pool."""
    client = AsyncCodegenClient(config_for(emulator))
    await client.get_current_user()
    with pytest.warns(ResourceWarning) as record:
        del client
        gc.collect()
    assert 1 == len(record)
    assert "unclosed" in str(record[0].message)


async def test_unused_client_needs_no_close(emulator: Emulator) -> None:
    """A client that never sent a request holds nothing and does not warn."""
    client = AsyncCodegenClient(config_for(emulator))
    del client
    gc.collect()


async def test_repr_shows_no_secret(emulator: Emulator) -> None:
    """The client's repr names the URL and org, never the token."""
    async with AsyncCodegenClient(config_for(emulator)) as client:
        text = repr(client)
    assert emulator.url in text
    assert emulator.token not in text
