"""Organization-level endpoints: users, orgs, repos, integrations, PRs, settings, plumbing."""

from __future__ import annotations

from typing import TYPE_CHECKING, overload

import msgspec

from ._base import AsyncBaseClient
from ._http._bodies import (
    CheckSuiteSettingsBody,
    EditPRBody,
    GenerateSetupCommandsBody,
    GenerateTokenBody,
    encode,
)
from ._http._validate import (
    check_count,
    check_id,
    check_page,
    check_pr_state,
    check_prompt,
    check_str_list,
    check_str_map,
)
from .errors import ValidationError
from .models import (
    AnalyzeLogsResult,
    CheckSuiteSettings,
    CLIRules,
    EditPRResult,
    OAuthProvider,
    Organization,
    OrganizationIntegrations,
    Page,
    Repository,
    SetupCommandsResult,
    SlackConnectToken,
    User,
)
from .options import JSONValue, RequestOptions

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["AsyncOrganizationsAPI"]

_USER = msgspec.json.Decoder(User)
_USER_PAGE = msgspec.json.Decoder(Page[User])
_ORG_PAGE = msgspec.json.Decoder(Page[Organization])
_REPO_PAGE = msgspec.json.Decoder(Page[Repository])
_INTEGRATIONS = msgspec.json.Decoder(OrganizationIntegrations)
_CHECK_SUITE = msgspec.json.Decoder(CheckSuiteSettings)
_EDIT_PR = msgspec.json.Decoder(EditPRResult)
_SETUP = msgspec.json.Decoder(SetupCommandsResult)
_ANALYZE = msgspec.json.Decoder(AnalyzeLogsResult)
_RULES = msgspec.json.Decoder(CLIRules)
_PROVIDERS = msgspec.json.Decoder(list[OAuthProvider])
_SLACK = msgspec.json.Decoder(SlackConnectToken)
_ANY: msgspec.json.Decoder[JSONValue] = msgspec.json.Decoder()
_MAX_CHECK_RETRIES = 10  # the API's bound


