"""The first hour with the client: no token, a prompt given as org_id, a time-scaled emulator."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from codegen_async import AsyncCodegenClient, AuthenticationError, CodegenConfig, ValidationError
from codegen_async.emulator import Emulator

from .conftest import config_for


class TestNoToken:
    async def test_fails_before_sending(self, emulator: Emulator) -> None:
        """Without a token a call fails at once, saying how to set one; nothing is sent."""
        async with AsyncCodegenClient(config_for(emulator, api_token=None)) as client:
            with pytest.raises(AuthenticationError) as info:
                await client.get_current_user()
        assert "CODEGEN_API_TOKEN" in str(info.value)
        assert "api_token=" in str(info.value)
        assert 0 == emulator.accounting.total("status_401")
        assert 0 == emulator.accounting.total("requests")


class TestPromptAsOrgId:
    async def test_says_what_was_meant(self, client: AsyncCodegenClient) -> None:
        """create_agent_run("Fix the bug") points at prompt=, not just at the type."""
        with pytest.raises(ValidationError) as info:
            await client.create_agent_run("Fix the bug")  # type: ignore[call-overload]
        assert "org_id must be an integer, got str" in str(info.value)
        assert "prompt=" in str(info.value)


class TestTimeScale:
    async def test_paces_at_the_emulated_limits(
        self, codegen_emulator_factory: Callable[..., Emulator]
    ) -> None:
        """A client with time_scale=0.01 creates 30 runs on an emulator running 100x fast,
        with the documented limits on, and is never answered 429."""
        emulator = codegen_emulator_factory(time_scale=0.01, rate_limits="on")
        config = CodegenConfig(
            base_url=emulator.url,
            api_token=emulator.token,
            org_id=emulator.org_id,
            time_scale=0.01,
            max_retries=0,  # a 429 would fail the test, not be retried away
        )
        async with AsyncCodegenClient(config) as client:
            status = client.get_rate_limit_status()
            assert 10 == status.groups["create_run"].limit
            assert pytest.approx(0.6) == status.groups["create_run"].window
            assert pytest.approx(0.3) == status.groups["standard"].window
            for number in range(30):
                await client.create_agent_run(prompt=f"run {number}")
        assert 30 == emulator.accounting.total("runs_created")
        assert 0 == emulator.accounting.total("status_429")
