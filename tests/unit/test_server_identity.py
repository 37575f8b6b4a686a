"""Whether the server a run attached to (``--endpoint-url``) is still the one there
(handson.targets.server_identity): only a refused connection or another server's name tells
that it is gone; a slow or garbled answer never does."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from handson.targets.emulator_process import free_port
from handson.targets.server_identity import ask, away


def serving(answer: bytes, delay: float = 0) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(delay)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def named_abc() -> Iterator[str]:
    yield from serving(json.dumps({"server": "abc"}).encode())


def test_the_same_server_is_there(named_abc: str) -> None:
    assert ask(named_abc).token == "abc"
    assert not away(named_abc, "abc")


def test_another_server_in_its_place_is_not_the_one_attached_to(named_abc: str) -> None:
    assert away(named_abc, "def")


def test_nothing_listening_is_gone() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    assert ask(url).refused
    assert away(url, "abc") and away(url, None)


def test_a_name_not_known_tells_only_a_refusal(named_abc: str) -> None:
    assert not away(named_abc, None)


@pytest.mark.parametrize(
    "answer",
    [b"not json", b"[]", json.dumps({"server": 5}).encode()],
    ids=["text", "a list", "a number"],
)
def test_a_garbled_answer_is_not_taken_for_gone(answer: bytes) -> None:
    for url in serving(answer):
        assert ask(url).token is None and not ask(url).refused
        assert not away(url, "abc")


def test_a_slow_answer_is_not_taken_for_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    import handson.targets.server_identity as identity

    real = identity.ask
    monkeypatch.setattr(identity, "ask", lambda url, timeout: real(url, timeout=0.2))
    for url in serving(b"{}", delay=1):
        assert not identity.away(url, "abc")


def _attached(tags: list[dict[str, str]]) -> Any:
    from handson.aws import Credentials, Principal
    from handson.targets.emulator_server import MotoEmulator

    emulator = MotoEmulator("http://127.0.0.1:9", "ap-northeast-1", "handson-admin-x", tags)
    emulator.admin = Principal("admin", Credentials("AKIDX", "s"), "ap-northeast-1", None)
    return emulator


def test_an_admin_not_removed_is_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The run has ended when its admin is removed from a server somebody else started: a
    failure there was a traceback from pytest_unconfigure, and exit code 1."""
    from handson.errors import SuiteUsageError
    from handson.names import TAG_RUN

    emulator = _attached([{"Key": TAG_RUN, "Value": "20261206-093000-abcdef"}])

    def refused() -> None:
        raise SuiteUsageError("the server does not answer like moto")

    monkeypatch.setattr(emulator, "_remove_admin", refused)
    emulator.close()
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("handson: could not remove the admin handson-admin-x "), line
    sweep = "handson sweep --run 20261206-093000-abcdef --delete --allowed-account 123456789012"
    assert f"{sweep} --endpoint-url http://127.0.0.1:9 removes it" in line, line


def test_the_admin_of_a_server_seen_gone_is_not_removed(monkeypatch: pytest.MonkeyPatch) -> None:
    emulator = _attached([])
    emulator.gone_reason = "the emulator at --endpoint-url ... stopped answering"

    def removal() -> None:
        raise AssertionError("no removal is sent to a server that is gone")

    monkeypatch.setattr(emulator, "_remove_admin", removal)
    emulator.close()
