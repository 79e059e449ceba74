"""Agent runs: a lifecycle computed lazily from the clock, outcome steering, and trace logs.

No task runs per agent run: a run's status is derived, on each read, from its current
segment (start, duration, outcome) and the emulated time, so 100,000 runs cost only memory.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..models import ACTIVE_STATUSES, TERMINAL_STATUSES
from ._clock import format_timestamp
from ._schemas import (
    AgentRunLogResponse,
    AgentRunResponse,
    GithubPullRequestResponse,
    encode,
)

__all__ = [
    "IN_PROGRESS",
    "PROMPT_TAGS",
    "TERMINAL",
    "PullRequest",
    "Run",
    "Segment",
    "Steering",
    "SteeringError",
    "parse_steering",
]

IN_PROGRESS = ACTIVE_STATUSES
"""Statuses of a run still working."""

TERMINAL = TERMINAL_STATUSES - {"COMPLETED"}  # "COMPLETED" is the docs' spelling, never sent
"""Statuses a run ends in (``PAUSED`` waits for a resume and is neither)."""

PROMPT_TAGS: Mapping[str, str] = {
    "complete": "COMPLETE",
    "fail": "FAILED",
    "error": "ERROR",
    "pause": "PAUSED",
    "cancel": "CANCELLED",
    "timeout": "TIMEOUT",
}
"""``[emulator:<tag>]`` in a prompt steers the outcome to the status it maps to."""

_TAG_RE = re.compile(r"\[emulator:([a-z_]+)(?:=([0-9.]+))?\]")

WEB_URL = "https://codegen.com/agent/trace/{}"


class SteeringError(ValueError):
    """Invalid ``metadata["emulator"]`` steering; answered as a 422 pointing at the key."""

    def __init__(self, key: str, message: str, value: Any) -> None:
        super().__init__(message)
        self.key = key
        self.message = message
        self.value = value


@dataclass
class Steering:
    """What a test asked of a run, from ``metadata["emulator"]`` and prompt tags."""

    outcome: str | None = None
    duration: float | None = None
    result: str | None = None
    summary: str | None = None
    pr: bool | None = None
    logs: int | None = None
    resume_outcome: str | None = None


def _prompt_tags(prompt: str, steering: Steering) -> None:
    if "[emulator:" not in prompt:
        return
    for tag, value in _TAG_RE.findall(prompt):
        if tag in PROMPT_TAGS:
            steering.outcome = PROMPT_TAGS[tag]
        elif tag == "duration" and value:
            steering.duration = float(value)


def parse_steering(prompt: str, metadata: Mapping[str, Any] | None) -> Steering:
    """Read the steering of a run from its prompt tags and ``metadata["emulator"]``.

    Metadata wins over prompt tags. Raises :class:`SteeringError` on a malformed value.
    """
    steering = Steering()
    _prompt_tags(prompt, steering)
    if not metadata or "emulator" not in metadata:
        return steering
    spec = metadata["emulator"]
    if not isinstance(spec, Mapping):
        raise SteeringError("emulator", "emulator steering must be an object", spec)
    for key, check, message in _STEERING_KEYS:
        value = spec.get(key)
        if value is None:
            continue
        if not check(value):
            raise SteeringError(key, message, value)
        if key in ("outcome", "resume_outcome"):
            value = value.upper()
        elif key == "duration":
            value = float(value)
        setattr(steering, key, value)
    return steering


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


_STEERING_KEYS: list[tuple[str, Callable[[Any], bool], str]] = [
    ("outcome", lambda v: isinstance(v, str) and bool(v), "outcome must be a status string"),
    (
        "resume_outcome",
        lambda v: isinstance(v, str) and bool(v),
        "resume_outcome must be a status string",
    ),
    ("duration", _is_number, "duration must be a number >= 0"),
    ("result", lambda v: isinstance(v, str), "result must be a string"),
    ("summary", lambda v: isinstance(v, str), "summary must be a string"),
    ("pr", lambda v: isinstance(v, bool), "pr must be a boolean"),
    (
        "logs",
        lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 10_000,
        "logs must be an integer between 0 and 10000",
    ),
]


@dataclass(slots=True, kw_only=True, eq=False)
class PullRequest:
    """A GitHub pull request an agent run opened."""

    id: int
    org_id: int
    repo_id: int
    repo_full_name: str
    number: int
    title: str
    head_branch_name: str
    created_at: str
    run_id: int | None = None
    state: str = "open"
    merged: bool = False

    @property
    def url(self) -> str:
        """The PR's GitHub URL (the official CLI derives the number from it)."""
        return f"https://github.com/{self.repo_full_name}/pull/{self.number}"

    def response(self) -> GithubPullRequestResponse:
        """The ``GithubPullRequestResponse`` of this PR."""
        return GithubPullRequestResponse(
            id=self.id,
            title=self.title,
            url=self.url,
            created_at=self.created_at,
            head_branch_name=self.head_branch_name,
        )


