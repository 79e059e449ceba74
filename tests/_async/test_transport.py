"""The request pipeline: error statuses, decode errors, retries and the create-run rule."""

from __future__ import annotations

import logging
from collections.abc import Callable

import msgspec
import pytest

from codegen_async import (
    APIConnectionError,
    APITimeoutError,
    AsyncCodegenClient,
    AuthenticationError,
    CodegenAPIError,
    DecodeError,
    NotFoundError,
    OutcomeUnknownError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ValidationError,
)
from codegen_async._http._urls import encode_query
from codegen_async.emulator import Emulator, FaultConfig

from .conftest import config_for

Factory = Callable[..., Emulator]


def creates(emulator: Emulator) -> int:
    """Create requests the emulator received."""
    return len(emulator.accounting.creates)


class TestErrorStatuses:
    async def test_401_for_an_unknown_token(self, emulator: Emulator) -> None:
        """A wrong token is an AuthenticationError (and is not retried)."""
        async with AsyncCodegenClient(config_for(emulator, api_token="sk-wrong")) as client:
            with pytest.raises(AuthenticationError) as info:
                await client.get_current_user()
        assert 401 == info.value.status_code
        assert 1 == emulator.accounting.total("status_401")

    async def test_401_without_a_token(self, emulator: Emulator) -> None:
        """No token at all is sent without Authorization and answered 401."""
        async with AsyncCodegenClient(config_for(emulator, api_token=None)) as client:
            with pytest.raises(AuthenticationError):
                await client.get_current_user()

    async def test_402_when_the_plan_is_used_up(self, codegen_emulator_factory: Factory) -> None:
        """The documented plan-limit body becomes a PaymentRequiredError."""
        emulator = codegen_emulator_factory(time_scale=0.01, rate_limits="off", plan_quota=1)
        async with AsyncCodegenClient(config_for(emulator)) as client:
            await client.create_agent_run(prompt="the one allowed")
            with pytest.raises(PaymentRequiredError) as info:
                await client.create_agent_run(prompt="one too many")
        assert info.value.detail.startswith("Alloted agent runs")
        assert {"message": info.value.detail, "status_code": 402} == info.value.body

    async def test_403_for_another_org(self, client: AsyncCodegenClient) -> None:
        """An org the user is not a member of is a PermissionDeniedError."""
        with pytest.raises(PermissionDeniedError) as info:
            await client.get_agent_runs(org_id=99_999)
        assert "You do not have access to this organization." == info.value.detail

    async def test_404_for_a_missing_run(self, client: AsyncCodegenClient) -> None:
        """A missing run is a NotFoundError with the server's message."""
        with pytest.raises(NotFoundError) as info:
            await client.get_agent_run(run_id=987_654)
        assert (404, "Agent run not found.") == (info.value.status_code, info.value.detail)
        assert "/agent/run/987654" in str(info.value)

    async def test_422_detail_list_is_read(self, client: AsyncCodegenClient) -> None:
        """FastAPI's {"detail": [...]} becomes a ValidationError with .details."""
        decoder = msgspec.json.Decoder()
        path = "/v1/organizations/323/agent/runs"
        with pytest.raises(ValidationError) as info:
            await client._transport.request("GET", path, decoder, query={"limit": 1000})
        assert 422 == info.value.status_code
        assert isinstance(info.value.details, list)
        assert ["query", "limit"] == info.value.details[0]["loc"]
        assert "limit" in info.value.detail

    async def test_404_for_an_unknown_route(self, client: AsyncCodegenClient) -> None:
        """An unknown route answers Starlette's {"detail": "Not Found"}."""
        decoder = msgspec.json.Decoder()
        with pytest.raises(NotFoundError) as info:
            await client._transport.request("GET", "/v1/nowhere", decoder)
        assert "Not Found" == info.value.detail

    async def test_429_is_a_rate_limit_error_with_retry_after(
        self, codegen_emulator_factory: Factory
    ) -> None:
        """With retries off, a 429 surfaces as RateLimitError carrying Retry-After."""
        emulator = codegen_emulator_factory(time_scale=1.0, rate_limits="on", retry_after=True)
        config = config_for(emulator, max_retries=0)
        async with AsyncCodegenClient(config) as client:
            for _ in range(10):
                await client.create_agent_run(prompt="fill the window")
            with pytest.raises(RateLimitError) as info:
                await client.create_agent_run(prompt="one too many")
        assert info.value.retry_after is not None and info.value.retry_after > 0
        assert 11 == creates(emulator)

    async def test_429_without_retry_after_still_says_when(
        self, codegen_emulator_factory: Factory
    ) -> None:
        """No Retry-After from the server: retry_after is the client's estimate, >= 1 s."""
        emulator = codegen_emulator_factory(time_scale=1.0, rate_limits="on", retry_after=False)
        config = config_for(emulator, max_retries=0, rate_limit_strategy="none")
        async with AsyncCodegenClient(config) as client:
            for _ in range(10):
                await client.create_agent_run(prompt="fill the window")
            with pytest.raises(RateLimitError) as info:
                await client.create_agent_run(prompt="one too many")
        assert info.value.retry_after is not None and info.value.retry_after >= 1.0

    async def test_5xx_is_a_server_error_after_retries(
        self, codegen_emulator_factory: Factory
    ) -> None:
        """A GET that keeps failing with 5xx is retried max_retries times, then raises."""
        faults = FaultConfig(error_rate=1.0, error_statuses=(502,))
        emulator = codegen_emulator_factory(time_scale=0.01, rate_limits="off", faults=faults)
        async with AsyncCodegenClient(config_for(emulator, max_retries=2)) as client:
            with pytest.raises(ServerError) as info:
                await client.get_current_user()
        assert 502 == info.value.status_code
        assert 3 == emulator.accounting.total("requests")


