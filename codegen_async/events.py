"""Agent-run events: one shape for what the watcher observes and what webhooks push.

Shared by ``codegen_async`` and ``codegen_sync``. The watcher
(``client.watch_agent_runs``) yields :class:`RunEvent` objects, and a
``WebhookHandler`` dispatches the same event names, so one handler serves both::

    @handler.on("agent_run.completed")
    def done(event): ...

Event types:

* ``agent_run.created``: a run was created (webhooks; the bulk runner's results).
* ``agent_run.status_changed``: a run's status changed and it is not finished (for
  example ``ACTIVE`` -> ``PAUSED``).
* ``agent_run.completed``: a run finished successfully (``COMPLETE``).
* ``agent_run.failed``: a run finished any other way (``FAILED``, ``ERROR``,
  ``CANCELLED``, ``TIMEOUT``, ...; ``data.status`` says which).
"""

from __future__ import annotations

import time
from typing import Any, Final

import msgspec

from .models import SUCCESS_STATUSES, TERMINAL_STATUSES, AgentRun

__all__ = [
    "AGENT_RUN_COMPLETED",
    "AGENT_RUN_CREATED",
    "AGENT_RUN_FAILED",
    "AGENT_RUN_STATUS_CHANGED",
    "EVENT_TYPES",
    "RunEvent",
    "event_type_for",
    "failure_reason",
    "make_event",
]

AGENT_RUN_CREATED: Final = "agent_run.created"
AGENT_RUN_STATUS_CHANGED: Final = "agent_run.status_changed"
AGENT_RUN_COMPLETED: Final = "agent_run.completed"
AGENT_RUN_FAILED: Final = "agent_run.failed"
EVENT_TYPES: Final = frozenset(
    {AGENT_RUN_CREATED, AGENT_RUN_STATUS_CHANGED, AGENT_RUN_COMPLETED, AGENT_RUN_FAILED}
)


class RunEvent(msgspec.Struct, kw_only=True, frozen=True):
    """Something that happened to an agent run.

    Attributes:
        type: One of :data:`EVENT_TYPES`.
        id: The agent run's id, as a string (webhook payloads carry string ids).
        timestamp: UNIX seconds at which the event was observed (or sent).
        data: The run as it was then.
        previous_status: The status before the change, if known.
        error: Why the run failed, on ``agent_run.failed`` (its result text, else
            ``"Run ended with status <STATUS>"``); ``None`` for other events.
    """

    type: str
    id: str
    timestamp: int
    data: AgentRun
    previous_status: str | None = None
    error: str | None = None

    @property
    def run(self) -> AgentRun:
        """The agent run (alias of ``data``)."""
        return self.data

    @property
    def is_terminal(self) -> bool:
        """Whether this event reports a finished run."""
        return self.type in (AGENT_RUN_COMPLETED, AGENT_RUN_FAILED)

    def dict(self) -> dict[str, Any]:
        """Plain JSON-able data, the shape of a webhook body."""
        result: dict[str, Any] = msgspec.to_builtins(self)
        return result

    def __getitem__(self, key: str) -> Any:
        """``event["id"]``, ``event["status"]``: webhook-payload style access.

        Looks at the event's own fields first, then at the run's; ``event["error"]`` is
        why a failed run failed (``None`` for other events).
        """
        if key in ("type", "id", "timestamp", "previous_status", "error"):
            return getattr(self, key)
        if key == "data":
            return self.data.dict()
        data = self.data.dict()
        if key in data:
            return data[key]
        raise KeyError(key)


def event_type_for(previous_status: str | None, status: str | None) -> str | None:
    """The event a transition from ``previous_status`` to ``status`` raises, or ``None``.

    ``previous_status=None`` means the run was just created.
    """
    new = (status or "").upper()
    old = (previous_status or "").upper() if previous_status is not None else None
    if old == new:
        return None
    if new in TERMINAL_STATUSES:
        return AGENT_RUN_COMPLETED if new in SUCCESS_STATUSES else AGENT_RUN_FAILED
    if old is None:
        return AGENT_RUN_CREATED
    return AGENT_RUN_STATUS_CHANGED


def make_event(run: AgentRun, previous_status: str | None, type_: str | None = None) -> RunEvent:
    """A :class:`RunEvent` for ``run`` now (type derived from the transition if not given)."""
    kind = type_ or event_type_for(previous_status, run.status) or AGENT_RUN_STATUS_CHANGED
    return RunEvent(
        type=kind,
        id=str(run.id),
        timestamp=int(time.time()),
        data=run,
        previous_status=previous_status,
        error=failure_reason(run) if kind == AGENT_RUN_FAILED else None,
    )


def failure_reason(run: AgentRun) -> str:
    """Why a finished run failed: its result text, else ``"Run ended with status X"``.

    The watcher and the emulator's webhooks both say it this way, so a handler reads the
    same ``event["error"]`` whichever path the event came by.
    """
    return run.result or f"Run ended with status {run.status or 'unknown'}"
