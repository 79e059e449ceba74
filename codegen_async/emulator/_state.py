"""The emulated world: organizations, users, tokens, repos, runs, PRs, kept in plain dicts.

Runs are also indexed per (organization, filter) in creation order, so a newest-first page is
a slice from the end of one list, whatever the number of runs.
"""

from __future__ import annotations

import bisect
import math
import random
import secrets
from collections.abc import Mapping
from typing import Any

from ._clock import Clock, format_timestamp
from ._runs import PullRequest, Run, Segment, Steering, outcome_texts, parse_steering
from ._schemas import (
    CheckSuiteSettingsResponse,
    IntegrationStatus,
    OAuthProviderResponse,
    OrganizationResponse,
    OrganizationSettings,
    RepoResponse,
    UserResponse,
)

__all__ = ["Organization", "Repo", "Sandbox", "User", "World"]


class Organization:
    """An organization and its settings."""

    __slots__ = ("id", "name", "rules", "settings")

    def __init__(
        self,
        org_id: int,
        name: str,
        settings: OrganizationSettings | None = None,
        rules: str | None = None,
    ) -> None:
        self.id = org_id
        self.name = name
        self.settings = settings or OrganizationSettings()
        self.rules = rules

    def response(self) -> OrganizationResponse:
        """The ``OrganizationResponse`` of this organization."""
        return OrganizationResponse(id=self.id, name=self.name, settings=self.settings)


class User:
    """A user, with a role in each organization they belong to."""

    __slots__ = (
        "avatar_url",
        "custom_prompt",
        "email",
        "full_name",
        "github_user_id",
        "github_username",
        "id",
        "memberships",
    )

    def __init__(
        self,
        user_id: int,
        github_username: str,
        *,
        email: str | None = None,
        full_name: str | None = None,
        github_user_id: str | None = None,
        avatar_url: str | None = None,
        memberships: Mapping[int, str] | None = None,
        custom_prompt: str | None = None,
    ) -> None:
        self.id = user_id
        self.github_username = github_username
        self.email = email
        self.full_name = full_name
        self.github_user_id = github_user_id or str(10_000_000 + user_id)
        self.avatar_url = (
            avatar_url or f"https://avatars.githubusercontent.com/u/{self.github_user_id}"
        )
        self.memberships: dict[int, str] = dict(memberships or {})
        self.custom_prompt = custom_prompt

    def response(self, org_id: int | None = None) -> UserResponse:
        """The ``UserResponse``; ``role`` is the one in ``org_id`` (else the first org's)."""
        role: str | None = None
        if org_id is not None:
            role = self.memberships.get(org_id)
        elif self.memberships:
            role = next(iter(self.memberships.values()))
        return UserResponse(
            id=self.id,
            email=self.email,
            github_user_id=self.github_user_id,
            github_username=self.github_username,
            avatar_url=self.avatar_url,
            full_name=self.full_name,
            role=role,
            is_admin=None if role is None else role == "ADMIN",
        )


class Repo:
    """A repository of an organization, with its check-suite settings."""

    __slots__ = ("check_suite", "data")

    def __init__(self, data: RepoResponse) -> None:
        self.data = data
        self.check_suite = CheckSuiteSettingsResponse(
            check_retry_count=3,
            ignored_checks=[],
            check_retry_counts={},
            custom_prompts={},
            high_priority_apps=[],
            available_check_suite_names=["build", "lint", "test"],
        )

    @property
    def id(self) -> int:
        """The repo id."""
        return self.data.id

    @property
    def org_id(self) -> int:
        """The organization the repo belongs to."""
        return self.data.organization_id


class Sandbox:
    """A setup sandbox whose logs ``analyze-logs`` can analyse."""

    __slots__ = ("has_logs", "id", "org_id")

    def __init__(self, sandbox_id: int, org_id: int, has_logs: bool = True) -> None:
        self.id = sandbox_id
        self.org_id = org_id
        self.has_logs = has_logs


