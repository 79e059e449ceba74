"""The error a user can fix by changing the command line (exit status 2)."""

from __future__ import annotations

__all__ = ["UsageError"]


class UsageError(Exception):
    """Bad usage the user can fix (missing token, bad option value)."""
