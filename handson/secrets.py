"""Every secret the run handles is registered here and masked from anything written out."""

from __future__ import annotations

import os
import threading

MASK = "****"
_lock = threading.Lock()
_secrets: set[str] = set()

# The host's own credentials are secrets of the run too, even though the suite never uses them.
_HOST_SECRET_VARIABLES = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


def register_secret(value: str | None) -> None:
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


def register_host_secrets(environ: dict[str, str] | None = None) -> None:
    env = os.environ if environ is None else environ
    for name in _HOST_SECRET_VARIABLES:
        register_secret(env.get(name))


def redact(text: str) -> str:
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        text = text.replace(secret, MASK)
    return text
