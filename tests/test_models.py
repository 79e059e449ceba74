"""Models: lenient decoding, unknown values kept, status helpers, plain-data export."""

from __future__ import annotations

from datetime import datetime

import msgspec
import pytest

from codegen_async import AgentRun, Page

RUN = b"""{"id": 7, "organization_id": 323, "status": "COMPLETE",
"created_at": "2025-06-21 11:20:04.338398", "web_url": "https://codegen.sh/agent/trace/7",
"result": "done", "summary": null, "source_type": "SOME_NEW_SOURCE",
"github_pull_requests": [{"id": 1, "created_at": "2025-06-21T11:20:04Z", "title": "t",
"url": "https://github.com/o/r/pull/1", "head_branch_name": "b", "brand_new": 1}],
"metadata": {"a": [1, 2]}, "field_from_the_future": true}"""


def test_decodes_the_live_timestamp_form() -> None:
    """The space-separated, zone-less timestamp seen live decodes to a datetime."""
    run = msgspec.json.decode(RUN, type=AgentRun)
    assert datetime(2025, 6, 21, 11, 20, 4, 338398) == run.created_at


def test_unknown_fields_and_values_are_tolerated() -> None:
    """Unknown keys are ignored; unknown enum values stay strings."""
    run = msgspec.json.decode(RUN, type=AgentRun)
    assert "SOME_NEW_SOURCE" == run.source_type
    assert 1 == (run.github_pull_requests or [])[0].id


def test_missing_optional_fields_default_to_none() -> None:
    """Only id and organization_id are required."""
    run = msgspec.json.decode(b'{"id": 1, "organization_id": 2}', type=AgentRun)
    assert (None, None, None) == (run.status, run.result, run.metadata)


@pytest.mark.parametrize(
    ("status", "terminal", "active", "paused"),
    [
        ("COMPLETE", True, False, False),
        ("completed", True, False, False),
        ("failed", True, False, False),
        ("ERROR", True, False, False),
        ("CANCELLED", True, False, False),
        ("STOPPED", True, False, False),
        ("TIMEOUT", True, False, False),
        ("MAX_ITERATIONS_REACHED", True, False, False),
        ("OUT_OF_TOKENS", True, False, False),
        ("ACTIVE", False, True, False),
        ("pending", False, True, False),
        ("RUNNING", False, True, False),
        ("EVALUATION", False, True, False),
        ("PAUSED", False, False, True),
        ("SOMETHING_NEW", False, False, False),
        (None, False, False, False),
    ],
)
def test_status_helpers(status: str | None, terminal: bool, active: bool, paused: bool) -> None:
    """is_terminal / is_active / is_paused cover every documented status, any casing."""
    run = AgentRun(id=1, organization_id=1, status=status)
    assert (terminal, active, paused) == (run.is_terminal, run.is_active, run.is_paused)


def test_dict_is_plain_json_data() -> None:
    """.dict() and .to_dict() return JSON-able data, datetimes as ISO strings."""
    run = msgspec.json.decode(RUN, type=AgentRun)
    data = run.dict()
    assert data == run.to_dict()
    assert "2025-06-21T11:20:04.338398" == data["created_at"]
    assert msgspec.json.decode(msgspec.json.encode(data)) == data


def test_page_iterates_its_items() -> None:
    """A page is iterable and sized."""
    page = msgspec.json.decode(
        b'{"items": [{"id": 1, "organization_id": 1}], "total": 1, "page": 1, "size": 100,'
        b' "pages": 1}',
        type=Page[AgentRun],
    )
    assert [1] == [r.id for r in page]
    assert 1 == len(page)
