"""The IAM user's console password: made here, checked against the account's policy, never shown."""

from __future__ import annotations

import secrets
import string
from typing import Any

from handson.secrets import register_secret

SYMBOLS = "!@#$%^&*()_+-=[]{}|"
# What AWS enforces when the account has no custom password policy.
DEFAULT_POLICY: dict[str, Any] = {"MinimumPasswordLength": 8, "ThreeOfFourCharacterTypes": True}


def make_password(length: int = 24) -> str:
    classes = [string.ascii_uppercase, string.ascii_lowercase, string.digits, SYMBOLS]
    chars = [secrets.choice(c) for c in classes]
    everything = "".join(classes)
    chars += [secrets.choice(everything) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    password = "".join(chars)
    register_secret(password)
    return password


def policy_problems(password: str, policy: dict[str, Any]) -> list[str]:
    """What ``password`` lacks under an IAM password policy (GetAccountPasswordPolicy's shape)."""
    problems = []
    minimum = int(policy.get("MinimumPasswordLength", 8))
    if len(password) < minimum:
        problems.append(f"shorter than {minimum} characters")
    kinds = {
        "RequireUppercaseCharacters": any(c in string.ascii_uppercase for c in password),
        "RequireLowercaseCharacters": any(c in string.ascii_lowercase for c in password),
        "RequireNumbers": any(c in string.digits for c in password),
        "RequireSymbols": any(c in SYMBOLS for c in password),
    }
    for rule, present in kinds.items():
        if policy.get(rule) and not present:
            problems.append(f"{rule} is not met")
    if policy.get("ThreeOfFourCharacterTypes") and sum(kinds.values()) < 3:
        problems.append("fewer than three of the four character types")
    return problems
