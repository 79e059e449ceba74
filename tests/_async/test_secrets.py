"""The API token never leaks, and TLS verification stays on.

Every exception type the client raises is triggered with a recognisable token; its
message, repr, args, attributes and cause chain are searched for the token, as are
the logs (every level), the reprs of client, config and results.
"""

from __future__ import annotations

import logging
import os
import socket
import ssl
import subprocess
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from codegen_async import (
    APIConnectionError,
    APITimeoutError,
    AsyncCodegenClient,
    AuthenticationError,
    CodegenConfig,
    CodegenError,
    CodegenSecurityWarning,
    ConfigurationError,
    DecodeError,
    NotFoundError,
    OutcomeUnknownError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    ResponseTooLargeError,
    ServerError,
    ValidationError,
    WaitTimeoutError,
)
from codegen_async.emulator import Emulator, FaultConfig
from tests.rawserver import raw_server

from .conftest import config_for

SECRET = "sk-SECRET-4f9c2a71-token"
OTHER_ORG = 99999


def texts(value: Any, depth: int = 0) -> Iterator[str]:
    """Every string a user could see of ``value``: str, repr, args, attributes, causes."""
    yield str(value)
    yield repr(value)
    if depth > 3:
        return
    if isinstance(value, BaseException):
        for arg in value.args:
            yield from texts(arg, depth + 1)
        for attr in vars(value).values():
            yield repr(attr)
        for linked in (value.__cause__, value.__context__):
            if linked is not None:
                yield from texts(linked, depth + 1)


def assert_clean(value: Any) -> None:
    for text in texts(value):
        assert SECRET not in text, text


@pytest.fixture
def secret_emulator(codegen_emulator_factory: Callable[..., Emulator]) -> Emulator:
    return codegen_emulator_factory(time_scale=0.01, rate_limits="off", tokens={SECRET: 1})


async def _raises(call: Callable[[], Any], expected: type[CodegenError]) -> CodegenError:
    with pytest.raises(expected) as info:
        await call()
    return info.value


