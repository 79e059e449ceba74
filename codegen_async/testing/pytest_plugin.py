"""pytest plugin shipped with codegen-client (registered through the ``pytest11`` entry point)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from codegen_async.emulator import Emulator

# -- emulator fixtures ---------------------------------------------------------------------------
# Both run the emulator in a background thread with its own event loop, so they serve sync tests
# and async tests (whatever loop pytest-asyncio gives them) alike.


@pytest.fixture
def codegen_emulator() -> Iterator[Emulator]:
    """A fresh Codegen API emulator on 127.0.0.1 for one test, with time sped up 100 times.

    ``codegen_emulator.url``, ``.token`` and ``.org_id`` are what a client needs;
    ``.state`` and ``.accounting`` let the test seed and inspect it.
    """
    from codegen_async.emulator import EmulatorConfig, serve_in_thread

    with serve_in_thread(EmulatorConfig(time_scale=0.01)) as emulator:
        yield emulator


@pytest.fixture
def codegen_emulator_factory() -> Iterator[Callable[..., Emulator]]:
    """A callable taking ``EmulatorConfig`` keyword arguments and returning a started emulator.

    Every emulator it started is stopped when the test ends.
    """
    from codegen_async.emulator import EmulatorConfig, serve_in_thread

    with ExitStack() as stack:

        def start(**config: Any) -> Emulator:
            return stack.enter_context(serve_in_thread(EmulatorConfig(**config)))

        yield start


# -- clients -------------------------------------------------------------------------------------


@pytest.fixture
def codegen_client(codegen_emulator: Emulator) -> Iterator[Any]:
    """A sync ``CodegenClient`` bound to ``codegen_emulator``, closed after the test."""
    from codegen_async import ConfigPresets
    from codegen_sync import CodegenClient

    config = ConfigPresets.testing(
        base_url=codegen_emulator.url,
        api_token=codegen_emulator.token,
        org_id=codegen_emulator.org_id,
    )
    with CodegenClient(config) as client:
        yield client


@pytest.fixture
def codegen_mock_client() -> Any:
    """A ``codegen_sync.MockCodegenClient``: the client's methods, canned answers, no network."""
    from codegen_sync import MockCodegenClient

    return MockCodegenClient()


@pytest.fixture
def codegen_async_mock_client() -> Any:
    """An ``AsyncMockCodegenClient`` (it holds no connections, so a plain fixture serves)."""
    from codegen_async import AsyncMockCodegenClient

    return AsyncMockCodegenClient()


try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - the async client fixture needs pytest-asyncio
    pass
else:

    @pytest_asyncio.fixture
    async def codegen_async_client(codegen_emulator: Emulator) -> AsyncIterator[Any]:
        """An ``AsyncCodegenClient`` bound to ``codegen_emulator``, closed after the test."""
        from codegen_async import AsyncCodegenClient, ConfigPresets

        config = ConfigPresets.testing(
            base_url=codegen_emulator.url,
            api_token=codegen_emulator.token,
            org_id=codegen_emulator.org_id,
        )
        async with AsyncCodegenClient(config) as client:
            yield client
