"""The escape hatches: per-call options, default headers and query, ``with_options``,
``with_raw_response``, ``client.request`` and the server's retry headers."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pytest

from codegen_async import (
    AgentRun,
    APIResponse,
    AsyncCodegenClient,
    CodegenConfig,
    ConfigPresets,
    ConfigurationError,
    NotFoundError,
    ServerError,
    User,
)
from codegen_async.emulator import Emulator
from tests._async.conftest import config_for
from tests.rawserver import HostileServer, Step, answer, query_of

TOKEN = "sk-HATCH-31a9e-token"
RUN = b'{"id": 5, "organization_id": 1, "status": "ACTIVE"}'
USER = b'{"id": 7, "github_username": "octocat"}'
JSON = {"Content-Type": "application/json"}


def config(url: str, **overrides: Any) -> CodegenConfig:
    """One attempt of at most 2 s, no client-side limiter, the token above."""
    settings: dict[str, Any] = {
        "base_url": url,
        "api_token": TOKEN,
        "org_id": 1,
        "max_retries": 0,
        "timeout": 2.0,
        "retry_backoff_factor": 0.01,
    }
    settings.update(overrides)
    return ConfigPresets.testing(**settings)


def head_of(request: bytes) -> dict[str, str]:
    """A raw request's headers, names lower-cased."""
    lines = request.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
    return {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}


def body_of(request: bytes) -> Any:
    return json.loads(request.split(b"\r\n\r\n", 1)[1])


def always(reply: bytes) -> HostileServer:
    return HostileServer(lambda _request: [reply])


def in_turn(*replies: bytes) -> HostileServer:
    """Answers ``replies`` one per request, the last one for every later request."""
    sent: list[bytes] = []

    def script(_request: bytes) -> Iterable[Step]:
        reply = replies[min(len(sent), len(replies) - 1)]
        sent.append(reply)
        return [reply]

    return HostileServer(script)


class TestPerCallOptions:
    async def test_extra_headers_and_query_reach_the_wire(self) -> None:
        with always(answer(200, RUN, headers=JSON)) as server:
            async with AsyncCodegenClient(config(server.url)) as client:
                run = await client.get_agent_run(
                    run_id=5,
                    extra_headers={"X-Trace": "abc"},
                    extra_query={"debug": True, "skip": None},
                )
        assert 5 == run.id
        sent = server.requests[0]
        assert "abc" == head_of(sent)["x-trace"]
        assert f"Bearer {TOKEN}" == head_of(sent)["authorization"]
        assert {"debug": "true"} == query_of(sent)

    async def test_extra_query_replaces_a_parameter_of_the_method(self) -> None:
        page = b'{"items": [], "total": 0, "page": 1, "size": 100, "pages": 0}'
        with always(answer(200, page, headers=JSON)) as server:
            async with AsyncCodegenClient(config(server.url)) as client:
                await client.get_agent_runs(per_page=10, extra_query={"limit": 7})
        assert "7" == query_of(server.requests[0])["limit"]

    async def test_extra_body_is_merged_into_the_body(self) -> None:
        with always(answer(200, RUN, headers=JSON)) as server:
            async with AsyncCodegenClient(config(server.url)) as client:
                await client.create_agent_run(prompt="fix", extra_body={"priority": "high"})
        body = body_of(server.requests[0])
        assert ("fix", "high") == (body["prompt"], body["priority"])
        assert "application/json" == head_of(server.requests[0])["content-type"]

    async def test_extra_body_gives_a_body_to_a_post_without_one(self) -> None:
        result = b'{"agent_run_id": 9, "status": "queued", "message": "ok"}'
        with always(answer(200, result, headers=JSON)) as server:
            async with AsyncCodegenClient(config(server.url)) as client:
                await client.analyze_sandbox_logs(sandbox_id=3, extra_body={"verbose": True})
        assert {"verbose": True} == body_of(server.requests[0])

    async def test_max_retries_per_call(self) -> None:
        with always(answer(503, b"{}", headers=JSON)) as server:
            async with AsyncCodegenClient(config(server.url)) as client:
                with pytest.raises(ServerError):
                    await client.get_current_user(max_retries=2)
        assert 3 == len(server.requests)

    async def test_a_call_with_extra_headers_bypasses_the_cache(self) -> None:
        with always(answer(200, USER, headers=JSON)) as server:
            settings = config(server.url, enable_caching=True)
            async with AsyncCodegenClient(settings) as client:
                await client.get_user(user_id=7)
                await client.get_user(user_id=7)  # from the cache
                await client.get_user(user_id=7, extra_headers={"X-View": "admin"})
                await client.get_user(user_id=7, extra_headers={"X-View": "admin"})
        assert 3 == len(server.requests)


