"""``codegen-client`` end to end: real subprocesses against an emulator on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from codegen_async.emulator import Emulator
from tests.cli._support import TOKEN, cli, no_traceback


def created_prompts(emulator: Emulator) -> Counter[str]:
    return Counter(r.prompt for r in emulator.accounting.creates if r.created and r.prompt)


class TestBadInput:
    def test_missing_token(self, tmp_path: Path) -> None:
        """No token: a clear message naming CODEGEN_API_TOKEN, exit 2, no traceback."""
        result = cli("whoami")
        assert 2 == result.returncode
        assert "no API token" in result.stderr and "CODEGEN_API_TOKEN" in result.stderr
        no_traceback(result)

    def test_unreadable_file(self, env: dict[str, str], tmp_path: Path) -> None:
        """A missing input file: message with the path, exit 2, nothing sent."""
        result = cli("bulk", str(tmp_path / "nope.jsonl"), env=env)
        assert 2 == result.returncode
        assert "cannot read" in result.stderr and "nope.jsonl" in result.stderr
        no_traceback(result)

    @pytest.mark.parametrize(
        ("name", "text", "why"),
        [
            ("bad.jsonl", '{"prompt": "ok"}\n{"prompt": \n', "bad.jsonl:2: not valid JSON"),
            ("bad2.jsonl", '{"prompt": ""}\n', "bad2.jsonl:1: 'prompt' must be a non-empty"),
            ("bad3.jsonl", '{"prompt": "x", "colour": 1}\n', "bad3.jsonl:1: unknown key(s)"),
            ("bad4.jsonl", "[1, 2]\n", "bad4.jsonl:1: expected a JSON object"),
            ("bad.csv", "title\nhello\n", "bad.csv:1: a CSV file needs a header"),
            ("bad2.csv", "prompt,repo_id\nx,abc\n", "bad2.csv:2: repo_id must be a number"),
            ("empty.txt", "\n\n", "empty.txt: no prompts found"),
        ],
    )
    def test_malformed_input(  # noqa: PLR0917 - pytest passes fixtures and parameters by name
        self, env: dict[str, str], emu: Emulator, tmp_path: Path, name: str, text: str, why: str
    ) -> None:
        """A malformed line names file and line, exits 2, and nothing is sent."""
        path = tmp_path / name
        path.write_text(text)
        result = cli("bulk", str(path), env=env)
        assert 2 == result.returncode, result.stderr
        assert why in result.stderr
        no_traceback(result)
        assert 0 == emu.accounting.total("requests")

    def test_results_file_of_another_input(self, env: dict[str, str], tmp_path: Path) -> None:
        """Resuming with a results file written for other prompts is refused."""
        (tmp_path / "a.txt").write_text("one\ntwo\n")
        (tmp_path / "b.txt").write_text("three\nfour\n")
        out = str(tmp_path / "r.jsonl")
        assert 0 == cli("bulk", str(tmp_path / "a.txt"), "-o", out, "--json", env=env).returncode
        result = cli("bulk", str(tmp_path / "b.txt"), "-o", out, env=env)
        assert 2 == result.returncode
        assert "different input file" in result.stderr
        no_traceback(result)

    def test_bad_option_and_api_error(self, env: dict[str, str]) -> None:
        """A bad option value is a usage error (2); an API error is a message (1)."""
        assert 2 == cli("runs", "get", "abc", env=env).returncode
        result = cli("runs", "get", "999999", env=env)
        assert 1 == result.returncode
        assert "NotFoundError" in result.stderr
        no_traceback(result)

    def test_wrong_token(self, env: dict[str, str]) -> None:
        """A rejected token is reported without being printed."""
        result = cli("whoami", env={**env, "CODEGEN_API_TOKEN": "sk-wrong-token-xyz"})
        assert 1 == result.returncode
        assert "AuthenticationError" in result.stderr
        assert "sk-wrong-token-xyz" not in result.stderr + result.stdout


class TestCommands:
    def test_whoami_orgs_repos(self, env: dict[str, str], emu: Emulator) -> None:
        """whoami, orgs and repos print JSON lines with --json and a table without."""
        me = json.loads(cli("whoami", "--json", env=env).stdout)
        assert 1 == me["id"]
        orgs = [json.loads(line) for line in cli("orgs", "--json", env=env).stdout.splitlines()]
        assert [emu.org_id] == [o["id"] for o in orgs]
        repos = cli("repos", "--json", env=env).stdout.splitlines()
        assert 3 == len(repos)
        table = cli("repos", env=env)
        assert 0 == table.returncode and "full_name" in table.stdout
        no_traceback(table)

    def test_runs_lifecycle(self, env: dict[str, str]) -> None:
        """runs create --wait, get, list, wait, logs and resume, end to end."""
        fast = ["--time-scale", "0.01"]
        made = cli("runs", "create", "Fix [emulator:complete]", "--wait", "--json", *fast, env=env)
        assert 0 == made.returncode, made.stderr
        run = json.loads(made.stdout)
        assert "COMPLETE" == run["status"]
        rid = str(run["id"])
        assert run == json.loads(cli("runs", "get", rid, "--json", env=env).stdout)
        listed = [json.loads(x) for x in cli("runs", "list", "--json", env=env).stdout.splitlines()]
        assert run["id"] in [r["id"] for r in listed]
        waited = cli("runs", "wait", rid, "--json", *fast, env=env)
        assert 0 == waited.returncode and "COMPLETE" in waited.stdout
        logs = cli("runs", "logs", rid, "--json", env=env)
        assert 0 == logs.returncode and logs.stdout.strip()
        resumed = cli("runs", "resume", rid, "one more thing", "--json", env=env)
        assert 0 == resumed.returncode, resumed.stderr
        table = cli("runs", "list", "--mine", env=env)
        assert 0 == table.returncode and rid in table.stdout
        no_traceback(table)


class TestBulk:
    def test_bulk_wait_json_summary(
        self, env: dict[str, str], emu: Emulator, tmp_path: Path
    ) -> None:
        """bulk --wait: one run per prompt, a results line per input, a JSON summary."""
        path = tmp_path / "p.csv"
        path.write_text(
            "prompt,team\n" + "".join(f"task {i} [emulator:complete],t{i % 2}\n" for i in range(20))
        )
        out = tmp_path / "results.jsonl"
        fast = ["--time-scale", "0.01"]
        result = cli("bulk", str(path), "--wait", "--json", "-o", str(out), *fast, env=env)
        assert 0 == result.returncode, result.stderr
        summary = json.loads(result.stdout)["summary"]
        assert (20, 20, 0) == (summary["inputs"], summary["created"], summary["failed"])
        assert {"COMPLETE": 20} == summary["completed_by_status"]
        assert summary["requests"] >= 20 and summary["latency_p95_ms"] > 0
        assert {"created_once": 20, "duplicated": {}, "never_created": []} == {
            k: summary["audit"][k] for k in ("created_once", "duplicated", "never_created")
        }
        # The results file, compacted: the job's header, then one final line per input.
        header, *lines = [json.loads(x) for x in out.read_text().splitlines()]
        assert 1 == header["codegen_client_job"] and 20 == len(header["keys"])
        assert list(range(20)) == [x["index"] for x in lines]
        assert {("created", True, "COMPLETE")} == {
            (x["status"], x["finished"], x["run"]["status"]) for x in lines
        }
        assert {f"task {i} [emulator:complete]": 1 for i in range(20)} == dict(created_prompts(emu))
        no_traceback(result)

    def test_rerun_of_a_finished_job_sends_nothing(
        self, env: dict[str, str], emu: Emulator, tmp_path: Path
    ) -> None:
        """Running the same command again with the same output creates nothing new."""
        path = tmp_path / "p.txt"
        path.write_text("alpha\nbeta\ngamma\n")
        out = str(tmp_path / "r.jsonl")
        fast = ["--time-scale", "0.01"]
        assert 0 == cli("bulk", str(path), "-o", out, "--json", *fast, env=env).returncode
        again = cli("bulk", str(path), "-o", out, "--json", *fast, env=env)
        assert 0 == again.returncode
        assert 3 == json.loads(again.stdout)["summary"]["created"]
        assert {"alpha": 1, "beta": 1, "gamma": 1} == dict(created_prompts(emu))

    def test_progress_and_summary_for_people(self, env: dict[str, str], tmp_path: Path) -> None:
        """Without --json: progress on stderr, a summary table on stdout."""
        path = tmp_path / "p.txt"
        path.write_text("one\ntwo\n")
        result = cli("bulk", str(path), "-o", str(tmp_path / "r.jsonl"), env=env)
        assert 0 == result.returncode, result.stderr
        assert "creating runs" in result.stderr
        assert "Summary" in result.stdout and "latency p50 / p95" in result.stdout
        no_traceback(result)


@pytest.fixture
def slow_emu(codegen_emulator_factory: Callable[..., Emulator]) -> Iterator[Emulator]:
    """The real create limit (10 per minute) on a clock 100x fast: 10 creates per 0.6 s."""
    yield codegen_emulator_factory(time_scale=0.01, rate_limits="on", tokens={TOKEN: 1})


# ``python -m codegen_async.cli``, with Ctrl-C handled the way Python does by default even
# when this suite runs with SIGINT ignored (a background job of a non-interactive shell):
# an ignored signal is inherited by child processes, and the job would never see it.
_WITH_SIGINT = (
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('codegen_async.cli', run_name='__main__', alter_sys=True)"
)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_resume_after_kill_creates_no_duplicate(
    slow_emu: Emulator, tmp_path: Path, sig: signal.Signals
) -> None:
    """Killed (or interrupted) mid-job and re-run: every prompt has exactly one run, as
    the emulator's own accounting shows."""
    env = {
        "CODEGEN_API_TOKEN": TOKEN,
        "CODEGEN_BASE_URL": slow_emu.url,
        "CODEGEN_ORG_ID": str(slow_emu.org_id),
    }
    prompts = [f"job item {i}" for i in range(40)]
    path = tmp_path / "p.txt"
    path.write_text("\n".join(prompts) + "\n")
    out = tmp_path / "r.jsonl"
    args = [
        str(path),
        "-o",
        str(out),
        "--time-scale",
        "0.01",
        "--max-concurrent",
        "8",
        "--json",
        "--reconcile-grace",
        "0.5",
    ]
    base = {k: v for k, v in os.environ.items() if not k.startswith("CODEGEN_")}
    proc = subprocess.Popen(
        [sys.executable, "-c", _WITH_SIGINT, "bulk", *args],
        env={**base, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            created = sum(r.created for r in slow_emu.accounting.creates)
            if created >= 12 or proc.poll() is not None:
                break
            time.sleep(0.02)
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:  # pragma: no cover
            proc.kill()
            proc.communicate()
    assert proc.returncode != 0, stderr[-2000:]
    if sig == signal.SIGINT:
        assert 130 == proc.returncode
        assert "Traceback" not in stderr and "re-run the same command" in stderr
    first = sum(r.created for r in slow_emu.accounting.creates)
    assert 12 <= first < 40
    result = cli("bulk", *args, env=env)
    assert 0 == result.returncode, result.stderr
    summary = json.loads(result.stdout)["summary"]
    assert 40 == summary["created"] + summary["reconciled"]
    assert dict.fromkeys(prompts, 1) == dict(created_prompts(slow_emu))


def test_emulator_command_serves() -> None:
    """``codegen-client emulator`` serves until SIGTERM, printing its URL and the line that
    points the client at it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "codegen_async.cli", "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "listening on http://127.0.0.1:" in line
        url = line.split()[-1]
        banner = proc.stdout.readline() + proc.stdout.readline()
        expected = (
            f"export CODEGEN_BASE_URL={url} CODEGEN_API_TOKEN=sk-emulator-0000 "
            "CODEGEN_ORG_ID=323 CODEGEN_TIME_SCALE=1"
        )
        assert expected in banner
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert 0 == proc.returncode
