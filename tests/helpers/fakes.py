"""Small test doubles shared by the suite's own tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


@contextmanager
def http_server(handler: Callable[..., BaseHTTPRequestHandler]) -> Iterator[str]:
    """A small HTTP server of the test's own on loopback; its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
