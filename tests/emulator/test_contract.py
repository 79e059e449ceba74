"""Every response of every operation matches its schema in openapi.json (every key present)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from codegen_async.emulator import OPERATIONS, OTHER_ORG_ID, Emulator, EmulatorConfig

from .helpers import SPEC, call, check_response

ORG = "/v1/organizations/{org_id}"
RUN = {"agent_run_id": 0}  # placeholder replaced with a real run id


class Case:
    """One request and the declared response it must produce."""

    def __init__(
        self,
        spec_path: str,
        method: str,
        status: int,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        prepare: Callable[[Emulator], None] | None = None,
        config: dict[str, Any] | None = None,
    ) -> None:
        self.spec_path = spec_path
        self.method = method
        self.status = status
        self.path = path
        self.body = body
        self.params = params
        self.prepare = prepare
        self.config = config or {}

    def __repr__(self) -> str:
        return f"{self.method} {self.spec_path} -> {self.status}"


def _no_repos(emu: Emulator) -> None:
    emu.state.org_repos[emu.org_id].clear()


CASES = [
    # 1 create
    Case(f"{ORG}/agent/run", "POST", 200, "{o}/agent/run", body={"prompt": "x"}),
    Case(
        f"{ORG}/agent/run",
        "POST",
        200,
        "{o}/agent/run",
        body={
            "prompt": "all fields",
            "images": ["data:image/png;base64,AAAA"],
            "metadata": {"k": 1},
            "repo_id": 101,
            "model": "claude",
            "agent_type": "claude_code",
        },
    ),
    Case(
        f"{ORG}/agent/run",
        "POST",
        402,
        "{o}/agent/run",
        body={"prompt": "x"},
        config={"plan_quota": 0},
    ),
    Case(f"{ORG}/agent/run", "POST", 403, "{other}/agent/run", body={"prompt": "x"}),
    Case(f"{ORG}/agent/run", "POST", 404, "{o}/agent/run", body={"prompt": "x"}, prepare=_no_repos),
    Case(f"{ORG}/agent/run", "POST", 422, "{o}/agent/run", body={"images": 3}),
    Case(
        f"{ORG}/agent/run",
        "POST",
        429,
        "{o}/agent/run",
        body={"prompt": "x"},
        config={"rate_limits": 0.01},
    ),
    # 2 get
    Case(f"{ORG}/agent/run/{{agent_run_id}}", "GET", 200, "{o}/agent/run/{run}"),
    Case(f"{ORG}/agent/run/{{agent_run_id}}", "GET", 200, "{o}/agent/run/{done}"),
    Case(f"{ORG}/agent/run/{{agent_run_id}}", "GET", 403, "{other}/agent/run/{run}"),
    Case(f"{ORG}/agent/run/{{agent_run_id}}", "GET", 404, "{o}/agent/run/1"),
    Case(f"{ORG}/agent/run/{{agent_run_id}}", "GET", 422, "{o}/agent/run/abc"),
    Case(
        f"{ORG}/agent/run/{{agent_run_id}}",
        "GET",
        429,
        "{o}/agent/run/{run}",
        config={"rate_limits": 0.01},
    ),
    # 3 list
    Case(f"{ORG}/agent/runs", "GET", 200, "{o}/agent/runs"),
    Case(
        f"{ORG}/agent/runs",
        "GET",
        200,
        "{o}/agent/runs",
        params={"user_id": 1, "source_type": "API", "skip": 0, "limit": 1},
    ),
    Case(f"{ORG}/agent/runs", "GET", 403, "{other}/agent/runs"),
    Case(f"{ORG}/agent/runs", "GET", 422, "{o}/agent/runs", params={"limit": 0}),
    Case(f"{ORG}/agent/runs", "GET", 422, "{o}/agent/runs", params={"source_type": "NOPE"}),
    Case(f"{ORG}/agent/runs", "GET", 429, "{o}/agent/runs", config={"rate_limits": 0.01}),
    # 4 resume
    Case(
        f"{ORG}/agent/run/resume",
        "POST",
        200,
        "{o}/agent/run/resume",
        body={"agent_run_id": "{done}", "prompt": "more"},
    ),
    Case(
        f"{ORG}/agent/run/resume",
        "POST",
        403,
        "{other}/agent/run/resume",
        body={"agent_run_id": "{run}", "prompt": "more"},
    ),
    Case(
        f"{ORG}/agent/run/resume",
        "POST",
        404,
        "{o}/agent/run/resume",
        body={"agent_run_id": 1, "prompt": "more"},
    ),
    Case(f"{ORG}/agent/run/resume", "POST", 422, "{o}/agent/run/resume", body={"prompt": "x"}),
]
for action in ("ban", "unban", "remove-from-pr"):
    p = f"{ORG}/agent/run/{action}"
    CASES += [
        Case(p, "POST", 200, f"{{o}}/agent/run/{action}", body={"agent_run_id": "{run}"}),
        Case(p, "POST", 403, f"{{other}}/agent/run/{action}", body={"agent_run_id": "{run}"}),
        Case(p, "POST", 404, f"{{o}}/agent/run/{action}", body={"agent_run_id": 1}),
        Case(p, "POST", 422, f"{{o}}/agent/run/{action}", body={"agent_run_id": "x"}),
    ]
LOGS = "/v1/alpha/organizations/{org_id}/agent/run/{agent_run_id}/logs"
CASES += [
    # 8 logs
    Case(LOGS, "GET", 200, "/v1/alpha/organizations/{oid}/agent/run/{done}/logs"),
    Case(
        LOGS,
        "GET",
        200,
        "/v1/alpha/organizations/{oid}/agent/run/{run}/logs",
        params={"skip": 1, "limit": 2, "reverse": "true"},
    ),
    Case(LOGS, "GET", 403, "/v1/alpha/organizations/{otherid}/agent/run/{run}/logs"),
    Case(LOGS, "GET", 404, "/v1/alpha/organizations/{oid}/agent/run/1/logs"),
    Case(
        LOGS,
        "GET",
        422,
        "/v1/alpha/organizations/{oid}/agent/run/{run}/logs",
        params={"reverse": "maybe"},
    ),
    Case(
        LOGS,
        "GET",
        429,
        "/v1/alpha/organizations/{oid}/agent/run/{run}/logs",
        config={"rate_limits": 0.01},
    ),
    # 9-12 orgs and users
    Case("/v1/organizations", "GET", 200, "/v1/organizations"),
    Case("/v1/organizations", "GET", 422, "/v1/organizations", params={"skip": -1}),
    Case("/v1/organizations", "GET", 429, "/v1/organizations", config={"rate_limits": 0.01}),
    Case(f"{ORG}/users", "GET", 200, "{o}/users"),
    Case(f"{ORG}/users", "GET", 403, "{other}/users"),
    Case(f"{ORG}/users", "GET", 422, "{o}/users", params={"limit": 101}),
    Case(f"{ORG}/users", "GET", 429, "{o}/users", config={"rate_limits": 0.01}),
    Case(f"{ORG}/users/{{user_id}}", "GET", 200, "{o}/users/2"),
    Case(f"{ORG}/users/{{user_id}}", "GET", 403, "{other}/users/4"),
    Case(f"{ORG}/users/{{user_id}}", "GET", 404, "{o}/users/4"),
    Case(f"{ORG}/users/{{user_id}}", "GET", 422, "{o}/users/me"),
    Case(f"{ORG}/users/{{user_id}}", "GET", 429, "{o}/users/2", config={"rate_limits": 0.01}),
    Case("/v1/users/me", "GET", 200, "/v1/users/me"),
    Case("/v1/users/me", "GET", 429, "/v1/users/me", config={"rate_limits": 0.01}),
    # 13-15 repos
    Case(f"{ORG}/repos", "GET", 200, "{o}/repos"),
    Case(f"{ORG}/repos", "GET", 422, "{o}/repos", params={"limit": "ten"}),
    Case(f"{ORG}/repos", "GET", 429, "{o}/repos", config={"rate_limits": 0.01}),
    Case(
        f"{ORG}/repos/check-suite-settings",
        "GET",
        200,
        "{o}/repos/check-suite-settings",
        params={"repo_id": 101},
    ),
    Case(f"{ORG}/repos/check-suite-settings", "GET", 422, "{o}/repos/check-suite-settings"),
    Case(
        f"{ORG}/repos/check-suite-settings",
        "PUT",
        200,
        "{o}/repos/check-suite-settings",
        params={"repo_id": 101},
        body={"check_retry_count": 5, "ignored_checks": ["lint"]},
    ),
    Case(
        f"{ORG}/repos/check-suite-settings",
        "PUT",
        422,
        "{o}/repos/check-suite-settings",
        params={"repo_id": 101},
        body={"check_retry_count": 11},
    ),
    # 16-17 PR edits
    Case(f"{ORG}/prs/{{pr_id}}", "PATCH", 200, "{o}/prs/{pr}", body={"state": "closed"}),
    Case(f"{ORG}/prs/{{pr_id}}", "PATCH", 200, "{o}/prs/1", body={"state": "closed"}),
    Case(f"{ORG}/prs/{{pr_id}}", "PATCH", 422, "{o}/prs/{pr}", body={"state": "merged"}),
    Case(
        f"{ORG}/prs/{{pr_id}}",
        "PATCH",
        429,
        "{o}/prs/{pr}",
        body={"state": "open"},
        config={"rate_limits": 0.01},
    ),
    Case(
        f"{ORG}/repos/{{repo_id}}/prs/{{pr_id}}",
        "PATCH",
        200,
        "{o}/repos/{repo}/prs/{pr}",
        body={"state": "draft"},
    ),
    Case(
        f"{ORG}/repos/{{repo_id}}/prs/{{pr_id}}",
        "PATCH",
        422,
        "{o}/repos/x/prs/{pr}",
        body={"state": "draft"},
    ),
    Case(
        f"{ORG}/repos/{{repo_id}}/prs/{{pr_id}}",
        "PATCH",
        429,
        "{o}/repos/{repo}/prs/{pr}",
        body={"state": "draft"},
        config={"rate_limits": 0.01},
    ),
    # 18 integrations
    Case(f"{ORG}/integrations", "GET", 200, "{o}/integrations"),
    Case(f"{ORG}/integrations", "GET", 403, "{other}/integrations"),
    Case(f"{ORG}/integrations", "GET", 422, "{bad}/integrations"),
    Case(f"{ORG}/integrations", "GET", 429, "{o}/integrations", config={"rate_limits": 0.01}),
    # 19-20 setup commands, analyze logs
    Case(
        f"{ORG}/setup-commands/generate",
        "POST",
        200,
        "{o}/setup-commands/generate",
        body={"repo_id": 101},
    ),
    Case(f"{ORG}/setup-commands/generate", "POST", 422, "{o}/setup-commands/generate", body={}),
    Case(f"{ORG}/sandbox/{{sandbox_id}}/analyze-logs", "POST", 200, "{o}/sandbox/1/analyze-logs"),
    Case(
        f"{ORG}/sandbox/{{sandbox_id}}/analyze-logs", "POST", 403, "{other}/sandbox/1/analyze-logs"
    ),
    Case(f"{ORG}/sandbox/{{sandbox_id}}/analyze-logs", "POST", 422, "{o}/sandbox/x/analyze-logs"),
    Case(
        f"{ORG}/sandbox/{{sandbox_id}}/analyze-logs",
        "POST",
        429,
        "{o}/sandbox/1/analyze-logs",
        config={"rate_limits": 0.01},
    ),
    # 21 CLI rules
    Case(f"{ORG}/cli/rules", "GET", 200, "{o}/cli/rules"),
    Case(f"{ORG}/cli/rules", "GET", 403, "{other}/cli/rules"),
    Case(f"{ORG}/cli/rules", "GET", 422, "{bad}/cli/rules"),
    Case(f"{ORG}/cli/rules", "GET", 429, "{o}/cli/rules", config={"rate_limits": 0.01}),
    # 22-25 plumbing
    Case("/v1/mcp-providers", "GET", 200, "/v1/mcp-providers"),
    Case(
        "/v1/oauth/tokens/status", "GET", 200, "/v1/oauth/tokens/status", params={"org_id": "{oid}"}
    ),
    Case("/v1/oauth/tokens/status", "GET", 422, "/v1/oauth/tokens/status"),
    Case(
        "/v1/oauth/tokens/revoke",
        "POST",
        200,
        "/v1/oauth/tokens/revoke",
        params={"org_id": "{oid}", "provider": "slack"},
    ),
    Case("/v1/oauth/tokens/revoke", "POST", 422, "/v1/oauth/tokens/revoke", params={"org_id": "x"}),
    Case(
        "/v1/slack-connect/generate-token",
        "POST",
        200,
        "/v1/slack-connect/generate-token",
        body={"org_id": "{oid}"},
    ),
    Case(
        "/v1/slack-connect/generate-token",
        "POST",
        422,
        "/v1/slack-connect/generate-token",
        body={"org": 1},
    ),
]


def _fill(value: Any, names: dict[str, Any]) -> Any:
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in names:
            return names[value[1:-1]]
        return value.format(**names)
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value


def test_every_operation_has_cases() -> None:
    """The cases cover all 25 operations of the spec, and the emulator routes each one."""
    spec_ops = {(p, m.upper()) for p, ops in SPEC["paths"].items() for m in ops}
    covered = {(c.spec_path, c.method) for c in CASES}
    assert covered == spec_ops
    assert len(spec_ops) == len(OPERATIONS) == 25


@pytest.mark.parametrize("case", CASES, ids=repr)
async def test_response_matches_schema(case: Case) -> None:
    """The response has the declared status and validates against the declared schema."""
    cfg = EmulatorConfig(**{"time_scale": 0.01, "rate_limits": "off", **case.config})
    async with Emulator(cfg) as emu:
        world = emu.state
        run = world.create_run(emu.org_id, 1, "active", duration=1e6)
        done = world.create_run(
            emu.org_id,
            1,
            "done",
            metadata={"emulator": {"pr": True}},
            outcome="COMPLETE",
            duration=0,
            repo_id=101,
        )
        pr = done.segments[0].pr
        assert pr is not None
        names = {
            "o": f"/v1/organizations/{emu.org_id}",
            "other": f"/v1/organizations/{OTHER_ORG_ID}",
            "bad": "/v1/organizations/abc",
            "oid": emu.org_id,
            "otherid": OTHER_ORG_ID,
            "run": run.id,
            "done": done.id,
            "pr": pr.id,
            "repo": pr.repo_id,
        }
        if case.prepare is not None:
            case.prepare(emu)
        path = _fill(case.path, names)
        params = _fill(case.params, names) if case.params else None
        body = _fill(case.body, names) if case.body is not None else None
        for _ in range(2 if case.status == 429 else 1):
            status, payload, _headers = await call(
                emu, case.method, path, json_body=body, params=params
            )
    assert status == case.status, payload
    check_response(case.spec_path, case.method, status, payload)
