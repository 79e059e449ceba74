"""The token stays out of the CLI's output and the soak's; TLS settings ignore the environment.

Not generated: these run the CLI and the soak as processes, and inspect both seams'
connection pools directly.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import subprocess
import sys

import pytest

import codegen_async
import codegen_sync
from codegen_async import CodegenConfig
from codegen_async.emulator import serve_in_thread

SECRET = "sk-SECRET-77e1b0c3-token"
CLI = [sys.executable, "-m", "codegen_async.cli"]


def run_cli(*args: str, token_env: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODEGEN_")}
    if token_env:
        env["CODEGEN_API_TOKEN"] = SECRET
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


class TestCLI:
    def test_help_shows_no_token(self) -> None:
        """--help (of the tool and of each command) never prints the token."""
        for args in (["--help"], ["whoami", "--help"], ["bulk", "--help"]):
            result = run_cli(*args)
            assert 0 == result.returncode, result.stderr
            assert SECRET not in result.stdout + result.stderr

    @pytest.mark.parametrize("extra", [[], ["--debug"], ["--json"]])
    def test_failing_commands_show_no_token(self, extra: list[str]) -> None:
        """A rejected token (401) and a refused connection print errors without the token,
        also in --debug and --json modes, and with the token given on the command line."""
        with serve_in_thread(time_scale=0.01) as emulator:
            rejected = run_cli(*extra, "--base-url", emulator.url, "--org-id", "323", "whoami")
            by_flag = run_cli(
                *extra, "--base-url", emulator.url, "--token", SECRET, "runs", token_env=False
            )
        refused = run_cli(*extra, "--base-url", "http://127.0.0.1:9", "whoami")
        for result in (rejected, by_flag, refused):
            assert 0 != result.returncode
            assert result.stdout + result.stderr  # it did say something
            assert SECRET not in result.stdout + result.stderr


@pytest.mark.slow
def test_soak_output_shows_no_token(capsys: pytest.CaptureFixture[str]) -> None:
    """The soak's printed table carries no token (it runs against the emulator's)."""
    from benchmarks import soak

    with serve_in_thread(time_scale=0.001) as emulator:
        token = emulator.token
    soak.main(["--items", "20", "--concurrency", "5", "--no-wait"])
    out = capsys.readouterr()
    assert "inputs" in out.out
    assert token not in out.out + out.err


NO_VERIFY_ENV = {
    "CODEGEN_VERIFY_SSL": "0",
    "CODEGEN_SSL_VERIFY": "false",
    "PYTHONHTTPSVERIFY": "0",
    "CURL_CA_BUNDLE": "",
    "REQUESTS_CA_BUNDLE": "",
}


class TestTLSSettings:
    def test_verification_is_on_by_default_whatever_the_environment(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """verify_ssl stays True with every "don't verify" variable set."""
        for name, value in NO_VERIFY_ENV.items():
            monkeypatch.setenv(name, value)
        assert CodegenConfig(api_token=SECRET).verify_ssl is True
        assert CodegenConfig.from_env().verify_ssl is True

    def test_sync_pool_requires_certificates(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The urllib3 pools of the sync client demand and check certificates."""
        for name, value in NO_VERIFY_ENV.items():
            monkeypatch.setenv(name, value)
        client = codegen_sync.CodegenClient(api_token=SECRET, base_url="https://api.codegen.com")
        try:
            url = "https://api.codegen.com/v1/users/me"
            # The API's own pool, and the one-off pool of a redirect hop to another host.
            for anonymous in (False, True):
                pool = client._transport._http._pool_for(url, anonymous)[0]
                assert "CERT_REQUIRED" == pool.cert_reqs
                assert pool.assert_hostname is not False
                if anonymous:
                    pool.close()
        finally:
            client.close()

    def test_async_connector_verifies(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The aiohttp connector of the async client verifies certificates, env ignored."""
        for name, value in NO_VERIFY_ENV.items():
            monkeypatch.setenv(name, value)

        async def inspect() -> tuple[object, bool]:
            client = codegen_async.AsyncCodegenClient(
                api_token=SECRET, base_url="https://api.codegen.com"
            )
            session = client._transport._http._open()
            try:
                return session.connector._ssl, session.trust_env  # type: ignore[union-attr]
            finally:
                await client.aclose()

        ssl_setting, trust_env = asyncio.run(inspect())
        # aiohttp: True means its default, verifying context; else ours (SSL_CERT_FILE set).
        assert ssl_setting is True or (
            isinstance(ssl_setting, ssl.SSLContext)
            and ssl.CERT_REQUIRED == ssl_setting.verify_mode
            and ssl_setting.check_hostname
        )
        assert trust_env is False
