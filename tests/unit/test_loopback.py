"""Requests to this machine go direct, whatever proxy the environment names; others keep it."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from handson import loopback
from handson.aws import Credentials, Principal
from handson.errors import SuiteUsageError
from handson.targets.emulator_server import MotoEmulator

DEAD_PROXY = "http://127.0.0.1:9"  # the discard port: nothing answers there


@pytest.mark.parametrize(
    ("url", "direct"),
    [
        ("http://127.0.0.1:5000", True),
        ("http://127.8.9.10:5000/", True),
        ("http://localhost:5000", True),
        ("http://[::1]:5000", True),
        ("https://sts.ap-northeast-1.amazonaws.com", False),
        ("http://10.0.0.5:5000", False),
        ("http://moto.example:5000", False),
        (None, False),
    ],
)
def test_only_this_machine_is_the_loopback(url: str | None, direct: bool) -> None:
    assert loopback.is_loopback(url) is direct


@pytest.fixture
def proxied(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.setenv(variable, DEAD_PROXY)
    monkeypatch.setenv("no_proxy", "localhost")
    monkeypatch.delenv("NO_PROXY", raising=False)


def _proxies_of(endpoint_url: str | None) -> str | None:
    """The proxy a client of the principal sends its requests through."""
    principal = Principal("p", Credentials("AKIDEXAMPLE", "secret"), "ap-northeast-1", endpoint_url)
    endpoint = principal.client("sts")._endpoint
    return endpoint.http_session._proxy_config.proxy_url_for(endpoint.host)


def test_clients_of_the_emulator_go_direct_and_of_aws_keep_the_proxy(proxied: None) -> None:
    assert _proxies_of("http://127.0.0.1:5000") is None
    assert _proxies_of(None) == DEAD_PROXY  # sts.<region>.amazonaws.com, through the proxy


@pytest.fixture
def local_server() -> Iterator[str]:
    class Hello(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"hello")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_the_suites_own_requests_to_the_loopback_go_direct(
    proxied: None, local_server: str
) -> None:
    with loopback.urlopen(local_server, timeout=5) as answer:
        assert answer.read() == b"hello"


def test_an_emulator_that_never_answers_is_one_line_naming_the_likely_causes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its port open and no answer (one not open yet is still starting: test_emulator_start)."""
    import handson.targets.emulator_server as emulator_server

    monkeypatch.setattr(MotoEmulator, "_alive", lambda self: False)
    monkeypatch.setattr(emulator_server, "port_taken", lambda port: True)
    with pytest.raises(SuiteUsageError) as refused:
        MotoEmulator.start("ap-northeast-1", "handson-admin-test", budget=0.5)
    line = str(refused.value)
    assert "\n" not in line and "proxy" in line and "firewall" in line and "127.0.0.1" in line
