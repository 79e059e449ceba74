"""Webhook receivers for Starlette (and FastAPI, which is built on it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import WebhookVerificationError
from ..webhooks import WebhookHandler
from ._common import DEFAULT_WEBHOOK_PATH, accepted, rejected

__all__ = ["webhook_endpoint", "webhook_route"]


def webhook_endpoint(handler: WebhookHandler) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint that verifies a webhook and dispatches it.

    Answers 200 once every handler ran (``async def`` handlers are awaited), 400 when
    verification fails; a handler's exception becomes a 500, so the sender retries.
    """

    async def receive(request: Request) -> Response:
        body = await request.body()
        try:
            results = await handler.handle_request_async(body, request.headers)
        except WebhookVerificationError as exc:
            return Response(rejected(str(exc)), status_code=400, media_type="application/json")
        return Response(accepted(results), status_code=200, media_type="application/json")

    return receive


def webhook_route(handler: WebhookHandler, path: str = DEFAULT_WEBHOOK_PATH) -> Route:
    """A ``POST path`` route receiving webhooks: ``Starlette(routes=[webhook_route(h)])``."""
    return Route(path, webhook_endpoint(handler), methods=["POST"])
