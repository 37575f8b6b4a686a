"""Which line a run gives a server it cannot use (--endpoint-url): a moto server that decides IAM
with moto's own checks is named as such, however much state it holds and however busy the
machine is; something else is "not a moto server"."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError

from handson.errors import SuiteUsageError
from handson.i18n import t
from handson.targets.emulator_server import MotoEmulator, free_port

# moto's own server, as anyone starts it, with the dashboard's data.json failing as a read that
# took too long does (in a process of its own: a worker of the suite's tests has the suite's
# engine in its own moto, which would decide with it).
LAUNCH = """
import sys
from moto.moto_api._internal.responses import MotoAPIResponse

def state_dump(self, *args, **kwargs):
    return 500, {}, b"timed out"

MotoAPIResponse.model_data = state_dump
from moto.server import main

main(sys.argv[1:])
"""


@pytest.fixture
def plain_moto() -> Iterator[str]:
    """moto's own server, IAM with its managed policies loaded (data.json: 4.5 MB); its URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    server = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    iam = boto3.client(
        "iam",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="a",
        aws_secret_access_key="b",
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                iam.list_users()  # IAM's backend, with its managed policies
                break
            except EndpointConnectionError:
                assert time.monotonic() < deadline, "moto did not start"
                time.sleep(0.1)
        yield url
    finally:
        server.kill()
        server.wait(timeout=30)


def test_a_plain_moto_server_is_named_without_reading_its_whole_state(plain_moto: str) -> None:
    """data.json is every backend's state: 1.6 s here, over the 5 s the check waited on a busy
    machine (the suite's own tests under load), when the line said "not a moto server". Here
    it fails as a read that timed out would: the line must still name moto's own checks."""
    with pytest.raises(SuiteUsageError) as refused:
        MotoEmulator.attach(plain_moto, "ap-northeast-1", "handson-admin-test")
    assert str(refused.value) == t("endpoint.plain_moto", url=plain_moto)


def test_a_web_server_that_is_not_moto_is_said_not_to_be_one(tmp_path: Path) -> None:
    """A server that answers, but not as moto does (here Python's file server, whose
    /moto-api/ is a 404 page and moto-api/config a JSON list): "not a moto server"."""
    (tmp_path / "moto-api").mkdir()
    (tmp_path / "moto-api" / "index.html").write_text("<p>not moto</p>", "utf-8")
    (tmp_path / "moto-api" / "config").write_text("[]", "utf-8")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            with pytest.raises(SuiteUsageError) as refused:
                MotoEmulator.attach(url, "ap-northeast-1", "handson-admin-test")
        finally:
            server.shutdown()
    assert str(refused.value) == t("endpoint.not_moto", url=url)
