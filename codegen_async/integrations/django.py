"""Django: a webhook view.

Clients come from ``CodegenClient.from_settings(settings.CODEGEN_CONFIG)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import WebhookVerificationError
from ..webhooks import WebhookHandler
from ._common import accepted, rejected

__all__ = ["webhook_view"]


def webhook_view(handler: WebhookHandler) -> Callable[[Any], Any]:
    """A Django view verifying a webhook and dispatching it to plain (sync) handlers.

    Route it with ``path("webhooks/codegen", webhook_view(handler))``. It is exempt from
    CSRF (the signature authenticates the sender), answers 405 to anything but POST, 400
    when verification fails and 200 once every handler ran.
    """
    from django.http import HttpResponse  # type: ignore[import-untyped]

    def receive(request: Any) -> Any:
        if request.method != "POST":
            response = HttpResponse(status=405)
            response["Allow"] = "POST"
            return response
        try:
            results = handler.handle_request(request.body, request.headers)
        except WebhookVerificationError as exc:
            return HttpResponse(rejected(str(exc)), status=400, content_type="application/json")
        return HttpResponse(accepted(results), status=200, content_type="application/json")

    # What django's csrf_exempt sets: the signature authenticates the sender instead.
    vars(receive)["csrf_exempt"] = True
    return receive
