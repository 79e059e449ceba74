"""A tiny misbehaving TCP server in a thread, for feeding the client broken HTTP."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
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
