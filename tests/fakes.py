"""Small test doubles shared by the suite's own tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.stub import Stubber


class Clock:
    """A clock that only moves when the code under test pauses."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def pause(self, seconds: float) -> None:
        self.now += seconds


@contextmanager
def stubbed(service: str) -> Iterator[tuple[Any, Stubber]]:
    """A client whose answers are stubbed, and that must use every stubbed answer."""
    client = boto3.session.Session(
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="not-a-secret",
        region_name="ap-northeast-1",
    ).client(service)
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()
