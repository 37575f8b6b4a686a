"""handson.policies: IAM's size limits, counted as IAM counts them, with the run's name in; a file
too large is refused before it is read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from handson.errors import SuiteUsageError
from handson.names import PLACEHOLDER
from handson.policies import (
    MANAGED_POLICY_MAX_CHARS,
    MAX_POLICY_FILE_BYTES,
    ROLE_POLICY_FILE,
    TRUST_POLICY_FILE,
    TRUST_POLICY_MAX_CHARS,
    USER_POLICY_FILE,
    PolicySet,
    load_policy_set,
    policy_size,
)
from tests.helpers.policy_files import IDENTITY, policy_dir, usage_error, write

NAME = "abcdefghij"  # 10 characters where the placeholder has 7: the rendered policy grows by 3


def render(text: str) -> str:
    return text.replace(PLACEHOLDER, NAME)


def sized(size: int, *, trust: bool = False) -> dict[str, Any]:
    """A document of exactly ``size`` characters without whitespace once rendered."""

    def document(padding: int) -> dict[str, Any]:
        if trust:
            statement = {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:PrincipalTag/run": PLACEHOLDER + "x" * padding}
                },
            }
        else:
            resource = f"arn:aws:s3:::handson-s3-1-{PLACEHOLDER}/" + "x" * padding
            statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": resource}
        return {"Version": "2012-10-17", "Statement": [statement]}

    def rendered_size(padding: int) -> int:
        return policy_size(json.loads(render(json.dumps(document(padding), ensure_ascii=False))))

    padding = size - rendered_size(0)
    assert rendered_size(padding) == size
    return document(padding)


def size_error(policies: PolicySet) -> str:
    with pytest.raises(SuiteUsageError) as caught:
        policies.check_sizes(render)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_size_is_counted_without_whitespace() -> None:
    spaced = json.dumps(IDENTITY, indent=8)
    assert policy_size(json.loads(spaced)) == len(json.dumps(IDENTITY).replace(" ", ""))


def test_seed_policies_are_well_within_the_limits() -> None:
    load_policy_set().check_sizes(render)


@pytest.mark.parametrize("file_name", [USER_POLICY_FILE, ROLE_POLICY_FILE])
def test_managed_policy_of_6144_characters_is_accepted(tmp_path: Path, file_name: str) -> None:
    policy_dir(tmp_path)
    write(tmp_path / file_name, sized(MANAGED_POLICY_MAX_CHARS))
    load_policy_set(tmp_path).check_sizes(render)


@pytest.mark.parametrize("file_name", [USER_POLICY_FILE, ROLE_POLICY_FILE])
def test_managed_policy_of_6145_characters_is_refused(tmp_path: Path, file_name: str) -> None:
    policy_dir(tmp_path)
    write(tmp_path / file_name, sized(MANAGED_POLICY_MAX_CHARS + 1))
    assert size_error(load_policy_set(tmp_path)) == (
        f"{tmp_path / file_name}: 6,145 characters without whitespace; "
        "IAM allows 6,144 in a managed policy"
    )


def test_the_runs_name_counts_towards_the_size(tmp_path: Path) -> None:
    policy_dir(tmp_path, role=sized(MANAGED_POLICY_MAX_CHARS + 1))
    policies = load_policy_set(tmp_path)
    assert policy_size(policies.role.document()) == MANAGED_POLICY_MAX_CHARS - 2  # placeholder
    assert "6,145 characters" in size_error(policies)


def test_trust_policy_of_2048_characters_is_accepted(tmp_path: Path) -> None:
    policies = load_policy_set(
        policy_dir(tmp_path, trust=sized(TRUST_POLICY_MAX_CHARS, trust=True))
    )
    assert policies.trust.path == tmp_path / TRUST_POLICY_FILE
    policies.check_sizes(render)


def test_trust_policy_over_2048_characters_is_refused(tmp_path: Path) -> None:
    policy_dir(tmp_path, trust=sized(TRUST_POLICY_MAX_CHARS + 1, trust=True))
    message = size_error(load_policy_set(tmp_path))
    assert message.startswith(
        f"{tmp_path / TRUST_POLICY_FILE}: 2,049 characters without whitespace; "
        "IAM allows 2,048 in a role trust policy"
    )
    assert "4,096" in message
    assert "Service Quotas" in message


def test_huge_file_is_refused_without_being_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy_dir(tmp_path)
    huge = tmp_path / USER_POLICY_FILE  # the first file loaded: nothing is read before it
    # Valid JSON even: the whitespace would not count, but no real policy is near this size.
    huge.write_text(json.dumps(IDENTITY) + " " * MAX_POLICY_FILE_BYTES, encoding="utf-8")

    # The other files are still read: every problem of every file is named in one run.
    def refuse(original: Any) -> Any:
        def not_read(self: Any, *args: Any, **kwargs: Any) -> Any:
            if self == huge or (isinstance(self, str) and len(self) > MAX_POLICY_FILE_BYTES):
                raise AssertionError("the huge file was read or parsed")
            return original(self, *args, **kwargs)

        return not_read

    for method in ("read_text", "read_bytes", "open"):
        monkeypatch.setattr(Path, method, refuse(getattr(Path, method)))
    monkeypatch.setattr("handson.policies.json.loads", refuse(json.loads))
    message = usage_error(tmp_path)
    size = huge.stat().st_size
    assert size > MAX_POLICY_FILE_BYTES
    assert message.startswith(f"{huge}: {size:,} bytes, too large for a policy file")


def test_file_of_exactly_the_byte_limit_is_still_read(tmp_path: Path) -> None:
    policy_dir(tmp_path)
    text = json.dumps(IDENTITY)
    padded = text + " " * (MAX_POLICY_FILE_BYTES - len(text))
    (tmp_path / ROLE_POLICY_FILE).write_text(padded, encoding="utf-8")
    assert load_policy_set(tmp_path).role.document() == IDENTITY


# -- the learner's name, from the bucket ARNs of their files -----------------------------------