class TestDefaults:
    async def test_default_headers_and_query_go_with_every_call(self) -> None:
        with always(answer(200, USER, headers=JSON)) as server:
            settings = config(
                server.url, default_headers={"X-Team": "infra"}, default_query={"region": "eu"}
            )
            async with AsyncCodegenClient(settings) as client:
                await client.get_current_user()
                await client.get_user(user_id=7, extra_query={"region": "us"})
        first, second = server.requests
        assert ("infra", "infra") == (head_of(first)["x-team"], head_of(second)["x-team"])
        assert ("eu", "us") == (query_of(first)["region"], query_of(second)["region"])

    def test_default_header_values_are_never_shown(self) -> None:
        settings = CodegenConfig(api_token="t", default_headers={"X-Api-Key": "s3cret-value"})
        assert "s3cret-value" not in repr(settings)
        assert "X-Api-Key" in repr(settings)

    @pytest.mark.parametrize(
        "bad",
        [
            {"default_headers": {"Authorization": "Bearer x"}},
            {"default_headers": {"X-A": "a\r\nb"}},
            {"default_headers": "X-A: b"},
            {"default_query": {"a": [1]}},
        ],
    )
    def test_bad_defaults_are_a_configuration_error(self, bad: dict[str, Any]) -> None:
        with pytest.raises(ConfigurationError):
            CodegenConfig(api_token="t", **bad)


class TestWithOptions:
    async def test_a_view_shares_the_pool_and_statistics(self, emulator: Emulator) -> None:
        async with AsyncCodegenClient(config_for(emulator)) as client:
            quick = client.with_options(timeout=3, max_retries=0)
            assert (3.0, 0) == (quick.config.timeout, quick.config.max_retries)
            assert client.config.timeout != 3.0
            await quick.get_current_user()
            await client.get_current_user()
            assert 2 == client.get_stats().total_requests == quick.get_stats().total_requests
            await quick.aclose()  # a view closes nothing
            await client.get_current_user()

    async def test_a_view_sends_its_own_defaults(self) -> None:
        with always(answer(200, USER, headers=JSON)) as server:
            async with AsyncCodegenClient(config(server.url)) as client:
                tagged = client.with_options(default_headers={"X-Job": "nightly"}, org_id=9)
                await tagged.get_current_user()
                await client.get_current_user()
                assert 9 == tagged.config.org_id
        tagged_request, plain_request = server.requests
        assert "nightly" == head_of(tagged_request)["x-job"]
        assert "x-job" not in head_of(plain_request)

    async def test_a_view_of_a_view_keeps_both_changes(self, emulator: Emulator) -> None:
        async with AsyncCodegenClient(config_for(emulator)) as client:
            view = client.with_options(timeout=4).with_options(max_retries=1)
            assert (4.0, 1) == (view.config.timeout, view.config.max_retries)
            await view.get_current_user()

    async def test_bad_values_fail_before_any_request(self, emulator: Emulator) -> None:
        async with AsyncCodegenClient(config_for(emulator)) as client:
            with pytest.raises(ConfigurationError):
                client.with_options(timeout=-1)
            with pytest.raises(ConfigurationError):
                client.with_options(default_headers={"Authorization": "x"})
        assert 0 == emulator.accounting.total("requests")


