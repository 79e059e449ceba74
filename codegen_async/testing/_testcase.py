"""``AsyncCodegenTestCase``: a unittest base class with a mock client ready in ``self.client``."""

from __future__ import annotations

from typing import Any, ClassVar
from unittest import IsolatedAsyncioTestCase

from ._mock import AsyncMockCodegenClient

__all__ = ["AsyncCodegenTestCase"]


class AsyncCodegenTestCase(IsolatedAsyncioTestCase):
    """A test case whose ``self.client`` is a fresh :class:`AsyncMockCodegenClient`.

    ``mock_responses`` (a class attribute) is applied before each test: by default a
    created run reads ``"pending"``. Override it in a subclass, or call
    :meth:`mock_response` inside a test.

    Example::

        class MyTestCase(AsyncCodegenTestCase):
            async def test_agent_run_creation(self):
                run = await self.client.create_agent_run(323, "test")
                self.assertEqual(run.status, "pending")

            async def test_with_custom_response(self):
                self.mock_response("get_agent_run", {"id": 1, "status": "completed"})
                run = await self.client.get_agent_run(323, 1)
                self.assertEqual(run.status, "completed")
    """

    mock_responses: ClassVar[dict[str, Any]] = {"create_agent_run": {"status": "pending"}}
    client: AsyncMockCodegenClient

    def setUp(self) -> None:
        super().setUp()
        self.client = AsyncMockCodegenClient()
        for method_name, response in self.mock_responses.items():
            self.client.set_mock_response(method_name, response)

    def mock_response(self, method_name: str, response: Any) -> None:
        """Answer ``method_name`` with ``response`` for the rest of this test."""
        self.client.set_mock_response(method_name, response)
