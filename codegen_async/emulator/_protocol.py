"""JSON answers for what aiohttp refuses before the application sees a request.

A header line over 8190 bytes, an invalid method or request line: aiohttp's HTTP parser
answers these itself, in plain text. The emulator answers every request with the API's
documented error shape, ``{"message", "status_code"}``, so its server's handler class is
swapped for one whose error answers are JSON (the connection is still closed after them).
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from ._schemas import error_body

__all__ = ["use_json_errors"]

_REASONS = {
    400: "Bad request: the request line or a header could not be parsed.",
    413: "Request entity too large.",
    431: "Request header fields too large.",
    500: "Internal server error.",
}


class _JsonErrorHandler(RequestHandler):
    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        # The parent logs the error and refuses when a response was already started.
        super().handle_error(request, status, exc, message)
        text = _REASONS.get(status, "Bad request.")
        if status != 500 and message:
            # aiohttp's reason, without the offending bytes it quotes.
            text = f"{text} ({message.split(':', 1)[0][:120]})"
        response = web.Response(status=status, body=error_body(text, status))
        response.content_type = "application/json"
        response.force_close()
        return response


class _JsonErrorServer(web.Server):
    def __call__(self) -> RequestHandler:
        return _JsonErrorHandler(self, loop=self._loop, **self._kwargs)


def use_json_errors(runner: web.AppRunner) -> None:
    """Make ``runner``'s server (after ``setup()``) answer protocol errors in JSON."""
    server = runner.server
    if server is None:
        raise RuntimeError("the runner is not set up")
    # Same class plus one overridden method: swapping the class keeps every attribute.
    server.__class__ = _JsonErrorServer
