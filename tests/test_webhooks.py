"""WebhookHandler: Standard Webhooks verification, parsing and dispatch."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import datetime, timezone
from typing import Any

import msgspec
import pytest
import standardwebhooks

import codegen_async
import codegen_sync
from codegen_async import (
    ConfigurationError,
    ValidationError,
    WebhookEvent,
    WebhookHandler,
    WebhookVerificationError,
)
from codegen_async.events import make_event
from codegen_async.models import AgentRun

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
OTHER = "whsec_" + base64.b64encode(b"fedcba9876543210fedcba9876543210").decode()


def body_for(status: str = "COMPLETE", previous: str | None = "ACTIVE", run_id: int = 7) -> bytes:
    event = make_event(AgentRun(id=run_id, organization_id=323, status=status), previous)
    return msgspec.json.encode(event)


def signed(body: bytes, secret: str = SECRET, **kwargs: Any) -> dict[str, str]:
    return WebhookHandler(secret).sign(body, **kwargs)


class TestVerify:
    def test_good_signature(self) -> None:
        """A body signed with the secret verifies into a typed event."""
        body = body_for()
        event = WebhookHandler(SECRET).verify(body, signed(body))
        assert "agent_run.completed" == event.type
        assert 7 == event.data.id
        assert "COMPLETE" == event.data.status
        assert "ACTIVE" == event.previous_status
        assert isinstance(event, WebhookEvent)

    def test_payload_style_access(self) -> None:
        """The event reads like the payload dict: run fields and the failure reason."""
        body = msgspec.json.encode(
            {
                **msgspec.to_builtins(
                    make_event(AgentRun(id=9, organization_id=1), "ACTIVE", "agent_run.failed")
                ),
                "error": "tests failed",
            }
        )
        event = WebhookHandler(SECRET).verify(body, signed(body))
        assert ("9", 1, "tests failed") == (event["id"], event["organization_id"], event["error"])

    def test_webhook_id_is_the_header(self) -> None:
        """``webhook_id`` is the message id from the header."""
        body = body_for()
        event = WebhookHandler(SECRET).verify(body, signed(body, msg_id="msg_abc"))
        assert "msg_abc" == event.webhook_id

    def test_tampered_body(self) -> None:
        """A body changed after signing is refused."""
        body = body_for()
        headers = signed(body)
        with pytest.raises(WebhookVerificationError, match="no webhook signature matches"):
            WebhookHandler(SECRET).verify(body.replace(b"COMPLETE", b"FAILED\x20\x20"), headers)

    def test_wrong_secret(self) -> None:
        """A signature made with another secret is refused, and the secret is not shown."""
        body = body_for()
        with pytest.raises(WebhookVerificationError) as info:
            WebhookHandler(SECRET).verify(body, signed(body, OTHER))
        assert SECRET[6:] not in str(info.value)
        assert OTHER[6:] not in str(info.value)

    def test_stale_timestamp(self) -> None:
        """A timestamp older than the tolerance is refused (replay protection)."""
        body = body_for()
        headers = signed(body, timestamp=int(time.time()) - 301)
        with pytest.raises(WebhookVerificationError, match="too old"):
            WebhookHandler(SECRET).verify(body, headers)

    def test_future_timestamp(self) -> None:
        """A timestamp further ahead than the tolerance is refused."""
        body = body_for()
        headers = signed(body, timestamp=int(time.time()) + 301)
        with pytest.raises(WebhookVerificationError, match="too far in the future"):
            WebhookHandler(SECRET).verify(body, headers)

    def test_tolerance_is_configurable(self) -> None:
        """Within a custom tolerance an older timestamp is accepted."""
        body = body_for()
        headers = signed(body, timestamp=int(time.time()) - 500)
        assert 7 == WebhookHandler(SECRET, tolerance=600).verify(body, headers).data.id

    @pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
    def test_missing_header(self, missing: str) -> None:
        """Each of the three headers is required."""
        body = body_for()
        headers = {k: v for k, v in signed(body).items() if k != missing}
        with pytest.raises(WebhookVerificationError, match=f"missing {missing} header"):
            WebhookHandler(SECRET).verify(body, headers)

    def test_malformed_timestamp(self) -> None:
        """A timestamp that is not Unix seconds is refused."""
        body = body_for()
        headers = {**signed(body), "webhook-timestamp": "yesterday"}
        with pytest.raises(WebhookVerificationError, match="malformed webhook-timestamp"):
            WebhookHandler(SECRET).verify(body, headers)

    @pytest.mark.parametrize("value", ["garbage", "v1", "v1,not base64!", "v2,AAAA"])
    def test_malformed_signature(self, value: str) -> None:
        """A signature header without a usable ``v1,<base64>`` entry is refused."""
        body = body_for()
        headers = {**signed(body), "webhook-signature": value}
        with pytest.raises(WebhookVerificationError, match="malformed webhook-signature"):
            WebhookHandler(SECRET).verify(body, headers)

    def test_one_of_several_signatures(self) -> None:
        """Any one matching signature among several suffices."""
        body = body_for()
        good = signed(body, msg_id="msg_1", timestamp=int(time.time()))
        bad = signed(body, OTHER, msg_id="msg_1", timestamp=int(good["webhook-timestamp"]))
        headers = {
            **good,
            "webhook-signature": f"v1a,xyz {bad['webhook-signature']} {good['webhook-signature']}",
        }
        assert 7 == WebhookHandler(SECRET).verify(body, headers).data.id

    def test_rotated_secrets(self) -> None:
        """A handler holding the old and new secrets accepts both during a rotation."""
        body = body_for()
        handler = WebhookHandler([OTHER, SECRET])
        assert 7 == handler.verify(body, signed(body, SECRET)).data.id
        assert 7 == handler.verify(body, signed(body, OTHER)).data.id

    def test_sign_with_every_secret(self) -> None:
        """A sender holding two secrets signs with both; a receiver holding either accepts."""
        body = body_for()
        headers = WebhookHandler([SECRET, OTHER]).sign(body)
        assert 2 == len(headers["webhook-signature"].split())
        assert 7 == WebhookHandler(OTHER).verify(body, headers).data.id

    def test_raw_secret(self) -> None:
        """A secret without the ``whsec_`` prefix is used as raw bytes."""
        body = body_for()
        headers = WebhookHandler("plain secret").sign(body, msg_id="m", timestamp=1000)
        mac = hmac.new(b"plain secret", b"m.1000." + body, hashlib.sha256).digest()
        assert "v1," + base64.b64encode(mac).decode() == headers["webhook-signature"]

    def test_header_names_any_case_any_mapping(self) -> None:
        """Header names are case-insensitive, and Django's META keys work."""
        body = body_for()
        headers = signed(body)
        upper = {k.upper(): v for k, v in headers.items()}
        meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
        handler = WebhookHandler(SECRET)
        assert 7 == handler.verify(body, upper).data.id
        assert 7 == handler.verify(body, meta).data.id

    def test_str_body_refused(self) -> None:
        """Only the raw bytes verify: decoded text is a clear error."""
        body = body_for()
        with pytest.raises(ValidationError, match="raw request bytes"):
            WebhookHandler(SECRET).verify(body.decode(), signed(body))  # type: ignore[arg-type]

    def test_body_not_an_event(self) -> None:
        """A correctly signed body that is not an event is refused."""
        body = b'{"hello": "world"}'
        with pytest.raises(WebhookVerificationError, match="not an agent-run event"):
            WebhookHandler(SECRET).verify(body, signed(body))

    @pytest.mark.parametrize("secret", ["", "whsec_!!!", b""])
    def test_bad_secret(self, secret: Any) -> None:
        """An empty or undecodable secret is a configuration error that does not echo it."""
        with pytest.raises(ConfigurationError) as info:
            WebhookHandler(secret)
        assert "!!!" not in str(info.value)

    def test_repr_hides_secret(self) -> None:
        """The handler's repr shows how many secrets, not what they are."""
        assert SECRET[6:] not in repr(WebhookHandler(SECRET))


