"""What the fault proxy receives and sends back (``tests/helpers/fault_proxy.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

Headers = list[tuple[str, str]]


@dataclass(frozen=True)
class Request:
    """A client's request as the proxy received it (body de-chunked, hop-by-hop headers gone)."""

    method: str
    path: str  # origin-form: path and query, exactly as sent
    headers: Headers
    body: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query, keep_blank_values=True)


@dataclass(frozen=True)
class Answer:
    """What goes back to the client."""

    status: int
    reason: str
    headers: Headers
    body: bytes = b""
    code: str | None = None  # the error code, when the proxy made the answer up
