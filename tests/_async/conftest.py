"""Fixtures for the client tests: an emulator per test and a client bound to it.

Written once for the async client; ``tests/_sync/conftest.py`` is generated from it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from codegen_async import AsyncCodegenClient, CodegenConfig, ConfigPresets
from codegen_async.emulator import Emulator


@pytest.fixture
def emulator(codegen_emulator_factory: Callable[..., Emulator]) -> Emulator:
    """An emulator with time sped up 100x and its rate limits off (tests that need them
    start their own with ``codegen_emulator_factory``)."""
    return codegen_emulator_factory(time_scale=0.01, rate_limits="off")


def config_for(emulator: Emulator, **overrides: Any) -> CodegenConfig:
    """A test config pointing at ``emulator``: fast retries, no client-side limiting."""
    settings: dict[str, Any] = {
        "base_url": emulator.url,
        "api_token": emulator.token,
        "org_id": emulator.org_id,
    }
    settings.update(overrides)
    return ConfigPresets.testing(**settings)


@pytest.fixture
async def client(emulator: Emulator) -> AsyncIterator[AsyncCodegenClient]:
    """A client bound to ``emulator``, closed after the test."""
    async with AsyncCodegenClient(config_for(emulator)) as client:
        yield client
