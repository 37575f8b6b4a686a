"""The fault proxy forwards byte for byte (signatures survive it, the AWS CLI's uploads too), and
the faults it makes up are AWS's own: botocore names them with the service's error codes and its
"standard" retry mode retries every one of them."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import math
import os
import re
import socket
import subprocess
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pytest
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials as BotocoreCredentials
from botocore.exceptions import ClientError
from botocore.retries import standard

from handson.aws import Credentials, isolated_session
from handson.names import AMI_PARAMETER
from handson.targets.emulator_server import MotoEmulator
from handson.targets.warm_cli import aws_command
from tests.helpers.aws_requests import operation_name, signing_service
from tests.helpers.fakes import http_server
from tests.helpers.fault_proxy import FaultProxy, Request

REGION = "ap-northeast-1"

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


def unique(prefix: str = "fault-proxy") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def client(credentials: Credentials, endpoint_url: str, service: str, *, attempts: int = 1) -> Any:
    """A client of no host configuration, with botocore's standard retry mode.

    ``attempts`` counts the first one: botocore's ``Config(retries={"max_attempts": n})`` means
    n *retries* (n + 1 attempts), its ``total_max_attempts`` means what it says.
    """
    config = Config(retries={"mode": "standard", "total_max_attempts": attempts})
    session = isolated_session(credentials, REGION)
    return session.client(service, endpoint_url=endpoint_url, config=config)


@pytest.fixture
def keys(test_emulator: MotoEmulator) -> Credentials:
    return test_emulator.admin.credentials


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries without the waits between them: which errors are retried is under test, not how
    long botocore waits (up to 20 s a time)."""
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.0)


def error_of(call: Callable[[], object]) -> ClientError:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value


def remove_bucket(s3: Any, bucket: str) -> None:
    """Objects and bucket; nothing to do when the bucket was never made."""
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        return
    for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        s3.delete_object(Bucket=bucket, Key=item["Key"])
    s3.delete_bucket(Bucket=bucket)


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
                error = error_of(lambda aws=aws, call=call: call(aws))
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


def test_lost_response_iam_create_user(test_emulator: MotoEmulator, keys: Credentials) -> None:
    name = unique()
    admin_iam = test_emulator.admin.client("iam")
    with FaultProxy(test_emulator.endpoint_url, rate=0.0) as proxy:
        iam = client(keys, proxy.endpoint_url, "iam")
        proxy.lose_response_once("iam", "CreateUser")
        iam.get_user()  # another action: not lost
        try:
            error = error_of(lambda: iam.create_user(UserName=name))
            assert error.response["Error"]["Code"] == "InternalError"
            assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 500
            assert admin_iam.get_user(UserName=name)["User"]["UserName"] == name  # it was done
            assert iam.get_user(UserName=name)["User"]["UserName"] == name  # once only
            assert proxy.pending_losses == []
            assert proxy.lost_responses == {("iam", "CreateUser"): 1}
            assert proxy.faults == {("iam", "InternalError"): 1}
        finally:
            with contextlib.suppress(admin_iam.exceptions.NoSuchEntityException):
                admin_iam.delete_user(UserName=name)


def test_lost_response_s3_create_bucket_and_put_object(
    test_emulator: MotoEmulator, keys: Credentials
) -> None:
    bucket, data = unique(), b"written although the client heard it failed"
    admin_s3 = test_emulator.admin.client("s3")
    with FaultProxy(test_emulator.endpoint_url, rate=0.0) as proxy:
        s3 = client(keys, proxy.endpoint_url, "s3")
        proxy.lose_response_once("s3", "CreateBucket")
        proxy.lose_response_once("s3", "PutObject")
        configuration = {"LocationConstraint": REGION}
        try:
            error = error_of(
                lambda: s3.create_bucket(Bucket=bucket, CreateBucketConfiguration=configuration)
            )
            assert error.response["Error"]["Code"] == "InternalError"
            admin_s3.head_bucket(Bucket=bucket)
            error = error_of(lambda: s3.put_object(Bucket=bucket, Key="k", Body=data))
            assert error.response["Error"]["Code"] == "InternalError"
            assert admin_s3.get_object(Bucket=bucket, Key="k")["Body"].read() == data
            s3.put_object(Bucket=bucket, Key="k", Body=data)  # once only
            assert proxy.lost_responses == {("s3", "CreateBucket"): 1, ("s3", "PutObject"): 1}
        finally:
            remove_bucket(admin_s3, bucket)


def test_signed_chunked_upload_keeps_its_signature(
    test_emulator: MotoEmulator, keys: Credentials
) -> None:
    """A body sent with Transfer-Encoding: chunked reaches moto whole, and moto still finds the
    signature (computed over Host and the payload's SHA-256) right."""
    bucket, data = unique(), os.urandom(200_000)
    admin_s3 = test_emulator.admin.client("s3")
    admin_s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    try:
        with FaultProxy(test_emulator.endpoint_url, rate=0.0) as proxy:
            url = f"{proxy.endpoint_url}/{bucket}/chunked.bin"
            headers = {"X-Amz-Content-SHA256": hashlib.sha256(data).hexdigest()}
            signed = AWSRequest(method="PUT", url=url, data=data, headers=headers)
            credentials = BotocoreCredentials(keys.access_key_id, keys.secret_access_key)
            S3SigV4Auth(credentials, "s3", REGION).add_auth(signed)
            connection = http.client.HTTPConnection(url.split("/")[2], timeout=30)
            pieces = (data[i : i + 65_536] for i in range(0, len(data), 65_536))
            connection.request("PUT", f"/{bucket}/chunked.bin", pieces, dict(signed.headers))
            response = connection.getresponse()
            assert (response.status, response.read()) == (200, b"")
            connection.close()
            assert proxy.requests_by_service == {"s3": 1}
        assert admin_s3.get_object(Bucket=bucket, Key="chunked.bin")["Body"].read() == data
    finally:
        remove_bucket(admin_s3, bucket)


