"""The fault proxy's listening side (tests/helpers/fault_proxy.py): an HTTP/1.1 server that
reads each client's request whole (de-chunked, hop-by-hop headers dropped) and sends back what
the proxy's ``answer`` makes of it."""

from __future__ import annotations

import contextlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol
from urllib.parse import urlsplit

from tests.helpers.fault_proxy_types import Answer, Headers, Request
from tests.helpers.server_errors import ServerErrors

# Hop-by-hop headers (RFC 9110 section 7.6.1), plus Expect: the proxy itself answers
# "100 Continue" and reads the whole body before it forwards anything. botocore never signs any
# of them (SIGNED_HEADERS_BLACKLIST in botocore/auth.py), so dropping them keeps signatures valid.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
IDLE_TIMEOUT = 120.0
_MAX_LINE = 65536


class Answering(Protocol):
    def answer(self, request: Request) -> Answer: ...


class ProxyServer(ThreadingHTTPServer):
    """The listening side: one daemon thread per client connection (kept alive, HTTP/1.1)."""

    daemon_threads = True
    request_queue_size = 64

    def __init__(self, proxy: Answering) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.proxy = proxy
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._closing = False
        # Quiet about clients that hang up (and connections ended by ``close``); what else the
        # handlers raise fails the test when the proxy closes (FaultProxy.close).
        self.errors = ServerErrors(self, "the fault proxy")

    def track(self, connection: socket.socket) -> bool:
        with self._connections_lock:
            if not self._closing:
                self._connections.add(connection)
            return not self._closing

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        """End the clients' idle keep-alive connections: their threads see EOF and finish."""
        with self._connections_lock:
            self._closing = True
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, and "100 Continue" for botocore's S3 uploads
    timeout = IDLE_TIMEOUT
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall
    server: ProxyServer

    def setup(self) -> None:
        super().setup()
        if not self.server.track(self.connection):
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _relay(self) -> None:
        try:
            body, trailers = self._read_body()
        except ValueError as error:
            self.send_error(400, f"fault proxy: unreadable request body: {error}")
            return
        request = Request(self.command, _origin_form(self.path), self._headers(trailers), body)
        self._send(self.server.proxy.answer(request))

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_PATCH = do_OPTIONS = _relay

    def _headers(self, trailers: Headers) -> Headers:
        """The client's headers, Host and signed ones untouched; hop-by-hop ones gone."""
        listed = {
            token.strip().lower()
            for value in self.headers.get_all("Connection", [])
            for token in value.split(",")
        }
        dropped = HOP_BY_HOP | listed
        kept = [(key, value) for key, value in self.headers.items() if key.lower() not in dropped]
        present = {name.lower() for name, _ in kept}
        # Fields of a chunked body's trailer section travel on as header fields.
        kept += [
            (name, value)
            for name, value in trailers
            if name.lower() not in dropped and name.lower() not in present
        ]
        return kept

    def _read_body(self) -> tuple[bytes, Headers]:
        encoding = self.headers.get("Transfer-Encoding")
        if encoding is not None:
            codings = [coding.strip().lower() for coding in encoding.split(",")]
            if codings != ["chunked"]:
                raise ValueError(f"Transfer-Encoding {encoding!r} is not supported")
            return self._read_chunked()
        length = self.headers.get("Content-Length")
        if length is None:
            return b"", []
        size = int(length)
        if size < 0:
            raise ValueError(f"Content-Length {length!r}")
        body = self.rfile.read(size)
        if len(body) != size:
            raise ValueError(f"the client sent {len(body)} of {size} bytes")
        return body, []

    def _read_chunked(self) -> tuple[bytes, Headers]:
        chunks: list[bytes] = []
        while True:
            line = self.rfile.readline(_MAX_LINE)
            if not line.endswith(b"\n"):
                raise ValueError("truncated chunk size line")
            size = int(line.split(b";", 1)[0].strip(), 16)  # chunk extensions are dropped
            if size == 0:
                break
            chunk = self.rfile.read(size)
            if len(chunk) != size or self.rfile.readline(_MAX_LINE).strip():
                raise ValueError("truncated chunk")
            chunks.append(chunk)
        trailers: Headers = []
        while True:
            line = self.rfile.readline(_MAX_LINE)
            if not line.strip():
                break
            name, _, value = line.decode("latin-1").partition(":")
            trailers.append((name.strip(), value.strip()))
        return b"".join(chunks), trailers

    def _send(self, answer: Answer) -> None:
        self.send_response_only(answer.status, answer.reason)
        length = None
        for name, value in answer.headers:
            if name.lower() == "content-length":
                length = value
            elif name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        bodiless = self.command == "HEAD" or answer.status < 200 or answer.status in (204, 304)
        if self.command == "HEAD":
            # A HEAD's Content-Length is the size of the body a GET would get: relay it as is.
            self.send_header("Content-Length", length if length is not None else "0")
        elif not bodiless:
            self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if not bodiless:
            self.wfile.write(answer.body)


def _origin_form(target: str) -> str:
    """``/path?query`` of a request target (absolute-form when a client uses us as HTTP_PROXY)."""
    if target.startswith(("http://", "https://")):
        split = urlsplit(target)
        return (split.path or "/") + (f"?{split.query}" if split.query else "")
    return target
