"""Signed webhook delivery: the emulator posts a Standard Webhooks event for each run change.

Codegen itself sends no webhooks; this lets the SDK's ``WebhookHandler`` be tested end to
end. Run statuses are computed lazily from the clock, so a background task looks at the
runs every ``webhook_poll_interval`` wall seconds and sends, for each change it sees,
the event ``codegen_async.events.event_type_for`` names (``agent_run.created``,
``agent_run.status_changed``, ``agent_run.completed``, ``agent_run.failed``). One worker
per URL posts them in order; a failed post (no answer, or not 2xx) is retried with
exponential backoff, keeping its ``webhook-id`` so a receiver can deduplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from typing import Any

import aiohttp
import msgspec

from ..events import AGENT_RUN_FAILED, RunEvent, event_type_for, failure_reason
from ..models import AgentRun
from ..webhooks import WebhookHandler
from ._context import Context

__all__ = ["DEFAULT_WEBHOOK_SECRET", "Delivery", "WebhookSender"]

DEFAULT_WEBHOOK_SECRET = "whsec_ZW11bGF0b3Itd2ViaG9vay1zZWNyZXQtMDAwMA=="
"""The signing secret when ``webhook_secret`` is not configured."""

_RUN = msgspec.json.Decoder(AgentRun)
_FIRST_RETRY_DELAY = 0.05  # wall seconds; doubles on each retry


@dataclasses.dataclass
class Delivery:
    """One event for one URL: what was sent and how it went."""

    url: str
    webhook_id: str
    type: str
    run_id: int
    status: str | None
    attempts: int = 0
    delivered: bool = False
    last_status: int | None = None
    """HTTP status of the last attempt (``None``: no answer)."""


class WebhookSender:
    """Watches the runs of one emulator and delivers signed events to the configured URLs."""

    def __init__(self, ctx: Context) -> None:
        config = ctx.config
        self._ctx = ctx
        self._urls = list(config.webhook_urls)
        self._signer = WebhookHandler(config.webhook_secret or DEFAULT_WEBHOOK_SECRET)
        self._interval = config.webhook_poll_interval
        self._max_attempts = config.webhook_max_attempts
        self._known: dict[int, str] = {}
        self._seq = 0
        self._queues: dict[str, asyncio.Queue[tuple[Delivery, bytes]]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._session: aiohttp.ClientSession | None = None
        self.deliveries: list[Delivery] = []
        """Every delivery, in the order events were made (inspect it in tests)."""

    async def start(self) -> None:
        """Take the runs present now as known (no events for them) and start watching."""
        now = self._ctx.clock.now()
        self._known = {run.id: run.status(now) for run in self._ctx.world.runs.values()}
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5.0))
        for url in self._urls:
            queue: asyncio.Queue[tuple[Delivery, bytes]] = asyncio.Queue()
            self._queues[url] = queue
            self._tasks.append(asyncio.ensure_future(self._post_loop(url, queue)))
        self._tasks.append(asyncio.ensure_future(self._watch_loop()))

    async def stop(self) -> None:
        """Stop watching and posting (undelivered events are dropped)."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def stats(self) -> dict[str, int]:
        """Counts of deliveries: ``made``, ``delivered``, ``failed``, ``pending``, ``attempts``."""
        done = [d for d in self.deliveries if d.delivered]
        failed = [
            d for d in self.deliveries if not d.delivered and d.attempts >= self._max_attempts
        ]
        return {
            "made": len(self.deliveries),
            "delivered": len(done),
            "failed": len(failed),
            "pending": len(self.deliveries) - len(done) - len(failed),
            "attempts": sum(d.attempts for d in self.deliveries),
        }

    # -- watching ------------------------------------------------------------------------------

    async def _watch_loop(self) -> None:
        while True:
            self.scan()
            await asyncio.sleep(self._interval)

    def scan(self) -> None:
        """Compare every run's status with the last one sent; queue events for changes."""
        now = self._ctx.clock.now()
        for run in list(self._ctx.world.runs.values()):
            status = run.status(now)
            previous = self._known.get(run.id)
            if run.id in self._known and previous == status:
                continue
            self._known[run.id] = status
            if previous is None and status != "ACTIVE":
                # Created and changed between two looks: both events, in order.
                self._emit(run.id, run.encoded(now), None, "ACTIVE")
                previous = "ACTIVE"
            self._emit(run.id, run.encoded(now), previous, status)

    def _emit(self, run_id: int, encoded: bytes, previous: str | None, status: str) -> None:
        kind = event_type_for(previous, status)
        if kind is None:
            return
        data = _RUN.decode(encoded)
        if previous is None:
            data = msgspec.structs.replace(data, status=status, result=None, summary=None)
        error = failure_reason(data) if kind == AGENT_RUN_FAILED else None
        event = RunEvent(
            type=kind,
            id=str(run_id),
            timestamp=int(time.time()),
            data=data,
            previous_status=previous,
            error=error,
        )
        body = msgspec.json.encode(event)
        for url in self._urls:
            self._seq += 1
            delivery = Delivery(url, f"msg_emu{self._seq:08d}", kind, run_id, status)
            self.deliveries.append(delivery)
            self._queues[url].put_nowait((delivery, body))

    # -- posting -------------------------------------------------------------------------------

    async def _post_loop(self, url: str, queue: asyncio.Queue[tuple[Delivery, bytes]]) -> None:
        while True:
            delivery, body = await queue.get()
            await self._deliver(delivery, body)

    async def _deliver(self, delivery: Delivery, body: bytes) -> None:
        assert self._session is not None
        delay = _FIRST_RETRY_DELAY
        while delivery.attempts < self._max_attempts:
            delivery.attempts += 1
            # A fresh timestamp and signature per attempt, the same id.
            headers: dict[str, Any] = self._signer.sign(body, msg_id=delivery.webhook_id)
            headers["content-type"] = "application/json"
            try:
                async with self._session.post(delivery.url, data=body, headers=headers) as resp:
                    await resp.read()
                    delivery.last_status = resp.status
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
                delivery.last_status = None
            if delivery.last_status is not None and 200 <= delivery.last_status < 300:
                delivery.delivered = True
                return
            if delivery.attempts < self._max_attempts:
                await asyncio.sleep(delay)
                delay *= 2
