"""The emulator answers every request with a documented JSON error, never a 500, and
stays usable: deep bodies, huge headers and bodies, odd methods and paths, a clock
pushed too far, malformed admin calls."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codegen_async.emulator import Emulator, EmulatorConfig, serve_in_thread
from codegen_async.emulator._handlers import OPERATIONS
from tests.fuzzing import count, fuzz_settings, json_values


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    """One emulator for the module (admin endpoints on, rate limits off, time 100x)."""
    config = EmulatorConfig(time_scale=0.01, rate_limits="off", admin_endpoints=True)
    with serve_in_thread(config) as emulator:
        yield emulator


def send(
    emu: Emulator,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, str, Any]:
    """One request on its own connection: (status, content type, decoded JSON body)."""
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        raw = response.read()
        kind = response.getheader("Content-Type", "")
    finally:
        conn.close()
    return response.status, kind, json.loads(raw) if raw else None


def assert_documented_error(status: int, kind: str, body: Any) -> None:
    """A JSON error in one of the API's two documented shapes."""
    assert kind.startswith("application/json"), kind
    assert isinstance(body, dict), body
    assert "detail" in body or {"message", "status_code"} <= body.keys(), body
    if "status_code" in body:
        assert status == body["status_code"]


def create_path(emu: Emulator) -> str:
    return f"/v1/organizations/{emu.org_id}/agent/run"


def auth(emu: Emulator) -> dict[str, str]:
    return {**emu.headers(), "Content-Type": "application/json"}


class TestHostileInput:
    def test_deeply_nested_body(self, emu: Emulator) -> None:
        """A body nested 100000 deep is a 422 JSON decode error, not a RecursionError."""
        body = b"[" * 100_000 + b"]" * 100_000
        status, kind, answer = send(emu, "POST", create_path(emu), body, auth(emu))
        assert 422 == status
        assert_documented_error(status, kind, answer)
        assert "json_invalid" == answer["detail"][0]["type"]

    def test_oversized_header(self, emu: Emulator) -> None:
        """A 10 kB header line is refused in JSON (aiohttp's own answer is plain text)."""
        headers = {**auth(emu), "X-Big": "a" * 10_000}
        status, kind, answer = send(emu, "GET", "/v1/users/me", None, headers)
        assert 400 == status
        assert_documented_error(status, kind, answer)

    def test_oversized_body(self, emu: Emulator) -> None:
        """A body over the 16 MiB limit is a JSON 413."""
        body = b"a" * (16 * 1024**2 + 1)
        status, kind, answer = send(emu, "POST", create_path(emu), body, auth(emu))
        assert 413 == status
        assert_documented_error(status, kind, answer)

    @pytest.mark.parametrize(("method", "expected"), [("PUT", 405), ("BREW", 400)])
    def test_unknown_method(self, emu: Emulator, method: str, expected: int) -> None:
        """A method the route lacks is a JSON 405; one HTTP does not know (refused by the
        parser, as uvicorn does too) a JSON 400."""
        status, kind, answer = send(emu, method, "/v1/users/me", None, auth(emu))
        assert expected == status
        assert_documented_error(status, kind, answer)

    def test_still_usable_after_all_that(self, emu: Emulator) -> None:
        """After hostile requests, a create still works."""
        send(emu, "POST", create_path(emu), b"[" * 100_000, auth(emu))
        status, _, run = send(emu, "POST", create_path(emu), b'{"prompt": "x"}', auth(emu))
        assert (200, "ACTIVE") == (status, run["status"])


class TestAdmin:
    def test_clock_pushed_too_far_is_refused(self, emu: Emulator) -> None:
        """Advancing the clock by 1e12 s is a 422; creates keep working afterwards."""
        status, kind, answer = send(
            emu, "POST", "/_emulator/clock/advance", b'{"seconds": 1e12}', auth(emu)
        )
        assert 422 == status
        assert_documented_error(status, kind, answer)
        status, _, run = send(emu, "POST", create_path(emu), b'{"prompt": "x"}', auth(emu))
        assert (200, "ACTIVE") == (status, run["status"])

    def test_clock_accepts_a_sane_advance(self, emu: Emulator) -> None:
        """A day forward is fine."""
        status, _, answer = send(emu, "POST", "/_emulator/clock/advance", b'{"seconds": 86400}')
        assert 200 == status and answer["now"] > 0

    @pytest.mark.parametrize(
        ("path", "body"),
        [
            ("/_emulator/clock/advance", b"nope"),
            ("/_emulator/clock/advance", b"[1]"),
            ("/_emulator/clock/advance", b'{"seconds": "soon"}'),
            ("/_emulator/clock/advance", b'{"seconds": -1}'),
            ("/_emulator/clock/advance", b'{"seconds": true}'),
            ("/_emulator/seed", b"{"),
            ("/_emulator/seed", b'{"users": 5}'),
            ("/_emulator/seed", b'{"organizations": [{"id": "x"}]}'),
            ("/_emulator/seed", b'"/etc/passwd"'),
        ],
    )
    def test_malformed_admin_input(self, emu: Emulator, path: str, body: bytes) -> None:
        """Malformed admin input is a JSON 422, never a 500 (and a string is no file path)."""
        status, kind, answer = send(emu, "POST", path, body)
        assert 422 == status
        assert_documented_error(status, kind, answer)


_TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_PATH_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-._~%/?=&+:@!$'()*,;"
_TEMPLATES = [op.path for op in OPERATIONS] + [
    "/_emulator/clock/advance",
    "/_emulator/seed",
    "/_emulator/runs/{run_id}",
]


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, bytes | None, dict[str, str]]:
    """An arbitrary method, a path near a real one (or anything), a body and headers."""
    method = draw(
        st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        | st.text(_TOKEN_CHARS, min_size=1, max_size=10)
    )
    segment = st.integers(-(2**70), 2**70).map(str) | st.text(_PATH_CHARS, max_size=12)
    template = draw(st.sampled_from(_TEMPLATES))
    parts = [draw(segment) if p.startswith("{") else p for p in template.split("/")]
    path = "/".join(parts) if draw(st.booleans()) else "/" + draw(st.text(_PATH_CHARS))
    if draw(st.booleans()):
        path += "?" + draw(st.text(_PATH_CHARS, max_size=30))
    body = draw(
        st.none()
        | st.binary(max_size=64)
        | json_values.map(lambda v: json.dumps(v).encode())
        | st.integers(1, 3000).map(lambda n: b'{"prompt": ' * n)
    )
    headers = {"Content-Type": draw(st.sampled_from(["application/json", "text/plain", "x/y"]))}
    if draw(st.booleans()):
        headers["Authorization"] = draw(st.sampled_from(["Bearer sk-emulator-0000", "Basic x"]))
    return method, path if path.startswith("/") else "/" + path, body, headers


@given(request=requests())
@fuzz_settings(300)
def test_every_answer_is_a_json_error_or_success(
    emu: Emulator, request: tuple[str, str, bytes | None, dict[str, str]]
) -> None:
    """Whatever arrives, the emulator answers JSON and never 500."""
    count("emulator_requests")
    method, path, body, headers = request
    if method == "POST" and "/_emulator/clock/advance" in path:
        body = b'{"seconds": 1}'  # moving the clock is fine, just not far
    status, kind, answer = send(emu, method, path, body, headers)
    assert status < 500, (status, answer)
    if status >= 400:
        assert_documented_error(status, kind, answer)
    else:
        assert kind.startswith("application/json"), kind
