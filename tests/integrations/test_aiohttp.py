"""aiohttp.web receiver: end-to-end delivery of signed events from the emulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from codegen_async import AsyncCodegenClient, ConfigPresets, WebhookHandler
from codegen_async.emulator import Emulator
from codegen_async.integrations.aiohttp import (
    add_webhook_route,
    webhook_app,
    webhook_request_handler,
)

SECRET = "whsec_dGVzdC1zZWNyZXQtZm9yLWUyZS1kZWxpdmVyeQ=="
WAIT = 10.0


class Receiver:
    """A real aiohttp server on 127.0.0.1 with our receiver mounted."""

    def __init__(self, app: web.Application) -> None:
        self.runner = web.AppRunner(app)
        self.url = ""

    async def start(self) -> None:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}"


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[web.Application], Any]]:
    runners: list[Receiver] = []

    async def start(app: web.Application) -> Receiver:
        receiver = Receiver(app)
        await receiver.start()
        runners.append(receiver)
        return receiver

    yield start
    for receiver in runners:
        await receiver.runner.cleanup()


def client_for(emulator: Emulator) -> AsyncCodegenClient:
    return AsyncCodegenClient(
        ConfigPresets.testing(
            base_url=emulator.url, api_token=emulator.token, org_id=emulator.org_id
        )
    )


async def wait_for(condition: Callable[[], bool]) -> None:
    for _ in range(int(WAIT / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached in time")


async def test_emulator_delivers_to_aiohttp(
    serve: Any, codegen_emulator_factory: Callable[..., Emulator]
) -> None:
    """A run's created, completed events arrive signed and reach the handlers, in order."""
    handler = WebhookHandler(SECRET)
    seen: list[tuple[str, Any, Any]] = []

    @handler.on("*")
    async def record(event: Any) -> None:
        seen.append((event.type, event["id"], event.data.status))

    app = web.Application()
    add_webhook_route(app, handler)
    receiver = await serve(app)
    emulator = codegen_emulator_factory(
        time_scale=0.01,
        rate_limits="off",
        webhook_urls=[receiver.url + "/webhooks/codegen"],
        webhook_secret=SECRET,
    )
    async with client_for(emulator) as client:
        run = await client.create_agent_run(
            prompt="Do it [emulator:complete] [emulator:duration=5]"
        )
    webhooks = emulator.webhooks
    assert webhooks is not None
    # The handlers run before the emulator reads the receiver's answer: wait for both.
    await wait_for(lambda: len(seen) >= 2 and 0 == webhooks.stats()["pending"])
    rid = str(run.id)
    assert [
        ("agent_run.created", rid, "ACTIVE"),
        ("agent_run.completed", rid, "COMPLETE"),
    ] == seen
    assert {"made": 2, "delivered": 2, "failed": 0, "pending": 0, "attempts": 2} == (
        webhooks.stats()
    )


async def test_failed_run_carries_error(
    serve: Any, codegen_emulator_factory: Callable[..., Emulator]
) -> None:
    """A failed run's event reads like the README's payload: payload['id'], payload['error']."""
    handler = WebhookHandler(SECRET)
    messages: list[str] = []

    @handler.on("agent_run.failed")
    def handle_failure(payload: Any) -> None:
        messages.append(f"Agent run {payload['id']} failed: {payload['error']}")

    parent = web.Application()
    parent.add_subapp("/hooks", webhook_app(handler))
    receiver = await serve(parent)
    emulator = codegen_emulator_factory(
        time_scale=0.01, webhook_urls=[receiver.url + "/hooks/"], webhook_secret=SECRET
    )
    async with client_for(emulator) as client:
        run = await client.create_agent_run(prompt="Break [emulator:fail] [emulator:duration=2]")
    await wait_for(lambda: bool(messages))
    assert [
        f"Agent run {run.id} failed: I could not complete the task: Break"
        " [emulator:fail] [emulator:duration=2]"
    ] == messages


async def test_retries_until_delivered(
    serve: Any, codegen_emulator_factory: Callable[..., Emulator]
) -> None:
    """A receiver failing twice gets the event a third time, with the same webhook-id."""
    handler = WebhookHandler(SECRET)
    handled: list[str] = []
    handler.on("agent_run.created")(lambda e: handled.append(e.webhook_id))
    attempts: list[str] = []
    inner = webhook_request_handler(handler)

    async def flaky(request: web.Request) -> web.StreamResponse:
        attempts.append(request.headers["webhook-id"])
        if len(attempts) <= 2:
            return web.Response(status=503)
        return await inner(request)

    app = web.Application()
    app.router.add_post("/", flaky)
    receiver = await serve(app)
    emulator = codegen_emulator_factory(
        time_scale=0.01, webhook_urls=[receiver.url + "/"], webhook_secret=SECRET
    )
    async with client_for(emulator) as client:
        await client.create_agent_run(prompt="Slow one [emulator:duration=100000]")
    await wait_for(lambda: bool(handled))
    assert 3 == len(attempts) and 1 == len(set(attempts))
    assert [attempts[0]] == handled


async def test_wrong_secret_rejected(
    serve: Any, codegen_emulator_factory: Callable[..., Emulator]
) -> None:
    """A receiver with another secret answers 400 and no handler runs; the sender gives up."""
    handler = WebhookHandler("another secret")
    handler.on("*")(lambda e: pytest.fail("must not be called"))
    app = web.Application()
    add_webhook_route(app, handler)
    receiver = await serve(app)
    emulator = codegen_emulator_factory(
        time_scale=0.01,
        webhook_urls=[receiver.url + "/webhooks/codegen"],
        webhook_secret=SECRET,
        webhook_max_attempts=2,
    )
    async with client_for(emulator) as client:
        await client.create_agent_run(prompt="x [emulator:duration=100000]")
    assert emulator.webhooks is not None
    webhooks = emulator.webhooks
    await wait_for(lambda: webhooks.stats()["failed"] == 1)
    assert 400 == webhooks.deliveries[0].last_status


async def test_junk_timestamp_is_a_400(serve: Any) -> None:
    """An unauthenticated request with a 400-digit timestamp is answered 400, not 500."""
    handler = WebhookHandler(SECRET)
    handler.on("*")(lambda e: pytest.fail("must not be called"))
    app = web.Application()
    add_webhook_route(app, handler)
    receiver = await serve(app)
    body = b'{"type": "agent_run.completed", "data": {"id": 1}}'
    headers = {**handler.sign(body), "webhook-timestamp": "9" * 400}
    async with (
        aiohttp.ClientSession() as session,
        session.post(receiver.url + "/webhooks/codegen", data=body, headers=headers) as resp,
    ):
        answer = await resp.json()
    assert (400, False) == (resp.status, answer["ok"])
    assert "webhook-timestamp" in answer["detail"]
