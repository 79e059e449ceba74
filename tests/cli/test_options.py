"""Global options work wherever ``--help`` shows them: before the command, after it, and
after ``runs ACTION``; mistyped commands get a suggestion; ``--version``; the exit table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from codegen_async.cli import build_parser
from codegen_async.cli._app import version
from codegen_async.cli._exit import (
    EXIT_DUPLICATES,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_TABLE,
    EXIT_UNKNOWN,
    EXIT_USAGE,
)
from codegen_async.emulator import Emulator
from tests.cli._support import cli, no_traceback

# (argv of the option, the attribute, the value parsed, the value when absent)
OPTIONS: list[tuple[list[str], str, Any, Any]] = [
    (["--token", "sk-opt"], "token", "sk-opt", None),
    (["--base-url", "http://127.0.0.1:9"], "base_url", "http://127.0.0.1:9", None),
    (["--org-id", "999"], "org_id", 999, None),
    (["--time-scale", "0.5"], "time_scale", 0.5, None),
    (["--json"], "json", True, False),
    (["--no-color"], "no_color", True, False),
    (["--debug"], "debug", True, False),
]
# (argv of a command, where a global option may go: 0 = before everything)
COMMANDS = [
    (["whoami"], [0, 1]),
    (["bulk", "prompts.jsonl"], [0, 1, 2]),
    (["runs", "list"], [0, 1, 2]),
    (["runs", "get", "5"], [0, 1, 2, 3]),
]
CASES = [
    pytest.param(option, command, at, id=f"{option[0][0]}-{'_'.join(command)}-at{at}")
    for option in OPTIONS
    for command, positions in COMMANDS
    for at in positions
]


class TestGlobalOptions:
    @pytest.mark.parametrize(("option", "command", "at"), CASES)
    def test_option_in_every_position(
        self, option: tuple[list[str], str, Any, Any], command: list[str], at: int
    ) -> None:
        """A global option is parsed the same before the command, after it, and after
        ``runs ACTION`` (a subcommand's default never overwrites it)."""
        argv_option, attribute, expected, _ = option
        argv = [*command[:at], *argv_option, *command[at:]]
        assert expected == getattr(build_parser().parse_args(argv), attribute)

    @pytest.mark.parametrize("option", OPTIONS, ids=[o[0][0] for o in OPTIONS])
    def test_default_when_absent(self, option: tuple[list[str], str, Any, Any]) -> None:
        """Without the option every command sees the top-level default."""
        _, attribute, _, absent = option
        for command, _ in COMMANDS:
            assert absent == getattr(build_parser().parse_args(command), attribute)

    def test_base_url_before_the_command_is_used(
        self, env: dict[str, str], emu: Emulator, tmp_path: Path
    ) -> None:
        """``--base-url URL bulk FILE`` sends to URL, not to $CODEGEN_BASE_URL."""
        path = tmp_path / "p.txt"
        path.write_text("one\n")
        wrong = {**env, "CODEGEN_BASE_URL": "http://127.0.0.1:9"}
        result = cli(
            "--base-url", emu.url, "--json", "bulk", str(path), "-o", str(tmp_path / "r"), env=wrong
        )
        assert 0 == result.returncode, result.stderr
        assert 1 == emu.accounting.total("runs_created")

    def test_org_id_before_the_command_is_used(self, env: dict[str, str]) -> None:
        """``--org-id 999 runs list`` asks for org 999 (not the token's), and fails."""
        result = cli("--org-id", "999", "runs", "list", env=env)
        assert EXIT_FAILED == result.returncode
        assert "999" in result.stderr
        no_traceback(result)

    def test_json_before_the_command_is_used(self, env: dict[str, str]) -> None:
        """``--json whoami`` prints JSON, not a table."""
        result = cli("--json", "whoami", env=env)
        assert 0 == result.returncode, result.stderr
        assert 1 == json.loads(result.stdout)["id"]

    def test_time_scale_from_the_environment(self, env: dict[str, str]) -> None:
        """``CODEGEN_TIME_SCALE`` stands in for ``--time-scale``; a bad value is a usage error."""
        bad = cli("whoami", env={**env, "CODEGEN_TIME_SCALE": "fast"})
        assert EXIT_USAGE == bad.returncode
        assert "CODEGEN_TIME_SCALE" in bad.stderr
        good = cli("whoami", env={**env, "CODEGEN_TIME_SCALE": "0.01"})
        assert 0 == good.returncode, good.stderr

    def test_bad_setting_in_the_environment(self, env: dict[str, str], emu: Emulator) -> None:
        """A bad CODEGEN_* value is a usage error naming the variable; nothing is sent."""
        result = cli("whoami", env={**env, "CODEGEN_TIMEOUT": "soon"})
        assert EXIT_USAGE == result.returncode
        assert "CODEGEN_TIMEOUT" in result.stderr
        no_traceback(result)
        assert 0 == emu.accounting.total("requests")


class TestHelp:
    def test_did_you_mean(self) -> None:
        """A mistyped command is a usage error that suggests the closest command."""
        result = cli("whomai")
        assert EXIT_USAGE == result.returncode
        assert "did you mean 'whoami'?" in result.stderr
        assert "did you mean 'list'?" in cli("runs", "lsit").stderr

    def test_version(self) -> None:
        """``--version`` prints the installed distribution's version."""
        result = cli("--version")
        assert 0 == result.returncode
        assert f"codegen-client {version()}" == result.stdout.strip()

    def test_help_shows_the_exit_table(self) -> None:
        """``--help`` ends with the exit-status table, line breaks kept."""
        result = cli("--help")
        assert 0 == result.returncode
        assert EXIT_TABLE.strip() in result.stdout

    def test_readme_shows_the_exit_table(self) -> None:
        """The README shows the same table."""
        readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
        assert EXIT_TABLE.strip() in readme

    def test_exit_table_lists_every_code(self) -> None:
        """Every exit status constant has its line in the table, and the codes differ."""
        codes = [
            EXIT_OK,
            EXIT_FAILED,
            EXIT_USAGE,
            EXIT_UNKNOWN,
            EXIT_DUPLICATES,
            EXIT_LOCKED,
            EXIT_INTERRUPTED,
        ]
        assert len(codes) == len(set(codes))
        firsts = [line.split()[0] for line in EXIT_TABLE.splitlines() if line[:3].strip().isdigit()]
        assert [str(c) for c in codes] == firsts


class TestEmulatorCommand:
    def test_help_names_the_command(self) -> None:
        """``codegen-client emulator --help`` names itself, not the module."""
        result = cli("emulator", "--help")
        assert 0 == result.returncode
        assert "usage: codegen-client emulator" in result.stdout
        assert "python -m" not in result.stdout

    def test_busy_port(self, emu: Emulator) -> None:
        """A port in use is one line of error and exit 2, no traceback."""
        port = emu.url.rsplit(":", 1)[1]
        result = cli("emulator", "--port", port, timeout=30)
        assert EXIT_USAGE == result.returncode
        assert f"{port}: address already in use" in result.stderr
        assert 1 == len(result.stderr.strip().splitlines())
        no_traceback(result)
