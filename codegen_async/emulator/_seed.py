"""The seeded world, and loading more of it from JSON or a mapping."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._config import DEFAULT_TOKEN, EmulatorConfig
from ._schemas import IntegrationStatus, OAuthProviderResponse, OrganizationSettings
from ._state import World

__all__ = ["DEFAULT_USER_ID", "OTHER_ORG_ID", "build_world", "load_world"]

DEFAULT_USER_ID = 1
"""The user behind :data:`DEFAULT_TOKEN`: an ADMIN of the configured organization."""

OTHER_ORG_ID = 99_999
"""A seeded organization the default user is not a member of (for 403 tests)."""

_INTEGRATIONS: list[tuple[str, bool, int | None, int | None]] = [
    ("github", True, None, 4_200_001),
    ("slack", True, 31, None),
    ("linear", True, 32, None),
    ("notion", False, None, None),
    ("figma", False, None, None),
    ("clickup", False, None, None),
    ("jira", False, None, None),
    ("sentry", False, None, None),
    ("monday", False, None, None),
    ("circleci", False, None, None),
    ("postgresql", False, None, None),
]

_SEED_SOURCES = ["API", "API", "SLACK", "GITHUB", "LINEAR", "API", "CHAT"]


def build_world(config: EmulatorConfig, world: World) -> None:
    """Fill ``world`` with the default seed, ``config.tokens``, ``config.world`` and runs."""
    org_id = config.org_id
    world.add_org(org_id, "Emulated Org", rules="Write tests first. Keep functions small.")
    other = OTHER_ORG_ID if org_id != OTHER_ORG_ID else OTHER_ORG_ID + 1
    world.add_org(other, "Outside Org")
    world.add_user(
        DEFAULT_USER_ID,
        "emulator-admin",
        {org_id: "ADMIN"},
        email="admin@emulator.invalid",
        full_name="Emulator Admin",
        custom_prompt="Prefer small pull requests.",
    )
    world.add_user(
        2, "alice", {org_id: "MEMBER"}, email="alice@emulator.invalid", full_name="Alice"
    )
    world.add_user(3, "bob", {org_id: "MANAGER"}, email="bob@emulator.invalid", full_name="Bob")
    world.add_user(4, "outsider", {other: "ADMIN"}, email="out@emulator.invalid")
    for repo_id, name, language in ((101, "api", "Python"), (102, "web", "TypeScript")):
        world.add_repo(repo_id, org_id, name, language=language, description=f"The {name}")
    world.add_repo(103, org_id, "infra", language="HCL", description=None, visibility="public")
    world.add_repo(201, other, "secret", description="Not yours")
    for itype, active, token_id, installation_id in _INTEGRATIONS:
        world.add_integration(
            org_id,
            IntegrationStatus(
                integration_type=itype,
                active=active,
                token_id=token_id,
                installation_id=installation_id,
                metadata={"workspace": "emulated"} if active else None,
            ),
        )
    world.add_sandbox(1, org_id, has_logs=True)
    world.add_sandbox(2, org_id, has_logs=False)
    world.mcp_providers.extend(
        OAuthProviderResponse(
            id=i,
            name=name,
            issuer=f"https://{name}.example",
            authorization_endpoint=f"https://{name}.example/oauth/authorize",
            token_endpoint=f"https://{name}.example/oauth/token",
            default_scopes=["read"],
            is_mcp=True,
            meta=None,
        )
        for i, name in enumerate(("linear", "notion", "sentry"), start=1)
    )
    world.oauth_tokens[(DEFAULT_USER_ID, org_id)] = {"slack": True, "linear": True}

    tokens = config.tokens if config.tokens is not None else {DEFAULT_TOKEN: DEFAULT_USER_ID}
    for token, spec in tokens.items():
        _add_token(world, org_id, token, spec)
    if config.world is not None:
        load_world(world, config.world)
    seed_runs(world, org_id, config.seed_runs)


def _add_token(world: World, org_id: int, token: str, spec: int | Mapping[str, Any]) -> None:
    if isinstance(spec, int):
        if spec not in world.users:
            world.add_user(spec, f"user{spec}", {org_id: "MEMBER"})
        world.add_token(token, spec)
        return
    _add_user_record(world, dict(spec), default_orgs={org_id: "MEMBER"}, token=token)


def _add_user_record(
    world: World,
    record: dict[str, Any],
    default_orgs: Mapping[int, str] | None = None,
    token: str | None = None,
) -> None:
    user_id = int(record.pop("id"))
    username = str(record.pop("github_username", f"user{user_id}"))
    orgs = record.pop("orgs", None)
    role = str(record.pop("role", "MEMBER"))
    memberships: dict[int, str]
    if orgs is None:
        memberships = dict(default_orgs or {})
    elif isinstance(orgs, Mapping):
        memberships = {int(k): str(v) for k, v in orgs.items()}
    else:
        memberships = {int(o): role for o in orgs}
    token = record.pop("token", token)
    world.add_user(user_id, username, memberships, token=token, **record)


def seed_runs(world: World, org_id: int, count: int) -> None:
    """Create ``count`` settled historical runs, one emulated minute apart, oldest first."""
    if count <= 0:
        return
    users = [u.id for u in world.org_members(org_id)] or [DEFAULT_USER_ID]
    repos: list[int | None] = [*world.org_repos.get(org_id, [])] or [None]
    now = world.clock.now()
    _low, high = world.run_duration
    for k in range(count):
        created = now - high - 60.0 * (count - k)
        world.create_run(
            org_id,
            users[k % len(users)],
            f"Historical task #{k}",
            source_type=_SEED_SOURCES[k % len(_SEED_SOURCES)],
            repo_id=repos[k % len(repos)],
            created_ts=created,
        )


def load_world(world: World, source: str | Path | Mapping[str, Any]) -> None:
    """Add the organizations, users, tokens, repos, sandboxes, integrations and runs of a
    JSON file (path) or mapping. The format is described in ``docs/emulator.md``."""
    data: Mapping[str, Any]
    if isinstance(source, Mapping):
        data = source
    else:
        data = json.loads(Path(source).read_text(encoding="utf-8"))
    for org in data.get("organizations", []):
        settings = org.get("settings")
        world.add_org(
            int(org["id"]),
            str(org["name"]),
            OrganizationSettings(**settings) if settings else None,
            org.get("rules"),
        )
    for user in data.get("users", []):
        _add_user_record(world, dict(user))
    for token, user_id in data.get("tokens", {}).items():
        world.add_token(token, int(user_id))
    for repo in data.get("repos", []):
        fields = dict(repo)
        world.add_repo(
            int(fields.pop("id")),
            int(fields.pop("organization_id")),
            str(fields.pop("name")),
            fields.pop("full_name", None),
            **fields,
        )
    for sandbox in data.get("sandboxes", []):
        world.add_sandbox(
            int(sandbox["id"]), int(sandbox["organization_id"]), bool(sandbox.get("has_logs", True))
        )
    for status in data.get("integrations", []):
        fields = dict(status)
        org_id = int(fields.pop("organization_id"))
        world.add_integration(org_id, IntegrationStatus(**fields))
    now = world.clock.now()
    for run in data.get("runs", []):
        world.create_run(
            int(run["organization_id"]),
            run.get("user_id"),
            str(run.get("prompt", "Seeded run")),
            metadata=run.get("metadata"),
            source_type=str(run.get("source_type", "API")),
            repo_id=run.get("repo_id"),
            created_ts=now + float(run.get("created_offset", 0.0)),
            outcome=run.get("outcome"),
            duration=run.get("duration"),
        )