@dataclass(slots=True, kw_only=True, eq=False)
class Segment:
    """One stretch of work: creation to outcome, or resume to outcome.

    ``outcome`` is ``None`` for a segment superseded by a resume before it ended.
    ``cut`` is the emulated time the segment was stopped early (ban, resume), if it was.
    """

    start: float
    duration: float
    outcome: str | None
    n_logs: int
    prompt: str
    result: str | None = None
    summary: str | None = None
    pr: PullRequest | None = None
    cut: float | None = None
    end: float = field(init=False)

    def __post_init__(self) -> None:
        self.end = self.start + self.duration

    def visible_logs(self, now: float) -> int:
        """Work log entries visible at ``now`` (entry i appears at i+1 / n+1 of the way)."""
        until = self.cut if self.cut is not None and self.cut < now else now
        if until >= self.end:
            return self.n_logs
        if self.duration <= 0:
            return 0
        seen = math.floor((until - self.start) / self.duration * (self.n_logs + 1))
        return max(0, min(self.n_logs, seen))


@dataclass(slots=True, kw_only=True, eq=False)
class Run:
    """An agent run. Its status is computed from the clock on each read.

    ``forced`` overrides the computed status (``CANCELLED`` after a ban of a working run);
    ``banned`` is the PR's ban flag.
    """

    id: int
    org_id: int
    user_id: int | None
    created_ts: float
    created_at: str
    prompt: str
    metadata: dict[str, Any] | None
    source_type: str
    segments: list[Segment]
    repo_id: int | None = None
    model: str | None = None
    agent_type: str | None = None
    images: list[str] | None = None
    forced: str | None = None
    banned: bool = False
    _cache: bytes | None = field(default=None, repr=False)

    @property
    def segment(self) -> Segment:
        """The current segment."""
        return self.segments[-1]

    def status(self, now: float) -> str:
        """The status at emulated time ``now``."""
        if self.forced is not None:
            return self.forced
        seg = self.segments[-1]
        if now < seg.end:
            return "ACTIVE"
        return seg.outcome or "ACTIVE"

    def settled(self, now: float) -> bool:
        """Whether the run's answer can no longer change without an action on it."""
        return self.forced is not None or now >= self.segments[-1].end

    def invalidate(self) -> None:
        """Forget the cached body after a change of state."""
        self._cache = None

    def response(self, now: float) -> AgentRunResponse:
        """The run as ``AgentRunResponse`` at emulated time ``now``."""
        status = self.status(now)
        seg = self.segments[-1]
        settled = status != "ACTIVE" and self.forced is None
        return AgentRunResponse(
            id=self.id,
            organization_id=self.org_id,
            status=status,
            created_at=self.created_at,
            web_url=WEB_URL.format(self.id),
            result=seg.result if settled else None,
            summary=seg.summary if settled else None,
            source_type=self.source_type,
            github_pull_requests=self.pull_requests(now),
            metadata=self.metadata,
        )

    def pull_requests(self, now: float) -> list[GithubPullRequestResponse]:
        """PRs opened by the segments that completed by ``now``."""
        prs = []
        for seg in self.segments:
            if seg.pr is not None and seg.cut is None and now >= seg.end:
                prs.append(seg.pr.response())
        return prs

    def encoded(self, now: float) -> bytes:
        """The JSON body of this run at ``now``; cached once the run has settled."""
        cache = self._cache
        if cache is not None:
            return cache
        body = encode(self.response(now))
        if self.settled(now):
            self._cache = body
        return body

    def log_entries(self, now: float) -> list[tuple[int, int]]:
        """(segment index, entry index) of every visible log entry, oldest first.

        Entry index ``-1`` is the closing entry of a segment that reached its outcome.
        """
        entries: list[tuple[int, int]] = []
        for s, seg in enumerate(self.segments):
            entries.extend((s, i) for i in range(seg.visible_logs(now)))
            if seg.outcome is not None and seg.cut is None and now >= seg.end:
                entries.append((s, -1))
        return entries

    def log_entry(self, s: int, i: int, iso: bool) -> AgentRunLogResponse:
        """The log entry ``i`` of segment ``s`` (deterministic, generated on demand)."""
        seg = self.segments[s]
        ts = seg.end if i < 0 else seg.start + seg.duration * (i + 1) / (seg.n_logs + 1)
        created = format_timestamp(ts, iso)
        if i < 0:
            return _closing_entry(self.id, created, seg)
        if i == 0:
            if s > 0:
                return AgentRunLogResponse(
                    self.id, created, None, "USER_MESSAGE", None, seg.prompt, None, None
                )
            return AgentRunLogResponse(
                self.id,
                created,
                None,
                "PLAN_EVALUATION",
                f"Plan: understand the request, explore, make the change. ({seg.prompt[:80]})",
                None,
                None,
                None,
            )
        tool, tool_input, tool_output = _TOOLS[i % len(_TOOLS)]
        return AgentRunLogResponse(
            self.id,
            created,
            tool,
            "ACTION",
            f"Step {i}: using {tool}.",
            f"{tool} finished.",
            tool_input,
            tool_output,
        )


