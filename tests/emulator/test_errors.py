"""Auth, isolation between tokens, and every documented error body, verbatim."""

from __future__ import annotations

import pytest

from codegen_async.emulator import OTHER_ORG_ID, Emulator, EmulatorConfig

from .helpers import call, org_path

FORBIDDEN = {"message": "You do not have access to this organization.", "status_code": 403}
RUN_NOT_FOUND = {"message": "Agent run not found.", "status_code": 404}
USER_NOT_FOUND = {"message": "User not found.", "status_code": 404}
NO_REPOS = {
    "message": "No repos found in the organization. Please add some repos and try again.",
    "status_code": 404,
}
PLAN = {
    "message": "Alloted agent runs for the current billing plan have been reached. "
    "Please upgrade your plan to continue.",
    "status_code": 402,
}
RATE = {"message": "Rate limit exceeded. Please try again later.", "status_code": 429}


def _emu(**kw: object) -> Emulator:
    kw.setdefault("rate_limits", "off")
    return Emulator(EmulatorConfig(**kw))  # type: ignore[arg-type]


class TestAuth:
    @pytest.mark.parametrize(
        "headers",
        [{}, {"Authorization": "Bearer sk-unknown"}, {"Authorization": "Basic abc"}],
        ids=["missing", "unknown", "not-bearer"],
    )
    async def test_missing_or_unknown_token_is_401(self, headers: dict[str, str]) -> None:
        """Every operation needs a known bearer token."""
        async with _emu() as emu:
            status, body, _ = await call(emu, "GET", "/v1/users/me", headers=headers)
        assert status == 401
        assert isinstance(body["detail"], str)

    async def test_users_me_answers_for_the_tokens_user(self) -> None:
        """Several tokens: each sees its own user."""
        tokens = {"sk-a": {"id": 21, "github_username": "ann"}, "sk-b": 22}
        async with _emu(tokens=tokens) as emu:
            _, ann, _ = await call(emu, "GET", "/v1/users/me", token="sk-a")
            _, other, _ = await call(emu, "GET", "/v1/users/me", token="sk-b")
        assert (ann["id"], ann["github_username"], other["id"]) == (21, "ann", 22)

    async def test_tokens_of_different_orgs_are_isolated(self) -> None:
        """A token's user cannot read another organization's runs: 403, documented body."""
        tokens = {"sk-a": {"id": 21, "orgs": [323]}, "sk-b": {"id": 22, "orgs": [OTHER_ORG_ID]}}
        async with _emu(tokens=tokens) as emu:
            status, run, _ = await call(
                emu, "POST", org_path(emu, "/agent/run"), token="sk-a", json_body={"prompt": "a"}
            )
            assert status == 200
            status, body, _ = await call(
                emu, "GET", org_path(emu, f"/agent/run/{run['id']}"), token="sk-b"
            )
            assert (status, body) == (403, FORBIDDEN)
            status, body, _ = await call(
                emu, "GET", org_path(emu, "/agent/runs", OTHER_ORG_ID), token="sk-b"
            )
            assert (status, body["total"]) == (200, 0)
            _, orgs, _ = await call(emu, "GET", "/v1/organizations", token="sk-b")
            assert [o["id"] for o in orgs["items"]] == [OTHER_ORG_ID]


