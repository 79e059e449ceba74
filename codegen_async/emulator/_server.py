"""Running the emulator: :class:`Emulator` (async context manager) and :func:`serve_in_thread`."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import ssl
import threading
from collections.abc import Iterator
from types import TracebackType
from typing import Any

from aiohttp import web

from ._accounting import Accounting
from ._app import make_app
from ._clock import Clock
from ._config import DEFAULT_TOKEN, EmulatorConfig
from ._context import Context
from ._protocol import use_json_errors
from ._state import World
from ._webhooks import WebhookSender

__all__ = ["Emulator", "serve_in_thread"]


class Emulator:
    """A Codegen API emulator on 127.0.0.1 (or ``config.host``), on a free port by default.

    ``async with Emulator(cfg) as emu:`` starts it; ``emu.url`` is its base URL. Keyword
    arguments override fields of ``config`` (``Emulator(time_scale=0.01)``). With
    ``ssl_context`` (a server-side :class:`ssl.SSLContext`) it serves HTTPS.

    Attributes:
        config: The configuration.
        state: The world (``state.runs``, ``state.users``, ... and ``add_*`` seeding helpers).
        accounting: Counters of what it received and did (``accounting.snapshot()``).
        clock: The emulated clock (``clock.advance(seconds)`` moves time forward).
    """

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        ssl_context: ssl.SSLContext | None = None,
        **overrides: Any,
    ) -> None:
        config = config or EmulatorConfig()
        if overrides:
            config = dataclasses.replace(config, **overrides)
        self.config = config
        self._ssl = ssl_context
        self._ctx = Context(config)
        self._runner: web.AppRunner | None = None
        self.webhooks: WebhookSender | None = None
        """Signed webhook delivery, when ``config.webhook_urls`` is set (``.deliveries``)."""
        self._port: int | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        """The loop serving requests, once started."""

    @property
    def state(self) -> World:
        """The emulated world."""
        return self._ctx.world

    @property
    def accounting(self) -> Accounting:
        """What the emulator received and did."""
        return self._ctx.accounting

    @property
    def clock(self) -> Clock:
        """The emulated clock."""
        return self._ctx.clock

    @property
    def org_id(self) -> int:
        """The configured organization."""
        return self.config.org_id

    @property
    def token(self) -> str:
        """The first configured token."""
        tokens = self.config.tokens
        return next(iter(tokens)) if tokens else DEFAULT_TOKEN

    @property
    def tokens(self) -> list[str]:
        """Every accepted token."""
        return list(self._ctx.world.tokens)

    @property
    def port(self) -> int:
        """The bound port (after start)."""
        if self._port is None:
            raise RuntimeError("the emulator is not running")
        return self._port

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8765`` (no trailing slash; ``https`` with TLS)."""
        host = self.config.host
        if ":" in host:
            host = f"[{host}]"
        scheme = "https" if self._ssl is not None else "http"
        return f"{scheme}://{host}:{self.port}"

    def headers(self, token: str | None = None) -> dict[str, str]:
        """``Authorization`` header for ``token`` (default: the first configured one)."""
        return {"Authorization": f"Bearer {token or self.token}"}

    async def start(self) -> None:
        """Bind and start serving."""
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")
        runner = web.AppRunner(
            make_app(self._ctx), access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await runner.setup()
        use_json_errors(runner)
        try:
            site = web.TCPSite(
                runner, self.config.host, self.config.port, backlog=1024, ssl_context=self._ssl
            )
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self.loop = asyncio.get_running_loop()
        if self.config.webhook_urls:
            self.webhooks = WebhookSender(self._ctx)
            await self.webhooks.start()

    async def stop(self) -> None:
        """Stop serving and close every connection."""
        runner, self._runner = self._runner, None
        if self.webhooks is not None:
            await self.webhooks.stop()
        if runner is not None:
            await runner.cleanup()

    aclose = stop

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def __repr__(self) -> str:
        where = self.url if self._port is not None else "stopped"
        return f"<Emulator {where} org_id={self.org_id}>"


@contextlib.contextmanager
def serve_in_thread(
    config: EmulatorConfig | None = None,
    *,
    ssl_context: ssl.SSLContext | None = None,
    **overrides: Any,
) -> Iterator[Emulator]:
    """Run an :class:`Emulator` in a daemon thread with its own event loop.

    For sync code and sync tests (it also works beside a running loop, as it uses its own).
    Leaving the block stops the emulator and joins the thread.
    """
    emulator = Emulator(config, ssl_context=ssl_context, **overrides)
    loop = asyncio.new_event_loop()
    started = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            try:
                loop.run_until_complete(emulator.start())
            except BaseException as exc:
                failure.append(exc)
                return
            finally:
                started.set()
            loop.run_forever()
        finally:
            # Cleaned up here, in the loop's own thread: the caller may be running a loop.
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
            finally:
                loop.close()

    thread = threading.Thread(target=run, name="codegen-emulator", daemon=True)
    thread.start()
    started.wait()
    try:
        if failure:
            raise failure[0]
        yield emulator
    finally:
        if not failure:
            asyncio.run_coroutine_threadsafe(emulator.stop(), loop).result(timeout=30)
            loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
