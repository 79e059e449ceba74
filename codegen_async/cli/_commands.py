"""The commands of ``codegen-client`` (each a small coroutine over the async client).

``runs ...`` lives in :mod:`._runscmd`, ``bulk`` in :mod:`._bulkcmd`, ``demo`` in
:mod:`._demo`.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from .. import AsyncCodegenClient
from ..config import CodegenConfig
from ..models import Repository
from ._exit import EXIT_OK
from ._org import org_id
from ._output import Output
from ._usage import UsageError

__all__ = ["make_config", "run_command", "time_scale"]


def time_scale(args: argparse.Namespace) -> float | None:
    """``--time-scale``, else ``CODEGEN_TIME_SCALE``, else none (real time).

    The config scales rate-limit windows, polls and backoff by it (``CodegenConfig.time_scale``).
    """
    if args.time_scale is not None:
        return float(args.time_scale)
    raw = os.environ.get("CODEGEN_TIME_SCALE", "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise UsageError(f"CODEGEN_TIME_SCALE must be a number > 0, got {raw!r}")
    return value


def make_config(args: argparse.Namespace) -> CodegenConfig:
    """The client config from flags, then environment; a clear error without a token."""
    token = args.token or os.environ.get("CODEGEN_API_TOKEN", "").strip() or None
    if token is None:
        raise UsageError(
            "no API token: set CODEGEN_API_TOKEN or pass --token "
            "(get one at https://codegen.com/token)"
        )
    settings: dict[str, Any] = {"api_token": token}
    if args.base_url:
        settings["base_url"] = args.base_url
    if args.org_id:
        settings["org_id"] = args.org_id
    scale = time_scale(args)
    if scale is not None:
        settings["time_scale"] = scale
    return CodegenConfig(**settings)


async def run_command(args: argparse.Namespace, out: Output) -> int:
    """Dispatch one parsed command; returns the exit status."""
    if args.command == "demo":
        from ._demo import demo

        return await demo(args, out)
    config = make_config(args)
    async with AsyncCodegenClient(config) as client:
        if args.command == "bulk":
            from ._bulkcmd import bulk

            return await bulk(client, args, out)
        if args.command == "audit":
            from ._bulkcmd import audit

            return await audit(client, args, out)
        if args.command == "runs":
            from ._runscmd import run_action

            return await run_action(client, args, out)
        handler = _HANDLERS[args.command]
        return await handler(client, args, out)


async def _whoami(client: AsyncCodegenClient, args: argparse.Namespace, out: Output) -> int:
    user = await client.get_current_user()
    if out.as_json:
        out.json(user.dict())
    else:
        out.table(
            ["id", "github_username", "email", "full_name", "role"],
            [[user.id, user.github_username, user.email, user.full_name, user.role]],
        )
    return EXIT_OK


async def _orgs(client: AsyncCodegenClient, args: argparse.Namespace, out: Output) -> int:
    page = await client.get_organizations()
    if out.as_json:
        for org in page.items:
            out.json(org.dict())
    else:
        out.table(["id", "name"], [[o.id, o.name] for o in page.items], title="Organizations")
    return EXIT_OK


async def _repos(client: AsyncCodegenClient, args: argparse.Namespace, out: Output) -> int:
    org = await org_id(client)
    repos: list[Repository] = []
    page_number = 1
    while len(repos) < args.limit:
        page = await client.get_repositories(org, page=page_number, per_page=100)
        repos += page.items
        if len(page.items) < 100 or (page.pages and page_number >= page.pages):
            break
        page_number += 1
    repos = repos[: args.limit]
    if out.as_json:
        for repo in repos:
            out.json(repo.dict())
    else:
        out.table(
            ["id", "full_name", "language", "visibility", "setup_status"],
            [[r.id, r.full_name, r.language, r.visibility, r.setup_status] for r in repos],
            title="Repositories",
        )
    return EXIT_OK


_HANDLERS = {"whoami": _whoami, "orgs": _orgs, "repos": _repos}