@pytest.mark.parametrize(
    ("rate", "retries"),
    [
        (0.0, {}),
        (0.3, {"AWS_RETRY_MODE": "standard", "AWS_MAX_ATTEMPTS": "10"}),  # attempts, all told
    ],
    ids=["unchanged", "faults retried"],
)
def test_aws_cli_upload_and_download(
    test_emulator: MotoEmulator,
    keys: Credentials,
    tmp_path: Path,
    rate: float,
    retries: dict[str, str],
) -> None:
    """The AWS CLI's own S3 transfers (flexible checksums, 100-continue, multipart above 8 MiB)
    go through the proxy unchanged, and ride out its faults when told to retry."""
    bucket = unique()
    admin_s3 = test_emulator.admin.client("s3")
    admin_s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    upload = tmp_path / "upload"
    upload.mkdir()
    files = {"small.txt": "こんにちは, IAM\n".encode() * 10, "large.bin": os.urandom(9 << 20)}
    for name, content in files.items():
        (upload / name).write_bytes(content)
    home = tmp_path / "home"
    home.mkdir()
    try:
        with FaultProxy(test_emulator.endpoint_url, rate=rate, seed=1) as proxy:
            env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
            env |= retries | {
                **keys.as_env(),
                "AWS_ENDPOINT_URL": proxy.endpoint_url,
                "AWS_DEFAULT_REGION": REGION,
                "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
                "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
                "HOME": str(home),
            }

            def aws(*args: str) -> bytes:
                done = subprocess.run(
                    [*aws_command(), *args], env=env, capture_output=True, timeout=120, check=False
                )
                assert done.returncode == 0, done.stderr.decode(errors="replace")
                return done.stdout

            aws("s3", "cp", "--recursive", "--only-show-errors", str(upload), f"s3://{bucket}/in/")
            for name, content in files.items():
                assert aws("s3", "cp", f"s3://{bucket}/in/{name}", "-") == content
            # 2 uploads (one of them multipart: 4 requests), 2 downloads (HEAD and GET each)
            assert proxy.requests_by_service["s3"] >= 9 + proxy.faults.total()
            assert (proxy.faults.total() > 0) == (rate > 0), proxy.summary()
    finally:
        remove_bucket(admin_s3, bucket)


# -- garbled answers ------------------------------------------------------------------------------


def test_garbled_faults_are_not_aws_answers_and_are_counted(
    test_emulator: MotoEmulator, keys: Credentials
) -> None:
    """Each shape at least once: an HTML 400 page, a 400 without a code, the upstream's answer
    cut short (a consistent Content-Length: the client reads the cut body)."""
    with FaultProxy(test_emulator.endpoint_url, rate=1.0, seed=4, kinds=("garbled",)) as proxy:
        port = int(proxy.endpoint_url.rsplit(":", 1)[1])
        bodies: list[tuple[int, str, bytes]] = []
        signed = AWSRequest(
            method="POST",
            url=proxy.endpoint_url + "/",
            data=b"Action=ListUsers&Version=2010-05-08",
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        credentials = BotocoreCredentials(keys.access_key_id, keys.secret_access_key)
        SigV4Auth(credentials, "iam", REGION).add_auth(signed)
        for _ in range(30):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("POST", "/", signed.body, dict(signed.headers))
            response = connection.getresponse()
            body = response.read()
            assert int(response.getheader("Content-Length") or -1) == len(body)
            bodies.append((response.status, response.getheader("Content-Type") or "", body))
            connection.close()
        faults = proxy.faults
        assert proxy.requests == faults.total() == 30
        assert set(faults) == {
            ("iam", c) for c in ("GarbledHtml", "GarbledNoCode", "GarbledTruncated")
        }
        assert proxy.faults_of("garbled") == {("iam", "ListUsers"): 30}
        assert proxy.faults_of("throttling") == {}
        html = [b for s, t, b in bodies if t == "text/html"]
        assert html and all(s == 400 for s, t, _ in bodies if t == "text/html")
        assert all(b.startswith(b"<html>") for b in html)
        assert any(s == 400 and b == b"" for s, _, b in bodies)  # no code at all
        cut = [b for s, _, b in bodies if s == 200]
        assert cut and all(
            b.startswith(b"<ListUsersResponse") and b"</ListUsersResponse>" not in b for b in cut
        )


def test_kinds_must_be_known() -> None:
    with pytest.raises(ValueError, match="kinds must be some of"):
        FaultProxy("http://127.0.0.1:9", rate=0.1, kinds=("garbled", "slow"))