class TestQueryString:
    @pytest.mark.parametrize(
        "value",
        [0, 100, -3, 2**70, True, False, 1.5, "API", "a b&c=d/é+%", "", b"x y\xff", [1, 2]],
    )
    def test_same_as_urlencode(self, value: object) -> None:
        """Every kind of value is written exactly as ``urlencode`` writes it."""
        from urllib.parse import urlencode

        query = {"skip": 0, "value": value, "gone": None, "limit": 100}
        assert urlencode({"skip": 0, "value": value, "limit": 100}) == encode_query(query)

    def test_all_none(self) -> None:
        """A query with nothing set is empty."""
        assert "" == encode_query({"user_id": None})


class TestDecoding:
    async def test_malformed_body_is_a_decode_error(
        self, codegen_emulator_factory: Factory
    ) -> None:
        """A truncated or invalid JSON body raises DecodeError with context."""
        faults = FaultConfig(malformed_rate=1.0)
        emulator = codegen_emulator_factory(time_scale=0.01, rate_limits="off", faults=faults)
        async with AsyncCodegenClient(config_for(emulator)) as client:
            with pytest.raises(DecodeError) as info:
                await client.get_current_user()
        assert 200 == info.value.status_code
        assert "/v1/users/me" in str(info.value)
        assert info.value.body is not None

    async def test_schema_mismatch_names_the_path(self, client: AsyncCodegenClient) -> None:
        """A body of the wrong shape raises DecodeError naming msgspec's $.path."""
        decoder = msgspec.json.Decoder(dict[str, int])
        with pytest.raises(DecodeError, match=r"\$"):
            await client._transport.request("GET", "/v1/users/me", decoder)


