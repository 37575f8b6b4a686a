"""Issue 19, part 3: the nightly role of ci/sandbox-bootstrap.yaml fits the nightly job's calls.

The calls are the committed record (tests/corpus/nightly_calls.jsonl: an offline `--target aws`
run with its account guard, and a sweep); tests/test_aws_target.py and tests/test_sweeper.py
fail when their runs make a call that record lacks. Every call is allowed; every grant is used
by one, but those named in KEPT_UNUSED; and each grant, taken out, is missed."""

from __future__ import annotations

from collections import Counter

import pytest

from handson.call_record import read_calls
from tests.helpers.role_grants import grants, policies_without
from tests.helpers.sandbox_role import (
    KEPT_UNUSED,
    RECORDED,
    ROLE,
    check_calls,
    load_template,
    not_in_the_record,
    refusals,
    role_policies,
    unused_grants,
)

CALLS = read_calls(RECORDED)
TEMPLATE = load_template()


def test_the_record_holds_the_run_the_guard_and_the_sweep() -> None:
    principals = Counter(c["principal"] for c in CALLS if c["who"] == "provisioning")
    assert principals["account guard"] >= 2  # sts:GetCallerIdentity, iam:ListAccountAliases
    operations = {c["operation"] for c in CALLS}
    assert {"RunInstances", "SendCommand", "ListUsers", "GetParametersByPath"} <= operations
    assert {c["who"] for c in CALLS} == {"provisioning", "user"}


def test_the_nightly_role_allows_every_recorded_call() -> None:
    checks = check_calls(CALLS, role_policies(TEMPLATE))
    assert len(checks) > 100
    assert refusals(checks) == []


def test_every_grant_is_used_but_those_kept_for_a_reason() -> None:
    policies = role_policies(TEMPLATE)
    assert unused_grants(policies, check_calls(CALLS, policies)) == sorted(KEPT_UNUSED)


def test_calls_of_another_identity_are_not_the_roles_to_allow() -> None:
    others = [{**c, "who": who} for c in CALLS[:20] for who in ("user", "instance role")]
    assert check_calls(others, role_policies(TEMPLATE)) == []


def test_a_new_action_of_the_run_is_not_in_the_record() -> None:
    new = {"who": "provisioning", "action": "iam:CreateGroup"}
    assert not_in_the_record([new, *CALLS]) == ["iam:CreateGroup"]


@pytest.mark.parametrize(
    ("sid", "action"),
    [g for g in grants(TEMPLATE, ROLE) if f"{g[0]}: {g[1]}" not in KEPT_UNUSED],
    ids=lambda value: value,
)
def test_taking_out_a_grant_refuses_a_recorded_call(sid: str, action: str) -> None:
    refused = refusals(check_calls(CALLS, policies_without(TEMPLATE, ROLE, sid, action)))
    assert refused, f"{sid}: {action} taken out, and nothing refused"
    assert all(f": {action} on " in line for line in refused), refused
