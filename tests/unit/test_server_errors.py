"""A test's own HTTP server that raises while answering fails the test when it closes; a client
that hangs up does not (tests/helpers/server_errors.py). Nor does pytest only warn of a thread's
exception (tests/conftest.py)."""

from __future__ import annotations

import contextlib
import http.client
import urllib.request
from http.server import BaseHTTPRequestHandler

import pytest

from tests.helpers.fakes import http_server


class _Answers(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/broken":
            raise ValueError("a bug in the helper")
        if self.path == "/hung-up":
            raise ConnectionResetError("the client went away")
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _get(url: str) -> None:
    # A handler that raised dropped the connection: the client's error, not the test's.
    with contextlib.suppress(OSError, http.client.HTTPException):
        urllib.request.urlopen(url, timeout=5).read()


def test_a_handler_that_raises_fails_the_block_and_says_what() -> None:
    with pytest.raises(AssertionError) as raised, http_server(_Answers) as url:
        _get(f"{url}/fine")
        _get(f"{url}/broken")
    assert "raised 1 time(s)" in str(raised.value)
    assert "ValueError: a bug in the helper" in str(raised.value)


def test_a_client_that_hangs_up_and_answers_that_went_well_pass() -> None:
    with http_server(_Answers) as url:
        _get(f"{url}/fine")
        _get(f"{url}/hung-up")


def test_an_exception_in_a_thread_fails_the_test(pytestconfig: pytest.Config) -> None:
    """The tests' configuration (tests/conftest.py): pytest would only warn of a thread's
    exception, or of one Python could not raise, and the test would pass."""
    taken = pytestconfig.getini("filterwarnings")
    assert "error::pytest.PytestUnhandledThreadExceptionWarning" in taken, taken
    assert "error::pytest.PytestUnraisableExceptionWarning" in taken, taken