class TestStandardWebhooksInterop:
    def test_theirs_verifies_with_ours(self) -> None:
        """A signature made by the ``standardwebhooks`` package verifies with ours."""
        body = body_for()
        now = datetime.now(timezone.utc)
        signature = standardwebhooks.Webhook(SECRET).sign("msg_x", now, body.decode())
        headers = {
            "webhook-id": "msg_x",
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature,
        }
        assert 7 == WebhookHandler(SECRET).verify(body, headers).data.id

    def test_ours_verifies_with_theirs(self) -> None:
        """A signature made by ours verifies with the ``standardwebhooks`` package."""
        body = body_for()
        payload = standardwebhooks.Webhook(SECRET).verify(body, signed(body))
        assert "agent_run.completed" == payload["type"]


class TestDispatch:
    def test_handlers_get_the_event(self) -> None:
        """handle_request calls every handler of the type, in order, and returns their results."""
        handler = WebhookHandler(SECRET)
        seen: list[str] = []

        @handler.on("agent_run.completed")
        def first(payload: Any) -> str:
            seen.append(f"first {payload['id']}")
            return "one"

        @handler.on("*")
        def every(payload: Any) -> str:
            return "any"

        @handler.on("agent_run.failed")
        def never(payload: Any) -> str:
            raise AssertionError("not for this event")

        body = body_for()
        assert ["one", "any"] == handler.handle_request(body, signed(body))
        assert ["first 7"] == seen

    def test_seed_example(self) -> None:
        """The README's handlers work as written: payload['id'] and payload['error']."""
        handler = WebhookHandler(secret="your-webhook-secret")
        out: list[str] = []

        @handler.on("agent_run.failed")
        def handle_failure(payload: Any) -> None:
            out.append(f"Agent run {payload['id']} failed: {payload['error']}")

        body = msgspec.json.encode(
            {**msgspec.to_builtins(body_event("agent_run.failed")), "error": "tests failed"}
        )
        handler.handle_request(body, handler.sign(body))
        assert ["Agent run 7 failed: tests failed"] == out

    def test_unknown_event_type_refused(self) -> None:
        """Registering for a misspelt event type fails at once."""
        with pytest.raises(ValidationError, match="unknown event type"):
            WebhookHandler(SECRET).on("agent_run.complete")

    def test_async_handler_needs_async_dispatch(self) -> None:
        """An async handler through the sync path is a clear error, not a lost coroutine."""
        handler = WebhookHandler(SECRET)

        @handler.on("*")
        async def handle(payload: Any) -> None:
            return None

        body = body_for()
        with pytest.raises(ConfigurationError, match="handle_request_async"):
            handler.handle_request(body, signed(body))

    async def test_async_dispatch(self) -> None:
        """handle_request_async awaits async handlers and calls plain ones."""
        handler = WebhookHandler(SECRET)

        @handler.on("agent_run.completed")
        async def first(event: Any) -> int:
            return int(event.data.id)

        @handler.on("*")
        def second(event: Any) -> str:
            return str(event.type)

        body = body_for()
        assert [7, "agent_run.completed"] == await handler.handle_request_async(body, signed(body))

    def test_watcher_events_dispatch(self) -> None:
        """A RunEvent from a watcher goes to the same handlers, without verification."""
        handler = WebhookHandler(SECRET)
        handler.on("agent_run.completed")(lambda e: e["status"])
        event = make_event(AgentRun(id=3, organization_id=1, status="COMPLETE"), "ACTIVE")
        assert ["COMPLETE"] == handler.dispatch(event)

    def test_handler_error_propagates(self) -> None:
        """A handler's exception reaches the caller (so the receiver answers 500)."""
        handler = WebhookHandler(SECRET)

        @handler.on("*")
        def broken(payload: Any) -> None:
            raise RuntimeError("boom")

        body = body_for()
        with pytest.raises(RuntimeError, match="boom"):
            handler.handle_request(body, signed(body))

    def test_shared_by_both_packages(self) -> None:
        """The sync package exports the very same classes."""
        assert codegen_async.WebhookHandler is codegen_sync.WebhookHandler
        assert codegen_async.WebhookEvent is codegen_sync.WebhookEvent


