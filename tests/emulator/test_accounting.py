"""Accounting (in-process and on /_emulator/...), seeding, and the command line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from codegen_async.emulator import DEFAULT_TOKEN, Emulator, EmulatorConfig, FaultConfig

from .helpers import call, org_path

ROOT = Path(__file__).resolve().parents[2]


class TestAccounting:
    async def test_counts_per_endpoint_and_token(self) -> None:
        """Requests, statuses, 429s and runs created are counted per endpoint and token."""
        async with Emulator(EmulatorConfig(tokens={"sk-a": 1, "sk-b": 2})) as emu:
            for _ in range(11):
                await call(emu, "POST", org_path(emu, "/agent/run"), json_body={"prompt": "x"})
            await call(emu, "GET", "/v1/users/me", token="sk-b")
            await call(emu, "GET", "/v1/users/me", token="nope")
            snap = emu.accounting.snapshot()
        create = snap["endpoints"]["create_agent_run"]
        assert (create["requests"], create["runs_created"], create["rate_limited"]) == (11, 10, 1)
        assert (create["status_200"], create["status_429"]) == (10, 1)
        assert snap["tokens"]["sk-a"]["requests"] == 11
        assert snap["tokens"]["sk-b"] == {"requests": 1, "status_200": 1}
        assert snap["tokens"]["<invalid>"] == {"status_401": 1}
        assert snap["totals"]["runs_created"] == 10
        records = snap["creates"]
        assert [r["status"] for r in records] == [200] * 10 + [429]
        assert [r["created"] for r in records] == [True] * 10 + [False]
        assert {r["run_id"] for r in records if r["created"]} == set(emu.state.runs)

    async def test_faults_are_counted(self) -> None:
        """Injected faults are counted by kind."""
        cfg = EmulatorConfig(faults=FaultConfig(error_rate=1.0), rate_limits="off")
        async with Emulator(cfg) as emu:
            for _ in range(3):
                await call(emu, "GET", "/v1/users/me")
            counters = emu.accounting.snapshot()["endpoints"]["get_current_user"]
        assert (counters["faults"], counters["fault_error"], counters["requests"]) == (3, 3, 3)

    async def test_admin_endpoints_off_by_default(self) -> None:
        """/_emulator/... is not served unless enabled."""
        async with Emulator() as emu:
            status, _, _ = await call(emu, "GET", "/_emulator/accounting")
        assert status == 404

    async def test_admin_endpoints(self) -> None:
        """Accounting, reset, clock advance, seeding and run detail over HTTP."""
        async with Emulator(EmulatorConfig(admin_endpoints=True)) as emu:
            _, run, _ = await call(
                emu, "POST", org_path(emu, "/agent/run"), json_body={"prompt": "x"}
            )
            status, snap, _ = await call(emu, "GET", "/_emulator/accounting")
            assert status == 200
            assert snap["endpoints"]["create_agent_run"]["runs_created"] == 1
            await call(emu, "POST", "/_emulator/clock/advance", json_body={"seconds": 500})
            _, detail, _ = await call(emu, "GET", f"/_emulator/runs/{run['id']}")
            assert detail["status"] != "ACTIVE"
            await call(emu, "POST", "/_emulator/accounting/reset")
            assert emu.accounting.snapshot()["creates"] == []
            world = {"users": [{"id": 50, "github_username": "zed", "orgs": [323]}]}
            world["tokens"] = {"sk-zed": 50}  # type: ignore[assignment]
            await call(emu, "POST", "/_emulator/seed", json_body=world)
            _, me, _ = await call(emu, "GET", "/v1/users/me", token="sk-zed")
            assert me["github_username"] == "zed"
            status, _, _ = await call(emu, "POST", "/_emulator/rate-limits/reset")
            assert status == 200


class TestSeeding:
    async def test_world_from_json_file(self, tmp_path: Path) -> None:
        """A JSON file adds organizations, users, tokens, repos and runs."""
        world = {
            "organizations": [{"id": 77, "name": "Acme"}],
            "users": [{"id": 70, "github_username": "wile", "orgs": {"77": "ADMIN"}}],
            "tokens": {"sk-acme": 70},
            "repos": [{"id": 700, "organization_id": 77, "name": "rockets"}],
            "runs": [
                {
                    "organization_id": 77,
                    "user_id": 70,
                    "prompt": "old",
                    "outcome": "FAILED",
                    "duration": 1,
                    "created_offset": -3600,
                }
            ],
        }
        path = tmp_path / "world.json"
        path.write_text(json.dumps(world))
        async with Emulator(EmulatorConfig(world=path)) as emu:
            _, page, _ = await call(emu, "GET", "/v1/organizations/77/agent/runs", token="sk-acme")
            _, repos, _ = await call(emu, "GET", "/v1/organizations/77/repos", token="sk-acme")
        assert [(r["status"], r["metadata"]) for r in page["items"]] == [("FAILED", None)]
        assert [r["full_name"] for r in repos["items"]] == ["acme/rockets"]

    async def test_seed_from_python(self) -> None:
        """emu.state helpers add to the world while it serves."""
        async with Emulator() as emu:
            emu.state.add_user(60, "pat", {emu.org_id: "MANAGER"}, token="sk-pat")
            _, me, _ = await call(emu, "GET", "/v1/users/me", token="sk-pat")
            assert (me["id"], me["role"]) == (60, "MANAGER")

    async def test_seed_runs(self) -> None:
        """seed_runs creates settled historical runs, newest listed first."""
        async with Emulator(EmulatorConfig(seed_runs=150)) as emu:
            _, page, _ = await call(emu, "GET", org_path(emu, "/agent/runs"))
        assert (page["total"], len(page["items"]), page["pages"]) == (150, 100, 2)
        assert "ACTIVE" not in {r["status"] for r in page["items"]}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_command_line_serves_and_stops_on_signal(sig: signal.Signals) -> None:
    """`python -m codegen_async.emulator` prints its URL when ready; a signal stops it cleanly."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "codegen_async.emulator",
            "--port",
            "0",
            "--time-scale",
            "0.01",
            "--rate-limits",
            "off",
            "--seed",
            "3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        prefix = "Codegen API emulator listening on http://127.0.0.1:"
        assert line.startswith(prefix), line
        import urllib.request

        req = urllib.request.Request(
            line.rsplit(" ", 1)[1] + "/v1/users/me",
            headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"},
        )
        with urllib.request.urlopen(req, timeout=5) as resp:
            assert json.loads(resp.read())["id"] == 1
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err


def test_command_line_configures_webhook_delivery(monkeypatch: pytest.MonkeyPatch) -> None:
    """--webhook-url (repeatable) and the secret from $CODEGEN_WEBHOOK_SECRET reach the config."""
    from codegen_async.emulator.__main__ import parse_args

    monkeypatch.setenv("CODEGEN_WEBHOOK_SECRET", "whsec_c2VjcmV0")
    config = parse_args(
        ["--webhook-url", "http://127.0.0.1:9/a", "--webhook-url", "http://127.0.0.1:9/b"]
    )
    assert ("http://127.0.0.1:9/a", "http://127.0.0.1:9/b") == config.webhook_urls
    assert "whsec_c2VjcmV0" == config.webhook_secret
    assert () == parse_args([]).webhook_urls
