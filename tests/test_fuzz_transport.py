"""Property tests of both transports against a real socket server sending arbitrary answers.

Each case serves one raw HTTP answer (any status from 100 to 599, odd reasons, content
types, framings, redirect targets and bodies) to the sync client (urllib3) and to the
async client (aiohttp). Every case must end, quickly, in a value or a CodegenError;
never a bare lower-layer exception or a hang. Redirect targets stay on 127.0.0.1.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import codegen_async
import codegen_sync
from codegen_async import CodegenError, ConfigPresets, ResponseTooLargeError
from tests.fuzzing import LoopRunner, bodies, count, fuzz_settings

TIMEOUT = 2.0


class ScriptedServer:
    """Answers every connection with ``self.reply`` after reading the whole request."""

    def __init__(self) -> None:
        self.reply = b""
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="scripted-server", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(TIMEOUT)
                try:
                    _read_request(conn)
                    conn.sendall(self.reply)  # the request was read whole: close sends FIN
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._listener.close()


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return data


# -- answers -------------------------------------------------------------------------------

statuses = st.integers(min_value=100, max_value=599) | st.sampled_from(
    [100, 101, 103, 200, 201, 204, 301, 302, 303, 304, 307, 308, 401, 418, 429, 500, 503, 599]
)
reasons = st.sampled_from(["OK", "", "I'm a teapot", "Odd Reason", "x" * 300])
content_types = st.sampled_from(
    [
        None,
        "application/json",
        "application/json; charset=latin-1",
        "text/html",
        "text/plain; charset=utf-8",
        "application/octet-stream",
        "garbage/;;",
    ]
)
framings = st.sampled_from(["length", "close", "short", "long", "chunked", "bad-length"])


def locations(port: int) -> st.SearchStrategy[str | None]:
    """Redirect targets: none, same origin, another origin on this machine, malformed."""
    path = st.text(alphabet="abcxyz/?=&%.-_0123", max_size=20)
    return st.one_of(
        st.none(),
        path.map(lambda p: "/" + p.lstrip("/")),
        path.map(lambda p: f"http://127.0.0.1:{port}/" + p),
        path.map(lambda p: f"http://localhost:{port}/" + p),
        st.sampled_from(
            ["", " ", "?only=query", "#frag", "https:", "http://127.0.0.1:0/", "http://[::1"]
        ),
    )


def build_answer(
    status: int,
    *,
    reason: str,
    content_type: str | None,
    framing: str,
    location: str | None,
    body: bytes,
) -> bytes:
    """One raw HTTP/1.1 answer."""
    head = [f"HTTP/1.1 {status} {reason}".rstrip()]
    if content_type is not None:
        head.append(f"Content-Type: {content_type}")
    if location is not None:
        head.append(f"Location: {location}")
    if framing == "chunked":
        head.append("Transfer-Encoding: chunked")
        payload = (b"%x\r\n%s\r\n" % (len(body), body) if body else b"") + b"0\r\n\r\n"
    else:
        payload = body
        lengths = {
            "length": str(len(body)),
            "short": str(max(0, len(body) - 3)),
            "long": str(len(body) + 10),
            "bad-length": "-1x",
        }
        if framing in lengths:
            head.append(f"Content-Length: {lengths[framing]}")
        else:
            head.append("Connection: close")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload


# -- the clients under test ----------------------------------------------------------------

Operation = Callable[[Any], Any]
OPERATIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "get user (GET, follows redirects)": ("get_current_user", {}),
    "get run": ("get_agent_run", {"run_id": 5}),
    "list runs": ("get_agent_runs", {}),
    "create run (POST, never resent)": ("create_agent_run", {"prompt": "x"}),
    "ban run (any JSON)": ("ban_agent_run", {"run_id": 5}),
    "MCP providers (list)": ("get_mcp_providers", {}),
}


class Clients:
    """A sync and an async client for one server, and a loop for the async one."""

    def __init__(self, url: str, **overrides: Any) -> None:
        config = ConfigPresets.testing(
            base_url=url, api_token="sk-fuzz", org_id=1, max_retries=0, timeout=TIMEOUT
        ).replace(**overrides)
        self.sync = codegen_sync.CodegenClient(config)
        self.aio = codegen_async.AsyncCodegenClient(config)
        self.runner = LoopRunner()
        self.runner.get_loop()  # open the loop now, not inside the first test
        self._executor: ThreadPoolExecutor | None = None

    def fresh_executor(self) -> None:
        """A default executor (resolving ``localhost``) whose threads end with the test."""
        self._executor = ThreadPoolExecutor(max_workers=2)
        self.runner.get_loop().set_default_executor(self._executor)

    def call(self, name: str, kwargs: dict[str, Any]) -> list[Any]:
        """The operation on both clients: a value or the CodegenError, each."""
        outcomes: list[Any] = []
        try:
            outcomes.append(getattr(self.sync, name)(**kwargs))
        except CodegenError as exc:
            outcomes.append(exc)

        async def call_async() -> Any:
            try:
                return await getattr(self.aio, name)(**kwargs)
            except CodegenError as exc:
                return exc

        outcomes.append(self.runner.run(call_async()))
        return outcomes

    def close_pools(self) -> None:
        self.sync.close()
        self.runner.run(self.aio.aclose())
        if self._executor is not None:
            self._executor.shutdown(wait=True)

    def close(self) -> None:
        self.close_pools()
        self.runner.close()


@pytest.fixture(scope="module")
def server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer()
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def clients(server: ScriptedServer) -> Iterator[Clients]:
    both = Clients(server.url)
    yield both
    both.close()


@pytest.fixture(scope="module")
def capped(server: ScriptedServer) -> Iterator[Clients]:
    both = Clients(server.url, max_response_size=1024)
    yield both
    both.close()


@pytest.fixture(autouse=True)
def _close_pools_after_each_test(request: pytest.FixtureRequest) -> Iterator[None]:
    # Pooled keep-alive sockets and resolver threads would outlive the test (the leak guard).
    used = [
        request.getfixturevalue(name)
        for name in ("clients", "capped")
        if name in request.fixturenames
    ]
    for both in used:
        both.fresh_executor()
    yield
    for both in used:
        both.close_pools()


@fuzz_settings(max_examples=600)
@given(data=st.data())
def test_any_answer_ends_in_a_value_or_our_error(
    server: ScriptedServer, clients: Clients, data: st.DataObject
) -> None:
    """Both clients end every answer in a value or a CodegenError, within the timeout."""
    count("transport: raw answer -> value or CodegenError (answers)")
    status = data.draw(statuses)
    location = data.draw(locations(server.port)) if 300 <= status < 400 else None
    server.reply = build_answer(
        status,
        reason=data.draw(reasons),
        content_type=data.draw(content_types),
        framing=data.draw(framings),
        location=location,
        body=data.draw(bodies),
    )
    name, kwargs = OPERATIONS[data.draw(st.sampled_from(sorted(OPERATIONS)))]
    started = time.monotonic()
    outcomes = clients.call(name, kwargs)
    elapsed = time.monotonic() - started
    for outcome in outcomes:
        count("transport: raw answer -> value or CodegenError (client calls)")
        count(f"transport outcome: {type(outcome).__name__}")
        if isinstance(outcome, CodegenError):
            assert outcome.message
    # No hang: two calls, each well within its own timeout (redirect hops included).
    assert elapsed < 2 * 4 * TIMEOUT


@fuzz_settings(max_examples=200)
@given(
    size=st.integers(min_value=0, max_value=3000),
    framing=st.sampled_from(["length", "close", "chunked"]),
)
def test_bodies_over_the_cap_are_refused(
    server: ScriptedServer, capped: Clients, size: int, framing: str
) -> None:
    """A 200 body is refused with ResponseTooLargeError exactly when it exceeds the cap."""
    count("size cap: body size around max_response_size")
    body = b'{"id": 1, "github_username": "' + b"x" * size + b'"}'
    server.reply = build_answer(
        200, reason="OK", content_type="application/json", framing=framing, location=None, body=body
    )
    for outcome in capped.call("get_current_user", {}):
        if len(body) > 1024:
            assert isinstance(outcome, ResponseTooLargeError), repr(outcome)
        else:
            assert isinstance(outcome, codegen_async.models.User), repr(outcome)


@pytest.mark.parametrize("location", ["http://[::1", "http://127.0.0.1:99999/"])
def test_a_malformed_redirect_target_is_our_error(
    server: ScriptedServer, clients: Clients, location: str
) -> None:
    """A redirect to something that is not a URL ends in a CodegenError."""
    server.reply = build_answer(
        302, reason="Found", content_type=None, framing="length", location=location, body=b""
    )
    outcomes = clients.call("get_current_user", {})
    assert all(isinstance(o, CodegenError) for o in outcomes)
