"""The fault proxy forwards byte for byte (signatures survive it, the AWS CLI's uploads too), and
the faults it makes up are AWS's own: botocore names them with the service's error codes and its
"standard" retry mode retries every one of them. Writes through it, signed uploads, the AWS
CLI's transfers and garbled answers: tests/test_fault_proxy_writes.py."""

from __future__ import annotations

import http.client
import math
import os
import re
import socket
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar

import pytest
from botocore.exceptions import ClientError
from botocore.retries import standard

from handson.aws import Credentials
from handson.names import AMI_PARAMETER
from handson.targets.emulator_server import MotoEmulator
from tests.helpers.aws_requests import operation_name, signing_service
from tests.helpers.fakes import http_server
from tests.helpers.fault_proxy import FaultProxy, Request
from tests.helpers.fault_proxy_cases import REGION, client, error_of, unique

# What each service's faults are called, and the HTTP status that comes with each.
STATUS = {
    "SlowDown": 503,
    "RequestLimitExceeded": 503,
    "Throttling": 400,
    "ThrottlingException": 400,
    "InternalError": 500,
    "InternalServerError": 500,
    "503": 503,
    "500": 500,
}
CODES = {
    "s3": {"SlowDown", "InternalError"},
    "s3 HEAD": {"503", "500"},
    "iam": {"Throttling", "InternalError"},
    "sts": {"Throttling", "InternalError"},
    "ec2": {"RequestLimitExceeded", "InternalError"},
    "ssm": {"ThrottlingException", "InternalServerError"},
}
CALLS: dict[str, tuple[str, Callable[[Any], object]]] = {
    "s3": ("s3", lambda s3: s3.list_buckets()),
    "s3 HEAD": ("s3", lambda s3: s3.head_bucket(Bucket=f"fault-proxy-{uuid.uuid4().hex}")),
    "iam": ("iam", lambda iam: iam.list_users()),
    "sts": ("sts", lambda sts: sts.get_caller_identity()),
    "ec2": ("ec2", lambda ec2: ec2.describe_instances()),
    "ssm": ("ssm", lambda ssm: ssm.get_parameter(Name=AMI_PARAMETER)),
}


