"""Test utilities shipped for users: CodegenTestCase, retry_on_error, pytest fixtures."""

from __future__ import annotations

import unittest
from typing import Any

import pytest

import codegen_async
import codegen_sync
from codegen_async import (
    APIConnectionError,
    APITimeoutError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitError,
    ServerError,
    ValidationError,
    retry_on_error,
)
from codegen_async.testing import AsyncCodegenTestCase
from codegen_sync.testing import CodegenTestCase


def run_case(case: type[unittest.TestCase]) -> unittest.TestResult:
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(case)
    result = unittest.TestResult()
    suite.run(result)
    return result


class TestCodegenTestCase:
    def test_seed_example(self) -> None:
        """The README's test case passes as written (sync)."""

        class MyTestCase(CodegenTestCase):
            def test_agent_run_creation(self) -> None:
                run = self.client.create_agent_run(323, "test")
                self.assertEqual(run.status, "pending")

            def test_with_custom_response(self) -> None:
                self.mock_response("get_agent_run", {"id": 1, "status": "completed"})
                run = self.client.get_agent_run(323, 1)
                self.assertEqual(run.status, "completed")

        result = run_case(MyTestCase)
        assert (2, [], []) == (result.testsRun, result.failures, result.errors)

    def test_async_variant(self) -> None:
        """AsyncCodegenTestCase runs async tests against an async mock client."""

        class MyTestCase(AsyncCodegenTestCase):
            async def test_create(self) -> None:
                run = await self.client.create_agent_run(323, "test")
                self.assertEqual(run.status, "pending")

            async def test_failure(self) -> None:
                self.mock_response("get_agent_run", NotFoundError("gone", status_code=404))
                with self.assertRaises(NotFoundError):
                    await self.client.get_agent_run(323, 1)

        result = run_case(MyTestCase)
        assert (2, [], []) == (result.testsRun, result.failures, result.errors)

    def test_bases(self) -> None:
        """The sync test case is a plain TestCase; the async one an IsolatedAsyncioTestCase."""
        assert not issubclass(CodegenTestCase, unittest.IsolatedAsyncioTestCase)
        assert issubclass(AsyncCodegenTestCase, unittest.IsolatedAsyncioTestCase)


class TestRetryOnError:
    def test_retries_then_succeeds(self) -> None:
        """A retryable error is retried until the call succeeds."""
        calls: list[int] = []

        @retry_on_error(max_attempts=3, backoff_factor=0.001)
        def flaky() -> str:
            calls.append(1)
            if len(calls) < 3:
                raise ServerError("boom", status_code=503)
            return "ok"

        assert "ok" == flaky()
        assert 3 == len(calls)

    def test_gives_up_after_max_attempts(self) -> None:
        """After max_attempts the last error propagates."""
        calls: list[int] = []

        @retry_on_error(max_attempts=2, backoff_factor=0.001)
        def down() -> None:
            calls.append(1)
            raise APITimeoutError("slow")

        with pytest.raises(APITimeoutError):
            down()
        assert 2 == len(calls)

    @pytest.mark.parametrize(
        "error",
        [
            OutcomeUnknownError("maybe created"),
            NotFoundError("missing", status_code=404),
            ValueError("bug"),
        ],
    )
    def test_not_retried(self, error: Exception) -> None:
        """Unknown outcomes, client errors and foreign exceptions are not retried."""
        calls: list[int] = []

        @retry_on_error(max_attempts=5, backoff_factor=0.001)
        def fails() -> None:
            calls.append(1)
            raise error

        with pytest.raises(type(error)):
            fails()
        assert 1 == len(calls)

    def test_honours_retry_after(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A RateLimitError's retry_after is the wait before the next attempt."""
        waits: list[float] = []
        monkeypatch.setattr("codegen_async._decorators.time.sleep", waits.append)
        calls: list[int] = []

        @retry_on_error(max_attempts=2, backoff_factor=100)
        def limited() -> str:
            calls.append(1)
            if len(calls) == 1:
                raise RateLimitError("slow down", status_code=429, retry_after=0.25)
            return "ok"

        assert "ok" == limited()
        assert [0.25] == waits

    async def test_coroutine_functions(self) -> None:
        """On an async def function the decorator returns an async function that retries."""
        calls: list[int] = []

        @retry_on_error(max_attempts=3, backoff_factor=0.001)
        async def flaky() -> int:
            calls.append(1)
            if len(calls) < 2:
                raise APIConnectionError("reset")
            return len(calls)

        assert 2 == await flaky()

    def test_bad_arguments(self) -> None:
        """Bad settings are refused when the decorator is made."""
        with pytest.raises(ValidationError, match="max_attempts"):
            retry_on_error(max_attempts=0)
        with pytest.raises(ValidationError, match="generator"):
            retry_on_error()(lambda: (yield))

    def test_same_in_both_packages(self) -> None:
        """The decorator is shared by both packages."""
        assert codegen_async.retry_on_error is codegen_sync.retry_on_error


class TestFixtures:
    def test_codegen_client(self, codegen_client: Any) -> None:
        """The shipped codegen_client fixture is a sync client bound to the emulator."""
        assert isinstance(codegen_client, codegen_sync.CodegenClient)
        assert codegen_client.get_current_user().id

    async def test_codegen_async_client(self, codegen_async_client: Any) -> None:
        """The shipped codegen_async_client fixture is an async client bound to the emulator."""
        assert (await codegen_async_client.get_current_user()).id

    def test_mock_clients(self, codegen_mock_client: Any, codegen_async_mock_client: Any) -> None:
        """The mock fixtures are fresh mock clients of each kind."""
        assert isinstance(codegen_mock_client, codegen_sync.MockCodegenClient)
        assert isinstance(codegen_async_mock_client, codegen_async.AsyncMockCodegenClient)
        assert "ACTIVE" == codegen_mock_client.create_agent_run(1, "x").status

    def test_root_exports(self) -> None:
        """The README's import works: from codegen_sync import MockCodegenClient."""
        from codegen_sync import MockCodegenClient

        client = MockCodegenClient()
        client.set_mock_response("create_agent_run", {"id": 123, "status": "pending"})
        run = client.create_agent_run(323, "test prompt")
        assert (123, "pending") == (run.id, run.status)
