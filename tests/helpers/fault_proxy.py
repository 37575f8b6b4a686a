"""A fault-injecting HTTP proxy for the suite's own tests: transient AWS errors, on demand.

``FaultProxy`` sits between AWS clients (boto3, the AWS CLI) and a moto server. Point a client's
endpoint at ``proxy.endpoint_url``: every request goes to the upstream unchanged (same method,
path, query, headers, Host included, and body bytes; only hop-by-hop headers stop here, and a
chunked body travels on with a Content-Length), so SigV4 signatures still match when moto
re-computes them. A chosen fraction of the *signed* requests is not forwarded at all: the
proxy answers in the service's own words with its throttling error or a 500 ``InternalError``,
exactly as AWS does, so that a test can prove the suite rides out transient faults the way it
must against real AWS. With ``kinds=(..., "garbled")`` a fault may also be an answer that is not
AWS's: a proxy's HTML page, a 400 that names no code, or the upstream's answer cut short
(``tests/helpers/garbled.py``). ``lose_response_once`` covers the nastier case: the upstream
performs the call, and the client is told it failed.

Shapes of the faults, all retried by botocore's "standard" retry mode (see
``botocore/retries/standard.py``: throttling codes such as ``Throttling``, ``SlowDown`` and
``RequestLimitExceeded``, and any HTTP 500, 502, 503 or 504):

=========  ==============================================  =====================================
service    throttling                                      internal error
=========  ==============================================  =====================================
s3         503 ``SlowDown`` (REST-XML ``<Error>``)         500 ``InternalError``
ec2        503 ``RequestLimitExceeded`` (``<Response>``)   500 ``InternalError``
iam, sts   400 ``Throttling`` (``<ErrorResponse>``)        500 ``InternalError``
ssm        400 ``ThrottlingException`` (JSON 1.1)          500 ``InternalServerError``
others     (none)                                          500 ``InternalError`` (generic XML)
=========  ==============================================  =====================================

Which service a request is for comes from its SigV4 credential scope (the ``Authorization``
header, or ``X-Amz-Credential`` of a presigned URL). Unsigned requests, such as moto's own
``/moto-api/`` calls, are always forwarded and never counted.
"""

from __future__ import annotations

import contextlib
import http.client
import random
import socket
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from tests.helpers import garbled
from tests.helpers.aws_errors import internal_error, throttling_error
from tests.helpers.aws_requests import operation_name, signing_service
from tests.helpers.fault_proxy_types import Answer, Headers, Request

__all__ = ["Answer", "FaultProxy", "Request", "operation_name", "signing_service"]

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
# What a fault may be: AWS's own "slow down" or 500 (what botocore retries by itself), or an
# answer that is not AWS's at all (tests/helpers/garbled.py).
KINDS = ("throttling", "internal", "garbled")
DEFAULT_KINDS = ("throttling", "internal")
UPSTREAM_TIMEOUT = 120.0
IDLE_TIMEOUT = 120.0
_MAX_LINE = 65536


# -- the proxy ------------------------------------------------------------------------------------


