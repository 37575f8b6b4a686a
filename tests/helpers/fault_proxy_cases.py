"""What the fault proxy's tests share (tests/test_fault_proxy.py, tests/test_fault_proxy_writes.py):
unique names, a client of no host configuration through the proxy, an error caught, a bucket
removed."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from handson.aws import Credentials, isolated_session

REGION = "ap-northeast-1"


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
