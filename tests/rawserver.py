"""Misbehaving TCP servers in threads, for feeding the clients broken HTTP.

``raw_server`` serves one fixed reply; ``HostileServer`` runs a script per request
(trickled bytes, stalls, odd status lines, gzip bombs, echoed headers...).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager


@contextmanager
def raw_server(
    reply: bytes | None,
    *,
    close: bool = True,
    hang: float = 0.0,
    received: list[bytes] | None = None,
) -> Iterator[str]:
    """Serve ``reply`` (raw bytes, or nothing) to every connection; yield the base URL.

    ``close`` closes the connection after replying; ``hang`` waits that long first;
    ``received`` collects the raw requests.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.05)
    stop = threading.Event()
    conns: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            conns.append(conn)
            conn.settimeout(1.0)
            try:
                data = conn.recv(65536)
                if received is not None:
                    received.append(data)
                if hang:
                    stop.wait(hang)
                if reply is not None:
                    conn.sendall(reply)
            except OSError:
                pass
            if close:
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        for conn in conns:
            conn.close()
        listener.close()


# -- a scripted hostile server ----------------------------------------------------------------

Step = bytes | float
"""What a script yields: bytes to send, or seconds to pause (ended early when the server
stops)."""
Script = Callable[[bytes], Iterable[Step]]


def answer(
    status: int | str,
    body: bytes = b"",
    *,
    headers: dict[str, str] | None = None,
    reason: str = "X",
    length: bool = True,
) -> bytes:
    """One raw HTTP/1.1 answer: ``status`` may be a whole odd status line (a ``str``)."""
    line = status if isinstance(status, str) else f"HTTP/1.1 {status} {reason}"
    head = [line]
    for name, value in (headers or {}).items():
        head.append(f"{name}: {value}")
    if length:
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def chunked(body: bytes, size: int = 1000) -> bytes:
    """``body`` in the chunked transfer coding (the terminating chunk included)."""
    parts = [
        b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size])
        for i in range(0, len(body), size)
    ]
    return b"".join(parts) + b"0\r\n\r\n"


def trickle(data: bytes, every: float) -> Iterator[Step]:
    """``data`` one byte at a time, ``every`` seconds apart."""
    for i in range(len(data)):
        yield data[i : i + 1]
        yield every


def endless(head: bytes, every: float) -> Iterator[Step]:
    """``head``, then a byte every ``every`` seconds for as long as the client listens."""
    yield head
    while True:
        yield b"x"
        yield every


def query_of(request: bytes) -> dict[str, str]:
    """The query of a raw request's target, as a dict."""
    target = request.split(b" ", 2)[1].decode("latin-1") if request.count(b" ") >= 2 else ""
    _, _, query = target.partition("?")
    return dict(p.partition("=")[::2] for p in query.split("&") if p)


class HostileServer:
    """A raw TCP server on 127.0.0.1 answering each request as ``script(request)`` says.

    Every connection gets a thread; a connection serves requests until the client goes
    away or the server stops (or after one answer, with ``keep_alive=False``).
    ``requests`` holds every request read (head and body); ``closed_by_peer`` counts the
    connections the client closed. Waits are bounded: pauses end
    when the server stops, and ``close()`` joins every thread.
    """

    def __init__(self, script: Script | None = None, *, keep_alive: bool = True) -> None:
        self.script: Script = script or (lambda _request: [answer(200, b"{}")])
        self.keep_alive = keep_alive
        self.requests: list[bytes] = []
        self.connections = 0
        self.closed_by_peer = 0  # connections the client closed (not the server)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._conns: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, name="hostile-accept", daemon=True)
        self._acceptor.start()

    def __enter__(self) -> HostileServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                continue
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            with self._lock:
                self.connections += 1
                self._conns.append(conn)
                self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(0.2)
        buffer = b""
        try:
            while not self._stop.is_set():
                request, buffer = _read_one(conn, buffer, self._stop)
                if request is None:
                    if not self._stop.is_set():
                        with self._lock:
                            self.closed_by_peer += 1
                    return
                with self._lock:
                    self.requests.append(request)
                for step in self.script(request):
                    if self._stop.is_set():
                        return
                    if isinstance(step, bytes):
                        conn.sendall(step)
                    else:
                        self._stop.wait(step)
                if not self.keep_alive:
                    return
        except OSError:
            return
        finally:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def close(self) -> None:
        """Stop serving, close every connection and join every thread."""
        self._stop.set()
        self._acceptor.join(5)
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(5)
        self._listener.close()


def _read_one(
    conn: socket.socket, buffer: bytes, stop: threading.Event
) -> tuple[bytes | None, bytes]:
    """One request (head and Content-Length body) from ``conn``; None when it closed."""
    while b"\r\n\r\n" not in buffer:
        if stop.is_set():
            return None, b""
        try:
            chunk = conn.recv(65536)
        except TimeoutError:
            continue
        if not chunk:
            return None, b""
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            length = int(value.strip())
    while len(rest) < length:
        if stop.is_set():
            return None, b""
        try:
            chunk = conn.recv(65536)
        except TimeoutError:
            continue
        if not chunk:
            return None, b""
        rest += chunk
    return head + b"\r\n\r\n" + rest[:length], rest[length:]
