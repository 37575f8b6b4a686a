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

import http.client
import random
import threading
from collections import Counter
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

from tests.helpers import garbled
from tests.helpers.aws_errors import internal_error, throttling_error
from tests.helpers.aws_requests import operation_name, signing_service
from tests.helpers.fault_proxy_types import Answer, Request
from tests.helpers.proxy_server import ProxyServer
from tests.helpers.server_errors import ServerErrors

__all__ = ["Answer", "FaultProxy", "Request", "operation_name", "signing_service"]

# What a fault may be: AWS's own "slow down" or 500 (what botocore retries by itself), or an
# answer that is not AWS's at all (tests/helpers/garbled.py).
KINDS = ("throttling", "internal", "garbled")
DEFAULT_KINDS = ("throttling", "internal")
UPSTREAM_TIMEOUT = 120.0


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
        self._by_action: Counter[tuple[str, str, str]] = Counter()  # by (kind, service, action)
        self._server: ProxyServer | None = None
        self._errors: ServerErrors | None = None
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
        errors = self._errors
        self.close()
        if exc is None and errors is not None:  # a test that failed already says why
            errors.check()

    def start(self) -> None:
        if self._server is not None:
            raise RuntimeError("the fault proxy is already running")
        self._server = ProxyServer(self)
        self._errors = self._server.errors  # what its handlers raise, checked as the block ends
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
