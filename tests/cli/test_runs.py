"""``codegen-client runs ...`` and ``repos`` against an emulator: prompts from stdin and
files, metadata, exit statuses, paging past 100, the org picked for you, one time format."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from codegen_async.cli._exit import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from codegen_async.emulator import Emulator
from tests.cli._support import cli, no_traceback

FAST = ["--time-scale", "0.01"]


def created(result_stdout: str) -> dict[str, object]:
    value: dict[str, object] = json.loads(result_stdout)
    return value


class TestCreate:
    def test_prompt_from_stdin(self, env: dict[str, str], emu: Emulator) -> None:
        """``runs create -`` reads the prompt from stdin (not the prompt "-")."""
        result = cli("runs", "create", "-", "--json", env=env, stdin="fix the bug\nplease\n")
        assert EXIT_OK == result.returncode, result.stderr
        assert ["fix the bug\nplease\n"] == [r.prompt for r in emu.accounting.creates]

    def test_prompt_file_and_metadata(
        self, env: dict[str, str], emu: Emulator, tmp_path: Path
    ) -> None:
        """``--prompt-file`` and ``--metadata`` reach the run."""
        path = tmp_path / "prompt.md"
        path.write_text("refactor the parser")
        result = cli(
            "runs", "create", "--prompt-file", str(path), "--metadata", '{"team": "a"}', "--json",
            env=env,
        )  # fmt: skip
        assert EXIT_OK == result.returncode, result.stderr
        run = created(result.stdout)
        assert {"team": "a"} == run["metadata"]
        assert ["refactor the parser"] == [r.prompt for r in emu.accounting.creates]

    @pytest.mark.parametrize(
        ("args", "why"),
        [
            (["x", "--metadata", "[1, 2]"], "--metadata must be a JSON object, got list"),
            (["x", "--metadata", "{oops"], "--metadata is not valid JSON"),
            ([], "no prompt"),
            (["x", "--prompt-file", "p.md"], "not both"),
            (["--prompt-file", "/nonexistent/p.md"], "cannot read --prompt-file"),
            (["   "], "the prompt is empty"),
        ],
    )
    def test_bad_input_is_a_usage_error(
        self, env: dict[str, str], emu: Emulator, args: list[str], why: str
    ) -> None:
        """Bad prompt or metadata: exit 2 with the reason, before any request."""
        result = cli("runs", "create", *args, env=env)
        assert EXIT_USAGE == result.returncode
        assert why in result.stderr
        no_traceback(result)
        assert 0 == emu.accounting.total("requests")

    @pytest.mark.parametrize(("tag", "code"), [("complete", EXIT_OK), ("error", EXIT_FAILED)])
    def test_wait_exit_status(self, env: dict[str, str], tag: str, code: int) -> None:
        """``create --wait`` and ``wait`` exit 1 when the run ends ERROR, 0 when COMPLETE."""
        made = cli("runs", "create", f"x [emulator:{tag}]", "--wait", "--json", *FAST, env=env)
        assert code == made.returncode, made.stderr
        run_id = str(created(made.stdout)["id"])
        assert code == cli("runs", "wait", run_id, *FAST, env=env).returncode


class TestList:
    def test_invalid_status_sends_nothing(self, env: dict[str, str], emu: Emulator) -> None:
        """``--status done`` is a usage error naming the known statuses; nothing is sent."""
        result = cli("runs", "list", "--status", "done", env=env)
        assert EXIT_USAGE == result.returncode
        assert "unknown status 'done'" in result.stderr and "COMPLETE" in result.stderr
        assert 0 == emu.accounting.total("requests")

    def test_lowercase_status(self, env: dict[str, str]) -> None:
        """``--status complete`` filters like COMPLETE."""
        cli("runs", "create", "x [emulator:complete]", "--wait", *FAST, env=env)
        cli("runs", "create", "y [emulator:error]", "--wait", *FAST, env=env)
        result = cli("runs", "list", "--status", "complete", "--json", env=env)
        assert EXIT_OK == result.returncode, result.stderr
        assert ["COMPLETE"] == [json.loads(x)["status"] for x in result.stdout.splitlines()]

    def test_org_from_the_token(self, env: dict[str, str], emu: Emulator) -> None:
        """Without an org configured, ``runs list`` uses the token's only org."""
        env = {k: v for k, v in env.items() if k != "CODEGEN_ORG_ID"}
        run_id = created(cli("runs", "create", "hello", "--json", env=env).stdout)["id"]
        result = cli("runs", "list", "--json", env=env)
        assert EXIT_OK == result.returncode, result.stderr
        assert [run_id] == [json.loads(x)["id"] for x in result.stdout.splitlines()]

    def test_one_time_format(self, env: dict[str, str]) -> None:
        """``created`` reads the same in list, get and logs: UTC to the second, marked Z."""
        stamp = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ")
        run_id = str(
            created(cli("runs", "create", "x", "--wait", "--json", *FAST, env=env).stdout)["id"]
        )
        wide = {**env, "COLUMNS": "200"}  # one table row per line
        for args in (["runs", "list"], ["runs", "get", run_id], ["runs", "logs", run_id]):
            result = cli(*args, env=wide)
            assert EXIT_OK == result.returncode, result.stderr
            assert stamp.search(result.stdout), result.stdout
            assert not re.search(r":\d\d\.\d{6}", result.stdout), result.stdout


