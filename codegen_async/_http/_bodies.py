"""Request bodies as msgspec Structs; unset optional fields are left out (pure, shared)."""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = [
    "CheckSuiteSettingsBody",
    "CreateAgentRunBody",
    "EditPRBody",
    "GenerateSetupCommandsBody",
    "GenerateTokenBody",
    "ResumeAgentRunBody",
    "StopAgentRunBody",
    "encode",
]


class _Body(msgspec.Struct, kw_only=True, omit_defaults=True):
    pass


class CreateAgentRunBody(_Body):
    prompt: str
    images: list[str] | None = None
    metadata: dict[str, Any] | None = None
    repo_id: int | None = None
    model: str | None = None
    agent_type: str | None = None


class ResumeAgentRunBody(_Body):
    agent_run_id: int
    prompt: str
    images: list[str] | None = None


class StopAgentRunBody(_Body):
    agent_run_id: int
    before_card_order_id: str | None = None
    after_card_order_id: str | None = None


class EditPRBody(_Body):
    state: str


class GenerateSetupCommandsBody(_Body):
    repo_id: int
    prompt: str | None = None
    trigger_source: str = "setup-commands"


class GenerateTokenBody(_Body):
    org_id: int


class CheckSuiteSettingsBody(_Body):
    check_retry_count: int | None = None
    ignored_checks: list[str] | None = None
    check_retry_counts: dict[str, int] | None = None
    custom_prompts: dict[str, str] | None = None
    high_priority_apps: list[str] | None = None


_encoder = msgspec.json.Encoder()


def encode(body: msgspec.Struct) -> bytes:
    """JSON bytes of a request body."""
    return _encoder.encode(body)