@pytest.fixture
def keys(test_emulator: MotoEmulator) -> Credentials:
    return test_emulator.admin.credentials


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries without the waits between them: which errors are retried is under test, not how
    long botocore waits (up to 20 s a time)."""
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.0)


# -- the proxy on its own -------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [-0.01, 1.01, math.nan, math.inf])
def test_rate_must_be_a_probability(rate: float) -> None:
    with pytest.raises(ValueError, match="rate must be between 0 and 1"):
        FaultProxy("http://127.0.0.1:9", rate=rate)


def test_service_and_action_of_a_request() -> None:
    scope = "Credential=AKID/20261130/ap-northeast-1/{}/aws4_request"
    auth = "AWS4-HMAC-SHA256 " + scope + ", SignedHeaders=host;x-amz-date, Signature=abc"
    form = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]

    def request(method: str, path: str, *headers: tuple[str, str], body: bytes = b"") -> Request:
        return Request(method, path, list(headers), body)

    assert signing_service(request("GET", "/", ("Authorization", auth.format("s3")))) == "s3"
    presigned = "/b/k?X-Amz-Credential=AKID%2F20261130%2Fap-northeast-1%2Fs3%2Faws4_request"
    assert signing_service(request("GET", presigned)) == "s3"
    assert signing_service(request("GET", "/moto-api/")) is None
    s3 = [
        (request("PUT", "/bucket"), "CreateBucket"),
        (request("PUT", "/bucket/a/key.txt"), "PutObject"),
        (request("PUT", "/bucket/key?partNumber=1&uploadId=u"), "UploadPart"),
        (request("PUT", "/bucket/key", ("x-amz-copy-source", "other/key")), "CopyObject"),
        (request("GET", "/bucket?list-type=2&prefix=open%2F"), "ListObjectsV2"),
        (request("POST", "/bucket?delete"), "DeleteObjects"),
        (request("HEAD", "/bucket"), "HeadBucket"),
        (request("DELETE", "/bucket/key"), "DeleteObject"),
    ]
    assert [(r.path, operation_name("s3", r)) for r, _ in s3] == [(r.path, a) for r, a in s3]
    create_user = request("POST", "/", *form, body=b"Action=CreateUser&Version=2010-05-08")
    assert operation_name("iam", create_user) == "CreateUser"
    target = ("X-Amz-Target", "AmazonSSM.GetParameter")
    assert operation_name("ssm", request("POST", "/", target)) == "GetParameter"


class Recorder(BaseHTTPRequestHandler):
    """An upstream that notes what reached it and answers with a fixed, recognisable answer."""

    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[tuple[str, str, list[tuple[str, str]], bytes]]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        self.seen.append((self.command, self.path, list(self.headers.items()), body))
        data = b"upstream says hello"
        self.send_response(207, "Multi-Status")
        self.send_header("X-Upstream", "yes")
        self.send_header("Set-Cookie", "a=1")
        self.send_header("Set-Cookie", "b=2")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[str]:
    Recorder.seen = []
    with http_server(Recorder) as url:
        yield url


def test_forwards_byte_for_byte(recorder: str) -> None:
    """Path, query, Host and other headers untouched; a chunked body de-chunked into a
    Content-Length; hop-by-hop headers gone; the upstream's answer relayed whole."""
    body = os.urandom(70_000) + b"\r\n0\r\n\r\n"
    pieces = [body[:1], body[1:65_537], body[65_537:]]
    path = "/bucket/some%20key?partNumber=1&uploadId=a%2Fb"
    with FaultProxy(recorder, rate=1.0) as proxy:  # unsigned: never faulted
        port = int(proxy.endpoint_url.rsplit(":", 1)[1])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.putrequest("PUT", path, skip_host=True, skip_accept_encoding=True)
        for name, value in [
            ("Host", "bucket.example.com:4566"),
            ("X-Amz-Date", "20261130T000000Z"),
            ("X-Amz-Meta-Two", "first"),
            ("X-Amz-Meta-Two", "second"),
            ("Connection", "keep-alive, X-Hop"),
            ("X-Hop", "only to the proxy"),
            ("Expect", "100-continue"),
            ("Transfer-Encoding", "chunked"),
        ]:
            connection.putheader(name, value)
        connection.endheaders()
        connection.send(b"".join(b"%x;ext=1\r\n%s\r\n" % (len(p), p) for p in pieces))
        connection.send(b"0\r\nX-Trailer-Field: tail\r\n\r\n")
        response = connection.getresponse()
        assert (response.status, response.reason, response.read()) == (
            207,
            "Multi-Status",
            b"upstream says hello",
        )
        assert response.getheader("X-Upstream") == "yes"
        assert [v for k, v in response.getheaders() if k == "Set-Cookie"] == ["a=1", "b=2"]

        connection.request("HEAD", "/bucket/k", headers={"Host": "bucket.example.com:4566"})
        head = connection.getresponse()
        assert (head.status, head.getheader("Content-Length"), head.read()) == (207, "19", b"")
        connection.close()
        assert proxy.requests == 0
    method, forwarded_path, headers, forwarded_body = Recorder.seen[0]
    assert (method, forwarded_path, forwarded_body) == ("PUT", path, body)
    assert headers == [
        ("Host", "bucket.example.com:4566"),
        ("X-Amz-Date", "20261130T000000Z"),
        ("X-Amz-Meta-Two", "first"),
        ("X-Amz-Meta-Two", "second"),
        ("X-Trailer-Field", "tail"),
        ("Content-Length", str(len(body))),
    ]
    assert Recorder.seen[1][:2] == ("HEAD", "/bucket/k")


def test_summary_counts_every_fault_and_the_proxy_stops(recorder: str) -> None:
    auth = "AWS4-HMAC-SHA256 Credential=AKID/20261130/ap-northeast-1/{}/aws4_request, Signature=x"
    with FaultProxy(recorder, rate=1.0, seed=3) as proxy:
        port = int(proxy.endpoint_url.rsplit(":", 1)[1])
        assert proxy.summary() == "0 requests, 0 faults"
        for service in ["s3", "s3", "lambda", "sts", "sts", "sts"]:
            request = urllib.request.Request(
                proxy.endpoint_url + "/", headers={"Authorization": auth.format(service)}
            )
            with pytest.raises(urllib.error.HTTPError):
                urllib.request.urlopen(request, timeout=10)
        with urllib.request.urlopen(proxy.endpoint_url + "/moto-api/", timeout=10) as response:
            assert response.read() == b"upstream says hello"  # unsigned: forwarded, not counted
        faults = proxy.faults
        assert proxy.requests == 6
        assert proxy.requests_by_service == {"s3": 2, "lambda": 1, "sts": 3}
        assert faults.total() == 6
        assert faults[("lambda", "InternalError")] == 1
        parts = ", ".join(f"{s} {c} {n}" for (s, c), n in faults.most_common())
        assert proxy.summary() == f"6 requests, 6 faults ({parts})"
        assert re.fullmatch(
            r"6 requests, 6 faults \((\S+ \S+ \d+, )*\S+ \S+ \d+\)", proxy.summary()
        )
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert [seen[1] for seen in Recorder.seen] == ["/moto-api/"]


# -- against the emulator -----------------------------------------------------------------------


