"""Webhooks: verify Standard Webhooks signatures and dispatch typed events (pure, shared).

Codegen itself sends no webhooks; this is the SDK's extension, built on the Standard
Webhooks specification (https://www.standardwebhooks.com) so any sender following it
interoperates. A request carries three headers::

    webhook-id: msg_2b0f...                      unique per event (kept across retries)
    webhook-timestamp: 1718960404                Unix seconds
    webhook-signature: v1,<base64> v1,<base64>   HMAC-SHA256 of "{id}.{timestamp}.{body}"

and a JSON body, a :class:`~codegen_async.events.RunEvent`::

    {"type": "agent_run.failed", "id": "1001", "timestamp": 1718960404,
     "data": {...the agent run...}, "previous_status": "ACTIVE", "error": "..."}

:class:`WebhookHandler` verifies the signature over the raw body bytes (never re-serialised
JSON), checks the timestamp, parses a :class:`WebhookEvent` and calls every handler
registered for its type. Handlers receive the event; it reads like the payload dict too,
so both ``event.data.status`` and ``payload["id"]`` work. Run watchers produce the same
``RunEvent`` objects, so one set of handlers serves both.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

import msgspec

from .errors import ConfigurationError, ValidationError, WebhookVerificationError
from .events import AGENT_RUN_COMPLETED, AGENT_RUN_FAILED, EVENT_TYPES, RunEvent, failure_reason
from .models import AgentRun

__all__ = ["WebhookEvent", "WebhookHandler"]

_SECRET_PREFIX = "whsec_"
# Longer header values are refused before any work (a cheap guard against abuse).
_MAX_HEADER = 8192

H = TypeVar("H", bound=Callable[..., Any])


class WebhookEvent(RunEvent, kw_only=True, frozen=True):
    """A verified webhook: a :class:`RunEvent` plus what only webhooks carry.

    Attributes (besides ``type``, ``id`` (the run's id, as a string), ``timestamp``,
    ``data`` (the :class:`AgentRun`), ``previous_status`` and ``error``):
        webhook_id: The ``webhook-id`` header: the message id, the same across a
            sender's retries, so it can deduplicate.

    Item access reads like a payload dict: ``payload["id"]``, ``payload["status"]``,
    ``payload["error"]`` (the event's fields first, then the run's), the same as for
    the events a run watcher yields.
    """

    webhook_id: str | None = None

    def __getitem__(self, key: str) -> Any:
        if key == "webhook_id":
            return self.webhook_id
        return super().__getitem__(key)


class _WireEvent(msgspec.Struct):
    """What a webhook body must hold: a type and a run id; everything else is optional."""

    type: str
    data: dict[str, Any] = msgspec.field(default_factory=dict)
    id: str | int | None = None
    timestamp: int | float | None = None
    previous_status: str | None = None
    error: str | None = None


_DECODE_WIRE = msgspec.json.Decoder(_WireEvent)
# A run's status when the event's type tells it and the body does not.
_STATUS_OF_TYPE = {AGENT_RUN_COMPLETED: "COMPLETE", AGENT_RUN_FAILED: "FAILED"}
# Unix seconds: at most 12 ASCII digits (year 33658), so nothing overflows a float.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def _decode_secret(secret: str | bytes) -> bytes:
    if isinstance(secret, bytes | bytearray):
        key = bytes(secret)
    elif isinstance(secret, str):
        if secret.startswith(_SECRET_PREFIX):
            encoded = secret[len(_SECRET_PREFIX) :]
            try:
                key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
            except (binascii.Error, ValueError):
                # Never echo the secret, not even in part.
                raise ConfigurationError(
                    "a webhook secret starting with 'whsec_' must be base64 after the prefix"
                ) from None
        else:
            key = secret.encode()
    else:
        raise ConfigurationError(
            f"a webhook secret must be a str or bytes, got {type(secret).__name__}"
        )
    if not key:
        raise ConfigurationError("a webhook secret must not be empty")
    return key


def _header_map(headers: Any) -> dict[str, str]:
    """Lower-cased header names of any mapping; Django's ``META`` keys work too."""
    items = headers.items() if hasattr(headers, "items") else None
    if items is None:
        raise ValidationError(f"headers must be a mapping, got {type(headers).__name__}")
    found: dict[str, str] = {}
    for key, value in items:
        if not isinstance(key, str) or not isinstance(value, str):
            continue
        name = key.lower()
        if name.startswith("http_"):  # Django's request.META: HTTP_WEBHOOK_ID
            name = name[5:].replace("_", "-")
        if name in found and name == "webhook-signature":
            found[name] += " " + value
        else:
            found.setdefault(name, value)
    return found


class WebhookHandler:
    """Verify webhook requests and dispatch their events to registered handlers.

    Args:
        secret: The signing secret, ``whsec_<base64>`` (Standard Webhooks form) or any
            other string (used as raw UTF-8 bytes), or bytes. Give a list to accept
            several during a rotation; :meth:`sign` signs with every one.
        tolerance: Seconds a request's timestamp may be away from now, either way
            (replayed or forged-future requests are refused).

    Example::

        handler = WebhookHandler(secret="whsec_...")

        @handler.on("agent_run.completed")
        def done(payload):
            print(f"Agent run {payload['id']} completed!")

        handler.handle_request(request.body, request.headers)   # raw bytes, any headers

    Handlers of an event run in registration order; ``"*"`` handlers get every event.
    An exception from a handler propagates (answer 500, so the sender retries).
    """

    def __init__(
        self,
        secret: str | bytes | Sequence[str | bytes],
        *,
        tolerance: float = 300.0,
    ) -> None:
        given = [secret] if isinstance(secret, str | bytes | bytearray) else list(secret)
        if not given:
            raise ConfigurationError("at least one webhook secret is required")
        self._keys = [_decode_secret(s) for s in given]
        if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or tolerance <= 0:
            raise ConfigurationError(f"tolerance must be a positive number, got {tolerance!r}")
        self.tolerance = float(tolerance)
        self._handlers: list[tuple[str, Callable[[RunEvent], Any]]] = []

    def __repr__(self) -> str:
        return (
            f"<WebhookHandler secrets={len(self._keys)} tolerance={self.tolerance:g} "
            f"handlers={len(self._handlers)}>"
        )

    # -- registering -----------------------------------------------------------------------

    def on(self, event_type: str) -> Callable[[H], H]:
        """Decorator: call the function with the :class:`WebhookEvent` of ``event_type``.

        ``event_type`` is one of :data:`EVENT_TYPES` or ``"*"`` for every event.
        """
        _check_event_type(event_type)

        def register(func: H) -> H:
            self.add_handler(event_type, func)
            return func

        return register

    def add_handler(self, event_type: str, func: Callable[[RunEvent], Any]) -> None:
        """Register ``func`` for ``event_type`` (the non-decorator form of :meth:`on`)."""
        _check_event_type(event_type)
        if not callable(func):
            raise ValidationError(f"a handler must be callable, got {type(func).__name__}")
        self._handlers.append((event_type, func))

    def handlers_for(self, event_type: str) -> list[Callable[[RunEvent], Any]]:
        """The handlers an event of ``event_type`` goes to, in registration order."""
        return [f for t, f in self._handlers if t in (event_type, "*")]

    # -- verifying ---------------------------------------------------------------------------

    def verify(self, body: bytes, headers: Mapping[str, str] | Any) -> WebhookEvent:
        """Check the signature and timestamp of a request; return its parsed event.

        ``body`` must be the raw request bytes; ``headers`` any mapping (aiohttp,
        Starlette, Django ``request.headers`` or ``request.META``, a dict). Raises
        :class:`WebhookVerificationError` saying why (never showing a secret).
        """
        raw = _raw_bytes(body)
        found = _header_map(headers)
        msg_id = _required(found, "webhook-id")
        stamp = _required(found, "webhook-timestamp")
        signatures = _required(found, "webhook-signature")
        timestamp = self._check_timestamp(stamp)
        self._check_signature(msg_id, timestamp, raw, signatures)
        return _parse_event(raw, msg_id, timestamp)

    def _check_timestamp(self, stamp: str) -> int:
        if not _TIMESTAMP.fullmatch(stamp.strip()):
            raise WebhookVerificationError(
                "malformed webhook-timestamp header: expected Unix seconds (up to 12 digits)"
            )
        timestamp = int(stamp.strip())
        age = time.time() - timestamp
        if age > self.tolerance:
            raise WebhookVerificationError(
                f"webhook timestamp is too old ({age:.0f} s, tolerance {self.tolerance:g} s)"
            )
        if age < -self.tolerance:
            raise WebhookVerificationError(
                f"webhook timestamp is too far in the future ({-age:.0f} s ahead, "
                f"tolerance {self.tolerance:g} s)"
            )
        return timestamp

    def _check_signature(self, msg_id: str, timestamp: int, body: bytes, header: str) -> None:
        given: list[bytes] = []
        for part in header.split():
            version, sep, encoded = part.partition(",")
            if not sep or version != "v1":
                continue  # other schemes (v1a, ...) are not ours to check
            try:
                given.append(base64.b64decode(encoded, validate=True))
            except (binascii.Error, ValueError):
                continue
        if not given:
            raise WebhookVerificationError(
                "malformed webhook-signature header: no 'v1,<base64>' signature in it"
            )
        content = f"{msg_id}.{timestamp}.".encode() + body
        matched = False
        for key in self._keys:
            expected = hmac.new(key, content, hashlib.sha256).digest()
            for signature in given:
                # Constant time, and every pair is compared: timing says nothing.
                matched |= hmac.compare_digest(expected, signature)
        if not matched:
            raise WebhookVerificationError("no webhook signature matches the secret(s)")

    # -- dispatching -------------------------------------------------------------------------

    def dispatch(self, event: RunEvent) -> list[Any]:
        """Call every handler of ``event`` (already verified); return their results.

        Any :class:`RunEvent` works, so a run watcher can feed the same handlers. For
        ``async def`` handlers use :meth:`dispatch_async`.
        """
        results = []
        for func in self.handlers_for(event.type):
            result = func(event)
            if isinstance(result, Awaitable):
                close = getattr(result, "close", None)
                if close is not None:
                    close()  # no "never awaited" warning on top of this error
                raise ConfigurationError(
                    f"handler {getattr(func, '__name__', func)!r} is async: "
                    "use handle_request_async() / dispatch_async()"
                )
            results.append(result)
        return results

    def handle_request(self, body: bytes, headers: Mapping[str, str] | Any) -> list[Any]:
        """Verify a request, then dispatch its event; return what the handlers returned."""
        return self.dispatch(self.verify(body, headers))

    def dispatch_async(self, event: RunEvent) -> Awaitable[list[Any]]:
        """Awaitable :meth:`dispatch`: ``async def`` handlers are awaited, one after another."""
        from ._aio import dispatch_async

        return dispatch_async(self.handlers_for(event.type), event)

    def handle_request_async(
        self, body: bytes, headers: Mapping[str, str] | Any
    ) -> Awaitable[list[Any]]:
        """Awaitable :meth:`handle_request`, for async apps and ``async def`` handlers."""
        event = self.verify(body, headers)
        return self.dispatch_async(event)

    # -- sending -----------------------------------------------------------------------------

    def sign(
        self,
        body: bytes,
        *,
        msg_id: str | None = None,
        timestamp: int | None = None,
    ) -> dict[str, str]:
        """The three headers that make ``body`` a valid request (for senders and tests).

        Signs with every configured secret, so receivers holding any one of them accept
        it. ``msg_id`` defaults to a fresh ``msg_...`` id, ``timestamp`` to now.
        """
        raw = _raw_bytes(body)
        msg_id = msg_id if msg_id is not None else "msg_" + secrets.token_urlsafe(18)
        timestamp = int(time.time()) if timestamp is None else int(timestamp)
        content = f"{msg_id}.{timestamp}.".encode() + raw
        signatures = " ".join(
            "v1," + base64.b64encode(hmac.new(k, content, hashlib.sha256).digest()).decode()
            for k in self._keys
        )
        return {
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signatures,
        }


def _check_event_type(event_type: str) -> None:
    if event_type != "*" and event_type not in EVENT_TYPES:
        raise ValidationError(
            f"unknown event type {event_type!r}; expected '*' or one of "
            f"{', '.join(sorted(EVENT_TYPES))}"
        )


def _raw_bytes(body: Any) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, bytearray | memoryview):
        return bytes(body)
    raise ValidationError(
        f"body must be the raw request bytes (e.g. request.body), got {type(body).__name__}: "
        "a signature covers the exact bytes sent, so decoded or re-serialised text cannot verify"
    )


