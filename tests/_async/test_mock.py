"""AsyncMockCodegenClient: the real client's methods over canned answers, no network."""

from __future__ import annotations

import inspect

import pytest

from codegen_async import (
    AgentRun,
    AsyncCodegenClient,
    AsyncMockCodegenClient,
    DecodeError,
    NotFoundError,
    Page,
    ServerError,
    User,
    ValidationError,
)
from codegen_async.testing import LOCAL_METHODS, MOCKED_METHODS, MockCall


def public_methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(getattr(cls, name))
        for name in dir(cls)
        if not name.startswith("_") and callable(getattr(cls, name))
    }


class TestParity:
    def test_same_signatures(self) -> None:
        """Every public method of the real client exists on the mock with the same signature."""
        real = public_methods(AsyncCodegenClient)
        mock = public_methods(AsyncMockCodegenClient)
        assert {n: str(s) for n, s in real.items()} == {n: str(mock[n]) for n in real}

    def test_every_method_classified(self) -> None:
        """Each public client method is either answered by the mock or purely local."""
        real = set(public_methods(AsyncCodegenClient))
        assert set() == real - MOCKED_METHODS - LOCAL_METHODS
        assert set() == MOCKED_METHODS & LOCAL_METHODS


class TestAnswers:
    async def test_seed_example(self) -> None:
        """A response set for a method shapes its typed answer."""
        client = AsyncMockCodegenClient()
        client.set_mock_response("create_agent_run", {"id": 123, "status": "pending"})
        run = await client.create_agent_run(323, "test prompt")
        assert isinstance(run, AgentRun)
        assert (123, "pending") == (run.id, run.status)

    async def test_realistic_defaults(self) -> None:
        """Without a response: a new run is ACTIVE with a fresh id, ids in the call echo back."""
        client = AsyncMockCodegenClient()
        first = await client.create_agent_run(323, "a", metadata={"k": 1})
        second = await client.create_agent_run(7, "b")
        fetched = await client.get_agent_run(323, 55)
        user = await client.get_user(323, 9)
        assert ("ACTIVE", 323, {"k": 1}) == (first.status, first.organization_id, first.metadata)
        assert (first.id + 1, 7) == (second.id, second.organization_id)
        assert (55, "COMPLETE") == (fetched.id, fetched.status)
        assert isinstance(user, User) and 9 == user.id

    async def test_list_response_is_the_items(self) -> None:
        """A list set for a listing becomes its items, each over the default item."""
        client = AsyncMockCodegenClient()
        client.set_mock_response("get_agent_runs", [{"id": 1}, {"id": 2, "status": "FAILED"}])
        page = await client.get_agent_runs(323)
        assert isinstance(page, Page)
        assert [(1, "COMPLETE"), (2, "FAILED")] == [(r.id, r.status) for r in page.items]
        assert 2 == page.total

    async def test_stream(self) -> None:
        """Streaming methods yield typed items from the response set for them."""
        client = AsyncMockCodegenClient()
        client.set_mock_response("stream_agent_runs", [{"id": 4}, {"id": 5}])
        ids = [run.id async for run in client.stream_agent_runs(323)]
        assert [4, 5] == ids

    async def test_exception_response(self) -> None:
        """An exception set as the response is raised, also through methods that call it."""
        client = AsyncMockCodegenClient()
        client.set_mock_response("get_agent_run", NotFoundError("no such run", status_code=404))
        with pytest.raises(NotFoundError):
            await client.get_agent_run(323, 1)
        with pytest.raises(NotFoundError):
            await client.wait_for_completion(323, 1)

    async def test_inner_response_shapes_outer_call(self) -> None:
        """wait_for_completion returns the run get_agent_run is set to answer."""
        client = AsyncMockCodegenClient()
        client.set_mock_response("get_agent_run", {"status": "FAILED", "result": "no"})
        run = await client.wait_for_completion(323, 8)
        assert (8, "FAILED", "no") == (run.id, run.status, run.result)

    async def test_health_check_response(self) -> None:
        """health_check answers healthy by default, and as set otherwise."""
        client = AsyncMockCodegenClient()
        assert "healthy" == (await client.health_check())["status"]
        client.set_mock_response("health_check", ServerError("down", status_code=503))
        assert "unhealthy" == (await client.health_check())["status"]

    async def test_arguments_validated_as_for_real(self) -> None:
        """Bad arguments fail exactly as on the real client, before any answer."""
        client = AsyncMockCodegenClient()
        with pytest.raises(ValidationError, match="prompt"):
            await client.create_agent_run(323, "")

    async def test_bad_response_shape(self) -> None:
        """A response that does not fit the model is a DecodeError naming the method."""
        client = AsyncMockCodegenClient()
        client.set_mock_response("get_agent_run", {"id": "not a number"})
        with pytest.raises(DecodeError, match="get_agent_run"):
            await client.get_agent_run(323, 1)

    def test_unknown_method_refused(self) -> None:
        """Setting a response for a method the client does not have is an error."""
        with pytest.raises(ValidationError, match="not a mocked client method"):
            AsyncMockCodegenClient().set_mock_response("create_run", {})


class TestCalls:
    async def test_records_direct_calls(self) -> None:
        """Calls are recorded with their arguments, including those made by other methods."""
        client = AsyncMockCodegenClient()
        await client.create_agent_run(323, "x", metadata={"a": 1})
        await client.wait_for_completion(323, 5)
        assert [
            MockCall("create_agent_run", (323, "x"), {"metadata": {"a": 1}}),
            MockCall("wait_for_completion", (323, 5), {}),
            MockCall("get_agent_run", (323, 5), {"cache": False}),
        ] == client.calls
        assert 1 == len(client.calls_to("wait_for_completion"))
        client.reset_mock()
        assert [] == client.calls

    async def test_bulk_goes_through_the_mock(self) -> None:
        """Bulk creation calls the mocked create once per config, each with its own id."""
        client = AsyncMockCodegenClient()
        results = await client.bulk_create_agent_runs(323, [{"prompt": "a"}, {"prompt": "b"}])
        assert 2 == len({r.data.id for r in results if r.data is not None})
        assert 2 == len(client.calls_to("create_agent_run"))


class TestSurface:
    async def test_raw_responses_and_options_work_on_the_mock(self) -> None:
        """with_raw_response answers 200 with the body; a bad option is refused."""
        client = AsyncMockCodegenClient()
        response = await client.with_raw_response.get_agent_run(323, 55)
        assert (200, 55) == (response.status_code, response.parse().id)
        assert 55 == response.json()["id"]
        with pytest.raises(ValidationError):
            await client.get_agent_run(323, 55, extra_headers={"Authorization": "x"})
        view = client.with_options(timeout=3)
        assert 55 == (await view.get_agent_run(323, 55)).id
