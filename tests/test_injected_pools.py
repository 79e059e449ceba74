"""A pool of the caller's own: ``http_session=`` (aiohttp) and ``pool_manager=`` (urllib3).

The two seams differ here, so each client has its own tests.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
import pytest
import trustme
import urllib3

import codegen_sync
from codegen_async import AsyncCodegenClient, CodegenError, ConfigurationError
from codegen_async.emulator import Emulator, serve_in_thread
from tests.proxyserver import ForwardProxy, forward_proxy
from tests.rawserver import HostileServer, Step, answer

USER = b'{"id": 7, "github_username": "octocat"}'
OURS = "sk-our-token"
THEIRS = "Bearer their-token"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy variable of the machine running the tests applies."""
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)


@pytest.fixture
def api() -> Iterator[HostileServer]:
    """An API answering every request with a user, recording what it received."""
    with HostileServer(lambda _r: [answer(200, USER)]) as server:
        yield server


def _header(request: bytes, name: str) -> list[str]:
    """The values of header ``name`` in a raw request."""
    lines = request.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
    return [v.strip() for n, _, v in (line.partition(":") for line in lines) if n.lower() == name]


@contextmanager
def _redirecting_to(target: HostileServer) -> Iterator[HostileServer]:
    """An API redirecting every request to ``target`` on another origin (localhost)."""

    def redirect(_request: bytes) -> Iterable[Step]:
        yield answer(302, headers={"Location": f"http://localhost:{target.port}/v1/users/me"})

    with HostileServer(redirect) as server:
        yield server


class TestAiohttpSession:
    def test_used_with_our_headers_and_left_open(self, api: HostileServer) -> None:
        """The session carries the requests, with our token and User-Agent over its own
        defaults; closing the client leaves it open and usable."""
        sent: list[str] = []

        async def on_start(_s: Any, _ctx: Any, params: aiohttp.TraceRequestStartParams) -> None:
            sent.append(str(params.url))

        async def run() -> None:
            trace = aiohttp.TraceConfig()
            trace.on_request_start.append(on_start)
            async with aiohttp.ClientSession(
                headers={"Authorization": THEIRS, "User-Agent": "theirs/1", "X-Theirs": "1"},
                trace_configs=[trace],
            ) as session:
                async with AsyncCodegenClient(
                    base_url=api.url, api_token=OURS, http_session=session
                ) as client:
                    assert 7 == (await client.get_current_user()).id
                assert not session.closed
                async with session.get(api.url + "/again") as resp:
                    assert 200 == resp.status

        asyncio.run(run())
        assert [api.url + "/v1/users/me", api.url + "/again"] == sent
        first = api.requests[0]
        assert [f"Bearer {OURS}"] == _header(first, "authorization")
        assert _header(first, "user-agent")[0].startswith("codegen-client/")
        assert ["1"] == _header(first, "x-theirs")  # their other defaults still apply

    def test_a_redirect_hop_never_sends_authorization(self) -> None:
        """A hop to another origin carries no Authorization, not even the session's own."""

        async def run(api: HostileServer) -> None:
            async with (
                aiohttp.ClientSession(headers={"Authorization": THEIRS}) as session,
                AsyncCodegenClient(
                    base_url=api.url, api_token=OURS, http_session=session
                ) as client,
            ):
                assert 7 == (await client.get_current_user()).id

        with (
            HostileServer(lambda _r: [answer(200, USER)]) as target,
            _redirecting_to(target) as api,
        ):
            asyncio.run(run(api))
        assert 1 == len(target.requests)
        assert [] == _header(target.requests[0], "authorization")

    def test_network_settings_are_the_sessions(self) -> None:
        """proxy, ca_bundle, verify_ssl=False... with a session: a ConfigurationError."""

        async def run() -> None:
            async with aiohttp.ClientSession() as session:
                for settings in ({"proxy": "http://proxy:3128"}, {"verify_ssl": False}):
                    with pytest.raises(ConfigurationError, match="session"):
                        AsyncCodegenClient(api_token=OURS, http_session=session, **settings)

        asyncio.run(run())

    def test_a_closed_session_is_refused(self, api: HostileServer) -> None:
        """A session closed by its owner: a CodegenError saying so."""

        async def run() -> None:
            session = aiohttp.ClientSession()
            await session.close()
            async with AsyncCodegenClient(
                base_url=api.url, api_token=OURS, http_session=session
            ) as client:
                with pytest.raises(CodegenError, match="closed"):
                    await client.get_current_user()

        asyncio.run(run())