class TestRawResponse:
    async def test_status_headers_request_id_and_the_parsed_value(self) -> None:
        headers = {**JSON, "X-Request-Id": "req-42", "X-Extra": "1"}
        with always(answer(200, RUN, headers=headers)) as server:
            async with AsyncCodegenClient(config(server.url)) as client:
                response = await client.with_raw_response.get_agent_run(run_id=5)
        assert isinstance(response, APIResponse)
        assert (200, "req-42", "1") == (
            response.status_code,
            response.request_id,
            response.headers["x-extra"],
        )
        assert response.elapsed > 0
        assert (1, False) == (response.attempts, response.from_cache)
        assert response.url.endswith("/agent/run/5")
        run = response.parse()
        assert isinstance(run, AgentRun)
        assert 5 == run.id
        assert 5 == response.json()["id"]

    async def test_every_endpoint_method_has_a_raw_form(self, emulator: Emulator) -> None:
        async with AsyncCodegenClient(config_for(emulator)) as client:
            raw = client.with_raw_response
            created = await raw.create_agent_run(prompt="x")
            assert 200 == created.status_code
            fetched = await raw.get_agent_run(run_id=created.parse().id)
            user = await raw.get_current_user()
        assert isinstance(user.parse(), User)
        assert created.parse().id == fetched.parse().id
        names = [n for n in vars(raw) if not n.startswith("_")]
        assert len(names) >= 25

    async def test_an_answer_from_the_cache_says_so(self, emulator: Emulator) -> None:
        async with AsyncCodegenClient(config_for(emulator, enable_caching=True)) as client:
            await client.get_current_user()
            response = await client.with_raw_response.get_current_user()
        assert (True, 0) == (response.from_cache, response.attempts)

    async def test_errors_carry_the_headers(self) -> None:
        headers = {**JSON, "X-Request-Id": "req-404"}
        with always(answer(404, b'{"detail": "no such run"}', headers=headers)) as server:
            async with AsyncCodegenClient(config(server.url)) as client:
                with pytest.raises(NotFoundError) as info:
                    await client.with_raw_response.get_agent_run(run_id=5)
        assert "req-404" == info.value.headers["x-request-id"] == info.value.request_id


class TestRequest:
    async def test_any_endpoint_through_the_pipeline(self, emulator: Emulator) -> None:
        async with AsyncCodegenClient(config_for(emulator)) as client:
            data = await client.request("GET", "/v1/users/me")
            user = await client.request("get", "/v1/users/me", cast_to=User)
            path = f"/v1/organizations/{emulator.org_id}/agent/run"
            run = await client.request("POST", path, body={"prompt": "x"}, cast_to=AgentRun)
            page = await client.request(
                "GET", f"/v1/organizations/{emulator.org_id}/agent/runs", query={"limit": 1}
            )
            stats = client.get_stats()
        assert isinstance(data, dict)
        assert isinstance(user, User)
        assert data["id"] == user.id
        assert "ACTIVE" == run.status
        assert isinstance(page, dict)
        assert isinstance(page["items"], list)
        assert 1 == len(page["items"])
        assert 4 == stats.total_requests

    async def test_a_post_is_not_resent_once_the_server_may_have_acted(self) -> None:
        with always(answer(500, b"{}", headers=JSON)) as server:
            async with AsyncCodegenClient(config(server.url, max_retries=3)) as client:
                with pytest.raises(ServerError):
                    await client.request("POST", "/v1/anything", body={})
        assert 1 == len(server.requests)


class TestServerRetryHeaders:
    async def test_retry_after_ms_is_honoured(self) -> None:
        busy = answer(503, b"{}", headers={**JSON, "Retry-After-Ms": "30"})
        with in_turn(busy, answer(200, USER, headers=JSON)) as server:
            async with AsyncCodegenClient(config(server.url, max_retries=1)) as client:
                user = await client.get_current_user()
        assert (7, 2) == (user.id, len(server.requests))

    async def test_x_should_retry_false_stops_a_retry(self) -> None:
        final = answer(503, b"{}", headers={**JSON, "X-Should-Retry": "false"})
        with always(final) as server:
            async with AsyncCodegenClient(config(server.url, max_retries=3)) as client:
                with pytest.raises(ServerError):
                    await client.get_current_user()
        assert 1 == len(server.requests)

    async def test_x_should_retry_true_retries_a_read(self) -> None:
        conflict = answer(409, b'{"detail": "busy"}', headers={**JSON, "X-Should-Retry": "true"})
        with in_turn(conflict, answer(200, USER, headers=JSON)) as server:
            async with AsyncCodegenClient(config(server.url, max_retries=1)) as client:
                await client.get_current_user()
        assert 2 == len(server.requests)

    async def test_x_should_retry_true_never_replays_a_create(self) -> None:
        failed = answer(500, b"{}", headers={**JSON, "X-Should-Retry": "true"})
        with always(failed) as server:
            async with AsyncCodegenClient(config(server.url, max_retries=3)) as client:
                with pytest.raises(ServerError):
                    await client.create_agent_run(prompt="x")
        assert 1 == len(server.requests)
