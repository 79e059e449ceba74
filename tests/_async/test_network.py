"""Proxies and TLS: a real forwarding proxy (proxy.py), emulators with their own CA (trustme)."""

from __future__ import annotations

import base64
import logging
import os
import socket
import ssl
import time
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from codegen_async import (
    APIConnectionError,
    APITimeoutError,
    AsyncCodegenClient,
    CodegenConfig,
    CodegenError,
    CodegenSecurityWarning,
    ConfigurationError,
)
from codegen_async.emulator import Emulator, serve_in_thread
from tests.proxyserver import ForwardProxy, forward_proxy
from tests.rawserver import HostileServer, Step, answer, endless

from .conftest import config_for

PASSWORD = "pr0xy-s3cret-Zq"  # a test secret that must never show
WRONG = "wr0ng-pw-Xk"
USER = b'{"id": 7, "github_username": "octocat"}'


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy or CA variable of the machine running the tests applies."""
    for name in list(os.environ):
        if name.lower().endswith("_proxy") or name in (
            "SSL_CERT_FILE",
            "SSL_CERT_DIR",
            "CODEGEN_CA_BUNDLE",
        ):
            monkeypatch.delenv(name)


@pytest.fixture(scope="module")
def proxy() -> Iterator[ForwardProxy]:
    """An open forwarding proxy."""
    with forward_proxy() as running:
        yield running


@pytest.fixture(scope="module")
def auth_proxy() -> Iterator[ForwardProxy]:
    """A forwarding proxy demanding ``user:PASSWORD``."""
    with forward_proxy(auth=f"user:{PASSWORD}") as running:
        yield running


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    """A private certificate authority no trust store knows."""
    return trustme.CA()


class Files:
    """PEM files of the private CA and of a client certificate it issued."""

    def __init__(self, ca: trustme.CA, folder: Path) -> None:
        self.ca = folder / "ca.pem"
        ca.cert_pem.write_to_path(str(self.ca))
        client = ca.issue_cert("client@example.com")
        self.client_both = folder / "client.pem"  # certificate and key in one file
        client.private_key_and_cert_chain_pem.write_to_path(str(self.client_both))
        self.client_cert = folder / "client-cert.pem"
        client.cert_chain_pems[0].write_to_path(str(self.client_cert))
        self.client_key = folder / "client-key.pem"
        client.private_key_pem.write_to_path(str(self.client_key))
        self.other_ca = folder / "other-ca.pem"
        trustme.CA().cert_pem.write_to_path(str(self.other_ca))
        self.not_pem = folder / "not.pem"
        self.not_pem.write_text("not a certificate\n")


@pytest.fixture(scope="module")
def files(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Files:
    return Files(ca, tmp_path_factory.mktemp("pem"))


def _server_context(ca: trustme.CA, *, client_certs: bool = False) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    if client_certs:
        context.verify_mode = ssl.CERT_REQUIRED
        ca.configure_trust(context)
    return context


@pytest.fixture
def tls_emulator(ca: trustme.CA) -> Iterator[Emulator]:
    """An emulator serving HTTPS with a certificate of the private CA."""
    with serve_in_thread(
        time_scale=0.01, rate_limits="off", ssl_context=_server_context(ca)
    ) as emu:
        yield emu


@pytest.fixture
def mtls_emulator(ca: trustme.CA) -> Iterator[Emulator]:
    """An HTTPS emulator that requires a client certificate issued by the private CA."""
    with serve_in_thread(
        time_scale=0.01, rate_limits="off", ssl_context=_server_context(ca, client_certs=True)
    ) as emu:
        yield emu


def _dead_port() -> int:
    """A port of 127.0.0.1 nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _texts(exc: BaseException) -> str:
    """Everything an exception chain shows: str and repr of each link and its args."""
    parts: list[str] = []
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        parts += [str(node), repr(node), repr(node.args), repr(vars(node))]
        stack += [node.__cause__, node.__context__]
    return "\n".join(parts)


def _assert_hidden(text: str, password: str) -> None:
    token = base64.b64encode(f"user:{password}".encode()).decode()
    assert password not in text
    assert token not in text


async def _user_id(config: CodegenConfig) -> int:
    async with AsyncCodegenClient(config) as client:
        return (await client.get_current_user()).id


