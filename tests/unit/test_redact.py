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