_TOOLS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("ripgrep_search", {"query": "def main"}, {"matches": 3}),
    ("view_file", {"path": "src/app.py"}, {"lines": 120}),
    ("edit_file", {"path": "src/app.py"}, {"applied": True}),
    ("run_command", {"command": "pytest -q"}, {"exit_code": 0}),
]


def _closing_entry(run_id: int, created: str, seg: Segment) -> AgentRunLogResponse:
    if seg.outcome == "COMPLETE":
        return AgentRunLogResponse(
            run_id, created, None, "FINAL_ANSWER", "Done.", seg.result, None, None
        )
    if seg.outcome == "PAUSED":
        return AgentRunLogResponse(
            run_id, created, None, "FINAL_ANSWER", "Waiting for input.", seg.result, None, None
        )
    return AgentRunLogResponse(
        run_id,
        created,
        "run_command",
        "ERROR",
        None,
        {"error": seg.result or f"Run ended with status {seg.outcome}"},
        None,
        None,
    )


def outcome_texts(outcome: str, prompt: str, steering: Steering) -> tuple[str | None, str | None]:
    """The ``result`` and ``summary`` a run with ``outcome`` reports (steering overrides)."""
    task = prompt if len(prompt) <= 60 else prompt[:57] + "..."
    result: str | None
    summary: str | None = None
    if outcome == "COMPLETE":
        result = f"I completed the task: {task}"
        summary = f"Completed: {task}"
    elif outcome == "FAILED":
        result = f"I could not complete the task: {task}"
    elif outcome == "ERROR":
        result = "The agent encountered an internal error."
    elif outcome == "PAUSED":
        result = "I need more information before I continue. Please resume with details."
    else:
        result = None
    if steering.result is not None:
        result = steering.result
    if steering.summary is not None:
        summary = steering.summary
    return result, summary