class FaultProxy:
    """Forwards to ``upstream``; answers a fraction ``rate`` of signed requests with a fault.

    ``with FaultProxy(emulator.endpoint_url, rate=0.1, seed=7) as proxy:`` then point clients at
    ``proxy.endpoint_url``. Counters (``requests``, ``requests_by_service``, ``faults``,
    ``lost_responses``) are snapshots taken under the proxy's lock.
    """

    def __init__(
        self, upstream: str, *, rate: float, seed: int = 0, kinds: tuple[str, ...] = DEFAULT_KINDS
    ) -> None:
        if not 0.0 <= rate <= 1.0:  # also refuses NaN
            raise ValueError(f"rate must be between 0 and 1, not {rate!r}")
        if not kinds or set(kinds) - set(KINDS):
            raise ValueError(f"kinds must be some of {KINDS}, not {kinds!r}")
        target = urlsplit(upstream)
        if target.scheme not in ("http", "https") or not target.hostname:
            raise ValueError(f"upstream must be an http(s) URL, not {upstream!r}")
        self.upstream = upstream.rstrip("/")
        self.rate = rate
        self.kinds = tuple(kinds)
        self._target = target
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._requests = 0
        self._by_service: Counter[str] = Counter()
        self._faults: Counter[tuple[str, str]] = Counter()
        self._lost: Counter[tuple[str, str]] = Counter()
        self._to_lose: list[tuple[str, str]] = []
        self._cli_faults: Counter[str] = Counter()  # by kind: faults the AWS CLI was answered
        self._by_action: Counter[tuple[str, str]] = Counter()  # faults by (kind, action)
        self._server: _ProxyServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------------------------

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        if self._server is not None:
            raise RuntimeError("the fault proxy is already running")
        self._server = _ProxyServer(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"fault-proxy-{self._server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()

    def close(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.shutdown()
        thread.join()
        server.close_connections()
        server.server_close()
        self._server = self._thread = None

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fault proxy is not running: use it as a context manager")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- the targeted fault -------------------------------------------------------------------

    def lose_response_once(self, service: str, action: str) -> None:
        """The next ``action`` of ``service`` reaches the upstream, but its client gets a 500.

        ``action`` as AWS names it: ``CreateUser`` (the ``Action=`` of IAM, STS, EC2),
        ``GetParameter`` (SSM's ``X-Amz-Target``), ``CreateBucket`` or ``PutObject`` (S3).
        """
        with self._lock:
            self._to_lose.append((service.lower(), action))

    # -- counters ------------------------------------------------------------------------------

    @property
    def requests(self) -> int:
        """Signed requests seen, faulted or not."""
        with self._lock:
            return self._requests

    @property
    def requests_by_service(self) -> Counter[str]:
        with self._lock:
            return self._by_service.copy()

    @property
    def faults(self) -> Counter[tuple[str, str]]:
        """Faults answered, by ``(service, error code)``, lost responses included."""
        with self._lock:
            return self._faults.copy()

    @property
    def cli_faults(self) -> int:
        """Faults answered to the AWS CLI, by its User-Agent: the instance's own commands."""
        with self._lock:
            return self._cli_faults.total()

    def faults_of(self, kind: str) -> Counter[tuple[str, str]]:
        """Faults of one kind (``throttling``, ``internal``, ``garbled``), by
        ``(service, action)``; the action as ``operation_name`` names it, else ``?``."""
        with self._lock:
            return Counter({k[1:]: n for k, n in self._by_action.items() if k[0] == kind})

    def cli_faults_of(self, kind: str) -> int:
        with self._lock:
            return self._cli_faults[kind]

    @property
    def lost_responses(self) -> Counter[tuple[str, str]]:
        """Responses lost by ``lose_response_once``, by ``(service, action)``."""
        with self._lock:
            return self._lost.copy()

    @property
    def pending_losses(self) -> list[tuple[str, str]]:
        """``lose_response_once`` requests that no request has matched yet."""
        with self._lock:
            return list(self._to_lose)

    def summary(self) -> str:
        """One line: ``1261 requests, 46 faults (s3 SlowDown 12, iam Throttling 9, ...)``."""
        with self._lock:
            requests, faults = self._requests, self._faults.copy()
        line = f"{requests} requests, {faults.total()} faults"
        if faults:
            counts = ", ".join(f"{svc} {code} {n}" for (svc, code), n in faults.most_common())
            line += f" ({counts})"
        return line

    # -- one request ---------------------------------------------------------------------------

    def answer(self, request: Request) -> Answer:
        """Forward ``request``, or make up a fault instead (called by the server's threads)."""
        service = signing_service(request)
        if service is None:
            return self._forward(request)
        # Working out the action costs a parse (a model lookup for S3): only when it matters.
        action = operation_name(service, request) if self.pending_losses else None
        lose: tuple[str, str] | None = None
        kind: str | None = None
        shape = ""
        with self._lock:
            self._requests += 1
            self._by_service[service] += 1
            if action is not None and (service, action) in self._to_lose:
                lose = (service, action)
                self._to_lose.remove(lose)
            elif self._random.random() < self.rate:
                # One draw picks the kind (the same draws as before there were garbled faults).
                kind = self.kinds[int(self._random.random() * len(self.kinds))]
                if kind == "garbled":
                    shape = self._random.choice(garbled.SHAPES)
        if lose is not None:
            self._forward(request)  # the upstream really does it; its answer goes nowhere
            made_up = internal_error(service, request)
            self._count(service, made_up, lost=lose)
            return made_up
        if kind is None:
            return self._forward(request)
        if kind == "garbled":
            made_up = garbled.garbled(shape, service, request, self._forward)
        else:
            made_up = (throttling_error if kind == "throttling" else internal_error)(
                service, request
            )
        self._count(service, made_up)
        faulted = (kind, service, operation_name(service, request) or "?")
        cli = (request.header("User-Agent") or "").startswith("aws-cli/")
        with self._lock:
            self._by_action[faulted] += 1
            if cli:
                self._cli_faults[kind] += 1
        return made_up

    def _count(self, service: str, answer: Answer, lost: tuple[str, str] | None = None) -> None:
        with self._lock:
            self._faults[(service, answer.code or str(answer.status))] += 1
            if lost is not None:
                self._lost[lost] += 1

    def _forward(self, request: Request) -> Answer:
        connection_class = (
            http.client.HTTPSConnection
            if self._target.scheme == "https"
            else http.client.HTTPConnection
        )
        connection = connection_class(
            self._target.hostname or "127.0.0.1", self._target.port, timeout=UPSTREAM_TIMEOUT
        )
        try:
            connection.putrequest(
                request.method, request.path, skip_host=True, skip_accept_encoding=True
            )
            for name, value in request.headers:
                if name.lower() != "content-length":
                    connection.putheader(name, value)
            if request.body or request.header("Content-Length") is not None:
                connection.putheader("Content-Length", str(len(request.body)))
            connection.endheaders(request.body or None)
            response = connection.getresponse()
            body = response.read()
            return Answer(response.status, response.reason, response.getheaders(), body)
        except (OSError, http.client.HTTPException) as error:
            message = f"fault proxy: upstream {self.upstream} failed: {error!r}".encode()
            return Answer(502, "Bad Gateway", [("Content-Type", "text/plain")], message)
        finally:
            connection.close()


class _ProxyServer(ThreadingHTTPServer):
    """The listening side: one daemon thread per client connection (kept alive, HTTP/1.1)."""

    daemon_threads = True
    request_queue_size = 64

    def __init__(self, proxy: FaultProxy) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.proxy = proxy
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._closing = False

    def track(self, connection: socket.socket) -> bool:
        with self._connections_lock:
            if not self._closing:
                self._connections.add(connection)
            return not self._closing

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet about clients that hang up (and connections ended by ``close``)."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

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
    server: _ProxyServer

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
