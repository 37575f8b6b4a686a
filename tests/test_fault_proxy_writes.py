"""The fault proxy forwards what is written byte for byte and makes up faults that are not AWS's
answers when asked: a response lost after the write (the write happened), a signed chunked
upload and the AWS CLI's uploads through it, garbled answers counted. Apart from
tests/test_fault_proxy.py, so that each file stays short."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import subprocess
from pathlib import Path

import pytest
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotocoreCredentials

from handson.targets.emulator_server import MotoEmulator
from handson.targets.warm_cli import aws_command
from tests.helpers.fault_proxy import FaultProxy
from tests.helpers.fault_proxy_cases import REGION, client, error_of, remove_bucket, unique


def test_lost_response_iam_create_user(test_emulator: MotoEmulator) -> None:
    keys = test_emulator.admin.credentials
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
    test_emulator: MotoEmulator,
) -> None:
    keys = test_emulator.admin.credentials
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
    test_emulator: MotoEmulator,
) -> None:
    """A body sent with Transfer-Encoding: chunked reaches moto whole, and moto still finds the
    signature (computed over Host and the payload's SHA-256) right."""
    keys = test_emulator.admin.credentials
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
    tmp_path: Path,
    rate: float,
    retries: dict[str, str],
) -> None:
    """The AWS CLI's own S3 transfers (flexible checksums, 100-continue, multipart above 8 MiB)
    go through the proxy unchanged, and ride out its faults when told to retry."""
    keys = test_emulator.admin.credentials
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
    test_emulator: MotoEmulator,
) -> None:
    """Each shape at least once: an HTML 400 page, a 400 without a code, the upstream's answer
    cut short (a consistent Content-Length: the client reads the cut body)."""
    keys = test_emulator.admin.credentials
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