def body_event(kind: str) -> Any:
    return make_event(AgentRun(id=7, organization_id=323, status="FAILED"), "ACTIVE", kind)


class TestTotalVerification:
    @pytest.mark.parametrize(
        "stamp",
        ["9" * 400, "9" * 13, "-1", "1_700_000_000", "\u0661\u0667" + "\u0660" * 8, "1e9", " "],
    )
    def test_any_timestamp_is_a_verification_error(self, stamp: str) -> None:
        """A timestamp of 400 digits (or any other junk) is refused before the signature,
        as a WebhookVerificationError, never an OverflowError."""
        body = body_for()
        headers = {**signed(body), "webhook-timestamp": stamp}
        with pytest.raises(WebhookVerificationError, match="webhook-timestamp"):
            WebhookHandler(SECRET).verify(body, headers)

    @pytest.mark.parametrize(
        "body",
        [b"[" * 100_000 + b"]" * 100_000, b'{"type": 1}', b'{"type": "x", "data": 5}', b"\xff"],
    )
    def test_any_signed_body_is_an_event_or_a_verification_error(self, body: bytes) -> None:
        """A signed body that is not an event is a WebhookVerificationError."""
        with pytest.raises(WebhookVerificationError, match="webhook body"):
            WebhookHandler(SECRET).verify(body, signed(body))


