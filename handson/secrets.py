"""Every secret the run handles is registered here and masked from anything written out."""

from __future__ import annotations

import logging
import os
import re
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


# Secrets in transit, before the suite has seen them to register them: botocore's DEBUG log
# prints response bodies (CreateAccessKey, AssumeRole) and request headers and parameters.
_SECRET_SHAPES = [
    re.compile(r"(<(SecretAccessKey|SessionToken|Password)>)[^<]*(</\2>)"),
    re.compile(
        r"""(["']?(?:SecretAccessKey|SessionToken|Password|aws_secret_access_key|"""
        r"""aws_session_token|X-Amz-Security-Token)["']?\s*[:=]\s*b?["']?)[^"'\s,&}>]+"""
    ),
]


def redact(text: str) -> str:
    # The shapes first: a known secret that is part of a key's name (a short one registered by
    # a test) would otherwise change the name so that its shape no longer matched its value.
    text = _SECRET_SHAPES[0].sub(rf"\1{MASK}\3", text)
    text = _SECRET_SHAPES[1].sub(rf"\1{MASK}", text)
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        text = text.replace(secret, MASK)
    return text


def redact_all_logging() -> None:
    """Mask registered secrets in every log record, from any library, at any level.

    botocore's DEBUG log shows request headers (a session token among them); pytest and allure
    copy captured logs into their reports.
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, "handson_redacting", False):
        return

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken log call is not ours to fix
            return record
        record.msg, record.args = redact(message), None
        return record

    factory.handson_redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
