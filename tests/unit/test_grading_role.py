"""Issue 19, part 3: the grading role of ci/grading-role.yaml (grade-class.yml assumes it in each
learner's account) allows every call of a recorded ``handson grade`` in the learner's account
(tests/corpus/grading_calls.jsonl, from tests/test_grade_class.py, which fails on a call that
record lacks), only reads, and nothing that no call uses but the reads the template names."""

from __future__ import annotations

import re

import pytest

from handson.call_record import read_calls
from tests.helpers.grading_role import RECORDED, ROLE, TEMPLATE, WHEN_PRESENT, in_the_account
from tests.helpers.role_grants import grants, policies_without
from tests.helpers.sandbox_role import (
    ROOT,
    check_calls,
    load_template,
    refusals,
    role_policies,
    unused_grants,
)

CALLS = read_calls(RECORDED)
ROLE_TEMPLATE = load_template(TEMPLATE)
WHEN = [f"{sid}: {action}" for sid, action in grants(ROLE_TEMPLATE, ROLE) if sid == WHEN_PRESENT]


def test_the_replays_calls_are_not_the_accounts() -> None:
    replay = {"principal": "bootstrap", "endpoint": "http://127.0.0.1:1"}
    mine = {"principal": "account guard", "endpoint": "https://aws.example"}
    admin = {"principal": "emulator admin", "endpoint": "http://127.0.0.1:1"}
    assert in_the_account([replay, mine, admin]) == [mine]


def test_the_record_is_a_class_graded_in_its_accounts() -> None:
    operations = {c["operation"] for c in CALLS}
    assert {"ListAccountAliases", "GetUser", "DescribeInstances", "ListObjectsV2"} <= operations
    assert {c["who"] for c in CALLS} == {"provisioning"}
    assert len({c["principal"] for c in CALLS}) == 4  # the guard, two profiles, an assumed role


def test_the_grading_role_allows_every_recorded_call() -> None:
    checks = check_calls(CALLS, role_policies(ROLE_TEMPLATE, ROLE))
    assert len(checks) > 50
    assert refusals(checks) == []


def test_every_grant_is_used_but_the_reads_some_accounts_need() -> None:
    policies = role_policies(ROLE_TEMPLATE, ROLE)
    assert unused_grants(policies, check_calls(CALLS, policies)) == WHEN
    assert len(WHEN) == 8


def test_the_grading_role_only_reads() -> None:
    actions = [action for _, action in grants(ROLE_TEMPLATE, ROLE)]
    assert all(re.fullmatch(r"\w+:(Get|List|Describe)\w+", a) for a in actions), actions


@pytest.mark.parametrize(
    ("sid", "action"),
    [g for g in grants(ROLE_TEMPLATE, ROLE) if g[0] != WHEN_PRESENT],
    ids=lambda value: value,
)
def test_taking_out_a_grant_refuses_a_recorded_call(sid: str, action: str) -> None:
    refused = refusals(check_calls(CALLS, policies_without(ROLE_TEMPLATE, ROLE, sid, action)))
    assert refused, f"{sid}: {action} taken out, and nothing refused"
    assert all(f": {action} on " in line for line in refused), refused


def test_the_workflow_and_the_docs_point_to_the_template() -> None:
    for path in (".github/workflows/grade-class.yml", "docs/grading.md"):
        assert "ci/grading-role.yaml" in (ROOT / path).read_text("utf-8"), path
