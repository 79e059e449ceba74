"""Fixtures of the CLI tests: an emulator accepting the test token, and the environment."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from codegen_async.emulator import Emulator
from tests.cli._support import TOKEN


@pytest.fixture
def emu(codegen_emulator_factory: Callable[..., Emulator]) -> Emulator:
    """An emulator with limits off, accepting TOKEN."""
    return codegen_emulator_factory(time_scale=0.01, rate_limits="off", tokens={TOKEN: 1})


@pytest.fixture
def env(emu: Emulator) -> dict[str, str]:
    """The environment pointing the CLI at ``emu``."""
    return {
        "CODEGEN_API_TOKEN": TOKEN,
        "CODEGEN_BASE_URL": emu.url,
        "CODEGEN_ORG_ID": str(emu.org_id),
    }