def _required(found: Mapping[str, str], name: str) -> str:
    value = found.get(name)
    if value is None or not value.strip():
        raise WebhookVerificationError(f"missing {name} header")
    if len(value) > _MAX_HEADER:
        raise WebhookVerificationError(f"malformed {name} header: too long")
    return value


def _parse_event(body: bytes, msg_id: str, timestamp: int) -> WebhookEvent:
    """Decode leniently: only the type and the run's id are required.

    The run's id may sit in ``data.id`` or in the top-level ``id``; a missing
    ``organization_id`` reads as 0, a missing status follows from the type
    (``agent_run.completed``: ``COMPLETE``; ``agent_run.failed``: ``FAILED``), a missing
    ``timestamp`` is the signed ``webhook-timestamp``, and ``error`` is the sender's (at
    the top level or in ``data``), else the reason a run watcher would give.
    """
    try:
        wire = _DECODE_WIRE.decode(body)
    except msgspec.ValidationError as exc:
        raise WebhookVerificationError(f"webhook body is not an agent-run event: {exc}") from None
    except msgspec.DecodeError as exc:
        raise WebhookVerificationError(f"webhook body is not valid JSON: {exc}") from None
    except RecursionError:
        raise WebhookVerificationError("webhook body nests too deeply") from None
    data = dict(wire.data)
    run_id = _run_id(data.get("id", wire.id))
    data["id"] = run_id
    data.setdefault("organization_id", 0)
    if data.get("status") is None and wire.type in _STATUS_OF_TYPE:
        data["status"] = _STATUS_OF_TYPE[wire.type]
    sender_error = wire.error if wire.error is not None else data.get("error")
    try:
        run = msgspec.convert(data, AgentRun, strict=False)
    except msgspec.ValidationError as exc:
        raise WebhookVerificationError(
            f"webhook body is not an agent-run event: {exc} (in data)"
        ) from None
    error = None
    if wire.type == AGENT_RUN_FAILED:
        error = sender_error if isinstance(sender_error, str) else failure_reason(run)
    stamp = wire.timestamp
    return WebhookEvent(
        type=wire.type,
        id=str(run_id),
        timestamp=int(stamp) if stamp is not None and math.isfinite(stamp) else timestamp,
        data=run,
        previous_status=wire.previous_status,
        error=error,
        webhook_id=msg_id,
    )


def _run_id(value: Any) -> int:
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        value = int(value)
    if type(value) is not int or value <= 0:
        raise WebhookVerificationError(
            "webhook body is not an agent-run event: no run id (data.id or id, a positive integer)"
        )
    return value
