"""Redaction (handson/secrets.py): a value in a secret's shape is masked whatever else is known
to be secret."""

from __future__ import annotations

import pytest

from handson import secrets


def test_a_known_secret_in_a_keys_name_leaves_the_keys_value_masked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A short secret registered by a test ("secret") changed aws_secret_access_key's name
    before the shape was looked for, and the value after it was left as it was."""
    monkeypatch.setattr(secrets, "_secrets", {"secret"})
    said = secrets.redact(
        "aws_secret_access_key=wJalrXUtnFEMIexample <SessionToken>t0k</SessionToken>"
    )
    assert "wJalrXUtnFEMIexample" not in said and "t0k" not in said, said


def test_a_password_with_an_ampersand_or_a_brace_is_masked_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The console password's symbols include & and }: botocore's DEBUG line of the request's
    parameters showed the rest of it after the first of them (``'****&Cd2}Ef3x'``)."""
    monkeypatch.setattr(secrets, "_secrets", set())
    logged = "{'UserName': 'u', 'Password': 'Ab1&Cd2}Ef3x', 'PasswordResetRequired': True}"
    assert secrets.redact(logged) == (
        "{'UserName': 'u', 'Password': '****', 'PasswordResetRequired': True}"
    )
    monkeypatch.setattr(secrets, "_secrets", {"Ab1&Cd2}Ef3x"})
    said = secrets.redact("Password=Ab1&Cd2}Ef3x; 'Password': \"it's&}\"")
    assert said == "Password=****; 'Password': \"****\"", said


@pytest.mark.parametrize(
    "logged",
    [
        # CreateVirtualMFADevice's answer, before the run has the seed to register it
        "<Base32StringSeed>QUJDREVGR0g=</Base32StringSeed><QRCodePNG>iVBORw0KGgo=</QRCodePNG>",
        "{'Base32StringSeed': b'QUJDREVGR0g=', 'QRCodePNG': b'iVBORw0KGgo='}",
        # EnableMFADevice's and GetSessionToken's codes
        "{'AuthenticationCode1': '633891', 'AuthenticationCode2': '204417'}",
        "{'SerialNumber': 'arn:aws:iam::1:mfa/u', 'TokenCode': '633891'}",
        # a request's signature, in botocore's DEBUG line of its headers
        "'Authorization': b'AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261208/us-east-1/iam/"
        "aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "0a" * 32 + "'",
        "https://b.s3.amazonaws.com/k?X-Amz-Signature=" + "0a" * 32,
    ],
)
def test_the_mfa_seed_codes_and_signatures_are_masked(
    logged: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(secrets, "_secrets", set())
    said = secrets.redact(logged)
    for value in ("QUJDREVGR0g", "iVBORw0KGgo", "633891", "204417", "0a" * 32):
        assert value not in said, said
    assert secrets.MASK in said


def test_what_is_not_a_secret_is_left_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets, "_secrets", set())
    text = (
        "{'MinimumPasswordLength': 8, 'PasswordResetRequired': False, 'PasswordLastUsed': 'x',"
        " 'SerialNumber': 'arn:aws:iam::1:mfa/u', 'AccessKeyId': 'AKIAEXAMPLE'}"
    )
    assert secrets.redact(text) == text