# -- proxies ----------------------------------------------------------------------------------


class TestProxy:
    async def test_plain_http_is_forwarded(self, emulator: Emulator, proxy: ForwardProxy) -> None:
        """With proxy=..., a request to an http:// API goes through the proxy."""
        assert 0 < await _user_id(config_for(emulator, proxy=proxy.url))
        assert proxy.wait_for(f"GET 127.0.0.1:{emulator.port}/v1/users/me")

    async def test_https_is_tunnelled(
        self, tls_emulator: Emulator, proxy: ForwardProxy, files: Files
    ) -> None:
        """An https:// API is reached through a CONNECT tunnel, its certificate verified."""
        config = config_for(tls_emulator, proxy=proxy.url, ca_bundle=files.ca)
        assert 0 < await _user_id(config)
        assert proxy.wait_for(f"CONNECT 127.0.0.1:{tls_emulator.port}")

    async def test_credentials_reach_the_proxy(
        self, emulator: Emulator, tls_emulator: Emulator, auth_proxy: ForwardProxy, files: Files
    ) -> None:
        """user:password in the proxy URL authenticate, forwarding and tunnelling."""
        url = auth_proxy.url_with(f"user:{PASSWORD}")
        assert 0 < await _user_id(config_for(emulator, proxy=url))
        assert 0 < await _user_id(config_for(tls_emulator, proxy=url, ca_bundle=files.ca))

    async def test_a_refused_password_never_shows(
        self,
        tls_emulator: Emulator,
        auth_proxy: ForwardProxy,
        files: Files,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """A proxy refusing the credentials: an error without the password, in any form."""
        caplog.set_level(logging.DEBUG)
        url = auth_proxy.url_with(f"user:{WRONG}")
        config = config_for(tls_emulator, proxy=url, ca_bundle=files.ca, max_retries=0)
        with pytest.raises(APIConnectionError) as info:
            await _user_id(config)
        assert "proxy" in str(info.value)
        _assert_hidden(_texts(info.value) + caplog.text + repr(config), WRONG)

    async def test_an_unreachable_proxy_is_named_without_its_password(
        self, emulator: Emulator
    ) -> None:
        """A proxy that cannot be reached: a connection error naming it, password masked."""
        url = f"http://user:{PASSWORD}@127.0.0.1:{_dead_port()}"
        with pytest.raises(APIConnectionError) as info:
            await _user_id(config_for(emulator, proxy=url, max_retries=0))
        assert "proxy" in str(info.value)
        assert info.value.request_sent is False
        _assert_hidden(_texts(info.value), PASSWORD)

    async def test_the_tunnel_request_never_carries_the_token(self) -> None:
        """The proxy's CONNECT request holds neither the API token nor our Authorization
        header (it reaches the proxy in the clear; the API request goes inside the tunnel)."""
        with HostileServer(lambda _r: [answer(502, b"no")], keep_alive=False) as fake_proxy:
            config = CodegenConfig(
                base_url="https://api.example.test",
                api_token="sk-api-token-Yw",
                proxy=fake_proxy.url.replace("://", f"://user:{PASSWORD}@"),
                max_retries=0,
            )
            with pytest.raises(APIConnectionError, match="proxy"):
                await _user_id(config)
        assert 1 == len(fake_proxy.requests)
        connect = fake_proxy.requests[0]
        assert connect.startswith(b"CONNECT api.example.test:443 ")
        assert b"sk-api-token-Yw" not in connect
        assert b"bearer" not in connect.lower()
        token = base64.b64encode(f"user:{PASSWORD}".encode())
        assert b"Proxy-Authorization: Basic " + token in connect

    def test_repr_and_errors_mask_the_password(self) -> None:
        """The config's repr and a bad proxy setting's error hide the password."""
        config = CodegenConfig(api_token="t", proxy=f"http://user:{PASSWORD}@proxy:3128")
        assert "proxy='http://***@proxy:3128'" in repr(config)
        with pytest.raises(ConfigurationError, match="proxy=") as info:
            CodegenConfig(api_token="t", proxy=f"socks5://user:{PASSWORD}@proxy:1080")
        assert "SOCKS" in str(info.value)
        _assert_hidden(_texts(info.value), PASSWORD)

    def test_a_bad_environment_proxy_fails_at_construction(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """HTTPS_PROXY naming an unsupported proxy: a ConfigurationError naming it, at once."""
        monkeypatch.setenv("HTTPS_PROXY", f"socks5://user:{PASSWORD}@proxy:1080")
        with pytest.raises(ConfigurationError, match="HTTPS_PROXY") as info:
            AsyncCodegenClient(api_token="t")
        _assert_hidden(_texts(info.value), PASSWORD)

    @pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
    async def test_environment_proxies_are_used(
        self,
        emulator: Emulator,
        proxy: ForwardProxy,
        monkeypatch: pytest.MonkeyPatch,
        variable: str,
    ) -> None:
        """HTTP_PROXY (either case) or ALL_PROXY send an http:// API through the proxy."""
        monkeypatch.setenv(variable, proxy.url)
        client = AsyncCodegenClient(config_for(emulator))
        monkeypatch.delenv(variable)  # read once, when the client was made
        async with client:
            assert 0 < (await client.get_current_user()).id
        assert proxy.wait_for(f"GET 127.0.0.1:{emulator.port}/v1/users/me")

    async def test_https_proxy_variable_tunnels(
        self,
        tls_emulator: Emulator,
        proxy: ForwardProxy,
        files: Files,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """HTTPS_PROXY sends an https:// API through a CONNECT tunnel."""
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        assert 0 < await _user_id(config_for(tls_emulator, ca_bundle=files.ca))
        assert proxy.wait_for(f"CONNECT 127.0.0.1:{tls_emulator.port}")

    async def test_a_dead_environment_proxy_is_really_used(
        self, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """HTTP_PROXY naming a dead proxy: the call fails to reach it."""
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{_dead_port()}")
        with pytest.raises(APIConnectionError, match="proxy"):
            await _user_id(config_for(emulator, max_retries=0))

    @pytest.mark.parametrize("no_proxy", ["127.0.0.1", "localhost,127.0.0.1", "*"])
    async def test_no_proxy_bypasses(
        self, emulator: Emulator, monkeypatch: pytest.MonkeyPatch, no_proxy: str
    ) -> None:
        """A host NO_PROXY names is reached directly, whatever HTTP_PROXY says."""
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{_dead_port()}")
        monkeypatch.setenv("NO_PROXY", no_proxy)
        assert 0 < await _user_id(config_for(emulator, max_retries=0))

    async def test_trust_env_false_ignores_the_environment(
        self, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """trust_env=False: HTTP_PROXY / ALL_PROXY are not read."""
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{_dead_port()}")
        monkeypatch.setenv("ALL_PROXY", f"http://127.0.0.1:{_dead_port()}")
        assert 0 < await _user_id(config_for(emulator, max_retries=0, trust_env=False))

    async def test_the_explicit_proxy_wins_over_the_environment(
        self, emulator: Emulator, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """proxy=... is used whatever HTTP_PROXY and NO_PROXY say."""
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{_dead_port()}")
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        assert 0 < await _user_id(config_for(emulator, proxy=proxy.url, max_retries=0))
        assert proxy.wait_for(f"GET 127.0.0.1:{emulator.port}/v1/users/me")


class TestRedirectThroughProxy:
    @pytest.mark.parametrize("hop_proxied", [True, False])
    async def test_a_hop_to_another_host_follows_no_proxy(
        self, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch, hop_proxied: bool
    ) -> None:
        """The API (in NO_PROXY) redirects to another host: the hop goes through the proxy
        unless NO_PROXY names that host too, and never carries the token."""
        with HostileServer(lambda _r: [answer(200, USER)]) as target:
            hop_url = f"http://localhost:{target.port}/v1/users/me"

            def redirect(_request: bytes) -> Iterable[Step]:
                yield answer(302, headers={"Location": hop_url})

            with HostileServer(redirect) as api:
                monkeypatch.setenv("HTTP_PROXY", proxy.url)
                monkeypatch.setenv("NO_PROXY", "127.0.0.1" + ("" if hop_proxied else ",localhost"))
                config = CodegenConfig(
                    base_url=api.url, api_token="sk-hop-token", org_id=1, max_retries=0
                )
                assert 7 == await _user_id(config)
            assert 1 == len(target.requests)
            assert b"sk-hop-token" not in target.requests[0]
            assert b"authorization" not in target.requests[0].lower()
        assert hop_proxied == proxy.wait_for(
            f"GET localhost:{target.port}/v1/users/me", timeout=5.0 if hop_proxied else 0.5
        )
        assert not any(f"127.0.0.1:{api.port}" in line for line in proxy.access_log())


class TestDeadlineThroughProxy:
    async def test_a_slow_server_behind_the_proxy_times_out(self, proxy: ForwardProxy) -> None:
        """A server trickling its answer through the proxy: the call ends at its timeout."""
        head = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"
        with HostileServer(lambda _r: endless(head, 0.2)) as slow:
            config = CodegenConfig(
                base_url=slow.url, api_token="t", proxy=proxy.url, timeout=1.0, max_retries=0
            )
            started = time.monotonic()
            with pytest.raises(APITimeoutError):
                await _user_id(config)
            assert time.monotonic() - started < 10.0

    async def test_a_stalled_tunnel_times_out(self, proxy: ForwardProxy) -> None:
        """An https:// server behind the tunnel that never answers the handshake: the call
        ends at its timeout."""
        with HostileServer(lambda _r: []) as silent:
            config = CodegenConfig(
                base_url=f"https://127.0.0.1:{silent.port}",
                api_token="t",
                proxy=proxy.url,
                timeout=1.0,
                max_retries=0,
            )
            started = time.monotonic()
            with pytest.raises(APITimeoutError):
                await _user_id(config)
            assert time.monotonic() - started < 10.0


# -- TLS --------------------------------------------------------------------------------------


class TestTLS:
    async def test_a_private_ca_is_refused_by_default(self, tls_emulator: Emulator) -> None:
        """Without its CA, the emulator's certificate is refused."""
        with pytest.raises(APIConnectionError, match=r"(?i)certificate"):
            await _user_id(config_for(tls_emulator, max_retries=0))

    async def test_ca_bundle(self, tls_emulator: Emulator, files: Files) -> None:
        """ca_bundle=path trusts the CA in that file."""
        assert 0 < await _user_id(config_for(tls_emulator, ca_bundle=str(files.ca)))

    @pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "CODEGEN_CA_BUNDLE"])
    async def test_ca_bundle_from_the_environment(
        self,
        tls_emulator: Emulator,
        files: Files,
        monkeypatch: pytest.MonkeyPatch,
        variable: str,
    ) -> None:
        """SSL_CERT_FILE or CODEGEN_CA_BUNDLE name the CA bundle."""
        monkeypatch.setenv(variable, str(files.ca))
        assert 0 < await _user_id(config_for(tls_emulator))

    async def test_codegen_ca_bundle_wins(
        self, tls_emulator: Emulator, files: Files, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """CODEGEN_CA_BUNDLE is used over SSL_CERT_FILE."""
        monkeypatch.setenv("SSL_CERT_FILE", str(files.other_ca))
        monkeypatch.setenv("CODEGEN_CA_BUNDLE", str(files.ca))
        assert 0 < await _user_id(config_for(tls_emulator))

    @pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "CODEGEN_CA_BUNDLE"])
    async def test_trust_env_false_ignores_ca_variables(
        self,
        tls_emulator: Emulator,
        files: Files,
        monkeypatch: pytest.MonkeyPatch,
        variable: str,
    ) -> None:
        """trust_env=False: the CA variables are not read (the private CA stays unknown)."""
        monkeypatch.setenv(variable, str(files.ca))
        with pytest.raises(APIConnectionError, match=r"(?i)certificate"):
            await _user_id(config_for(tls_emulator, trust_env=False, max_retries=0))

    async def test_ssl_context(self, tls_emulator: Emulator, ca: trustme.CA) -> None:
        """An ssl.SSLContext of the caller's is used as given."""
        context = ssl.create_default_context()
        ca.configure_trust(context)
        assert 0 < await _user_id(config_for(tls_emulator, ssl_context=context))

    async def test_client_certificate(self, mtls_emulator: Emulator, files: Files) -> None:
        """A server requiring a client certificate: refused without, served with one (in
        one PEM file, or certificate and key apart)."""
        with pytest.raises(APIConnectionError):
            await _user_id(config_for(mtls_emulator, ca_bundle=files.ca, max_retries=0))
        both = config_for(mtls_emulator, ca_bundle=files.ca, client_cert=files.client_both)
        assert 0 < await _user_id(both)
        apart = config_for(
            mtls_emulator,
            ca_bundle=files.ca,
            client_cert=files.client_cert,
            client_key=files.client_key,
        )
        assert 0 < await _user_id(apart)

    async def test_verify_ssl_false_warns_once_and_connects(self, tls_emulator: Emulator) -> None:
        """verify_ssl=False reaches the server, with one CodegenSecurityWarning per client."""
        with pytest.warns(CodegenSecurityWarning, match="verify_ssl=False") as record:
            client = AsyncCodegenClient(config_for(tls_emulator, verify_ssl=False))
        assert 1 == len(record)
        with warnings.catch_warnings():
            # urllib3 adds its own warning on every unverified request: rightly.
            warnings.filterwarnings("ignore", message="Unverified HTTPS request")
            async with client:
                assert 0 < (await client.get_current_user()).id
                assert 0 < (await client.get_current_user()).id


class TestTLSSettings:
    @pytest.mark.parametrize("name", ["ca_bundle", "client_cert"])
    def test_a_missing_file_fails_at_construction(self, name: str, tmp_path: Path) -> None:
        """A file setting naming no file: a ConfigurationError naming the setting."""
        with pytest.raises(ConfigurationError, match=f"{name}=.*no such file"):
            settings: dict[str, Any] = {name: str(tmp_path / "missing.pem")}
            AsyncCodegenClient(api_token="t", **settings)

    @pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "CODEGEN_CA_BUNDLE"])
    def test_a_missing_environment_file_fails_at_construction(
        self, variable: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A CA variable naming no file: a ConfigurationError naming the variable."""
        monkeypatch.setenv(variable, str(tmp_path / "missing.pem"))
        with pytest.raises(ConfigurationError, match=f"{variable}=.*no such file"):
            AsyncCodegenClient(api_token="t")

    def test_a_file_that_is_not_pem_fails_at_construction(self, files: Files) -> None:
        """ca_bundle / client_cert files that hold no PEM: refused when the client is made."""
        with pytest.raises(ConfigurationError, match="ca_bundle="):
            AsyncCodegenClient(api_token="t", ca_bundle=files.not_pem)
        with pytest.raises(ConfigurationError, match="client_cert="):
            AsyncCodegenClient(api_token="t", client_cert=files.not_pem)

    @pytest.mark.parametrize(
        "settings",
        [{"ca_bundle": "ca"}, {"client_cert": "cert"}, {"verify_ssl": False}],
    )
    def test_ssl_context_excludes_the_other_settings(
        self, settings: dict[str, Any], files: Files
    ) -> None:
        """ssl_context with ca_bundle, client_cert or verify_ssl=False: a ConfigurationError."""
        paths = {"ca": str(files.ca), "cert": str(files.client_both)}
        given: dict[str, Any] = {
            k: paths.get(v, v) if isinstance(v, str) else v for k, v in settings.items()
        }
        with pytest.raises(ConfigurationError, match="ssl_context"):
            CodegenConfig(api_token="t", ssl_context=ssl.create_default_context(), **given)

    def test_wrong_types_are_configuration_errors(self, files: Files) -> None:
        """A non-context ssl_context, a key without a certificate: ConfigurationErrors."""
        with pytest.raises(ConfigurationError, match="ssl_context"):
            CodegenConfig(api_token="t", ssl_context="yes")  # type: ignore[arg-type]
        with pytest.raises(ConfigurationError, match="client_key"):
            CodegenConfig(api_token="t", client_key=files.client_key)
        with pytest.raises(ConfigurationError, match="trust_env"):
            CodegenConfig(api_token="t", trust_env="no")  # type: ignore[arg-type]

    def test_settings_read_as_text(self, files: Files) -> None:
        """from_settings takes the network settings as text too."""
        config = CodegenConfig.from_settings(
            {"api_token": "t", "trust_env": "false", "ca_bundle": str(files.ca)}
        )
        assert (False, str(files.ca)) == (config.trust_env, config.ca_bundle)


def test_errors_are_codegen_errors() -> None:
    """The warning class is public, apart from the exception tree."""
    assert not issubclass(CodegenSecurityWarning, CodegenError)
    assert issubclass(CodegenSecurityWarning, UserWarning)