class TestUrllib3PoolManager:
    def test_used_with_our_headers_and_left_open(self, api: HostileServer) -> None:
        """The manager's pool carries the requests, with our headers over its defaults;
        closing the client leaves the manager and its pool open."""
        manager = urllib3.PoolManager(headers={"Authorization": THEIRS})
        try:
            with codegen_sync.CodegenClient(
                base_url=api.url, api_token=OURS, pool_manager=manager
            ) as client:
                assert 7 == client.get_current_user().id
            assert 1 == len(manager.pools)
            pool = manager.connection_from_url(api.url)
            assert pool.pool is not None  # not closed
            assert 200 == manager.request("GET", api.url + "/again").status
        finally:
            manager.clear()
        assert [f"Bearer {OURS}"] == _header(api.requests[0], "authorization")
        assert _header(api.requests[0], "user-agent")[0].startswith("codegen-client/")

    def test_a_pool_the_manager_closed_is_replaced(self, api: HostileServer) -> None:
        """The owner clearing its manager between calls: the next call takes a new pool."""
        manager = urllib3.PoolManager()
        try:
            with codegen_sync.CodegenClient(
                base_url=api.url, api_token=OURS, pool_manager=manager
            ) as client:
                assert 7 == client.get_current_user().id
                manager.clear()
                assert 7 == client.get_current_user().id
        finally:
            manager.clear()

    def test_a_redirect_hop_never_sends_authorization(self) -> None:
        """A hop to another origin carries no Authorization."""
        manager = urllib3.PoolManager(headers={"Authorization": THEIRS})
        try:
            with (
                HostileServer(lambda _r: [answer(200, USER)]) as target,
                _redirecting_to(target) as api,
                codegen_sync.CodegenClient(
                    base_url=api.url, api_token=OURS, pool_manager=manager
                ) as client,
            ):
                assert 7 == client.get_current_user().id
        finally:
            manager.clear()
        assert 1 == len(target.requests)
        assert [] == _header(target.requests[0], "authorization")

    def test_network_settings_are_the_managers(self) -> None:
        """proxy, verify_ssl=False... with a manager: a ConfigurationError."""
        manager = urllib3.PoolManager()
        for settings in ({"proxy": "http://proxy:3128"}, {"verify_ssl": False}):
            with pytest.raises(ConfigurationError, match="pool manager"):
                codegen_sync.CodegenClient(api_token=OURS, pool_manager=manager, **settings)


@pytest.fixture(scope="module")
def proxy() -> Iterator[ForwardProxy]:
    """An open forwarding proxy."""
    with forward_proxy() as running:
        yield running


class TestUrllib3ProxyManager:
    def test_plain_http_through_a_given_proxy_manager(
        self, api: HostileServer, proxy: ForwardProxy
    ) -> None:
        """A ProxyManager of the caller's forwards http:// requests through its proxy."""
        manager = urllib3.ProxyManager(proxy.url)
        try:
            with codegen_sync.CodegenClient(
                base_url=api.url, api_token=OURS, pool_manager=manager
            ) as client:
                assert 7 == client.get_current_user().id
        finally:
            manager.clear()
        assert proxy.wait_for(f"GET 127.0.0.1:{api.port}/v1/users/me")

    def test_https_through_a_given_proxy_manager(self, proxy: ForwardProxy, tmp_path: Any) -> None:
        """A ProxyManager with its own CA settings tunnels to an https:// API."""
        ca = trustme.CA()
        ca_file = tmp_path / "ca.pem"
        ca.cert_pem.write_to_path(str(ca_file))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ca.issue_cert("127.0.0.1").configure_cert(context)
        emulator: Emulator
        with serve_in_thread(time_scale=0.01, rate_limits="off", ssl_context=context) as emulator:
            manager = urllib3.ProxyManager(proxy.url, ca_certs=str(ca_file))
            try:
                with codegen_sync.CodegenClient(
                    base_url=emulator.url, api_token=emulator.token, pool_manager=manager
                ) as client:
                    assert 0 < client.get_current_user().id
            finally:
                manager.clear()
        assert proxy.wait_for(f"CONNECT 127.0.0.1:{emulator.port}")
