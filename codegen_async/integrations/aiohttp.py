"""Webhook receivers for aiohttp.web apps."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from ..errors import WebhookVerificationError
from ..webhooks import WebhookHandler
from ._common import DEFAULT_WEBHOOK_PATH, accepted, rejected

__all__ = ["add_webhook_route", "webhook_app", "webhook_request_handler"]


def webhook_request_handler(
    handler: WebhookHandler,
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """An aiohttp request handler that verifies a webhook and dispatches it.

    Answers 200 once every handler ran (``async def`` handlers are awaited), 400 when
    verification fails; a handler's exception becomes a 500, so the sender retries.
    """

    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            results = await handler.handle_request_async(body, request.headers)
        except WebhookVerificationError as exc:
            return web.Response(
                status=400, body=rejected(str(exc)), content_type="application/json"
            )
        return web.Response(status=200, body=accepted(results), content_type="application/json")

    return receive


def add_webhook_route(
    app: web.Application, handler: WebhookHandler, path: str = DEFAULT_WEBHOOK_PATH
) -> None:
    """Receive webhooks at ``POST path`` of ``app``."""
    app.router.add_post(path, webhook_request_handler(handler))


def webhook_app(handler: WebhookHandler) -> web.Application:
    """A small app receiving webhooks at ``POST /``.

    Mount it with ``app.add_subapp("/webhooks/codegen", webhook_app(handler))``.
    """
    app = web.Application()
    add_webhook_route(app, handler, "/")
    return app
