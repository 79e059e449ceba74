"""CODEGEN_LOG: a stderr handler on the package's own logger, and never a token in it."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap

import pytest

from codegen_async import config as config_module

SCRIPT = textwrap.dedent(
    """
    import logging
    from codegen_async.emulator import EmulatorConfig, serve_in_thread
    from codegen_sync import CodegenClient, NotFoundError

    config = EmulatorConfig(time_scale=0.01, tokens={"sk-log-secret-4242": 1})
    with serve_in_thread(config) as emu:
        with CodegenClient(base_url=emu.url, api_token=emu.token, org_id=emu.org_id) as client:
            client.get_current_user()
            client.create_agent_run(prompt="hello")
            try:
                client.get_agent_run(run_id=999999)
            except NotFoundError:
                pass
    handlers = logging.getLogger("codegen").handlers
    print(len(handlers), logging.getLogger("codegen").level)
    """
)


def run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CODEGEN_")}
    return subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


class TestEnvironmentLogging:
    def test_variable_prints_to_stderr(self) -> None:
        """CODEGEN_LOG=debug shows every request on stderr, through one handler, and the
        token never appears there."""
        done = run({"CODEGEN_LOG": "debug"})
        assert f"1 {logging.DEBUG}" == done.stdout.strip()
        assert "/v1/users/me" in done.stderr
        assert "codegen" in done.stderr
        assert "sk-log-secret-4242" not in done.stderr

    def test_documented_level_variable_works_too(self) -> None:
        """CODEGEN_LOG_LEVEL=INFO (the documented name) installs the handler at INFO."""
        done = run({"CODEGEN_LOG_LEVEL": "INFO"})
        assert f"1 {logging.INFO}" == done.stdout.strip()
        assert "sk-log-secret-4242" not in done.stderr

    def test_nothing_without_the_variable(self) -> None:
        """Without it the package adds no handler and prints nothing."""
        done = run({})
        assert f"0 {logging.NOTSET}" == done.stdout.strip()
        assert "" == done.stderr

    def test_setup_is_idempotent(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Running the set-up again adds no second handler."""
        logger = logging.getLogger("codegen")
        before = (list(logger.handlers), logger.level)
        monkeypatch.setenv("CODEGEN_LOG", "warning")
        try:
            config_module._setup_logging_from_env()
            config_module._setup_logging_from_env()
            added = [h for h in logger.handlers if h not in before[0]]
            assert 1 == len(added)
        finally:
            for handler in added:
                logger.removeHandler(handler)
            logger.setLevel(before[1])
