"""Every API operation of the client, against the emulator."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from codegen_async import (
    AgentRun,
    AsyncCodegenClient,
    NotFoundError,
    Page,
    User,
    ValidationError,
    WaitTimeoutError,
)
from codegen_async._http._backend import sleep
from codegen_async.emulator import Emulator

from .conftest import config_for

STEER_QUICK = {"emulator": {"outcome": "COMPLETE", "duration": 1.0}}


class TestUsersAndOrganizations:
    async def test_current_user(self, client: AsyncCodegenClient) -> None:
        """users/me answers for the token's user, typed."""
        user = await client.get_current_user()
        assert isinstance(user, User)
        assert (1, "emulator-admin") == (user.id, user.github_username)

    async def test_organizations(self, client: AsyncCodegenClient, emulator: Emulator) -> None:
        """The token's organizations come back as a page."""
        page = await client.get_organizations()
        assert [emulator.org_id] == [org.id for org in page.items]
        assert page.items[0].settings.enable_pr_creation is True

    async def test_users_and_one_user(self, client: AsyncCodegenClient) -> None:
        """Org members are listed, one can be fetched, an unknown one is a NotFoundError."""
        users = await client.get_users()
        assert {1, 2, 3} <= {u.id for u in users.items}
        assert "alice" == (await client.get_user(user_id=2)).github_username
        with pytest.raises(NotFoundError) as info:
            await client.get_user(user_id=424242)
        assert "User not found." == info.value.detail

    async def test_repositories(self, client: AsyncCodegenClient) -> None:
        """Repositories are listed with every documented field."""
        repos = await client.get_repositories(per_page=2)
        assert 2 == len(repos.items)
        assert 3 == repos.total
        assert {"api", "web"} == {r.name for r in repos.items}

    async def test_integrations(self, client: AsyncCodegenClient, emulator: Emulator) -> None:
        """Integration status of the organization."""
        result = await client.get_integrations()
        assert emulator.org_id == result.organization_id
        assert result.total_active_integrations == sum(i.active for i in result.integrations)

    async def test_check_suite_settings_roundtrip(self, client: AsyncCodegenClient) -> None:
        """Settings can be read, updated field by field, and read back."""
        before = await client.get_check_suite_settings(repo_id=101)
        await client.update_check_suite_settings(repo_id=101, check_retry_count=7)
        after = await client.get_check_suite_settings(repo_id=101)
        assert 7 == after.check_retry_count
        assert before.ignored_checks == after.ignored_checks

    async def test_cli_rules_and_oauth(self, client: AsyncCodegenClient) -> None:
        """Rules, MCP providers, OAuth status and revoke, Slack token."""
        rules = await client.get_cli_rules()
        assert rules.organization_rules
        providers = await client.get_mcp_providers()
        assert all(p.is_mcp for p in providers)
        status = await client.get_oauth_token_status()
        assert isinstance(status, list)
        assert "slack" in status
        await client.revoke_oauth_token(provider="slack")
        after = await client.get_oauth_token_status()
        assert isinstance(after, list)
        assert "slack" not in after
        token = await client.generate_slack_connect_token()
        assert 10 == token.expires_in_minutes

    async def test_setup_commands_and_log_analysis(self, client: AsyncCodegenClient) -> None:
        """Both agent-starting endpoints return the run they started."""
        setup = await client.generate_setup_commands(repo_id=101, prompt="install deps")
        assert setup.agent_run_id > 0
        analysis = await client.analyze_sandbox_logs(sandbox_id=1)
        assert analysis.agent_run_id > 0
        with pytest.raises(ValidationError):
            await client.analyze_sandbox_logs(sandbox_id=2)  # a sandbox without logs: 400


