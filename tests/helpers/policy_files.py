"""A folder of policy files written for a test, and the one line a folder that cannot be used
gives: shared by the tests of handson.policies (tests/unit/test_policies.py, test_policy_*.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from handson.errors import SuiteUsageError
from handson.policies import ROLE_POLICY_FILE, TRUST_POLICY_FILE, USER_POLICY_FILE, load_policy_set

IDENTITY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}
TRUST: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def write(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def policy_dir(
    base: Path, *, user: Any = IDENTITY, role: Any = IDENTITY, trust: Any = None
) -> Path:
    write(base / USER_POLICY_FILE, user)
    write(base / ROLE_POLICY_FILE, role)
    if trust is not None:
        write(base / TRUST_POLICY_FILE, trust)
    return base


def usage_error(directory: Path) -> str:
    with pytest.raises(SuiteUsageError) as caught:
        load_policy_set(directory)
    message = str(caught.value)
    assert "\n" not in message
    return message
