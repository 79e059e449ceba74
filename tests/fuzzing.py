"""Shared pieces of the property-based tests: settings, JSON strategies and case counts.

Every property runs a fixed number of examples, derandomized and without an example
database, so CI runs the same cases every time. ``COUNTS`` records how many cases each
property ran; ``tests/conftest.py`` prints the totals at the end of the session.
"""

from __future__ import annotations

import asyncio
import copy
from collections import Counter
from collections.abc import Coroutine
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

COUNTS: Counter[str] = Counter()
T = TypeVar("T")


class LoopRunner:
    """One event loop kept open across many ``run()`` calls (``asyncio.Runner`` is
    Python 3.11+, and the package supports 3.10)."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()

    def get_loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self._loop.run_until_complete(coro)

    def close(self) -> None:
        loop = self._loop
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()


def fuzz_settings(max_examples: int) -> settings:
    """Deterministic, database-less settings with a fixed number of examples."""
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def count(name: str) -> None:
    """Record one case of property ``name``."""
    COUNTS[name] += 1


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63 - 2, max_value=2**70),  # past int64
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["", "ACTIVE", "COMPLETE", "2025-06-21 11:20:04.338398", "2025-13-45T99"]),
)

json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
"""Arbitrary JSON values (what a confused server might send anywhere)."""


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


def _apply(doc: Any, edits: list[tuple[int, int, Any]]) -> Any:
    doc = copy.deepcopy(doc)
    for which, op, value in edits:
        paths = _paths(doc)
        if not paths:
            return value
        *parent_path, last = paths[which % len(paths)]
        parent = doc
        for step in parent_path:
            parent = parent[step]
        if op == 0:
            parent[last] = value  # wrongly typed
        elif op == 1:
            parent[last] = [parent[last]]  # wrongly nested
        elif op == 2:
            parent[last] = {"value": parent[last]}  # wrongly nested
        elif isinstance(parent, dict):
            del parent[last]  # missing
        else:
            parent.pop(last)
    return doc


def near(doc: Any) -> st.SearchStrategy[Any]:
    """``doc`` with up to three fields retyped, renested or dropped."""
    edit = st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=3), json_values)
    return st.lists(edit, max_size=3).map(lambda edits: _apply(doc, edits))


RUN = {
    "id": 1001,
    "organization_id": 323,
    "status": "COMPLETE",
    "created_at": "2025-06-21 11:20:04.338398",
    "web_url": "https://codegen.com/agent/trace/1001",
    "result": "done",
    "summary": "s",
    "source_type": "API",
    "github_pull_requests": [
        {"id": 7, "title": "t", "url": "u", "created_at": "2025-06-21T11:20:04Z", "merged": False}
    ],
    "metadata": {"codegen_client": {"job": "j", "key": "0-ab"}, "x": [1]},
}
USER = {"id": 1, "github_user_id": "9", "github_username": "a", "email": "e", "role": "ADMIN"}
LOG = {
    "agent_run_id": 1001,
    "created_at": "2025-06-21T11:20:04Z",
    "tool_name": "x",
    "message_type": "ACTION",
    "observation": {"a": 1},
    "tool_input": {"b": 2},
    "tool_output": {"c": 3},
}
SAMPLES: list[Any] = [
    RUN,
    {"items": [RUN, RUN], "total": 2, "page": 1, "size": 100, "pages": 1},
    {**RUN, "logs": [LOG], "total_logs": 1, "page": 1, "size": 100, "pages": 1},
    USER,
    {"items": [USER], "total": 1, "page": 1, "size": 100, "pages": 1},
    [{"id": 1, "name": "linear", "provider_name": "linear", "is_mcp": True}],
]

documents = st.one_of(*(near(s) for s in SAMPLES), json_values)
"""Near-valid API documents and arbitrary JSON."""


def _encode(value: Any) -> bytes:
    import json

    return json.dumps(value).encode()


def _truncated(data: bytes, cut: int) -> bytes:
    return data[: cut % (len(data) + 1)]


bodies = st.one_of(
    documents.map(_encode),
    st.builds(_truncated, documents.map(_encode), st.integers(min_value=0)),
    st.binary(max_size=64),
    st.sampled_from(
        [
            b"",
            b"null",
            b"<html><body>Bad Gateway</body></html>",
            b'{"id": 1, "status": \x00<html>',
            b"\xef\xbb\xbf{}",  # a UTF-8 byte order mark
            b'{"id": 1, "id": "dup", "organization_id": 1}',
            b"[" * 64 + b"]" * 64,
            b'{"id": 1, "organization_id": 1, "status": "' + b"x" * 100_000 + b'"}',
            b'{"id": 1' + b"0" * 5000 + b', "organization_id": 1}',
            b'{"id": 1e400, "organization_id": 1}',
            b'{"detail": [{"loc": ["body", 1, null], "msg": 5}, "x", null]}',
            b'{"message": 3, "detail": {"a": 1}}',
            b'{"message": "", "detail": ""}',
        ]
    ),
)
"""Response bodies: JSON (near-valid or not), truncated JSON, bytes, edge cases."""
