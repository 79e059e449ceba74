"""Redirects: followed for GET only, and the token never goes to another host."""

from __future__ import annotations

import pytest

from codegen_async import AsyncCodegenClient, CodegenAPIError, ConfigPresets
from tests.rawserver import raw_server

USER = b'{"id": 5, "github_user_id": "1", "github_username": "elsewhere"}'
OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
    len(USER),
    USER,
)


def redirect_to(location: str) -> bytes:
    return f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n".encode()


def config(url: str):  # type: ignore[no-untyped-def]
    return ConfigPresets.testing(base_url=url, api_token="sk-secret-1", org_id=1, max_retries=0)


async def test_cross_origin_redirect_drops_the_token() -> None:
    """A GET redirected to another host arrives there without Authorization."""
    seen: list[bytes] = []
    with raw_server(OK, received=seen) as other:
        # "localhost" and "127.0.0.1" are different origins to the client.
        target = other.replace("127.0.0.1", "localhost") + "/v1/users/me"
        with raw_server(redirect_to(target)) as first:
            async with AsyncCodegenClient(config(first)) as client:
                user = await client.get_current_user()
    assert "elsewhere" == user.github_username
    assert seen and all(b"sk-secret-1" not in request for request in seen)
    assert all(b"authorization" not in request.lower() for request in seen)


async def test_cross_origin_redirect_drops_the_default_headers() -> None:
    """Default headers go where the token goes: not to another origin."""
    seen: list[bytes] = []
    with raw_server(OK, received=seen) as other:
        target = other.replace("127.0.0.1", "localhost") + "/v1/users/me"
        with raw_server(redirect_to(target), received=seen) as first:
            settings = config(first).replace(default_headers={"X-Api-Key": "team-key"})
            async with AsyncCodegenClient(settings) as client:
                await client.get_current_user()
    first_request, hop = seen
    assert b"X-Api-Key: team-key" in first_request
    assert b"team-key" not in hop


async def test_same_origin_redirect_keeps_the_token() -> None:
    """A redirect within the same origin keeps authenticating."""
    seen: list[bytes] = []
    with raw_server(OK, received=seen) as only:
        async with AsyncCodegenClient(config(only)) as client:
            await client.get_current_user()
    assert b"Bearer sk-secret-1" in seen[0]


async def test_post_redirects_are_not_followed() -> None:
    """A create answered with a redirect is an error, never resent elsewhere."""
    with raw_server(redirect_to("http://localhost:9/x")) as first:
        async with AsyncCodegenClient(config(first)) as client:
            with pytest.raises(CodegenAPIError) as info:
                await client.create_agent_run(prompt="x")
    assert 302 == info.value.status_code