class AsyncOrganizationsAPI(AsyncBaseClient):
    """Methods for users, organizations and their settings (mixed into the client).

    Required ids come after ``org_id``, positionally or by keyword, as in
    :class:`AsyncAgentRunsAPI` (two ``@overload`` forms each).
    """

    async def get_current_user(self, **options: Unpack[RequestOptions]) -> User:
        """The user who owns the API token."""
        return await self._transport.request("GET", "/v1/users/me", _USER, options=options)

    async def get_organizations(
        self, page: int = 1, per_page: int = 100, **options: Unpack[RequestOptions]
    ) -> Page[Organization]:
        """Organizations the token's user belongs to."""
        skip, limit = check_page(page, per_page)
        return await self._transport.request(
            "GET",
            "/v1/organizations",
            _ORG_PAGE,
            query={"skip": skip, "limit": limit},
            options=options,
        )

    async def get_users(
        self,
        org_id: int | None = None,
        page: int = 1,
        per_page: int = 100,
        **options: Unpack[RequestOptions],
    ) -> Page[User]:
        """Members of an organization."""
        org = self._org(org_id)
        skip, limit = check_page(page, per_page)
        return await self._transport.request(
            "GET",
            f"/v1/organizations/{org}/users",
            _USER_PAGE,
            query={"skip": skip, "limit": limit},
            options=options,
        )

    @overload
    async def get_user(
        self,
        org_id: int | None,
        user_id: int,
        **options: Unpack[RequestOptions],
    ) -> User: ...

    @overload
    async def get_user(
        self,
        *,
        user_id: int,
        org_id: int | None = ...,
        **options: Unpack[RequestOptions],
    ) -> User: ...

    async def get_user(
        self,
        org_id: int | None = None,
        user_id: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> User:
        """One member of an organization."""
        org, user = self._org(org_id), check_id("user_id", user_id)
        return await self._transport.request(
            "GET", f"/v1/organizations/{org}/users/{user}", _USER, options=options
        )

    async def get_repositories(
        self,
        org_id: int | None = None,
        page: int = 1,
        per_page: int = 100,
        **options: Unpack[RequestOptions],
    ) -> Page[Repository]:
        """Repositories of an organization."""
        org = self._org(org_id)
        skip, limit = check_page(page, per_page)
        return await self._transport.request(
            "GET",
            f"/v1/organizations/{org}/repos",
            _REPO_PAGE,
            query={"skip": skip, "limit": limit},
            options=options,
        )

    async def get_integrations(
        self, org_id: int | None = None, **options: Unpack[RequestOptions]
    ) -> OrganizationIntegrations:
        """Status of every integration (GitHub, Slack, Linear, ...) of an organization."""
        org = self._org(org_id)
        return await self._transport.request(
            "GET",
            f"/v1/organizations/{org}/integrations",
            _INTEGRATIONS,
            options=options,
        )

    @overload
    async def get_check_suite_settings(
        self,
        org_id: int | None,
        repo_id: int,
        **options: Unpack[RequestOptions],
    ) -> CheckSuiteSettings: ...

    @overload
    async def get_check_suite_settings(
        self,
        *,
        repo_id: int,
        org_id: int | None = ...,
        **options: Unpack[RequestOptions],
    ) -> CheckSuiteSettings: ...

    async def get_check_suite_settings(
        self,
        org_id: int | None = None,
        repo_id: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> CheckSuiteSettings:
        """Check-suite auto-fixer settings of a repository."""
        org, repo = self._org(org_id), check_id("repo_id", repo_id)
        return await self._transport.request(
            "GET",
            f"/v1/organizations/{org}/repos/check-suite-settings",
            _CHECK_SUITE,
            query={"repo_id": repo},
            options=options,
        )

    @overload
    async def update_check_suite_settings(
        self,
        org_id: int | None,
        repo_id: int,
        *,
        check_retry_count: int | None = ...,
        ignored_checks: list[str] | None = ...,
        check_retry_counts: dict[str, int] | None = ...,
        custom_prompts: dict[str, str] | None = ...,
        high_priority_apps: list[str] | None = ...,
        **options: Unpack[RequestOptions],
    ) -> JSONValue: ...

    @overload
    async def update_check_suite_settings(
        self,
        *,
        repo_id: int,
        org_id: int | None = ...,
        check_retry_count: int | None = ...,
        ignored_checks: list[str] | None = ...,
        check_retry_counts: dict[str, int] | None = ...,
        custom_prompts: dict[str, str] | None = ...,
        high_priority_apps: list[str] | None = ...,
        **options: Unpack[RequestOptions],
    ) -> JSONValue: ...

    async def update_check_suite_settings(
        self,
        org_id: int | None = None,
        repo_id: int | None = None,
        *,
        check_retry_count: int | None = None,
        ignored_checks: list[str] | None = None,
        check_retry_counts: dict[str, int] | None = None,
        custom_prompts: dict[str, str] | None = None,
        high_priority_apps: list[str] | None = None,
        **options: Unpack[RequestOptions],
    ) -> JSONValue:
        """Update the settings given (the others keep their values)."""
        org, repo = self._org(org_id), check_id("repo_id", repo_id)
        body = CheckSuiteSettingsBody(
            check_retry_count=None
            if check_retry_count is None
            else _retry_count("check_retry_count", check_retry_count),
            ignored_checks=None
            if ignored_checks is None
            else check_str_list("ignored_checks", ignored_checks),
            check_retry_counts=None
            if check_retry_counts is None
            else check_str_map("check_retry_counts", check_retry_counts, int),
            custom_prompts=None
            if custom_prompts is None
            else check_str_map("custom_prompts", custom_prompts, str),
            high_priority_apps=None
            if high_priority_apps is None
            else check_str_list("high_priority_apps", high_priority_apps),
        )
        path = f"/v1/organizations/{org}/repos/check-suite-settings"
        return await self._transport.request(
            "PUT",
            path,
            _ANY,
            query={"repo_id": repo},
            body=encode(body),
            options=options,
            invalidates=path,
        )

    @overload
    async def edit_pull_request(
        self,
        org_id: int | None,
        pr_id: int,
        state: str,
        *,
        repo_id: int | None = ...,
        **options: Unpack[RequestOptions],
    ) -> EditPRResult: ...

    @overload
    async def edit_pull_request(
        self,
        *,
        pr_id: int,
        state: str,
        org_id: int | None = ...,
        repo_id: int | None = ...,
        **options: Unpack[RequestOptions],
    ) -> EditPRResult: ...

    async def edit_pull_request(
        self,
        org_id: int | None = None,
        pr_id: int | None = None,
        state: str | None = None,
        *,
        repo_id: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> EditPRResult:
        """Set a PR's state: ``open``, ``closed``, ``draft`` or ``ready_for_review``."""
        org, pr = self._org(org_id), check_id("pr_id", pr_id)
        body = encode(EditPRBody(state=check_pr_state(state)))
        path = f"/v1/organizations/{org}/prs/{pr}"
        if repo_id is not None:
            path = f"/v1/organizations/{org}/repos/{check_id('repo_id', repo_id)}/prs/{pr}"
        return await self._transport.request(
            "PATCH",
            path,
            _EDIT_PR,
            group="pr_edit",
            body=body,
            invalidates=f"/v1/organizations/{org}/agent/run",
            options=options,
        )

    @overload
    async def generate_setup_commands(
        self,
        org_id: int | None,
        repo_id: int,
        prompt: str | None = ...,
        *,
        trigger_source: str = ...,
        **options: Unpack[RequestOptions],
    ) -> SetupCommandsResult: ...

    @overload
    async def generate_setup_commands(
        self,
        *,
        repo_id: int,
        org_id: int | None = ...,
        prompt: str | None = ...,
        trigger_source: str = ...,
        **options: Unpack[RequestOptions],
    ) -> SetupCommandsResult: ...

    async def generate_setup_commands(
        self,
        org_id: int | None = None,
        repo_id: int | None = None,
        prompt: str | None = None,
        *,
        trigger_source: str = "setup-commands",
        **options: Unpack[RequestOptions],
    ) -> SetupCommandsResult:
        """Start an agent that generates setup commands for a repository (5 per minute)."""
        org = self._org(org_id)
        body = GenerateSetupCommandsBody(
            repo_id=check_id("repo_id", repo_id),
            prompt=None if prompt is None else check_prompt(prompt),
            trigger_source=check_prompt(trigger_source, "trigger_source"),
        )
        return await self._transport.request(
            "POST",
            f"/v1/organizations/{org}/setup-commands/generate",
            _SETUP,
            group="setup_commands",
            body=encode(body),
            idempotent=False,
            invalidates=f"/v1/organizations/{org}/agent/runs",  # it starts a run
            options=options,
        )

    @overload
    async def analyze_sandbox_logs(
        self,
        org_id: int | None,
        sandbox_id: int,
        **options: Unpack[RequestOptions],
    ) -> AnalyzeLogsResult: ...

    @overload
    async def analyze_sandbox_logs(
        self,
        *,
        sandbox_id: int,
        org_id: int | None = ...,
        **options: Unpack[RequestOptions],
    ) -> AnalyzeLogsResult: ...

    async def analyze_sandbox_logs(
        self,
        org_id: int | None = None,
        sandbox_id: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> AnalyzeLogsResult:
        """Start an agent that analyses a sandbox's setup logs (5 per minute)."""
        org, sandbox = self._org(org_id), check_id("sandbox_id", sandbox_id)
        return await self._transport.request(
            "POST",
            f"/v1/organizations/{org}/sandbox/{sandbox}/analyze-logs",
            _ANALYZE,
            group="log_analysis",
            idempotent=False,
            invalidates=f"/v1/organizations/{org}/agent/runs",  # it starts a run
            options=options,
        )

    async def get_cli_rules(
        self, org_id: int | None = None, **options: Unpack[RequestOptions]
    ) -> CLIRules:
        """Organization rules plus the user's custom prompt (30 per minute)."""
        org = self._org(org_id)
        return await self._transport.request(
            "GET",
            f"/v1/organizations/{org}/cli/rules",
            _RULES,
            group="cli_rules",
            options=options,
        )

    async def get_mcp_providers(self, **options: Unpack[RequestOptions]) -> list[OAuthProvider]:
        """OAuth providers usable as MCP servers."""
        return await self._transport.request(
            "GET", "/v1/mcp-providers", _PROVIDERS, options=options
        )

    async def get_oauth_token_status(
        self, org_id: int | None = None, **options: Unpack[RequestOptions]
    ) -> JSONValue:
        """Providers with active OAuth tokens for the current user and organization."""
        org = self._org(org_id)
        return await self._transport.request(
            "GET",
            "/v1/oauth/tokens/status",
            _ANY,
            query={"org_id": org},
            cache=False,
            options=options,
        )

    @overload
    async def revoke_oauth_token(
        self,
        org_id: int | None,
        provider: str,
        **options: Unpack[RequestOptions],
    ) -> JSONValue: ...

    @overload
    async def revoke_oauth_token(
        self,
        *,
        provider: str,
        org_id: int | None = ...,
        **options: Unpack[RequestOptions],
    ) -> JSONValue: ...

    async def revoke_oauth_token(
        self,
        org_id: int | None = None,
        provider: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> JSONValue:
        """Mark all of the user's tokens for ``provider`` inactive."""
        org = self._org(org_id)
        if not isinstance(provider, str) or not provider:
            raise ValidationError("provider must be a non-empty string")
        return await self._transport.request(
            "POST",
            "/v1/oauth/tokens/revoke",
            _ANY,
            query={"provider": provider, "org_id": org},
            options=options,
            invalidates="/v1/oauth/tokens/status",
        )

    async def generate_slack_connect_token(
        self, org_id: int | None = None, **options: Unpack[RequestOptions]
    ) -> SlackConnectToken:
        """A one-time token (10 minutes) to link a Slack account to Codegen."""
        org = self._org(org_id)
        return await self._transport.request(
            "POST",
            "/v1/slack-connect/generate-token",
            _SLACK,
            body=encode(GenerateTokenBody(org_id=org)),
            options=options,
        )


def _retry_count(name: str, value: object) -> int:
    """A check-suite retry count: the API takes 0 to 10."""
    count = check_count(name, value)
    if count > _MAX_CHECK_RETRIES:
        raise ValidationError(f"{name} must be at most {_MAX_CHECK_RETRIES}, got {count}")
    return count
