"""Which line a run gives a server it cannot use (--endpoint-url): a moto server that decides IAM
with moto's own checks is named as such, however much state it holds and however busy the
machine is; something else is "not a moto server"."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import pytest
from moto.moto_api._internal.responses import MotoAPIResponse
from moto.server import ThreadedMotoServer

from handson.errors import SuiteUsageError
from handson.i18n import t
from handson.targets.emulator_server import MotoEmulator, free_port


@pytest.fixture
def plain_moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto's own server in this process, IAM with its managed policies loaded; its URL."""
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    boto3.client(
        "iam",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="a",
        aws_secret_access_key="b",
    ).list_users()  # IAM's backend, with its managed policies: data.json is then 4.5 MB
    try:
        yield url
    finally:
        server.stop()


def test_a_plain_moto_server_is_named_without_reading_its_whole_state(
    plain_moto: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """data.json is every backend's state: 1.6 s here, over the 5 s the check waited on a busy
    machine (the suite's own tests under load), when the line said "not a moto server". The
    check must not need it: here it fails as a timed-out read would."""
    read: list[str] = []

    def state_dump(self: MotoAPIResponse, *args: object, **kwargs: object) -> tuple:
        read.append("data.json")
        return 500, {}, b"timed out"

    monkeypatch.setattr(MotoAPIResponse, "model_data", state_dump)
    with pytest.raises(SuiteUsageError) as refused:
        MotoEmulator.attach(plain_moto, "ap-northeast-1", "handson-admin-test")
    assert str(refused.value) == t("endpoint.plain_moto", url=plain_moto)
    assert read == []


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