def test_rate_zero_forwards_every_service(test_emulator: MotoEmulator, keys: Credentials) -> None:
    bucket, data = unique(), os.urandom(4096) + b"\x00\r\n"
    with FaultProxy(test_emulator.endpoint_url, rate=0.0) as proxy:
        s3 = client(keys, proxy.endpoint_url, "s3")
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        try:
            s3.put_object(Bucket=bucket, Key="open/data.bin", Body=data)
            assert s3.get_object(Bucket=bucket, Key="open/data.bin")["Body"].read() == data
            head = s3.head_object(Bucket=bucket, Key="open/data.bin")
            assert head["ContentLength"] == len(data)
            s3.delete_object(Bucket=bucket, Key="open/data.bin")
        finally:
            s3.delete_bucket(Bucket=bucket)
        iam = client(keys, proxy.endpoint_url, "iam")
        admin = iam.get_user()["User"]
        assert admin["UserName"] in {user["UserName"] for user in iam.list_users()["Users"]}
        identity = client(keys, proxy.endpoint_url, "sts").get_caller_identity()
        assert identity["Arn"] == admin["Arn"]
        assert "Reservations" in client(keys, proxy.endpoint_url, "ec2").describe_instances()
        ssm = client(keys, proxy.endpoint_url, "ssm")
        assert ssm.get_parameter(Name=AMI_PARAMETER)["Parameter"]["Value"].startswith("ami-")
        with urllib.request.urlopen(proxy.endpoint_url + "/moto-api/", timeout=10):
            pass  # moto's own unsigned API: forwarded, not counted
        assert proxy.requests_by_service == {"s3": 6, "iam": 2, "sts": 1, "ec2": 1, "ssm": 1}
        assert proxy.requests == 11
        assert proxy.faults == {}
        assert proxy.summary() == "11 requests, 0 faults"
    with pytest.raises(ClientError):  # deleted through the proxy
        test_emulator.admin.client("s3").head_bucket(Bucket=bucket)


def test_rate_one_answers_with_each_services_own_errors(
    test_emulator: MotoEmulator, keys: Credentials
) -> None:
    """Both faults of every service, each as botocore names it; nothing reaches the emulator."""
    name = unique()
    with FaultProxy(test_emulator.endpoint_url, rate=1.0, seed=11) as proxy:
        for label, (service, call) in CALLS.items():
            aws = client(keys, proxy.endpoint_url, service)
            seen = set()
            for _ in range(8):
                error = error_of(partial(call, aws))
                code = error.response["Error"]["Code"]
                assert code in CODES[label], (label, error.response)
                assert error.response["ResponseMetadata"]["HTTPStatusCode"] == STATUS[code]
                seen.add(code)
            assert seen == CODES[label], label
        iam = client(keys, proxy.endpoint_url, "iam")
        assert error_of(lambda: iam.create_user(UserName=name)).response["Error"]["Code"] in {
            "Throttling",
            "InternalError",
        }
        assert proxy.requests == 8 * len(CALLS) + 1
        assert proxy.faults.total() == proxy.requests
    with pytest.raises(ClientError, match="NoSuchEntity"):
        test_emulator.admin.client("iam").get_user(UserName=name)


@pytest.mark.usefixtures("no_backoff")
@pytest.mark.parametrize("label", list(CALLS))
def test_standard_retry_mode_retries_every_fault(
    test_emulator: MotoEmulator, keys: Credentials, label: str
) -> None:
    """Every attempt faulted: botocore tries three times, whichever of the two faults it gets."""
    service, call = CALLS[label]
    with FaultProxy(test_emulator.endpoint_url, rate=1.0, seed=5) as proxy:
        aws = client(keys, proxy.endpoint_url, service, attempts=3)
        for _ in range(4):
            error = error_of(lambda: call(aws))
            assert error.response["Error"]["Code"] in CODES[label]
            assert error.response["ResponseMetadata"]["RetryAttempts"] == 2
            assert error.response["ResponseMetadata"]["MaxAttemptsReached"] is True
        faults = proxy.faults
        assert proxy.requests == faults.total() == 12
        # Both kinds were among the retried ones (as the proxy names them: S3's HEAD too).
        assert {code for _, code in faults} == CODES["s3" if service == "s3" else label]


@pytest.mark.usefixtures("no_backoff")
def test_half_the_calls_faulted_all_succeed_with_retries(
    test_emulator: MotoEmulator, keys: Credentials
) -> None:
    with FaultProxy(test_emulator.endpoint_url, rate=0.5, seed=2026) as proxy:
        sts = client(keys, proxy.endpoint_url, "sts", attempts=10)
        answers = [sts.get_caller_identity() for _ in range(30)]
        retried = sum(answer["ResponseMetadata"]["RetryAttempts"] for answer in answers)
        faults = proxy.faults
        assert {answer["Arn"] for answer in answers} == {answers[0]["Arn"]}
        assert faults
        assert set(faults) <= {("sts", "Throttling"), ("sts", "InternalError")}
        assert faults.total() == retried
        assert proxy.requests == 30 + retried
