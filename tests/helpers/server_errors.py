"""What a test's own HTTP server raised while answering, kept until the server closes.

``socketserver`` prints an error of a request handler ("Exception occurred during processing of
request from ...") and goes on serving: the client sees its connection dropped, botocore sends
the request again, and the test may pass on the second answer with the helper's error shown
only in the log. Kept here, it fails the test when the server closes. A client that hangs up
(an ``OSError`` on the connection: a browser that stops loading a file, a client's timeout) is
the client's business and is not kept.
"""

from __future__ import annotations

import sys
import traceback
from socketserver import BaseServer
from typing import Any


class ServerErrors:
    """Installed on a server (``ServerErrors(server)``); ``check()`` once it has closed."""

    def __init__(self, server: BaseServer, what: str) -> None:
        self.what = what
        self.errors: list[str] = []
        server.handle_error = self._keep  # type: ignore[method-assign]

    def _keep(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, OSError):  # the client hung up, or the server is closing
            return
        self.errors.append("".join(traceback.format_exc()))

    def check(self) -> None:
        """Raise if the server's handlers raised; nothing otherwise."""
        if self.errors:
            raise AssertionError(
                f"{self.what} raised {len(self.errors)} time(s) while answering:\n"
                + "\n".join(self.errors)
            )
