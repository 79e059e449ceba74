"""The 25 operations of ``openapi.json``. Each takes the shared context, the request and the
authenticated user, and returns a :class:`Reply`; the pipeline in ``_app`` does the rest."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NamedTuple

from aiohttp import web

from ._context import Context, Reply
from ._runs import Run, SteeringError
from ._schemas import (
    AgentRunWithLogsResponse,
    CheckSuiteSettingsResponse,
    EditPRResponse,
    OrganizationIntegrationsResponse,
    encode,
    error_body,
)
from ._state import User
from ._validate import Errors, Field, validate_body

__all__ = ["OPERATIONS", "Handler", "Operation", "Refused", "admitted"]

Handler = Callable[[Context, web.Request, User], Awaitable[Reply]]

SOURCE_TYPES = (
    "LOCAL",
    "SLACK",
    "GITHUB",
    "GITHUB_CHECK_SUITE",
    "GITHUB_PR_REVIEW",
    "LINEAR",
    "API",
    "CHAT",
    "JIRA",
    "CLICKUP",
    "MONDAY",
    "SETUP_COMMANDS",
)

FORBIDDEN = Reply(403, error_body("You do not have access to this organization.", 403))
RUN_NOT_FOUND = Reply(404, error_body("Agent run not found.", 404))
USER_NOT_FOUND = Reply(404, error_body("User not found.", 404))
NO_REPOS = Reply(
    404,
    error_body("No repos found in the organization. Please add some repos and try again.", 404),
)
PLAN_LIMIT = Reply(
    402,
    error_body(
        "Alloted agent runs for the current billing plan have been reached. "
        "Please upgrade your plan to continue.",
        402,
    ),
)

_CREATE_FIELDS = (
    Field("prompt", "str", required=True, nullable=False),
    Field("images", "list_str"),
    Field("metadata", "dict"),
    Field("repo_id", "int"),
    Field("model", "str"),
    Field("agent_type", "literal", choices=("codegen", "claude_code")),
)
_RESUME_FIELDS = (
    Field("agent_run_id", "int", required=True, nullable=False),
    Field("prompt", "str", required=True, nullable=False),
    Field("images", "list_str"),
)
_STOP_FIELDS = (
    Field("agent_run_id", "int", required=True, nullable=False),
    Field("before_card_order_id", "str"),
    Field("after_card_order_id", "str"),
)
_EDIT_PR_FIELDS = (
    Field(
        "state",
        "literal",
        required=True,
        nullable=False,
        choices=("open", "closed", "draft", "ready_for_review"),
    ),
)
_SETUP_FIELDS = (
    Field("repo_id", "int", required=True, nullable=False),
    Field("prompt", "str"),
    Field("trigger_source", "str", nullable=False, default="setup-commands"),
)
_CHECK_SUITE_FIELDS = (
    Field("check_retry_count", "int", ge=0, le=10),
    Field("ignored_checks", "list_str"),
    Field("check_retry_counts", "dict_str_int"),
    Field("custom_prompts", "dict_str_str"),
    Field("high_priority_apps", "list_str"),
)
_SLACK_FIELDS = (Field("org_id", "int", required=True, nullable=False),)


def invalid(errors: Errors) -> Reply:
    """FastAPI's 422 ``HTTPValidationError``."""
    return Reply(422, encode({"detail": errors}))


def detail(status: int, message: str) -> Reply:
    """A FastAPI ``HTTPException`` body, for the undocumented 400/404s."""
    return Reply(status, encode({"detail": message}))


def page_body(items: Sequence[bytes], total: int, skip: int, limit: int) -> bytes:
    """The ``Page[T]`` envelope around already-encoded items."""
    return b'{"items":[%b],"total":%d,"page":%d,"size":%d,"pages":%d}' % (
        b",".join(items),
        total,
        skip // limit + 1,
        limit,
        math.ceil(total / limit),
    )


