"""Listing runs: the page envelope, skip/limit edges, newest first, filters."""

from __future__ import annotations

from typing import Any

import pytest

from codegen_async.emulator import Emulator, EmulatorConfig

from .helpers import call, org_path


async def _list(emu: Emulator, **params: object) -> tuple[int, dict]:  # type: ignore[type-arg]
    status, body, _ = await call(emu, "GET", org_path(emu, "/agent/runs"), params=params)
    return status, body


@pytest.fixture
async def emu() -> Emulator:  # type: ignore[misc]
    async with Emulator(EmulatorConfig(rate_limits="off", seed_runs=0)) as emulator:
        world = emulator.state
        sources = ["API", "SLACK", "API", "GITHUB", "API"]
        for i in range(25):
            world.create_run(emulator.org_id, 1 + i % 3, f"run {i}", source_type=sources[i % 5])
        yield emulator


async def test_defaults_newest_first(emu: Emulator) -> None:
    """No parameters: skip 0, limit 100, newest first, the {items,total,page,size,pages} keys."""
    status, page = await _list(emu)
    assert status == 200
    assert list(page) == ["items", "total", "page", "size", "pages"]
    assert (page["total"], page["page"], page["size"], page["pages"]) == (25, 1, 100, 1)
    ids = [r["id"] for r in page["items"]]
    assert ids == sorted(ids, reverse=True)


@pytest.mark.parametrize(
    ("skip", "limit", "count", "page_no", "pages"),
    [
        (0, 1, 1, 1, 25),
        (0, 10, 10, 1, 3),
        (10, 10, 10, 2, 3),
        (20, 10, 5, 3, 3),
        (24, 100, 1, 1, 1),
        (25, 10, 0, 3, 3),
        (1000, 100, 0, 11, 1),
        (0, 100, 25, 1, 1),
    ],
)
async def test_skip_limit_edges(  # noqa: PLR0917
    emu: Emulator, skip: int, limit: int, count: int, page_no: int, pages: int
) -> None:
    """page = skip // limit + 1, pages = ceil(total / limit), items sliced from the newest."""
    _, all_runs = await _list(emu)
    status, page = await _list(emu, skip=skip, limit=limit)
    assert status == 200
    assert [r["id"] for r in page["items"]] == [
        r["id"] for r in all_runs["items"][skip : skip + limit]
    ]
    assert (len(page["items"]), page["page"], page["size"], page["pages"]) == (
        count,
        page_no,
        limit,
        pages,
    )


@pytest.mark.parametrize(
    ("params", "loc", "kind"),
    [
        ({"limit": 0}, ["query", "limit"], "greater_than_equal"),
        ({"limit": 101}, ["query", "limit"], "less_than_equal"),
        ({"skip": -1}, ["query", "skip"], "greater_than_equal"),
        ({"limit": "ten"}, ["query", "limit"], "int_parsing"),
        ({"user_id": "me"}, ["query", "user_id"], "int_parsing"),
        ({"source_type": "api"}, ["query", "source_type"], "enum"),
    ],
)
async def test_invalid_parameters_are_422(
    emu: Emulator,
    params: dict[str, Any],
    loc: list[str],
    kind: str,
) -> None:
    """Out-of-range or mistyped parameters answer FastAPI's 422 detail list."""
    status, body = await _list(emu, **params)
    assert status == 422
    [error] = body["detail"]
    assert (error["loc"], error["type"]) == (loc, kind)
    assert isinstance(error["msg"], str)


async def test_filters(emu: Emulator) -> None:
    """user_id and source_type filter, alone and together, totals included."""
    _, by_user = await _list(emu, user_id=2)
    _, by_source = await _list(emu, source_type="SLACK")
    _, both = await _list(emu, user_id=1, source_type="API", limit=3)
    world = emu.state
    assert by_user["total"] == sum(1 for r in world.runs.values() if r.user_id == 2)
    assert {r["source_type"] for r in by_source["items"]} == {"SLACK"}
    assert by_source["total"] == 5
    expected = sorted(
        (r.id for r in world.runs.values() if r.user_id == 1 and r.source_type == "API"),
        reverse=True,
    )
    assert [r["id"] for r in both["items"]] == expected[:3]
    assert both["total"] == len(expected)
    _, none = await _list(emu, user_id=999)
    assert (none["items"], none["total"], none["pages"]) == ([], 0, 0)


async def test_runs_of_other_orgs_are_not_listed(emu: Emulator) -> None:
    """A run created in another organization does not appear."""
    emu.state.create_run(4242, 1, "elsewhere")
    _, page = await _list(emu)
    assert page["total"] == 25


async def test_other_pages_use_the_envelope(emu: Emulator) -> None:
    """Users, repos and organizations page the same way."""
    status, users, _ = await call(emu, "GET", org_path(emu, "/users"), params={"limit": 2})
    assert (status, users["total"], users["pages"], len(users["items"])) == (200, 3, 2, 2)
    _, repos, _ = await call(emu, "GET", org_path(emu, "/repos"), params={"skip": 2})
    assert (repos["total"], len(repos["items"]), repos["page"]) == (3, 1, 1)
