"""The package's version: pyproject.toml holds it, the installed metadata tells it."""

from __future__ import annotations

import functools

__all__ = ["version"]


@functools.cache
def version() -> str:
    """The installed version of the ``codegen-client`` distribution (read once)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("codegen-client")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"
