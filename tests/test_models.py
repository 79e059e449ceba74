"""Models: lenient decoding, unknown values kept, status helpers, plain-data export."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import msgspec
import pytest

from codegen_async import AgentRun, AgentRunLog, AgentRunWithLogs, Page, User
from codegen_async.models import Model

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
    """.dict() and .to_dict() return JSON-able data, created_at as the API sent it."""
    run = msgspec.json.decode(RUN, type=AgentRun)
    data = run.dict()
    assert data == run.to_dict()
    assert "2025-06-21 11:20:04.338398" == data["created_at"]
    assert "created_at_raw" not in data
    assert msgspec.json.decode(msgspec.json.encode(data)) == data


class TestToJson:
    def test_to_json_is_msgspec_json_bytes(self) -> None:
        """to_json() gives the bytes msgspec.json.encode gives, created_at under its API key."""
        run = msgspec.json.decode(RUN, type=AgentRun)
        assert msgspec.json.encode(run) == run.to_json()
        assert b'"created_at":"2025-06-21 11:20:04.338398"' in run.to_json()

    @pytest.mark.parametrize(
        ("model", "tp"),
        [
            (AgentRun(id=1, organization_id=2, created_at_raw="not a date"), AgentRun),
            (AgentRunLog(agent_run_id=1, created_at_raw=""), AgentRunLog),
            (
                AgentRunWithLogs(id=1, organization_id=2, logs=[AgentRunLog(agent_run_id=1)]),
                AgentRunWithLogs,
            ),
            (User(id=3, email="e@example.com"), User),
            (Page(items=[AgentRun(id=1, organization_id=2)], total=1), Page[AgentRun]),
        ],
        ids=["run", "log", "run-with-logs", "user", "page"],
    )
    def test_to_json_decodes_to_an_equal_model(self, model: Model, tp: type[Model]) -> None:
        """Decoding to_json() with the model's type gives an equal model, unreadable
        timestamps included."""
        assert model == msgspec.json.decode(model.to_json(), type=tp)


UTC = timezone.utc


class TestLenientCreatedAt:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("2025-06-21 11:20:04.338398", datetime(2025, 6, 21, 11, 20, 4, 338398)),
            ("2025-06-21T11:20:04.338398", datetime(2025, 6, 21, 11, 20, 4, 338398)),
            ("2025-06-21T11:20:04Z", datetime(2025, 6, 21, 11, 20, 4, tzinfo=UTC)),
            (
                "2025-06-21T13:20:04+02:00",
                datetime(2025, 6, 21, 13, 20, 4, tzinfo=timezone(timedelta(hours=2))),
            ),
            ("2025-06-21t11:20:04z", datetime(2025, 6, 21, 11, 20, 4, tzinfo=UTC)),
            ("2025-06-21", datetime(2025, 6, 21)),
            ("Sat, 21 Jun 2025 11:20:04 GMT", datetime(2025, 6, 21, 11, 20, 4, tzinfo=UTC)),
            ("", None),
            ("garbage", None),
            ("2025-13-45T99:00:00", None),
            ("Sat, 99 Jun 2025 11:20:04 GMT", None),
            (None, None),
        ],
    )
    def test_created_at_reads_what_it_can(self, raw: str | None, expected: datetime | None) -> None:
        """RFC 3339 (any separator, with or without zone), a date alone and an HTTP date
        read as datetimes; anything else is None, with the string kept."""
        body = msgspec.json.encode({"id": 1, "organization_id": 2, "created_at": raw})
        run = msgspec.json.decode(body, type=AgentRun)
        assert (expected, raw) == (run.created_at, run.created_at_raw)

    def test_one_bad_pull_request_timestamp_spoils_nothing(self) -> None:
        """An unreadable created_at deep in a 100-run page decodes; everything else is intact."""
        runs = [msgspec.json.decode(RUN) for _ in range(100)]
        runs[57]["github_pull_requests"][0]["created_at"] = "Sat, 21 Jun 2025 (sometime)"
        runs[3]["created_at"] = ""
        body = msgspec.json.encode({"items": runs, "total": 100, "page": 1, "size": 100})
        page = msgspec.json.decode(body, type=Page[AgentRun])
        pr = (page.items[57].github_pull_requests or [])[0]
        assert (None, "Sat, 21 Jun 2025 (sometime)") == (pr.created_at, pr.created_at_raw)
        assert (None, "") == (page.items[3].created_at, page.items[3].created_at_raw)
        assert 99 == sum(r.created_at is not None for r in page.items)
        assert datetime(2025, 6, 21, 11, 20, 4, tzinfo=UTC) == (
            (page.items[56].github_pull_requests or [])[0].created_at
        )

    def test_logs_and_runs_with_logs_are_lenient_too(self) -> None:
        """AgentRunWithLogs and its AgentRunLog entries read created_at the same way."""
        body = (
            b'{"id": 1, "organization_id": 2, "created_at": "2025-06-21",'
            b' "logs": [{"agent_run_id": 1, "created_at": "yesterday"}]}'
        )
        run = msgspec.json.decode(body, type=AgentRunWithLogs)
        assert datetime(2025, 6, 21) == run.created_at
        assert (None, "yesterday") == (run.logs[0].created_at, run.logs[0].created_at_raw)

    def test_a_non_string_created_at_is_still_a_decode_error(self) -> None:
        """The spec says string: a number there is a wrong document, reported with its path."""
        with pytest.raises(msgspec.ValidationError, match=r"\$\.created_at"):
            msgspec.json.decode(b'{"id": 1, "organization_id": 2, "created_at": 5}', type=AgentRun)

    def test_the_schema_says_string(self) -> None:
        """The JSON schema of a run gives created_at as an optional string, as the spec does."""
        schema = msgspec.json.schema(AgentRun)
        props = schema["$defs"]["AgentRun"]["properties"]
        assert "created_at_raw" not in props
        assert {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None} == props[
            "created_at"
        ]


def test_page_iterates_its_items() -> None:
    """A page is iterable and sized."""
    page = msgspec.json.decode(
        b'{"items": [{"id": 1, "organization_id": 1}], "total": 1, "page": 1, "size": 100,'
        b' "pages": 1}',
        type=Page[AgentRun],
    )
    assert [1] == [r.id for r in page]
    assert 1 == len(page)
