"""``AsyncMockCodegenClient``: the real client's methods over canned answers, no network.

The mock is the real client with its transport replaced: every method validates its
arguments and decodes its answer exactly as the real one does, so a test written against
the mock exercises the same signatures, errors and models. Answers are realistic defaults
(see ``_data``) with :meth:`AsyncMockCodegenClient.set_mock_response` laid over them.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar, Token
from typing import Any

import msgspec

from .. import AsyncCodegenClient
from .._http._backend import IS_ASYNC
from .._http._transport import AsyncTransport
from ..config import CodegenConfig, ConfigPresets
from ..errors import DecodeError, ValidationError
from ._data import MOCK_BASE_URL, MockCall, call_context, merge, realistic

__all__ = ["LOCAL_METHODS", "MOCKED_METHODS", "AsyncMockCodegenClient"]

LOCAL_METHODS = frozenset(
    {
        "aclose",
        "bulk_operations",
        "clear_cache",
        "create_health_monitor",
        "from_settings",
        "get_cache_stats",
        "get_rate_limit_status",
        "get_stats",
        "reset_stats",
        "watch_agent_runs",
        "with_options",
    }
)
"""Public client methods that send nothing themselves (not mocked, not recorded)."""

# The client methods being answered, outermost first: wait_for_completion calls
# get_agent_run, and a response set for either applies (the outer one wins).
_CALLS: ContextVar[tuple[str, ...]] = ContextVar("codegen_mock_calls", default=())


class _MockTransport(AsyncTransport):
    """The real transport's bookkeeping, but every request answered by the mock."""

    def __init__(self, config: CodegenConfig, answer: Callable[..., Any]) -> None:
        super().__init__(config)
        self._answer = answer

    async def request(
        self, method: str, path: str, decoder: msgspec.json.Decoder[Any], **options: Any
    ) -> Any:
        self.check_options(options.get("options"))
        return self._answer(method, path, decoder, options.get("body"))


class AsyncMockCodegenClient(AsyncCodegenClient):
    """A stand-in for :class:`AsyncCodegenClient` in tests: same methods, no network.

    Every API method answers with realistic data as the same typed models (a new run is
    ``ACTIVE``, a fetched run ``COMPLETE``; ids in the call are echoed back), validates
    its arguments like the real client, and is recorded in :attr:`calls`.

    Example::

        client = AsyncMockCodegenClient()
        client.set_mock_response("create_agent_run", {"id": 123, "status": "pending"})
        run = await client.create_agent_run(323, "test prompt")
        assert run.id == 123 and run.status == "pending"
        assert client.calls_to("create_agent_run")[0].args == (323, "test prompt")

    Arguments are those of the real client; by default it needs no token or URL.
    """

    def __init__(self, config: CodegenConfig | None = None, **overrides: Any) -> None:
        if config is None:
            settings: dict[str, Any] = {"base_url": MOCK_BASE_URL, "api_token": "sk-mock-token"}
            config = ConfigPresets.testing(**{**settings, **overrides})
            overrides = {}
        super().__init__(config, **overrides)
        self._transport = _MockTransport(self.config, self._answer)
        self._responses: dict[str, Any] = {}
        self._next_run_id = 1001
        self.calls: list[MockCall] = []
        """Every API method called, in order, including those other methods make (each
        poll of ``wait_for_completion`` is a ``get_agent_run`` call)."""

    def set_mock_response(self, method_name: str, response: Any) -> None:
        """Answer ``method_name`` with ``response`` from now on.

        ``response`` is data (a dict, list, model) laid over the realistic default (a
        list is a listing's items), or an exception instance to raise. It also applies
        to the calls that method makes: a ``get_agent_run`` response shapes what
        ``wait_for_completion`` sees.
        """
        if method_name not in MOCKED_METHODS:
            raise ValidationError(
                f"{method_name!r} is not a mocked client method; known: "
                f"{', '.join(sorted(MOCKED_METHODS))}"
            )
        if isinstance(response, type) and issubclass(response, BaseException):
            raise ValidationError("pass an exception instance, e.g. ServerError('boom')")
        if not isinstance(response, BaseException):
            response = msgspec.to_builtins(response)
        self._responses[method_name] = response

    def reset_mock(self) -> None:
        """Forget every mock response and recorded call."""
        self._responses.clear()
        self.calls.clear()

    def calls_to(self, method_name: str) -> list[MockCall]:
        """The recorded calls of one method, in order."""
        return [c for c in self.calls if c.method == method_name]

    # -- machinery ---------------------------------------------------------------------------

    def _enter(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Token[Any]:
        self.calls.append(MockCall(name, args, dict(kwargs)))
        return _CALLS.set((*_CALLS.get(), name))

    def _finish(self, name: str, result: Any) -> Any:
        # A result built locally (health_check's dict) still shows a dict response.
        override = self._responses.get(name)
        if isinstance(result, dict) and isinstance(override, dict):
            return {**result, **override}
        return result

    def _answer(
        self, method: str, path: str, decoder: msgspec.json.Decoder[Any], body: bytes | None
    ) -> Any:
        names = _CALLS.get() or ("<direct>",)
        for name in names:
            response = self._responses.get(name)
            if isinstance(response, BaseException):
                raise response
        ctx = call_context(path, body)
        if names[-1] == "create_agent_run":
            ctx["run_id"] = self._next_run_id
            self._next_run_id += 1
        tp = decoder.type
        data = realistic(tp, names, ctx)
        for name in reversed(names):
            if name in self._responses:
                data = merge(tp, data, self._responses[name])
        body = msgspec.json.encode(data)
        self._transport.keep_raw(200, body, method, MOCK_BASE_URL + path)
        try:
            return decoder.decode(body)
        except msgspec.ValidationError as exc:
            raise DecodeError(
                f"the mock response for {names[0]}() does not fit the API's schema: {exc}",
                method=method,
                url=MOCK_BASE_URL + path,
            ) from None


def _wrap_call(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    async def method(self: AsyncMockCodegenClient, *args: Any, **kwargs: Any) -> Any:
        token = self._enter(name, args, kwargs)
        try:
            result = await func(self, *args, **kwargs)
        finally:
            _CALLS.reset(token)
        return self._finish(name, result)

    return method


def _wrap_iterator(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    async def method(self: AsyncMockCodegenClient, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        _CALLS.reset(self._enter(name, args, kwargs))
        items = func(self, *args, **kwargs)
        while True:
            # Set only while the real iterator runs: the caller's code between items
            # must not look like part of this call.
            token = _CALLS.set((*_CALLS.get(), name))
            try:
                item = await anext(items)
            except StopAsyncIteration:
                return
            finally:
                _CALLS.reset(token)
            yield item

    return method


def _mocked_methods() -> frozenset[str]:
    names = set()
    for name in dir(AsyncCodegenClient):
        if name.startswith("_") or name in LOCAL_METHODS:
            continue
        func = inspect.getattr_static(AsyncCodegenClient, name)
        if not inspect.isfunction(func):
            continue
        if inspect.isasyncgenfunction(func) or inspect.isgeneratorfunction(func):
            setattr(AsyncMockCodegenClient, name, _wrap_iterator(name, func))
        elif inspect.iscoroutinefunction(func) or not IS_ASYNC:
            setattr(AsyncMockCodegenClient, name, _wrap_call(name, func))
        else:
            continue  # a plain method missing from LOCAL_METHODS (the parity test says so)
        names.add(name)
    return frozenset(names)


MOCKED_METHODS = _mocked_methods()
"""The client methods the mock answers (every public method not in ``LOCAL_METHODS``)."""