class World:
    """Everything the emulator knows; tests may read and seed it directly.

    Args:
        clock: The emulated clock.
        seed: Seed of the per-run random draws.
        run_duration: (min, max) emulated seconds of the log-uniform duration distribution.
        outcome_weights: Probability of each terminal status of an unsteered run.
        iso_timestamps: Format ``created_at`` as ISO-8601 instead of the live API's format.
    """

    def __init__(
        self,
        clock: Clock,
        seed: int = 0,
        run_duration: tuple[float, float] = (5.0, 120.0),
        outcome_weights: Mapping[str, float] | None = None,
        iso_timestamps: bool = False,
    ) -> None:
        self.clock = clock
        self.seed = seed
        self.run_duration = run_duration
        weights = dict(outcome_weights or {"COMPLETE": 1.0})
        self._outcomes = list(weights)
        self._cum_weights = list(_accumulate(weights.values()))
        self.iso_timestamps = iso_timestamps
        self.orgs: dict[int, Organization] = {}
        self.users: dict[int, User] = {}
        self.tokens: dict[str, int] = {}
        self.repos: dict[int, Repo] = {}
        self.org_repos: dict[int, list[int]] = {}
        self.runs: dict[int, Run] = {}
        self.prs: dict[int, PullRequest] = {}
        self.sandboxes: dict[int, Sandbox] = {}
        self.integrations: dict[int, list[IntegrationStatus]] = {}
        self.oauth_tokens: dict[tuple[int, int], dict[str, bool]] = {}
        self.mcp_providers: list[OAuthProviderResponse] = []
        self.plan_usage: dict[int, int] = {}
        """Runs created through the create endpoint, per organization (for the plan quota)."""
        self._run_index: dict[tuple[int, int | None, str | None], list[tuple[float, int]]] = {}
        self._next_run_id = 1000
        self._next_pr_id = 5000
        self._pr_numbers: dict[int, int] = {}

    # -- seeding ------------------------------------------------------------------------------

    def add_org(
        self,
        org_id: int,
        name: str,
        settings: OrganizationSettings | None = None,
        rules: str | None = None,
    ) -> Organization:
        """Add (or replace) an organization."""
        org = Organization(org_id, name, settings, rules)
        self.orgs[org_id] = org
        self.org_repos.setdefault(org_id, [])
        return org

    def add_user(
        self,
        user_id: int,
        github_username: str,
        orgs: Mapping[int, str] | list[int] | None = None,
        token: str | None = None,
        **fields: Any,
    ) -> User:
        """Add (or replace) a user, a member of ``orgs`` (ids, or id -> role), with a token."""
        memberships = orgs if isinstance(orgs, Mapping) else dict.fromkeys(orgs or [], "MEMBER")
        user = User(user_id, github_username, memberships=memberships, **fields)
        self.users[user_id] = user
        if token is not None:
            self.tokens[token] = user_id
        return user

    def add_token(self, token: str, user_id: int) -> None:
        """Accept ``token`` as a bearer token of user ``user_id``."""
        if user_id not in self.users:
            raise KeyError(f"no user {user_id}")
        self.tokens[token] = user_id

    def add_repo(
        self,
        repo_id: int,
        org_id: int,
        name: str,
        full_name: str | None = None,
        **fields: Any,
    ) -> Repo:
        """Add (or replace) a repository of organization ``org_id``."""
        org = self.orgs[org_id]
        data = RepoResponse(
            id=repo_id,
            name=name,
            full_name=full_name or f"{org.name.lower().replace(' ', '-')}/{name}",
            description=fields.get("description"),
            github_id=str(fields.get("github_id", 700_000_000 + repo_id)),
            organization_id=org_id,
            visibility=fields.get("visibility", "private"),
            archived=fields.get("archived", False),
            setup_status=fields.get("setup_status", "COMPLETED"),
            language=fields.get("language", "Python"),
        )
        repo = Repo(data)
        if repo_id not in self.repos:
            self.org_repos.setdefault(org_id, []).append(repo_id)
        self.repos[repo_id] = repo
        return repo

    def add_sandbox(self, sandbox_id: int, org_id: int, has_logs: bool = True) -> Sandbox:
        """Add a sandbox for ``analyze-logs``."""
        sandbox = Sandbox(sandbox_id, org_id, has_logs)
        self.sandboxes[sandbox_id] = sandbox
        return sandbox

    def add_integration(self, org_id: int, status: IntegrationStatus) -> None:
        """Add an integration status to an organization."""
        self.integrations.setdefault(org_id, []).append(status)

    # -- runs ---------------------------------------------------------------------------------

    def _draw_duration(self, rng: random.Random) -> float:
        low, high = self.run_duration
        if low <= 0 or high <= low:
            return rng.uniform(low, high)
        # Log-uniform: many short runs, a long tail of multi-minute ones.
        return math.exp(rng.uniform(math.log(low), math.log(high)))

    def _draw_outcome(self, rng: random.Random) -> str:
        total = self._cum_weights[-1] if self._cum_weights else 0.0
        if total <= 0:
            return "COMPLETE"
        u = rng.random() * total
        return self._outcomes[bisect.bisect_right(self._cum_weights, u)]

    def _segment(
        self,
        run_id: int,
        *,
        generation: int,
        start: float,
        prompt: str,
        steering: Steering,
        outcome: str | None,
        org_id: int,
        repo_id: int | None,
    ) -> Segment:
        rng = random.Random(f"{self.seed}/{run_id}/{generation}")
        duration = self._draw_duration(rng)
        drawn = self._draw_outcome(rng)
        n_logs = rng.randint(4, 24)
        wants_pr = rng.random() < 0.8
        if steering.duration is not None:
            duration = steering.duration
        outcome = outcome or drawn
        if steering.logs is not None:
            n_logs = steering.logs
        if steering.pr is not None:
            wants_pr = steering.pr
        result, summary = outcome_texts(outcome, prompt, steering)
        pr = None
        org = self.orgs.get(org_id)
        can_open = org is not None and org.settings.enable_pr_creation
        if outcome == "COMPLETE" and wants_pr and can_open:
            pr = self._open_pr(org_id, repo_id, run_id, prompt, start + duration)
        return Segment(
            start=start,
            duration=duration,
            outcome=outcome,
            n_logs=n_logs,
            prompt=prompt,
            result=result,
            summary=summary,
            pr=pr,
        )

    def _open_pr(
        self, org_id: int, repo_id: int | None, run_id: int, prompt: str, at: float
    ) -> PullRequest | None:
        repo_ids = self.org_repos.get(org_id) or []
        if repo_id is None or repo_id not in self.repos:
            if not repo_ids:
                return None
            repo_id = repo_ids[0]
        repo = self.repos[repo_id]
        number = self._pr_numbers.get(repo_id, 0) + 1
        self._pr_numbers[repo_id] = number
        pr_id = self._next_pr_id
        self._next_pr_id += 1
        title = prompt.strip().splitlines()[0][:72] if prompt.strip() else f"Agent run {run_id}"
        pr = PullRequest(
            id=pr_id,
            org_id=org_id,
            repo_id=repo_id,
            repo_full_name=repo.data.full_name,
            number=number,
            title=title,
            head_branch_name=f"codegen-bot/run-{run_id}",
            created_at=format_timestamp(at, self.iso_timestamps),
            run_id=run_id,
        )
        self.prs[pr_id] = pr
        return pr

    def create_run(
        self,
        org_id: int,
        user_id: int | None,
        prompt: str,
        *,
        metadata: dict[str, Any] | None = None,
        source_type: str = "API",
        repo_id: int | None = None,
        model: str | None = None,
        agent_type: str | None = None,
        images: list[str] | None = None,
        created_ts: float | None = None,
        outcome: str | None = None,
        duration: float | None = None,
    ) -> Run:
        """Create a run, steered by ``prompt`` / ``metadata`` (and ``outcome``/``duration``).

        Raises ``SteeringError`` on malformed ``metadata["emulator"]``.
        """
        steering = parse_steering(prompt, metadata)
        if duration is not None:
            steering.duration = duration
        now = self.clock.now()
        created = now if created_ts is None else created_ts
        run_id = self._next_run_id
        self._next_run_id += 1
        segment = self._segment(
            run_id,
            generation=0,
            start=created,
            prompt=prompt,
            steering=steering,
            outcome=outcome or steering.outcome,
            org_id=org_id,
            repo_id=repo_id,
        )
        run = Run(
            id=run_id,
            org_id=org_id,
            user_id=user_id,
            created_ts=created,
            created_at=format_timestamp(created, self.iso_timestamps),
            prompt=prompt,
            metadata=metadata,
            source_type=source_type,
            segments=[segment],
            repo_id=repo_id,
            model=model,
            agent_type=agent_type,
            images=images,
        )
        self.runs[run_id] = run
        key = (created, run_id)
        for index_key in (
            (org_id, None, None),
            (org_id, user_id, None),
            (org_id, None, source_type),
            (org_id, user_id, source_type),
        ):
            lst = self._run_index.get(index_key)
            if lst is None:
                self._run_index[index_key] = [key]
            elif lst[-1] <= key:
                lst.append(key)
            else:
                bisect.insort(lst, key)
        return run

    def list_runs(
        self,
        org_id: int,
        user_id: int | None,
        source_type: str | None,
        skip: int,
        limit: int,
    ) -> tuple[list[Run], int]:
        """A newest-first page of an organization's runs and the total that match."""
        lst = self._run_index.get((org_id, user_id, source_type))
        if not lst:
            return [], 0
        total = len(lst)
        stop = total - skip
        if stop <= 0:
            return [], total
        start = max(0, stop - limit)
        runs = self.runs
        return [runs[lst[i][1]] for i in range(stop - 1, start - 1, -1)], total

    def resume_run(self, run: Run, prompt: str) -> None:
        """Start a new segment of ``run`` now (resume, or follow-up on a finished run)."""
        now = self.clock.now()
        current = run.segment
        if now < current.end and run.forced is None:
            # Still working: the follow-up supersedes the current piece of work.
            current.cut = now
            current.outcome = None
        steering = parse_steering(prompt, None)
        original = parse_steering(run.prompt, run.metadata)
        resume_steering = Steering(
            duration=steering.duration if steering.duration is not None else original.duration,
            logs=original.logs,
            pr=original.pr,
        )
        outcome = steering.outcome or original.resume_outcome or "COMPLETE"
        run.segments.append(
            self._segment(
                run.id,
                generation=len(run.segments),
                start=now,
                prompt=prompt,
                steering=resume_steering,
                outcome=outcome,
                org_id=run.org_id,
                repo_id=run.repo_id,
            )
        )
        run.forced = None
        run.invalidate()

    def stop_run(self, run: Run) -> None:
        """Ban / remove-from-pr: flag the run's PR and cancel its agent if still working."""
        now = self.clock.now()
        run.banned = True
        if run.forced is None and now < run.segment.end:
            run.segment.cut = now
            run.forced = "CANCELLED"
        run.invalidate()

    def unban_run(self, run: Run) -> None:
        """Lift the ban flag; a cancelled run stays cancelled."""
        run.banned = False
        run.invalidate()

    # -- queries ------------------------------------------------------------------------------

    def user_for_token(self, token: str) -> User | None:
        """The user a bearer token belongs to, if any."""
        user_id = self.tokens.get(token)
        return None if user_id is None else self.users.get(user_id)

    def org_members(self, org_id: int) -> list[User]:
        """Users of an organization, by id."""
        return sorted(
            (u for u in self.users.values() if org_id in u.memberships), key=lambda u: u.id
        )

    def org_repo_list(self, org_id: int) -> list[Repo]:
        """Repositories of an organization, in insertion order."""
        return [self.repos[r] for r in self.org_repos.get(org_id, [])]

    def slack_token(self) -> str:
        """A fresh one-time Slack-connect token."""
        return secrets.token_urlsafe(16)

    def check_suite(self, repo_id: int) -> CheckSuiteSettingsResponse | None:
        """Check-suite settings of a repo, ``None`` if the repo is unknown."""
        repo = self.repos.get(repo_id)
        return None if repo is None else repo.check_suite


def _accumulate(values: Any) -> list[float]:
    total = 0.0
    out = []
    for v in values:
        total += float(v)
        out.append(total)
    return out