class TestDocumentedBodies:
    async def test_403_not_a_member(self) -> None:
        """403 PermissionsErrorResponse on an organization the user is not in."""
        async with _emu() as emu:
            status, body, _ = await call(emu, "GET", org_path(emu, "/agent/runs", OTHER_ORG_ID))
        assert (status, body) == (403, FORBIDDEN)

    async def test_404_run_missing_or_in_another_org(self) -> None:
        """404 AgentRunNotFoundErrorResponse, also for a run of another organization."""
        async with _emu() as emu:
            foreign = emu.state.create_run(OTHER_ORG_ID, 4, "theirs")
            emu.state.users[1].memberships[OTHER_ORG_ID] = "MEMBER"
            missing = await call(emu, "GET", org_path(emu, "/agent/run/999999"))
            elsewhere = await call(emu, "GET", org_path(emu, f"/agent/run/{foreign.id}"))
        assert (missing[0], missing[1]) == (404, RUN_NOT_FOUND)
        assert (elsewhere[0], elsewhere[1]) == (404, RUN_NOT_FOUND)

    async def test_404_user(self) -> None:
        """404 UserNotFoundErrorResponse."""
        async with _emu() as emu:
            status, body, _ = await call(emu, "GET", org_path(emu, "/users/777"))
        assert (status, body) == (404, USER_NOT_FOUND)

    async def test_404_no_repos(self) -> None:
        """404 NoReposFoundInOrgErrorResponse when the organization has no repository."""
        async with _emu() as emu:
            emu.state.org_repos[emu.org_id].clear()
            status, body, _ = await call(
                emu, "POST", org_path(emu, "/agent/run"), json_body={"prompt": "x"}
            )
        assert (status, body) == (404, NO_REPOS)

    async def test_402_plan_quota(self) -> None:
        """402 once the configured plan quota of runs is used up; nothing is created."""
        async with _emu(plan_quota=2) as emu:
            statuses = []
            for _ in range(3):
                status, body, _ = await call(
                    emu, "POST", org_path(emu, "/agent/run"), json_body={"prompt": "x"}
                )
                statuses.append(status)
            assert len(emu.state.runs) == 2
        assert statuses == [200, 200, 402]
        assert body == PLAN

    async def test_429_body(self) -> None:
        """429 APIRateLimitErrorResponse; no Retry-After unless asked for."""
        async with Emulator(EmulatorConfig()) as emu:
            for _ in range(11):
                status, body, headers = await call(
                    emu, "POST", org_path(emu, "/agent/run"), json_body={"prompt": "x"}
                )
        assert (status, body) == (429, RATE)
        assert "Retry-After" not in headers

    @pytest.mark.parametrize(
        ("body", "errors"),
        [
            ({}, [("missing", ["body", "prompt"])]),
            ({"prompt": None}, [("string_type", ["body", "prompt"])]),
            ({"prompt": 5}, [("string_type", ["body", "prompt"])]),
            (
                {"prompt": "x", "repo_id": "abc", "agent_type": "gpt"},
                [("int_parsing", ["body", "repo_id"]), ("literal_error", ["body", "agent_type"])],
            ),
            ({"prompt": "x", "repo_id": 1.5}, [("int_from_float", ["body", "repo_id"])]),
            ({"prompt": "x", "images": ["a", 2]}, [("string_type", ["body", "images", 1])]),
            ({"prompt": "x", "metadata": [1]}, [("dict_type", ["body", "metadata"])]),
            ([1, 2], [("model_attributes_type", ["body"])]),
        ],
    )
    async def test_422_body_validation(self, body: object, errors: list) -> None:  # type: ignore[type-arg]
        """Body errors use FastAPI's shape: type, loc, msg, input."""
        async with _emu() as emu:
            status, payload, _ = await call(
                emu, "POST", org_path(emu, "/agent/run"), json_body=body
            )
        assert status == 422
        assert [(e["type"], e["loc"]) for e in payload["detail"]] == errors
        assert all({"type", "loc", "msg", "input"} <= set(e) for e in payload["detail"])

    async def test_422_invalid_json_and_empty_body(self) -> None:
        """Unparseable JSON and a missing body are 422s too."""
        async with _emu() as emu:
            path = org_path(emu, "/agent/run")
            headers = {**emu.headers(), "Content-Type": "application/json"}
            bad = await call(emu, "POST", path, data=b"{nope", headers=headers)
            empty = await call(emu, "POST", path, data=b"", headers=headers)
        assert (bad[0], bad[1]["detail"][0]["type"]) == (422, "json_invalid")
        assert (empty[0], empty[1]["detail"][0]["loc"]) == (422, ["body"])

    async def test_422_path_ids(self) -> None:
        """A non-integer path id is a 422 (GET .../agent/run/resume included, as in FastAPI)."""
        async with _emu() as emu:
            status, body, _ = await call(emu, "GET", org_path(emu, "/agent/run/resume"))
        assert status == 422
        assert body["detail"][0]["loc"] == ["path", "agent_run_id"]

    async def test_unknown_route_and_method(self) -> None:
        """Unknown paths answer Starlette's 404 {"detail": "Not Found"}; wrong methods 405."""
        async with _emu() as emu:
            missing = await call(emu, "GET", "/v1/beta/organizations/323/agent/run/resume")
            repositories = await call(emu, "GET", org_path(emu, "/repositories"))
            wrong = await call(emu, "DELETE", org_path(emu, "/agent/runs"))
        assert (missing[0], missing[1]) == (404, {"detail": "Not Found"})
        assert repositories[0] == 404
        assert (wrong[0], wrong[1]) == (405, {"detail": "Method Not Allowed"})

    async def test_setup_commands_and_sandbox_errors(self) -> None:
        """Undocumented 400/404 bodies use FastAPI's {"detail": "..."}."""
        async with _emu() as emu:
            no_repo = await call(
                emu, "POST", org_path(emu, "/setup-commands/generate"), json_body={"repo_id": 9}
            )
            no_box = await call(emu, "POST", org_path(emu, "/sandbox/9/analyze-logs"))
            no_logs = await call(emu, "POST", org_path(emu, "/sandbox/2/analyze-logs"))
        assert (no_repo[0], no_repo[1]) == (404, {"detail": "Repository not found"})
        assert (no_box[0], no_box[1]) == (404, {"detail": "Sandbox not found"})
        assert (no_logs[0], no_logs[1]) == (400, {"detail": "No logs available for analysis"})