class TestPaging:
    def test_logs_past_one_page(self, env: dict[str, str]) -> None:
        """``runs logs --limit 250`` pages through the endpoint's 100-entry pages."""
        meta = json.dumps({"emulator": {"logs": 240}})
        made = cli("runs", "create", "x", "--metadata", meta, "--wait", "--json", *FAST, env=env)
        run_id = str(created(made.stdout)["id"])
        result = cli("runs", "logs", run_id, "--limit", "250", "--json", env=env)
        assert EXIT_OK == result.returncode, result.stderr
        assert 241 == len(result.stdout.splitlines())  # 240 steps and the final answer
        some = cli("runs", "logs", run_id, "--limit", "150", "--json", env=env)
        assert 150 == len(some.stdout.splitlines())

    def test_repos_past_one_page(self, env: dict[str, str], emu: Emulator) -> None:
        """``repos --limit 230`` reads three pages."""
        for i in range(250):
            emu.state.add_repo(5000 + i, emu.org_id, f"extra-{i}")
        result = cli("repos", "--limit", "230", "--json", env=env)
        assert EXIT_OK == result.returncode, result.stderr
        assert 230 == len(result.stdout.splitlines())


class TestFollow:
    def test_follow_prints_every_line_until_the_run_ends(self, env: dict[str, str]) -> None:
        """``runs logs --follow`` prints each log line once and stops when the run ends."""
        meta = json.dumps({"emulator": {"logs": 30, "duration": 60}})
        made = cli("runs", "create", "x [emulator:complete]", "--metadata", meta, "--json", env=env)
        run_id = str(created(made.stdout)["id"])
        result = cli("runs", "logs", run_id, "--follow", "--json", *FAST, env=env)
        assert EXIT_OK == result.returncode, result.stderr
        thoughts = [json.loads(x)["thought"] for x in result.stdout.splitlines()]
        assert 31 == len(thoughts)
        assert len(thoughts) == len(set(thoughts))

    def test_follow_is_bounded(self, env: dict[str, str]) -> None:
        """``--follow --timeout`` gives up on a run that does not end: exit 1, a message."""
        meta = json.dumps({"emulator": {"duration": 100000}})
        made = cli("runs", "create", "x", "--metadata", meta, "--json", env=env)
        run_id = str(created(made.stdout)["id"])
        result = cli("runs", "logs", run_id, "--follow", "--timeout", "0.5", *FAST, env=env)
        assert EXIT_FAILED == result.returncode
        assert "WaitTimeoutError" in result.stderr
        no_traceback(result)
