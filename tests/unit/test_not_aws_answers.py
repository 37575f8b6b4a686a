"""An answer that is not AWS's (an HTML page, a 400 without a code, a body cut short) is a fault
that is sent again, never a verdict; AWS's own answers keep their meaning (verdict rule 1)."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.retries import standard

from handson.aws import Credentials, isolated_session
from handson.targets.ssm_agent import AgentCall
from handson.transient import NOT_AWS_CODE, is_transient, retry_answers_not_aws
from handson.verdict import Outcome, classify_api_error, classify_cli
from tests.helpers.fakes import http_server

HTML = b"<html>\r\n<head><title>400 Bad Request</title></head>\r\n<body><hr></body>\r\n</html>\r\n"
IAM_OK = (
    b'<GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetUserResult><User>'
    b"<UserName>u</UserName><UserId>AIDAEXAMPLE</UserId><Arn>arn:aws:iam::1:user/u</Arn>"
    b"<Path>/</Path><CreateDate>2026-01-01T00:00:00Z</CreateDate></User></GetUserResult>"
    b"<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetUserResponse>"
)


def iam_error(code: str) -> bytes:
    return (
        b'<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender'
        b"</Type><Code>" + code.encode() + b"</Code><Message>m</Message></Error>"
        b"<RequestId>r</RequestId></ErrorResponse>"
    )


# name: (status, content type, body), for IAM's query protocol and SSM's JSON.
ANSWERS: dict[str, tuple[int, str, bytes]] = {
    "html 400": (400, "text/html", HTML),
    "400 without a code": (400, "text/xml", b""),
    "400 xml without a code": (400, "text/xml", b"<ErrorResponse><Error/></ErrorResponse>"),
    "truncated xml": (200, "text/xml", IAM_OK[: len(IAM_OK) // 2]),
    "truncated xml error": (403, "text/xml", iam_error("AccessDenied")[:60]),
    "access denied": (403, "text/xml", iam_error("AccessDenied")),
    "validation error": (400, "text/xml", iam_error("ValidationError")),
    "ok": (200, "text/xml", IAM_OK),
    "json html 400": (400, "text/html", HTML),
    "json 400 without a code": (400, "application/x-amz-json-1.1", b"{}"),
    "truncated json": (200, "application/x-amz-json-1.1", b'{"Parameter": {"Name": "a", "Va'),
    "json access denied": (
        400,
        "application/x-amz-json-1.1",
        b'{"__type":"AccessDeniedException","message":"no"}',
    ),
}


class Canned(BaseHTTPRequestHandler):
    """Answers every request with ANSWERS[answer]; counts them."""

    protocol_version = "HTTP/1.1"
    answer: ClassVar[str] = "ok"
    seen: ClassVar[int] = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        type(self).seen += 1
        status, content_type, body = ANSWERS[self.answer]
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.0)
    Canned.seen = 0
    with http_server(Canned) as url:
        yield url


def client(service: str, endpoint: str) -> Any:
    session = isolated_session(Credentials("AKIDEXAMPLE", "secret"), "ap-northeast-1")
    config = Config(retries={"mode": "standard", "total_max_attempts": 3})
    return retry_answers_not_aws(session.client(service, endpoint_url=endpoint, config=config))


def answered(answer: str, endpoint: str) -> ClientError | None:
    Canned.answer = answer
    try:
        if answer.startswith(("json", "truncated json")):
            client("ssm", endpoint).get_parameter(Name="a")
        else:
            client("iam", endpoint).get_user()
    except ClientError as error:
        return error
    return None


@pytest.mark.parametrize(
    "answer",
    [
        "html 400",
        "400 without a code",
        "400 xml without a code",
        "truncated xml",
        "truncated xml error",
        "json html 400",
        "json 400 without a code",
        "truncated json",
    ],
)
def test_an_answer_that_is_not_aws_is_sent_again_and_never_judged(
    answer: str, endpoint: str
) -> None:
    error = answered(answer, endpoint)
    assert error is not None, "a garbled answer came back as a success"
    assert error.response["Error"]["Code"] == NOT_AWS_CODE
    assert Canned.seen == 3  # every attempt, as after a lost connection
    assert is_transient(error)
    verdict = classify_api_error(error.response["Error"]["Code"])
    assert verdict.outcome is Outcome.ERROR and verdict.transient


@pytest.mark.parametrize(
    ("answer", "code", "outcome"),
    [
        ("access denied", "AccessDenied", Outcome.DENIED),
        ("json access denied", "AccessDeniedException", Outcome.DENIED),
        ("validation error", "ValidationError", Outcome.ERROR),
    ],
)
def test_aws_own_errors_keep_their_meaning(
    answer: str, code: str, outcome: Outcome, endpoint: str
) -> None:
    error = answered(answer, endpoint)
    assert error is not None and error.response["Error"]["Code"] == code
    assert Canned.seen == 1  # not sent again
    verdict = classify_api_error(code)
    assert verdict.outcome is outcome and not verdict.transient


def test_an_answer_of_aws_is_read_as_it_is(endpoint: str) -> None:
    assert answered("ok", endpoint) is None
    assert Canned.seen == 1


@pytest.mark.parametrize(
    "stderr",
    [
        "Unable to parse response (mismatched tag: line 6, column 2), invalid XML received. "
        "Further retries may succeed:\nb'<html>...'",
        "An error occurred (400) when calling the HeadObject operation: Bad Request",
        "upload failed: ./x to s3://b/x An error occurred (403) when calling the PutObject "
        "operation: Forbidden",
        "An error occurred (Unknown) when calling the GetCallerIdentity operation: Unknown",
    ],
)
def test_the_cli_given_an_answer_that_is_not_aws_is_sent_again(stderr: str) -> None:
    verdict = classify_cli(255, stderr, "aws s3 cp s3://b/x -")
    assert verdict.outcome is Outcome.ERROR and verdict.transient, verdict


@pytest.mark.parametrize(
    ("stderr", "outcome"),
    [
        ("An error occurred (403) when calling the HeadObject operation: Forbidden", "denied"),
        ("An error occurred (AccessDenied) when calling the PutObject operation: no", "denied"),
        ("An error occurred (404) when calling the HeadObject operation: Not Found", "error"),
        ("An error occurred (ValidationError) when calling the GetUser operation: x", "error"),
        ("An error occurred (InvalidInstanceID.NotFound) when calling the X operation", "error"),
    ],
)
def test_the_cli_keeps_the_meaning_of_aws_answers(stderr: str, outcome: str) -> None:
    verdict = classify_cli(254, stderr, "aws s3 cp s3://b/x -")
    assert verdict.outcome.value == outcome and not verdict.transient, verdict


@pytest.mark.parametrize(
    ("call", "transient"),
    [
        (AgentCall("ec2messages:GetMessages", 400, NOT_AWS_CODE), True),  # 400, no readable code
        (AgentCall("ec2messages:GetMessages", 0, "no answer: URLError"), True),
        (AgentCall("ec2messages:GetMessages", 503, "ServiceUnavailable"), True),
        (AgentCall("ec2messages:GetMessages", 400, "AccessDeniedException"), False),
        (AgentCall("ec2messages:GetMessages", 400, "ValidationException"), False),
        (AgentCall("ec2messages:GetMessages", 200, ""), False),
    ],
)
def test_the_agent_sends_again_only_what_got_no_answer_of_aws(
    call: AgentCall, transient: bool
) -> None:
    assert call.transient is transient


POLICY = (
    b'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",'
    b'"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}'
)


class BucketPolicy(BaseHTTPRequestHandler):
    """S3's GetBucketPolicy as AWS answers it: the policy's JSON itself, not an XML document;
    or, with ``broken``, the same cut short as an error (403 without a whole body)."""

    protocol_version = "HTTP/1.1"
    broken: ClassVar[bool] = False
    seen: ClassVar[int] = 0

    def do_GET(self) -> None:
        type(self).seen += 1
        status, body = (403, b"<Error><Co") if self.broken else (200, POLICY)
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.parametrize("broken", [False, True])
def test_a_bucket_policy_is_read_as_aws_gives_it_its_json_itself(
    broken: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A learner's bucket policy, read by --target existing: the body was read as XML, the
    answer taken for one not AWS's, sent seven times, and the run ended in an internal error.
    An error that is not whole is still not AWS's."""
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.0)
    BucketPolicy.broken, BucketPolicy.seen = broken, 0
    with http_server(BucketPolicy) as url:
        s3 = client("s3", url)
        if not broken:
            assert s3.get_bucket_policy(Bucket="b")["Policy"] == POLICY.decode()
            assert BucketPolicy.seen == 1
            return
        with pytest.raises(ClientError) as caught:
            s3.get_bucket_policy(Bucket="b")
    assert caught.value.response["Error"]["Code"] == NOT_AWS_CODE
    assert BucketPolicy.seen == 3
