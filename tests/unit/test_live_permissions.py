"""Issue 19, part 3: what docs/grading.md tells a learner to hold for ``--target existing --live``
(the grading role's reads of ci/grading-role.yaml and ci/live-permissions.json) allows every
call the recorded live runs made in the learner's account (tests/corpus/live_calls.jsonl, from
tests/test_existing_live.py, which fails on a call that record lacks), and each grant of
ci/live-permissions.json is needed."""

from __future__ import annotations

import json

import pytest

from handson.call_record import read_calls
from handson.iam_engine import NamedPolicy
from tests.helpers.grading_role import LIVE, LIVE_RECORDED, grading_policies, live_policies
from tests.helpers.role_grants import document_grants, document_without
from tests.helpers.sandbox_role import ROOT, check_calls, refusals, unused_grants

CALLS = read_calls(LIVE_RECORDED)
DOCUMENT = json.loads(LIVE.read_text("utf-8"))


def _without(sid: str, action: str) -> list[NamedPolicy]:
    return [*grading_policies(), NamedPolicy(LIVE.stem, document_without(DOCUMENT, sid, action))]


def test_the_record_holds_the_live_checks_the_simulator_and_a_temporary_key() -> None:
    operations = {c["operation"] for c in CALLS}
    assert {"SendCommand", "SimulatePrincipalPolicy", "CreateAccessKey", "PutObject"} <= operations


def test_every_recorded_call_is_allowed() -> None:
    checks = check_calls(CALLS, live_policies())
    assert len(checks) > 100
    assert refusals(checks) == []


def test_every_grant_of_the_live_permissions_is_used() -> None:
    policies = live_policies()
    unused = unused_grants(policies[-1:], check_calls(CALLS, policies))
    assert unused == []


@pytest.mark.parametrize(("sid", "action"), document_grants(DOCUMENT), ids=lambda value: value)
def test_taking_out_a_grant_refuses_a_recorded_call(sid: str, action: str) -> None:
    refused = refusals(check_calls(CALLS, _without(sid, action)))
    assert refused, f"{sid}: {action} taken out, and nothing refused"
    assert all(f": {action} on " in line for line in refused), refused


def test_the_docs_point_to_the_file() -> None:
    docs = (ROOT / "docs" / "grading.md").read_text("utf-8")
    assert "ci/live-permissions.json" in docs and "ci/grading-role.yaml" in docs
