"""Unit tests of handson.passwords: the console password and the account's password policy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import handson.secrets
from handson.passwords import DEFAULT_POLICY, make_password, policy_problems

STRICT_POLICY: dict[str, Any] = {
    "MinimumPasswordLength": 14,
    "RequireUppercaseCharacters": True,
    "RequireLowercaseCharacters": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
}


@pytest.fixture(autouse=True)
def fresh_secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Keep this file's secrets out of the process-wide registry."""
    monkeypatch.setattr(handson.secrets, "_secrets", set())
    yield


@pytest.mark.parametrize("policy", [DEFAULT_POLICY, STRICT_POLICY], ids=["default", "strict"])
def test_made_password_meets_the_policy(policy: dict[str, Any]) -> None:
    for _ in range(50):
        password = make_password()
        assert policy_problems(password, policy) == []


def test_made_password_has_the_asked_length() -> None:
    assert len(make_password()) == 24
    assert len(make_password(16)) == 16


def test_short_length_still_has_every_class() -> None:
    assert policy_problems(make_password(4), {**STRICT_POLICY, "MinimumPasswordLength": 4}) == []


def test_made_passwords_differ() -> None:
    assert make_password() != make_password()


def test_made_password_is_a_registered_secret() -> None:
    password = make_password()
    assert handson.secrets.redact(password) == "****"
    assert handson.secrets.redact(f"pw={password};") == "pw=****;"


@pytest.mark.parametrize(
    ("password", "missing"),
    [
        ("abcdefgh1234!@#$", "RequireUppercaseCharacters"),
        ("ABCDEFGH1234!@#$", "RequireLowercaseCharacters"),
        ("ABCDefghIJKL!@#$", "RequireNumbers"),
        ("ABCDefghIJKL1234", "RequireSymbols"),
    ],
)
def test_each_missing_class_is_reported(password: str, missing: str) -> None:
    assert policy_problems(password, STRICT_POLICY) == [f"{missing} is not met"]


def test_short_password_is_reported() -> None:
    assert policy_problems("Ab1!Ab1!Ab1!", STRICT_POLICY) == ["shorter than 14 characters"]


def test_default_minimum_is_eight() -> None:
    assert policy_problems("Ab1!Ab1", {}) == ["shorter than 8 characters"]
    assert policy_problems("Ab1!Ab1!", {}) == []


def test_several_problems_are_all_reported() -> None:
    problems = policy_problems("abc", STRICT_POLICY)
    assert "shorter than 14 characters" in problems
    assert "RequireUppercaseCharacters is not met" in problems
    assert "RequireNumbers is not met" in problems
    assert "RequireSymbols is not met" in problems
    assert "RequireLowercaseCharacters is not met" not in problems


def test_three_of_four_character_types() -> None:
    assert policy_problems("abcdefgh", DEFAULT_POLICY) == [
        "fewer than three of the four character types"
    ]
    assert policy_problems("abcdEFGH", DEFAULT_POLICY) == [
        "fewer than three of the four character types"
    ]
    assert policy_problems("abcdEF12", DEFAULT_POLICY) == []


def test_requirements_off_are_not_checked() -> None:
    assert policy_problems("aaaaaaaa", {"MinimumPasswordLength": 8}) == []
