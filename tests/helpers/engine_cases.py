"""What the emulator-engine tests (tests/engine/) share: the policies they write, AWS's error
code and status of a refused call, a role's session as a principal."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from handson.aws import Credentials, Principal
from handson.targets.emulator_server import MotoEmulator

ACCOUNT = "123456789012"
EC2_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def error_of(call: Callable[[], Any]) -> tuple[str, int]:
    with pytest.raises(ClientError) as raised:
        call()
    response = raised.value.response
    return str(response["Error"]["Code"]), int(response["ResponseMetadata"]["HTTPStatusCode"])


def list_grant(bucket: str, condition: dict[str, Any]) -> str:
    """A policy that lets its holder list ``bucket`` under ``condition`` only."""
    return policy(
        {
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": f"arn:aws:s3:::{bucket}",
            "Condition": condition,
        }
    )


def as_role(emulator: MotoEmulator, credentials: Credentials) -> Principal:
    return Principal("role", credentials, emulator.region, emulator.endpoint_url)