async def test_no_exception_carries_the_token(
    secret_emulator: Emulator,
    codegen_emulator_factory: Callable[..., Emulator],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each error the client raises (14 types) keeps the token out of what it shows."""
    caplog.set_level(logging.DEBUG)
    emu = secret_emulator
    errors: list[CodegenError] = []
    errors.append(await _expect_config_error())
    async with AsyncCodegenClient(config_for(emu)) as client:
        errors.append(await _raises(lambda: client.create_agent_run(prompt=""), ValidationError))
        errors.append(await _raises(lambda: client.get_agent_run(run_id=424242), NotFoundError))
        errors.append(await _raises(lambda: client.get_users(OTHER_ORG), PermissionDeniedError))
        steer = {"emulator": {"duration": "x"}}  # refused by the server: a 422
        bad_steer = lambda: client.create_agent_run(prompt="x", metadata=steer)  # noqa: E731
        errors.append(await _raises(bad_steer, ValidationError))
    quota = codegen_emulator_factory(time_scale=0.01, tokens={SECRET: 1}, plan_quota=0)
    async with AsyncCodegenClient(config_for(quota)) as client:
        errors.append(
            await _raises(lambda: client.create_agent_run(prompt="x"), PaymentRequiredError)
        )
    async with AsyncCodegenClient(config_for(emu, api_token=SECRET + "-wrong")) as client:
        errors.append(await _raises(client.get_current_user, AuthenticationError))
    for faults, expected in [
        (FaultConfig(error_rate=1.0), ServerError),
        (FaultConfig(burst_429_rate=1.0), RateLimitError),
        (FaultConfig(malformed_rate=1.0), DecodeError),
        (FaultConfig(drop_after_rate=1.0), OutcomeUnknownError),
    ]:
        faulty = codegen_emulator_factory(time_scale=0.01, tokens={SECRET: 1}, faults=faults)
        async with AsyncCodegenClient(config_for(faulty, max_retries=1)) as client:
            errors.append(await _raises(lambda: client.create_agent_run(prompt="x"), expected))
    async with AsyncCodegenClient(config_for(emu, max_response_size=10)) as client:
        errors.append(await _raises(client.get_current_user, ResponseTooLargeError))
    async with AsyncCodegenClient(config_for(emu)) as client:
        created = await client.create_agent_run(
            prompt="slow", metadata={"emulator": {"duration": 1000}}
        )
        run_id = created.id
        wait = lambda: client.wait_for_completion(run_id=run_id, timeout=0.05, poll_interval=0.01)  # noqa: E731
        errors.append(await _raises(wait, WaitTimeoutError))
        assert_clean(client)
        assert_clean(client.config)
        assert_clean(client.get_stats())
    with raw_server(None) as url:
        refused = url  # the server is gone once the block ends
    async with AsyncCodegenClient(config_for(emu, base_url=refused)) as client:
        errors.append(await _raises(client.get_current_user, APIConnectionError))
    with raw_server(None, hang=2.0) as url:
        async with AsyncCodegenClient(config_for(emu, base_url=url, timeout=0.1)) as client:
            errors.append(await _raises(client.get_current_user, APITimeoutError))
    assert 14 <= len({type(e) for e in errors})
    for error in errors:
        assert_clean(error)
    assert caplog.records
    for record in caplog.records:
        assert SECRET not in record.getMessage()
        assert SECRET not in repr(record.args)


async def _expect_config_error() -> ConfigurationError:
    with pytest.raises(ConfigurationError) as info:
        CodegenConfig(api_token=SECRET, base_url="ftp://nowhere", timeout=-1)
    return info.value


async def test_bulk_results_and_reprs_hide_the_token(secret_emulator: Emulator) -> None:
    """Bulk results, the bulk runner and the watcher show no token."""
    async with AsyncCodegenClient(config_for(secret_emulator)) as client:
        results = await client.bulk_create_agent_runs(None, [{"prompt": "a"}, {"prompt": ""}])
        assert_clean(results)
        assert_clean(client.bulk_operations())
        assert_clean(client.watch_agent_runs(None, [r.data.id for r in results if r.data]))


async def test_a_token_with_a_newline_never_shows_up_in_an_error(
    secret_emulator: Emulator,
) -> None:
    """A token that cannot be a header value ends in a CodegenError without the token."""
    try:
        config = config_for(secret_emulator, api_token=SECRET + "\nInjected: 1")
    except ConfigurationError as exc:  # the fix: refused up front
        assert_clean(exc)
        return
    async with AsyncCodegenClient(config) as client:
        with pytest.raises(CodegenError) as info:
            await client.get_current_user()
    assert_clean(info.value)


# -- TLS -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl command)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_server(self_signed: tuple[Path, Path]) -> Iterator[str]:
    """An HTTPS server on 127.0.0.1 whose certificate no trust store knows."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stop = threading.Event()
    body = b'{"id": 1}'
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            conn.settimeout(2.0)
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(65536)
                    tls.sendall(reply)
            except OSError:  # the client refused the certificate, as it should
                conn.close()

    thread = threading.Thread(target=serve, name="tls-server")
    thread.start()
    try:
        yield f"https://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        listener.close()


ENV_THAT_MUST_NOT_DISABLE_TLS = {
    "CODEGEN_VERIFY_SSL": "0",
    "CODEGEN_VERIFY_SSL_CERTS": "false",
    "PYTHONHTTPSVERIFY": "0",
    "CURL_CA_BUNDLE": "",
    "REQUESTS_CA_BUNDLE": "",
}


async def test_tls_verification_cannot_be_turned_off_by_the_environment(
    tls_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With every "don't verify" variable set, a self-signed server is still refused."""
    for name, value in ENV_THAT_MUST_NOT_DISABLE_TLS.items():
        monkeypatch.setenv(name, value)
    config = CodegenConfig(base_url=tls_server, api_token=SECRET, max_retries=0, timeout=5.0)
    assert config.verify_ssl is True
    async with AsyncCodegenClient(config) as client:
        with pytest.raises(APIConnectionError) as info:
            await client.get_current_user()
    assert "certificate" in str(info.value).lower()
    assert_clean(info.value)


async def test_verify_ssl_false_is_an_explicit_choice(tls_server: str) -> None:
    """Only an explicit verify_ssl=False reaches a self-signed server."""
    config = CodegenConfig(base_url=tls_server, api_token=SECRET, verify_ssl=False, timeout=5.0)
    with pytest.warns(CodegenSecurityWarning, match="verify_ssl=False"):
        client = AsyncCodegenClient(config)
    async with client:
        with warnings.catch_warnings():
            # urllib3 warns on every unverified request (InsecureRequestWarning): rightly.
            warnings.simplefilter("ignore")
            assert 1 == (await client.get_current_user()).id


def test_the_environment_is_clean_of_our_token() -> None:
    """The tests above leave no token in the environment."""
    assert all(SECRET not in value for value in os.environ.values())
