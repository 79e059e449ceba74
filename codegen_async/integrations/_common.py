"""What every webhook receiver answers (pure, shared)."""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = ["DEFAULT_WEBHOOK_PATH", "accepted", "rejected"]

DEFAULT_WEBHOOK_PATH = "/webhooks/codegen"
"""Where the receivers listen unless told otherwise."""


def accepted(results: list[Any]) -> bytes:
    """The 200 body: how many handlers ran."""
    return msgspec.json.encode({"ok": True, "handled": len(results)})


def rejected(reason: str) -> bytes:
    """The 400 body of a request that failed verification (the reason holds no secret)."""
    return msgspec.json.encode({"ok": False, "detail": f"invalid webhook: {reason}"})
