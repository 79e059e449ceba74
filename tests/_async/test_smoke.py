"""Smoke test: the client talks to the emulator."""

from codegen_async import AsyncCodegenClient


async def test_client_constructs() -> None:
    """A client can be built and closed without a network call."""
    async with AsyncCodegenClient(api_token="sk-x", org_id=1) as client:
        assert client.config.org_id == 1
