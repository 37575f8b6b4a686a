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
# prints response bodies (CreateAccessKey, AssumeRole, CreateVirtualMFADevice's seed and QR code)
# and request parameters (a console password, the MFA codes) and headers (a request's signature).
_NAMES = (
    "SecretAccessKey|SessionToken|Password|Base32StringSeed|QRCodePNG|AuthenticationCode[12]|"
    "TokenCode|aws_secret_access_key|aws_session_token|X-Amz-Security-Token|X-Amz-Signature"
)
_SECRET_SHAPES = [
    # <Password>...</Password>: an XML body
    re.compile(rf"<({_NAMES})>(?P<value>[^<]*)</\1>"),
    # 'Password': 'a&b}c', "Password": "...", Password=..., b'...': a value in quotes is masked
    # up to its closing quote (a password may hold & or }), one without up to a separator.
    re.compile(
        rf"""["']?(?:{_NAMES})["']?\s*[:=]\s*b?"""
        r"""(?:'(?P<single>(?:[^'\\]|\\.)*)'|"(?P<double>(?:[^"\\]|\\.)*)"|"""
        r"""(?P<bare>[^"'\s,&}>]+))"""
    ),
    # Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=<hex>
    re.compile(r"Signature=(?P<value>[0-9a-fA-F]{64})"),
]


def _spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` holds a secret: a value in a secret's shape, and each registered secret."""
    found = []
    for shape in _SECRET_SHAPES:
        for match in shape.finditer(text):
            group = next(g for g in ("value", "single", "double", "bare") if _has(match, g))
            found.append(match.span(group))
    with _lock:
        known = list(_secrets)
    for secret in known:
        at = text.find(secret)
        while at >= 0:
            found.append((at, at + len(secret)))
            at = text.find(secret, at + 1)
    return sorted(span for span in found if span[1] > span[0])


def _has(match: re.Match[str], group: str) -> bool:
    return group in match.re.groupindex and match.group(group) is not None


def redact(text: str) -> str:
    """``text`` with each secret in it masked. What is masked is found in ``text`` as it was
    given, and overlapping finds are masked as one: a value whose shape ends early (a password
    with & in it) is still masked whole where the secret is known, and a short secret registered
    by a test that is part of a key's name leaves the value after the name found."""
    spans = _spans(text)
    if not spans:
        return text
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces, at = [], 0
    for start, end in merged:
        pieces += [text[at:start], MASK]
        at = end
    pieces.append(text[at:])
    return "".join(pieces)


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
