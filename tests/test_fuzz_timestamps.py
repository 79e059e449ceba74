"""Property tests of the lenient ``created_at``: no string fails a decode, and every
form it reads (RFC 3339, a date alone, an HTTP date) reads back the instant written."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from codegen_async.models import AgentRun, AgentRunWithLogs, Page
from tests.fuzzing import count, fuzz_settings

_PAGE = msgspec.json.Decoder(Page[AgentRun])
_WITH_LOGS = msgspec.json.Decoder(AgentRunWithLogs)

offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
"""RFC 3339 zones: whole minutes, under a day either way."""
moments = st.datetimes(
    min_value=datetime(1, 1, 1),
    max_value=datetime(9999, 12, 30),
    timezones=st.one_of(st.none(), offsets),
)


def rfc3339(moment: datetime, sep: str, zulu: bool) -> str:
    """``moment`` written as RFC 3339 (``Z`` for a zero offset when ``zulu``)."""
    text = moment.isoformat(sep=sep)
    return text[:-6] + "Z" if zulu and text.endswith("+00:00") else text


timestamps = st.one_of(
    st.text(),
    st.text(alphabet="0123456789-:.TZtz +GMTSatJun,", max_size=40),
    st.builds(rfc3339, moments, st.sampled_from(["T", " ", "t"]), st.booleans()),
    st.dates().map(date.isoformat),
    st.sampled_from(["", "2025-06-21", "Sat, 21 Jun 2025 11:20:04 GMT", "2025-02-30T00:00:00Z"]),
)
"""Any string, near-timestamps, and each form the reader knows."""


def _run(run_id: int, created: str, pr_created: list[str]) -> dict[str, Any]:
    prs = [{"id": i, "created_at": c} for i, c in enumerate(pr_created)]
    return {"id": run_id, "organization_id": 1, "created_at": created, "github_pull_requests": prs}


class TestAnyString:
    @fuzz_settings(max_examples=300)
    @given(
        runs=st.lists(
            st.tuples(timestamps, st.lists(timestamps, max_size=2)), min_size=1, max_size=5
        )
    )
    def test_any_created_at_in_a_page_decodes(self, runs: list[tuple[str, list[str]]]) -> None:
        """Any string in any run's or pull request's created_at: the page decodes, each
        created_at is a datetime or None, and the string is kept as sent."""
        count("created_at: any string in a page decodes")
        body = msgspec.json.encode(
            {"items": [_run(i, c, prs) for i, (c, prs) in enumerate(runs)], "total": len(runs)}
        )
        page = _PAGE.decode(body)
        for run, (created, pr_created) in zip(page.items, runs, strict=True):
            assert created == run.created_at_raw
            assert run.created_at is None or isinstance(run.created_at, datetime)
            prs = run.github_pull_requests or []
            assert pr_created == [pr.created_at_raw for pr in prs]
            assert all(pr.created_at is None or isinstance(pr.created_at, datetime) for pr in prs)
        assert page == _PAGE.decode(msgspec.json.encode(page))

    @fuzz_settings(max_examples=150)
    @given(created=timestamps, logged=st.lists(timestamps, max_size=3))
    def test_any_created_at_in_a_run_with_logs_decodes(
        self, created: str, logged: list[str]
    ) -> None:
        """The same for a run with logs and each log entry."""
        count("created_at: any string in a run with logs decodes")
        logs = [{"agent_run_id": 1, "created_at": c} for c in logged]
        run = _WITH_LOGS.decode(
            msgspec.json.encode(
                {"id": 1, "organization_id": 1, "created_at": created, "logs": logs}
            )
        )
        assert [created, *logged] == [run.created_at_raw, *(e.created_at_raw for e in run.logs)]
        for value in (run.created_at, *(e.created_at for e in run.logs)):
            assert value is None or isinstance(value, datetime)


class TestReadsBack:
    @fuzz_settings(max_examples=300)
    @given(moment=moments, sep=st.sampled_from(["T", " ", "t"]), zulu=st.booleans())
    def test_rfc3339_reads_back_exactly(self, moment: datetime, sep: str, zulu: bool) -> None:
        """An RFC 3339 created_at (any separator, with its zone or none) reads back as the
        very datetime written, zone included; the model's JSON decodes to an equal model."""
        count("created_at: RFC 3339 round trip")
        raw = rfc3339(moment, sep, zulu)
        run = msgspec.json.decode(
            msgspec.json.encode({"id": 1, "organization_id": 2, "created_at": raw}), type=AgentRun
        )
        assert (moment, moment.utcoffset()) == (run.created_at, _offset(run.created_at))
        assert run == msgspec.json.decode(run.to_json(), type=AgentRun)

    @fuzz_settings(max_examples=100)
    @given(day=st.dates())
    def test_a_date_alone_is_its_midnight(self, day: date) -> None:
        """A date alone reads as midnight of that day, naive (UTC like the API's times)."""
        count("created_at: date alone")
        run = AgentRun(id=1, organization_id=2, created_at_raw=day.isoformat())
        assert datetime(day.year, day.month, day.day) == run.created_at

    @fuzz_settings(max_examples=100)
    @given(
        moment=st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(9999, 12, 30)).map(
            lambda d: d.replace(microsecond=0, tzinfo=timezone.utc)
        )
    )
    def test_an_http_date_reads_back(self, moment: datetime) -> None:
        """An HTTP date reads as the aware UTC datetime written."""
        count("created_at: HTTP date")
        run = AgentRun(id=1, organization_id=2, created_at_raw=format_datetime(moment, True))
        assert (moment, timedelta(0)) == (run.created_at, _offset(run.created_at))


def _offset(value: datetime | None) -> timedelta | None:
    return value.utcoffset() if value is not None else None
