"""Answers that are not AWS's, as something between a client and AWS sends them: the fault
proxy's "garbled" kind (``tests/helpers/fault_proxy.py``).

Three shapes, each one seen in front of real endpoints:

=============  ============================================================================
html           a proxy's or load balancer's own ``400 Bad Request`` page (nginx's words)
no code        a 400 in the service's content type whose body names no error code
truncated      the upstream's real answer, its XML or JSON body cut in the middle, with a
               Content-Length that fits the cut body (the client reads all that came)
=============  ============================================================================

None of them is an authorization error, and none says anything about the call: a client must
send the call again, as after a lost connection (docs/checkpoints.md, verdict rule 1).
"""

from __future__ import annotations

from typing import Protocol

from tests.helpers.fault_proxy_types import Answer, Request

HTML = "GarbledHtml"
NO_CODE = "GarbledNoCode"
TRUNCATED = "GarbledTruncated"
SHAPES = (HTML, NO_CODE, TRUNCATED)

_NGINX_400 = (
    b"<html>\r\n<head><title>400 Bad Request</title></head>\r\n<body>\r\n"
    b"<center><h1>400 Bad Request</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
# The content type each service answers in, and what it sends for "nothing" in it.
_EMPTY = {
    "s3": ("application/xml", b""),
    "ec2": ("text/xml;charset=UTF-8", b""),
    "iam": ("text/xml", b""),
    "sts": ("text/xml", b""),
    "ssm": ("application/x-amz-json-1.1", b"{}"),
}
_STRUCTURED = ("xml", "json")


class Forward(Protocol):
    def __call__(self, request: Request) -> Answer: ...


def html_page() -> Answer:
    headers = [("Content-Type", "text/html"), ("Server", "nginx")]
    return Answer(400, "Bad Request", headers, _NGINX_400, HTML)


def no_code(service: str) -> Answer:
    content_type, body = _EMPTY.get(service, ("application/json", b"{}"))
    return Answer(400, "Bad Request", [("Content-Type", content_type)], body, NO_CODE)


def truncated(answer: Answer) -> Answer | None:
    """``answer`` with its body cut in half; None when it has no XML or JSON body to cut (an
    object's bytes, a HEAD's answer): a cut there would change the data, not garble an answer."""
    content_type = next((v for k, v in answer.headers if k.lower() == "content-type"), "")
    if len(answer.body) < 2 or not any(kind in content_type.lower() for kind in _STRUCTURED):
        return None
    headers = [(k, v) for k, v in answer.headers if k.lower() != "content-length"]
    cut = answer.body[: len(answer.body) // 2]
    return Answer(
        answer.status, answer.reason, [*headers, ("Content-Length", str(len(cut)))], cut, TRUNCATED
    )


def garbled(shape: str, service: str, request: Request, forward: Forward) -> Answer:
    """One garbled answer of ``shape``. A truncated answer is the upstream's own (the call was
    made); where there is nothing to cut, the answer is a proxy's HTML page instead."""
    if shape == NO_CODE:
        return no_code(service)
    if shape == TRUNCATED and request.method != "HEAD":
        cut = truncated(forward(request))
        if cut is not None:
            return cut
    return html_page()
