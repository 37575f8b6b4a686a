"""Answers that say "not now" rather than "no": throttling, 5xx, a connection that broke, and
an answer that is not AWS's at all (a proxy's HTML page, a 400 that names no error code, a body
cut short), which says nothing about the call and is sent again like a lost connection.

botocore's standard retry mode sends every call again on these, within a number of attempts
(the suite's clients learn the answers that are not AWS's from ``retry_answers_not_aws``);
what still fails after that is retried by the suite where a wait makes sense (a probe within
its propagation budget, a removal within the teardown's), and is never judged: only an
authorization error is a denial (docs/checkpoints.md, verdict rule 1).
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

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
# "Not now" for a reason that passes: S3's 409 to a bucket name deleted moments ago ("A
# conflicting conditional operation is currently in progress against this resource. Please try
# again."), as a learner's run again with the same --name meets it in U2's own bucket.
NOT_NOW_CODES = frozenset({"OperationAborted"})
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


# What an error is called when its answer was not AWS's: the suite's clients name it so
# (``retry_answers_not_aws``), and so does the emulated SSM agent.
NOT_AWS_CODE = "NotAnAwsAnswer"
# The codes botocore makes up for an error answer that names none: "Unknown" (its message's
# default), the bare status 400 (a 400 whose body has no code: S3, the JSON protocols), and what
# ``str()`` makes of a missing one.
NO_CODE = frozenset({"", "None", "Unknown", "400", NOT_AWS_CODE})
# What the AWS CLI prints when botocore could not read an answer (an HTML page, a body cut short).
CLI_UNREADABLE = ("Unable to parse response", "invalid XML received")


def is_transient_code(code: str | None) -> bool:
    """A throttling, "not now" or server error code, a bare 5xx status (as S3 answers a HEAD), or
    no code at all: an error answer that names no error is not AWS's."""
    if code is None:
        return False
    return (
        code in THROTTLING_CODES
        or code in NOT_NOW_CODES
        or code in SERVER_ERROR_CODES
        or code in NO_CODE
        or (code.isdigit() and 500 <= int(code) <= 599)
    )


def is_transient_answer(status: int, code: str) -> bool:
    """An HTTP answer to a call that is to be sent again: none at all (``status`` 0), a server
    error, or an error whose code (``code``, "" when its body named none) says "not now" or is
    not AWS's. A success is never one."""
    if 200 <= status < 300:
        return False
    return status == 0 or status >= 500 or is_transient_code(code)


def names_no_error(code: str, operation: str) -> bool:
    """The CLI's error code ``code`` of ``operation`` names no error: none, or the bare 4xx status
    that botocore puts in its place when a body names none. Only a HEAD's error has no body on
    AWS (S3 answers HeadObject's 403 and 404 by status alone)."""
    if code in NO_CODE:
        return True
    return code.isdigit() and 400 <= int(code) < 500 and not operation.startswith("Head")


def is_unreadable_cli_answer(stderr: str) -> bool:
    """The AWS CLI's botocore could not read the answer it got: it was not AWS's."""
    return any(marker in stderr for marker in CLI_UNREADABLE)


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


# -- botocore: an answer that is not AWS's is a fault of the connection ---------------------------


def retry_answers_not_aws(client: Any) -> Any:
    """Teach a botocore client that an answer that is not AWS's is a 502: its standard retry
    mode then sends the call again within its attempts, as after a lost connection, and one that
    is never read comes back as a ``ClientError`` named NOT_AWS_CODE, never as a verdict, a
    parse error or a success with nothing in it. Returns the client."""
    events, service = client.meta.events, client.meta.service_model.service_id.hyphenize()
    events.register(f"before-parse.{service}", _mark_not_aws)
    # Before the retry handler (botocore's, on this very event) decides.
    events.register_first(f"needs-retry.{service}", _as_bad_gateway)
    return client


def not_aws_reason(
    response: dict[str, Any], protocol: str, *, streaming: bool, head: bool
) -> str | None:
    """Why a botocore ``response_dict`` is not AWS's answer; None when it may be.

    An HTML page; an error whose body names no error code (but a HEAD's 403, 404 or 301, which
    have no body); a body that does not parse in the protocol's format (cut short). A server
    error needs no code (botocore names it by its status), but its body must be readable if it
    has one; a streamed success's bytes are the caller's to read.
    """
    status, body = int(response["status_code"]), response.get("body")
    if not isinstance(body, bytes) or (status < 300 and streaming):
        return None
    headers = response.get("headers") or {}
    # By the body, not the Content-Type: some endpoints (moto) label their XML text/html.
    if body.lstrip()[:15].lower().startswith((b"<html", b"<!doctype html")):
        return "an HTML page"
    if not body.strip():
        # An empty success; a HEAD's error, whose status is all AWS says (403, 404, 301): but a
        # 400 names nothing that AWS would say without a body.
        if status < 300 or status >= 500 or (head and status != 400):
            return None
        return _no_code(headers)
    if "json" in protocol:
        return _json_reason(body, status, headers)
    return _xml_reason(body, status)


def _no_code(headers: Any) -> str | None:
    return None if headers.get("x-amzn-errortype") else "an error without a code"


def _json_reason(body: bytes, status: int, headers: Any) -> str | None:
    try:
        document = json.loads(body)
    except ValueError:
        return "a body that is not whole JSON"
    if not 300 <= status < 500 or headers.get("x-amzn-errortype"):
        return None
    named = isinstance(document, dict) and (document.get("__type") or document.get("code"))
    return None if named else "an error without a code"


def _xml_reason(body: bytes, status: int) -> str | None:
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return "a body that is not whole XML"
    if not 300 <= status < 500:
        return None
    named = any(node.tag.rsplit("}", 1)[-1] == "Code" and node.text for node in root.iter())
    return None if named else "an error without a code"


def _mark_not_aws(
    response_dict: dict[str, Any],
    operation_model: Any,
    customized_response_dict: dict[str, Any],
    **_: Any,
) -> None:
    why = not_aws_reason(
        response_dict,
        operation_model.metadata["protocol"],
        streaming=bool(operation_model.has_streaming_output) or _payload_as_is(operation_model),
        head=operation_model.http.get("method") == "HEAD",
    )
    if why is None:
        return
    response_dict["status_code"], response_dict["body"] = 502, b""
    customized_response_dict["Error"] = {"Code": NOT_AWS_CODE, "Message": f"not AWS's: {why}"}


def _payload_as_is(operation_model: Any) -> bool:
    """Whether a success's body is one member as it is, not the protocol's document: S3's
    GetBucketPolicy answers with the policy's JSON itself (its output's payload is a string).
    Read as XML, a learner's bucket policy was an answer not AWS's, retried seven times, and
    --target existing ended in an internal error."""
    output = operation_model.output_shape
    payload = output.serialization.get("payload") if output is not None else None
    return bool(payload) and output.members[payload].type_name != "structure"


def _as_bad_gateway(response: Any = None, **_: Any) -> None:
    """Before the retry handler looks: the HTTP status of an answer marked as not AWS's is 502
    (a gateway's error), which botocore's standard mode retries and a client raises."""
    if response is None:
        return
    http, parsed = response
    if isinstance(parsed, dict) and parsed.get("Error", {}).get("Code") == NOT_AWS_CODE:
        http.status_code = 502