class TestAgentRuns:
    async def test_create_and_get(self, client: AsyncCodegenClient) -> None:
        """A created run is ACTIVE, from the API, with its metadata echoed back."""
        run = await client.create_agent_run(prompt="Write a test", metadata={"k": "v"})
        assert isinstance(run, AgentRun)
        assert ("ACTIVE", "API", []) == (run.status, run.source_type, run.github_pull_requests)
        assert "v" == (run.metadata or {})["k"]
        fetched = await client.get_agent_run(run_id=run.id)
        assert run.id == fetched.id
        assert fetched.created_at is not None

    async def test_create_with_every_option(self, client: AsyncCodegenClient) -> None:
        """images, repo_id, model and agent_type are accepted."""
        run = await client.create_agent_run(
            prompt="Fix it",
            images=["data:image/png;base64,iVBORw0KGgo="],
            repo_id=101,
            model="claude",
            agent_type="claude_code",
        )
        assert run.id > 0

    async def test_list_is_newest_first_and_paged(
        self, codegen_emulator_factory: Callable[..., Emulator]
    ) -> None:
        """Pages map onto skip/limit; newest first; the envelope is filled."""
        emulator = codegen_emulator_factory(time_scale=0.01, rate_limits="off", seed_runs=25)
        async with AsyncCodegenClient(config_for(emulator)) as client:
            first = await client.get_agent_runs(page=1, per_page=10)
            third = await client.get_agent_runs(page=3, per_page=10)
        assert isinstance(first, Page)
        assert (25, 1, 10, 3) == (first.total, first.page, first.size, first.pages)
        assert 5 == len(third.items)
        ids = [r.id for r in first.items]
        assert sorted(ids, reverse=True) == ids

    async def test_list_filters(self, client: AsyncCodegenClient) -> None:
        """source_type and user_id filter the listing."""
        await client.create_agent_run(prompt="one")
        api_runs = await client.get_agent_runs(source_type="api", user_id=1)
        assert api_runs.items
        assert all(r.source_type == "API" for r in api_runs.items)
        assert not (await client.get_agent_runs(user_id=2)).items

    async def test_stream_across_pages(
        self, codegen_emulator_factory: Callable[..., Emulator]
    ) -> None:
        """stream_agent_runs yields every run once, across many pages."""
        emulator = codegen_emulator_factory(time_scale=0.01, rate_limits="off", seed_runs=250)
        async with AsyncCodegenClient(config_for(emulator)) as client:
            ids = [run.id async for run in client.stream_agent_runs(per_page=40)]
            limited = [run.id async for run in client.stream_agent_runs(max_items=5)]
        assert 250 == len(ids) == len(set(ids))
        assert ids[:5] == limited

    async def test_stream_status_filter_is_case_insensitive(
        self, client: AsyncCodegenClient
    ) -> None:
        """status="completed" (the docs' spelling) matches COMPLETE runs."""
        done = await client.create_agent_run(prompt="x", metadata=STEER_QUICK)
        failing = {"emulator": {"outcome": "FAILED", "duration": 1.0}}
        await client.create_agent_run(prompt="y", metadata=failing)
        await client.wait_for_completion(run_id=done.id, timeout=10, poll_interval=0.02)
        completed = [r async for r in client.stream_agent_runs(status="completed")]
        assert [done.id] == [r.id for r in completed]
        with pytest.raises(ValidationError):
            [r async for r in client.stream_agent_runs(status="finished-ish")]

    async def test_wait_for_completion(self, client: AsyncCodegenClient) -> None:
        """Waiting returns the run in its terminal status, with its result."""
        run = await client.create_agent_run(prompt="Quick one", metadata=STEER_QUICK)
        final = await client.wait_for_completion(run_id=run.id, timeout=10, poll_interval=0.02)
        assert "COMPLETE" == final.status
        assert final.is_terminal and final.is_successful and not final.is_active
        assert final.result

    async def test_wait_times_out_with_last_run(self, client: AsyncCodegenClient) -> None:
        """A run that outlives the timeout raises WaitTimeoutError carrying the last state."""
        slow = {"emulator": {"outcome": "COMPLETE", "duration": 10_000.0}}
        run = await client.create_agent_run(prompt="Slow one", metadata=slow)
        with pytest.raises(WaitTimeoutError) as info:
            await client.wait_for_completion(run_id=run.id, timeout=0.2, poll_interval=0.05)
        assert run.id == info.value.last_run.id
        assert info.value.last_run.is_active

    async def test_wait_stops_on_failure_statuses(self, client: AsyncCodegenClient) -> None:
        """FAILED and ERROR end the wait as well as COMPLETE."""
        for outcome in ("FAILED", "ERROR"):
            steer = {"emulator": {"outcome": outcome, "duration": 1.0}}
            run = await client.create_agent_run(prompt="doomed", metadata=steer)
            final = await client.wait_for_completion(run_id=run.id, timeout=10, poll_interval=0.02)
            assert outcome == final.status
            assert final.is_terminal and not final.is_successful

    async def test_resume_a_paused_run(self, client: AsyncCodegenClient) -> None:
        """A PAUSED run resumes to ACTIVE with the same id."""
        steer = {"emulator": {"outcome": "PAUSED", "duration": 1.0}}
        run = await client.create_agent_run(prompt="needs input", metadata=steer)
        for _ in range(200):
            current = await client.get_agent_run(run_id=run.id, cache=False)
            if current.is_paused:
                break
            await sleep(0.01)
        assert current.is_paused
        resumed = await client.resume_agent_run(run_id=run.id, prompt="here is more")
        assert (run.id, "ACTIVE") == (resumed.id, resumed.status)

    async def test_ban_unban_remove_from_pr(self, client: AsyncCodegenClient) -> None:
        """Ban stops the run (CANCELLED); unban and remove-from-pr answer JSON."""
        run = await client.create_agent_run(prompt="work", metadata={"emulator": {"duration": 1e4}})
        assert isinstance(await client.ban_agent_run(run_id=run.id), dict)
        assert "CANCELLED" == (await client.get_agent_run(run_id=run.id)).status
        assert isinstance(await client.unban_agent_run(run_id=run.id), dict)
        assert isinstance(await client.remove_agent_run_from_pr(run_id=run.id), dict)

    async def test_logs_and_stream_logs(self, client: AsyncCodegenClient) -> None:
        """The alpha logs endpoint returns the run and its trace; streaming reads them all."""
        run = await client.create_agent_run(prompt="log me", metadata=STEER_QUICK)
        await client.wait_for_completion(run_id=run.id, timeout=10, poll_interval=0.02)
        page = await client.get_agent_run_logs(run_id=run.id, limit=5)
        assert run.id == page.id
        assert page.total_logs is not None and page.total_logs >= len(page.logs)
        entries = [e async for e in client.stream_agent_run_logs(run_id=run.id)]
        assert page.total_logs == len(entries)
        assert all(e.agent_run_id == run.id for e in entries)

    async def test_edit_pull_request_both_paths(self, client: AsyncCodegenClient) -> None:
        """A PR opened by a finished run can be edited through either path."""
        steer = {"emulator": {"outcome": "COMPLETE", "duration": 1.0, "pr": True}}
        run = await client.create_agent_run(prompt="open a PR", metadata=steer, repo_id=101)
        final = await client.wait_for_completion(run_id=run.id, timeout=10, poll_interval=0.02)
        prs = final.github_pull_requests or []
        assert prs, "a completed run with a repo opens a PR in the emulator"
        result = await client.edit_pull_request(pr_id=prs[0].id, state="draft")
        assert result.success
        result = await client.edit_pull_request(pr_id=prs[0].id, state="closed", repo_id=101)
        assert result.success


class TestOrgDefaults:
    async def test_org_id_defaults_to_config(self, emulator: Emulator) -> None:
        """Methods called without org_id use the configured one."""
        async with AsyncCodegenClient(config_for(emulator)) as client:
            assert (await client.get_agent_runs()).items is not None

    async def test_missing_org_id_is_a_clear_error(self, emulator: Emulator) -> None:
        """With no org_id anywhere, a ValidationError says how to set it; nothing is sent."""
        async with AsyncCodegenClient(config_for(emulator, org_id=None)) as client:
            with pytest.raises(ValidationError, match="CODEGEN_ORG_ID"):
                await client.get_agent_runs()
        assert 0 == emulator.accounting.total("requests")
