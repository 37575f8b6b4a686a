"""Answers that say "not now" rather than "no": throttling, 5xx, a connection that broke.

botocore's standard retry mode sends every call again on these, within a number of attempts;
what still fails after that is retried by the suite where a wait makes sense (a probe within
its propagation budget, a removal within the teardown's), and is never judged: only an
authorization error is a denial (docs/checkpoints.md, verdict rule 1).
"""

from __future__ import annotations

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.parsers import ResponseParserError

# Every attempt of one call, the first included, for every client the suite makes and for the
# AWS CLI on the instance (AWS_MAX_ATTEMPTS): with botocore's backoff (a random wait up to 1, 2,
# 4, 8, 16, then 20 s) that is at most about 70 s of retrying for one call.
RETRY_ATTEMPTS = 8
RETRY_MODE = "standard"

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "RequestLimitExceeded",
        "SlowDown",
        "TooManyRequestsException",
        "RequestThrottled",
        "EC2ThrottledException",
        "BandwidthLimitExceeded",
        "PriorRequestNotComplete",
    }
)
SERVER_ERROR_CODES = frozenset(
    {
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "ServiceFailure",
        "ServiceUnavailable",
        "Unavailable",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)


def is_transient_code(code: str | None) -> bool:
    """A throttling or server error code, or a bare 5xx status (as S3 answers a HEAD)."""
    if code is None:
        return False
    return (
        code in THROTTLING_CODES
        or code in SERVER_ERROR_CODES
        or (code.isdigit() and 500 <= int(code) <= 599)
    )


def is_transient(exc: BaseException) -> bool:
    """An error whose cause is likely to pass: throttled, a server error, a broken connection,
    or an answer that was not AWS's (a proxy's HTML error page)."""
    if isinstance(exc, ClientError):
        return is_transient_code(str(exc.response.get("Error", {}).get("Code")))
    return isinstance(exc, HTTPClientError | BotoConnectionError | ResponseParserError)


# What botocore raises on an answer that is not AWS's (an HTML page, XML of another shape): its
# parser fails in more ways than its own ResponseParserError.
NOT_AN_AWS_ANSWER: tuple[type[Exception], ...] = (
    ResponseParserError,
    KeyError,
    ValueError,
    TypeError,
)
