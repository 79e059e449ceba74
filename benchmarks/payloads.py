"""Realistic, deterministic Codegen API response bodies shared by the lean server and decoders.

A run mirrors ``AgentRunResponse`` from the OpenAPI spec; a page of 100 runs is about 40 KB,
like a real ``GET /v1/organizations/{org_id}/agent/runs`` answer.  Everything is generated
from a fixed seed so every benchmark run serves byte-identical bodies.
"""

from __future__ import annotations

import json
import random
from typing import Any

ORG_ID = 323
PAGE_LIMIT = 100

_STATUSES = ("COMPLETE", "COMPLETE", "COMPLETE", "ACTIVE", "FAILED", "CANCELLED", "PAUSED")
_SOURCES = ("API", "API", "SLACK", "GITHUB", "LINEAR", "LOCAL", "CHAT")
_TEXT = (
    "refactor the pagination helper and add retries for transient errors in the sync worker "
    "update tests fix flaky timeout bump dependency pin document the webhook payload format "
    "migrate settings to pydantic remove dead code in the billing module"
)
_WORDS = tuple(_TEXT.split())


def _sentence(rng: random.Random, n_words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(n_words)).capitalize() + "."


def make_run(run_id: int, rng: random.Random | None = None) -> dict[str, Any]:
    """Return one realistic agent run (about 400 bytes of JSON on average)."""
    rng = rng or random.Random(run_id)
    status = rng.choice(_STATUSES)
    finished = status not in ("ACTIVE", "PAUSED")
    second = run_id % 60
    prs: list[dict[str, Any]] = []
    if finished and rng.random() < 0.5:
        prs.append(
            {
                "id": 900_000 + run_id,
                "title": _sentence(rng, 6),
                "url": f"https://github.com/acme/backend/pull/{1000 + run_id % 9000}",
                "created_at": f"2025-06-21 11:{second:02d}:{second:02d}.338398",
                "head_branch_name": f"codegen-bot/fix-{run_id}",
            }
        )
    return {
        "id": run_id,
        "organization_id": ORG_ID,
        "status": status,
        "created_at": f"2025-06-21 11:20:{second:02d}.338398",
        "web_url": f"https://codegen.com/agent/trace/{run_id}",
        "result": _sentence(rng, 14) if finished else None,
        "summary": _sentence(rng, 6) if finished else None,
        "source_type": rng.choice(_SOURCES),
        "github_pull_requests": prs,
        "metadata": {"ticket": f"ENG-{run_id % 5000}", "priority": rng.randint(1, 4)},
    }


def dumps(obj: Any) -> bytes:
    """Compact JSON, as the real API sends it."""
    return json.dumps(obj, separators=(",", ":")).encode()


def run_body(run_id: int = 1) -> bytes:
    """Body of ``GET .../agent/run/{id}``."""
    return dumps(make_run(run_id))


def page_dict(skip: int, limit: int, total: int) -> dict[str, Any]:
    """A ``Page[AgentRunResponse]`` for ``skip``/``limit`` out of ``total`` runs (newest first)."""
    count = max(0, min(limit, total - skip))
    items = [make_run(total - skip - i) for i in range(count)]
    return {
        "items": items,
        "total": total,
        "page": skip // limit + 1,
        "size": limit,
        "pages": -(-total // limit),
    }


def page_body(skip: int = 0, limit: int = PAGE_LIMIT, total: int = 1000) -> bytes:
    """Body of ``GET .../agent/runs?skip=&limit=``."""
    return dumps(page_dict(skip, limit, total))


def created_body(run_id: int = 10_001) -> bytes:
    """Body of ``POST .../agent/run``: a fresh ``ACTIVE`` API run."""
    run = make_run(run_id)
    run.update(
        status="ACTIVE",
        result=None,
        summary=None,
        source_type="API",
        github_pull_requests=[],
        metadata={"source": "benchmark"},
    )
    return dumps(run)


CREATE_REQUEST = {"prompt": "Fix the flaky test in tests/test_sync.py", "metadata": {"k": "v"}}