class TestRetries:
    async def test_get_survives_dropped_connections(
        self, codegen_emulator_factory: Factory
    ) -> None:
        """Dropped connections on a GET are retried until it succeeds."""
        faults = FaultConfig(drop_before_rate=0.5)
        emulator = codegen_emulator_factory(
            time_scale=0.01, rate_limits="off", faults=faults, seed=3
        )
        async with AsyncCodegenClient(config_for(emulator, max_retries=8)) as client:
            for _ in range(10):
                assert 1 == (await client.get_current_user()).id
        assert emulator.accounting.total("requests") > 10

    async def test_create_is_never_replayed_after_a_drop(
        self, codegen_emulator_factory: Factory
    ) -> None:
        """A create whose connection drops raises OutcomeUnknownError; one request only."""
        faults = FaultConfig(drop_after_rate=1.0, endpoints=frozenset({"create_agent_run"}))
        emulator = codegen_emulator_factory(time_scale=0.01, rate_limits="off", faults=faults)
        async with AsyncCodegenClient(config_for(emulator, max_retries=5)) as client:
            with pytest.raises(OutcomeUnknownError) as info:
                await client.create_agent_run(prompt="did it happen?")
        assert isinstance(info.value, APIConnectionError)
        assert info.value.cause is not None
        assert 1 == creates(emulator)
        assert emulator.accounting.creates[0].created

    async def test_create_is_not_replayed_after_a_500(
        self, codegen_emulator_factory: Factory
    ) -> None:
        """A 500 on create may have been acted on: raised, not retried."""
        faults = FaultConfig(error_rate=1.0, error_statuses=(500,))
        emulator = codegen_emulator_factory(time_scale=0.01, rate_limits="off", faults=faults)
        async with AsyncCodegenClient(config_for(emulator, max_retries=5)) as client:
            with pytest.raises(ServerError):
                await client.create_agent_run(prompt="x")
        assert 1 == creates(emulator)

    async def test_create_is_retried_after_503(self, codegen_emulator_factory: Factory) -> None:
        """503 means the server did not act: the create is resent, and one run results."""
        faults = FaultConfig(
            error_rate=0.5, error_statuses=(503,), endpoints=frozenset({"create_agent_run"})
        )
        emulator = codegen_emulator_factory(
            time_scale=0.01, rate_limits="off", faults=faults, seed=1
        )
        async with AsyncCodegenClient(config_for(emulator, max_retries=10)) as client:
            for i in range(5):
                await client.create_agent_run(prompt=f"run {i}")
        created = [c for c in emulator.accounting.creates if c.created]
        assert 5 == len(created)
        assert creates(emulator) > 5

    async def test_retry_after_is_honoured(self, codegen_emulator_factory: Factory) -> None:
        """After a 429 with Retry-After the client waits (up to retry_max_delay), then succeeds."""
        emulator = codegen_emulator_factory(time_scale=0.01, rate_limits="on", retry_after=True)
        config = config_for(emulator, max_retries=5, retry_max_delay=5.0)
        async with AsyncCodegenClient(config) as client:
            for i in range(12):
                await client.create_agent_run(prompt=f"run {i}")
        assert 12 == sum(1 for c in emulator.accounting.creates if c.created)

    async def test_per_call_overrides(self, codegen_emulator_factory: Factory) -> None:
        """max_retries and timeout can be overridden per call."""
        faults = FaultConfig(error_rate=1.0, error_statuses=(503,))
        emulator = codegen_emulator_factory(time_scale=0.01, rate_limits="off", faults=faults)
        async with AsyncCodegenClient(config_for(emulator, max_retries=3)) as client:
            with pytest.raises(ServerError):
                await client.get_current_user(max_retries=0)
            assert 1 == emulator.accounting.total("requests")
            with pytest.raises(ValidationError):
                await client.get_current_user(timeout=-1)

    async def test_timeout_is_an_api_timeout_error(self, codegen_emulator_factory: Factory) -> None:
        """A response slower than the timeout raises APITimeoutError."""
        faults = FaultConfig(latency=1.0)
        emulator = codegen_emulator_factory(time_scale=0.01, rate_limits="off", faults=faults)
        async with AsyncCodegenClient(config_for(emulator, max_retries=0)) as client:
            with pytest.raises(APITimeoutError):
                await client.get_current_user(timeout=0.1)

    async def test_connection_refused(self) -> None:
        """Nothing listening: APIConnectionError saying the request was never sent."""
        config = config_for_url("http://127.0.0.1:9", max_retries=1)
        async with AsyncCodegenClient(config) as client:
            with pytest.raises(APIConnectionError) as info:
                await client.get_current_user()
        assert info.value.request_sent is False
        assert not isinstance(info.value, APITimeoutError)


class TestLogging:
    async def test_debug_lines_never_show_the_token(
        self, client: AsyncCodegenClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        """One DEBUG line per request with method, path, status; the token never appears."""
        with caplog.at_level(logging.DEBUG, logger="codegen"):
            await client.get_current_user()
            with pytest.raises(CodegenAPIError):
                await client.get_agent_run(run_id=123_456)
        lines = [r.getMessage() for r in caplog.records if r.name == "codegen"]
        assert any("GET" in line and "/v1/users/me" in line and "200" in line for line in lines)
        token = client.config.api_token or ""
        assert token and all(token not in line for line in lines)
        assert token not in repr(client) and token not in repr(client.config)


def config_for_url(url: str, **overrides: object):  # type: ignore[no-untyped-def]
    from codegen_async import ConfigPresets

    return ConfigPresets.testing(base_url=url, api_token="sk-test", org_id=1, **overrides)