class TestLenientEvents:
    def test_minimal_failed_event(self) -> None:
        """Only the type and the run id are needed; the sender's error is kept."""
        body = b'{"type": "agent_run.failed", "data": {"id": 8, "error": "boom"}}'
        headers = signed(body, timestamp=int(time.time()))
        event = WebhookHandler(SECRET).verify(body, headers)
        assert ("agent_run.failed", "8", 8, "boom") == (
            event.type,
            event["id"],
            event.data.id,
            event["error"],
        )
        assert ("FAILED", True, int(headers["webhook-timestamp"])) == (
            event.data.status,
            event.is_terminal,
            event.timestamp,
        )

    def test_top_level_id_and_string_ids(self) -> None:
        """The run id may be the top-level id, as a string."""
        body = b'{"type": "agent_run.completed", "id": "12"}'
        event = WebhookHandler(SECRET).verify(body, signed(body))
        assert (12, "COMPLETE", None) == (event.data.id, event["status"], event["error"])

    @pytest.mark.parametrize(
        "body",
        [b'{"type": "agent_run.failed"}', b'{"type": "agent_run.failed", "data": {"id": "x"}}'],
    )
    def test_no_run_id(self, body: bytes) -> None:
        """Without a run id the body is refused, saying so."""
        with pytest.raises(WebhookVerificationError, match="run id"):
            WebhookHandler(SECRET).verify(body, signed(body))


class TestPayloadParity:
    @pytest.mark.parametrize("result", ["tests failed: 3", None])
    def test_failed_run_reads_the_same_both_ways(self, result: str | None) -> None:
        """A failed run's payload["error"] is the same from a watcher and from a webhook."""
        run = AgentRun(id=21, organization_id=323, status="ERROR", result=result)
        polled = make_event(run, "ACTIVE")
        body = msgspec.json.encode(polled)
        pushed = WebhookHandler(SECRET).verify(body, signed(body))
        keys = ["type", "id", "status", "error", "previous_status", "organization_id"]
        assert [polled[k] for k in keys] == [pushed[k] for k in keys]
        assert (result or "Run ended with status ERROR") == pushed["error"]