def _page(values: Sequence[Any], skip: int, limit: int) -> bytes:
    return page_body([encode(v) for v in values[skip : skip + limit]], len(values), skip, limit)


def _org(errors: Errors, request: web.Request) -> int | None:
    return errors.path_int(request.match_info, "org_id")


class Refused(Exception):
    """A request the emulator answers before acting on it (422, 403, 404): its reply."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply


def admitted(errors: Errors, user: User, org_id: int | None) -> int:
    """The org of a valid request from one of its members; else raise :class:`Refused`.

    Every check of the request has run into ``errors`` first: a 422 lists them all, and
    comes before a 403.
    """
    if errors or org_id is None:
        raise Refused(invalid(errors))
    if not _member(user, org_id):
        raise Refused(FORBIDDEN)
    return org_id


def _member(user: User, org_id: int | None) -> bool:
    return org_id is not None and org_id in user.memberships


def _run_in_org(ctx: Context, run_id: int | None, org_id: int) -> Run | None:
    run = ctx.world.runs.get(run_id) if run_id is not None else None
    return run if run is not None and run.org_id == org_id else None


def _steering_error(exc: SteeringError, metadata: Any) -> Reply:
    errors = Errors()
    errors.add(
        "emulator_steering",
        ("body", "metadata", "emulator", exc.key),
        f"Invalid emulator steering: {exc.message}",
        exc.value,
    )
    return invalid(errors)


# -- agent runs -----------------------------------------------------------------------------


async def create_agent_run(ctx: Context, request: web.Request, user: User) -> Reply:
    errors = Errors()
    org_id = _org(errors, request)
    body = validate_body(errors, await request.read(), _CREATE_FIELDS)
    org_id = admitted(errors, user, org_id)
    world = ctx.world
    quota = ctx.config.plan_quota
    if quota is not None and world.plan_usage.get(org_id, 0) >= quota:
        return PLAN_LIMIT
    if not world.org_repos.get(org_id):
        return NO_REPOS
    try:
        run = world.create_run(
            org_id,
            user.id,
            body["prompt"],
            metadata=body["metadata"],
            source_type="API",
            repo_id=body["repo_id"],
            model=body["model"],
            agent_type=body["agent_type"],
            images=body["images"],
        )
    except SteeringError as exc:
        return _steering_error(exc, body["metadata"])
    world.plan_usage[org_id] = world.plan_usage.get(org_id, 0) + 1
    return Reply(200, run.encoded(ctx.clock.now()), run.id)


async def get_agent_run(ctx: Context, request: web.Request, user: User) -> Reply:
    errors = Errors()
    run_id = errors.path_int(request.match_info, "agent_run_id")
    org_id = _org(errors, request)
    org_id = admitted(errors, user, org_id)
    run = _run_in_org(ctx, run_id, org_id)
    if run is None:
        return RUN_NOT_FOUND
    return Reply(200, run.encoded(ctx.clock.now()))


async def list_agent_runs(ctx: Context, request: web.Request, user: User) -> Reply:
    errors = Errors()
    org_id = _org(errors, request)
    query = request.query
    user_id = errors.query_int(query, "user_id", None)
    source_type = query.get("source_type")
    if source_type is not None:
        source_type = errors.enum_value(("query", "source_type"), source_type, SOURCE_TYPES)
    skip, limit = errors.page(query)
    org_id = admitted(errors, user, org_id)
    runs, total = ctx.world.list_runs(org_id, user_id, source_type, skip, limit)
    now = ctx.clock.now()
    return Reply(200, page_body([r.encoded(now) for r in runs], total, skip, limit))


async def _run_action(
    ctx: Context,
    request: web.Request,
    user: User,
    fields: Sequence[Field],
) -> tuple[Run, dict[str, Any]]:
    errors = Errors()
    org_id = _org(errors, request)
    body = validate_body(errors, await request.read(), fields)
    org_id = admitted(errors, user, org_id)
    run = _run_in_org(ctx, body["agent_run_id"], org_id)
    if run is None:
        raise Refused(RUN_NOT_FOUND)
    return run, body


async def resume_agent_run(ctx: Context, request: web.Request, user: User) -> Reply:
    run, body = await _run_action(ctx, request, user, _RESUME_FIELDS)
    ctx.world.resume_run(run, body["prompt"])
    return Reply(200, run.encoded(ctx.clock.now()))


def _pr_action(unban: bool, message: str) -> Handler:
    """Ban, unban or remove-from-pr: the same request, a different effect and answer."""

    async def handler(ctx: Context, request: web.Request, user: User) -> Reply:
        run, _ = await _run_action(ctx, request, user, _STOP_FIELDS)
        if unban:
            ctx.world.unban_run(run)
        else:
            ctx.world.stop_run(run)
        return Reply(200, encode({"message": message, "agent_run_id": run.id}))

    return handler


ban_agent_run = _pr_action(
    False, "All checks banned for the pull request of this agent run; its agents were stopped."
)
unban_agent_run = _pr_action(True, "Checks unbanned for the pull request of this agent run.")
remove_from_pr = _pr_action(False, "Codegen was removed from the pull request of this agent run.")


async def get_agent_run_logs(ctx: Context, request: web.Request, user: User) -> Reply:
    errors = Errors()
    run_id = errors.path_int(request.match_info, "agent_run_id")
    org_id = _org(errors, request)
    skip, limit = errors.page(request.query)
    raw_reverse = request.query.get("reverse")
    reverse = False
    if raw_reverse is not None:
        reverse = bool(errors.bool_value(("query", "reverse"), raw_reverse))
    org_id = admitted(errors, user, org_id)
    run = _run_in_org(ctx, run_id, org_id)
    if run is None:
        return RUN_NOT_FOUND
    now = ctx.clock.now()
    entries = run.log_entries(now)
    if reverse:
        entries.reverse()
    iso = ctx.world.iso_timestamps
    logs = [run.log_entry(s, i, iso) for s, i in entries[skip : skip + limit]]
    data = run.response(now)
    total = len(entries)
    return Reply(
        200,
        encode(
            AgentRunWithLogsResponse(
                id=data.id,
                organization_id=data.organization_id,
                status=data.status,
                created_at=data.created_at,
                web_url=data.web_url,
                result=data.result,
                metadata=data.metadata,
                logs=logs,
                total_logs=total,
                page=skip // limit + 1,
                size=limit,
                pages=math.ceil(total / limit),
            )
        ),
    )


# -- organizations, users, repos --------------------------------------------------------------


async def get_organizations(ctx: Context, request: web.Request, user: User) -> Reply:
    errors = Errors()
    skip, limit = errors.page(request.query)
    if errors:
        return invalid(errors)
    orgs = [ctx.world.orgs[o].response() for o in sorted(user.memberships) if o in ctx.world.orgs]
    return Reply(200, _page(orgs, skip, limit))


async def get_users(ctx: Context, request: web.Request, user: User) -> Reply:
    errors = Errors()
    org_id = _org(errors, request)
    skip, limit = errors.page(request.query)
    org_id = admitted(errors, user, org_id)
    members = [u.response(org_id) for u in ctx.world.org_members(org_id)]
    return Reply(200, _page(members, skip, limit))


async def get_user(ctx: Context, request: web.Request, user: User) -> Reply:
    errors = Errors()
    org_id = _org(errors, request)
    user_id = errors.path_int(request.match_info, "user_id")
    org_id = admitted(errors, user, org_id)
    other = ctx.world.users.get(user_id) if user_id is not None else None
    if other is None or org_id not in other.memberships:
        return USER_NOT_FOUND
    return Reply(200, encode(other.response(org_id)))


async def get_current_user(ctx: Context, request: web.Request, user: User) -> Reply:
    return Reply(200, encode(user.response()))


async def get_repositories(ctx: Context, request: web.Request, user: User) -> Reply:
    errors = Errors()
    org_id = _org(errors, request)
    skip, limit = errors.page(request.query)
    org_id = admitted(errors, user, org_id)
    repos = [r.data for r in ctx.world.org_repo_list(org_id)]
    return Reply(200, _page(repos, skip, limit))


def _repo_settings(
    ctx: Context, request: web.Request, user: User, errors: Errors
) -> CheckSuiteSettingsResponse:
    org_id = _org(errors, request)
    repo_id = errors.query_int(request.query, "repo_id", None, required=True)
    org_id = admitted(errors, user, org_id)
    repo = ctx.world.repos.get(repo_id) if repo_id is not None else None
    if repo is None or repo.org_id != org_id:
        raise Refused(detail(404, "Repository not found"))
    return repo.check_suite


async def get_check_suite_settings(ctx: Context, request: web.Request, user: User) -> Reply:
    return Reply(200, encode(_repo_settings(ctx, request, user, Errors())))


async def update_check_suite_settings(ctx: Context, request: web.Request, user: User) -> Reply:
    errors = Errors()
    body = validate_body(errors, await request.read(), _CHECK_SUITE_FIELDS)
    settings = _repo_settings(ctx, request, user, errors)
    for name, value in body.items():
        # Only the fields sent (and not null) change.
        if value is not None:
            setattr(settings, name, value)
    return Reply(
        200,
        encode({"message": "Check suite settings updated successfully", "settings": settings}),
    )


async def _edit_pr(ctx: Context, request: web.Request, user: User, with_repo: bool) -> Reply:
    errors = Errors()
    org_id = _org(errors, request)
    repo_id = errors.path_int(request.match_info, "repo_id") if with_repo else None
    pr_id = errors.path_int(request.match_info, "pr_id")
    body = validate_body(errors, await request.read(), _EDIT_PR_FIELDS)
    org_id = admitted(errors, user, org_id)
    pr = ctx.world.prs.get(pr_id) if pr_id is not None else None
    if pr is None or pr.org_id != org_id or (with_repo and pr.repo_id != repo_id):
        return Reply(200, encode(EditPRResponse(success=False, error="Pull request not found")))
    if pr.merged:
        return Reply(
            200,
            encode(EditPRResponse(success=False, error="A merged pull request cannot be edited")),
        )
    state = body["state"]
    pr.state = "open" if state == "ready_for_review" else state
    return Reply(
        200,
        encode(
            EditPRResponse(
                success=True, url=pr.url, number=pr.number, title=pr.title, state=pr.state
            )
        ),
    )


async def edit_pull_request_simple(ctx: Context, request: web.Request, user: User) -> Reply:
    return await _edit_pr(ctx, request, user, with_repo=False)


async def edit_pull_request(ctx: Context, request: web.Request, user: User) -> Reply:
    return await _edit_pr(ctx, request, user, with_repo=True)


async def get_organization_integrations(ctx: Context, request: web.Request, user: User) -> Reply:
    errors = Errors()
    org_id = _org(errors, request)
    org_id = admitted(errors, user, org_id)
    statuses = ctx.world.integrations.get(org_id, [])
    return Reply(
        200,
        encode(
            OrganizationIntegrationsResponse(
                organization_id=org_id,
                organization_name=ctx.world.orgs[org_id].name,
                integrations=statuses,
                total_active_integrations=sum(1 for s in statuses if s.active),
            )
        ),
    )


# -- setup commands, sandbox, rules ---------------------------------------------------------


async def generate_setup_commands(ctx: Context, request: web.Request, user: User) -> Reply:
    errors = Errors()
    org_id = _org(errors, request)
    body = validate_body(errors, await request.read(), _SETUP_FIELDS)
    org_id = admitted(errors, user, org_id)
    repo = ctx.world.repos.get(body["repo_id"])
    if repo is None or repo.org_id != org_id:
        return detail(404, "Repository not found")
    prompt = body["prompt"] or f"Generate setup commands for {repo.data.full_name}"
    try:
        run = ctx.world.create_run(
            org_id, user.id, prompt, source_type="SETUP_COMMANDS", repo_id=repo.id
        )
    except SteeringError as exc:
        return _steering_error(exc, None)
    status = run.status(ctx.clock.now())
    url = f"https://codegen.com/agent/trace/{run.id}"
    return Reply(200, encode({"agent_run_id": run.id, "status": status, "url": url}), run.id)


async def analyze_sandbox_logs(ctx: Context, request: web.Request, user: User) -> Reply:
    errors = Errors()
    sandbox_id = errors.path_int(request.match_info, "sandbox_id")
    org_id = _org(errors, request)
    org_id = admitted(errors, user, org_id)
    sandbox = ctx.world.sandboxes.get(sandbox_id) if sandbox_id is not None else None
    if sandbox is None or sandbox.org_id != org_id:
        return detail(404, "Sandbox not found")
    if not sandbox.has_logs:
        return detail(400, "No logs available for analysis")
    run = ctx.world.create_run(
        org_id, user.id, f"Analyze the setup logs of sandbox {sandbox.id}", source_type="API"
    )
    message = "Log analysis started. Fetch the result through the agent run."
    return Reply(
        200,
        encode({"agent_run_id": run.id, "status": run.status(ctx.clock.now()), "message": message}),
        run.id,
    )


async def get_cli_rules(ctx: Context, request: web.Request, user: User) -> Reply:
    errors = Errors()
    org_id = _org(errors, request)
    org_id = admitted(errors, user, org_id)
    rules = ctx.world.orgs[org_id].rules
    return Reply(
        200, encode({"organization_rules": rules, "user_custom_prompt": user.custom_prompt})
    )


# -- integration plumbing --------------------------------------------------------------------


async def get_mcp_providers(ctx: Context, request: web.Request, user: User) -> Reply:
    return Reply(200, encode(ctx.world.mcp_providers))


def _query_org(errors: Errors, request: web.Request, user: User) -> int:
    return admitted(errors, user, errors.query_int(request.query, "org_id", None, required=True))


async def get_oauth_token_status(ctx: Context, request: web.Request, user: User) -> Reply:
    org_id = _query_org(Errors(), request, user)
    tokens = ctx.world.oauth_tokens.get((user.id, org_id), {})
    return Reply(200, encode(sorted(p for p, active in tokens.items() if active)))


async def revoke_oauth_token(ctx: Context, request: web.Request, user: User) -> Reply:
    errors = Errors()
    provider = request.query.get("provider")
    if provider is None:
        errors.missing(("query", "provider"))
    org_id = _query_org(errors, request, user)
    assert provider is not None  # else errors held it, and _query_org refused
    tokens = ctx.world.oauth_tokens.get((user.id, org_id), {})
    revoked = 1 if tokens.get(provider) else 0
    if provider in tokens:
        tokens[provider] = False
    return Reply(
        200,
        encode(
            {
                "message": f"Revoked {revoked} token(s) for provider {provider}",
                "provider": provider,
                "revoked_count": revoked,
            }
        ),
    )


async def generate_slack_connect_token(ctx: Context, request: web.Request, user: User) -> Reply:
    errors = Errors()
    body = validate_body(errors, await request.read(), _SLACK_FIELDS)
    admitted(errors, user, body.get("org_id"))
    token = ctx.world.slack_token()
    return Reply(
        200,
        encode(
            {
                "token": token,
                "message": f"Send 'Connect my account: {token}' to the Codegen bot in Slack.",
                "expires_in_minutes": 10,
            }
        ),
    )


class Operation(NamedTuple):
    """One API operation: name, method, path, rate-limit group and handler."""

    name: str
    method: str
    path: str
    group: str | None
    handler: Handler
    creates_runs: bool = False


_ORG = "/v1/organizations/{org_id}"

# Order matters where paths overlap: aiohttp, like Starlette, takes the first match, so
# GET .../agent/run/resume reaches get_agent_run and answers 422, as FastAPI does.
OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "create_agent_run", "POST", f"{_ORG}/agent/run", "create_run", create_agent_run, True
    ),
    Operation("resume_agent_run", "POST", f"{_ORG}/agent/run/resume", None, resume_agent_run),
    Operation("ban_agent_run", "POST", f"{_ORG}/agent/run/ban", None, ban_agent_run),
    Operation("unban_agent_run", "POST", f"{_ORG}/agent/run/unban", None, unban_agent_run),
    Operation("remove_from_pr", "POST", f"{_ORG}/agent/run/remove-from-pr", None, remove_from_pr),
    Operation(
        "get_agent_run", "GET", f"{_ORG}/agent/run/{{agent_run_id}}", "standard", get_agent_run
    ),
    Operation("list_agent_runs", "GET", f"{_ORG}/agent/runs", "standard", list_agent_runs),
    Operation(
        "get_agent_run_logs",
        "GET",
        "/v1/alpha/organizations/{org_id}/agent/run/{agent_run_id}/logs",
        "logs",
        get_agent_run_logs,
    ),
    Operation("get_organizations", "GET", "/v1/organizations", "standard", get_organizations),
    Operation("get_users", "GET", f"{_ORG}/users", "standard", get_users),
    Operation("get_user", "GET", f"{_ORG}/users/{{user_id}}", "standard", get_user),
    Operation("get_current_user", "GET", "/v1/users/me", "standard", get_current_user),
    Operation(
        "get_check_suite_settings",
        "GET",
        f"{_ORG}/repos/check-suite-settings",
        None,
        get_check_suite_settings,
    ),
    Operation(
        "update_check_suite_settings",
        "PUT",
        f"{_ORG}/repos/check-suite-settings",
        None,
        update_check_suite_settings,
    ),
    Operation("get_repositories", "GET", f"{_ORG}/repos", "standard", get_repositories),
    Operation(
        "edit_pull_request_simple",
        "PATCH",
        f"{_ORG}/prs/{{pr_id}}",
        "pr_edit",
        edit_pull_request_simple,
    ),
    Operation(
        "edit_pull_request",
        "PATCH",
        f"{_ORG}/repos/{{repo_id}}/prs/{{pr_id}}",
        "pr_edit",
        edit_pull_request,
    ),
    Operation(
        "get_organization_integrations",
        "GET",
        f"{_ORG}/integrations",
        "standard",
        get_organization_integrations,
    ),
    Operation(
        "generate_setup_commands",
        "POST",
        f"{_ORG}/setup-commands/generate",
        "setup_commands",
        generate_setup_commands,
        True,
    ),
    Operation(
        "analyze_sandbox_logs",
        "POST",
        f"{_ORG}/sandbox/{{sandbox_id}}/analyze-logs",
        "analyze_logs",
        analyze_sandbox_logs,
        True,
    ),
    Operation("get_cli_rules", "GET", f"{_ORG}/cli/rules", "cli_rules", get_cli_rules),
    Operation("get_mcp_providers", "GET", "/v1/mcp-providers", None, get_mcp_providers),
    Operation(
        "get_oauth_token_status", "GET", "/v1/oauth/tokens/status", None, get_oauth_token_status
    ),
    Operation("revoke_oauth_token", "POST", "/v1/oauth/tokens/revoke", None, revoke_oauth_token),
    Operation(
        "generate_slack_connect_token",
        "POST",
        "/v1/slack-connect/generate-token",
        None,
        generate_slack_connect_token,
    ),
)
