"""Test utilities for users' own test suites: mock clients, a unittest base, pytest fixtures.

* :class:`AsyncMockCodegenClient`: the client's methods over realistic canned answers.
* :class:`AsyncCodegenTestCase`: unittest base class with ``self.client`` (a mock).
* pytest fixtures (registered automatically): ``codegen_emulator``,
  ``codegen_emulator_factory``, ``codegen_client`` / ``codegen_async_client`` (bound to
  the emulator) and ``codegen_mock_client`` / ``codegen_async_mock_client``.
"""

from ._data import MOCK_BASE_URL, MockCall
from ._mock import LOCAL_METHODS, MOCKED_METHODS, AsyncMockCodegenClient
from ._testcase import AsyncCodegenTestCase

__all__ = [
    "LOCAL_METHODS",
    "MOCKED_METHODS",
    "MOCK_BASE_URL",
    "AsyncCodegenTestCase",
    "AsyncMockCodegenClient",
    "MockCall",
]
