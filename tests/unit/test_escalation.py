"""P1 and P2's privilege escalation as cloudsplaining finds it: a method is open when every action
it takes is allowed to the principal, the hands-on's own grants included; an over-granted action
of methods still closed is a step towards it, named with what the nearest method lacks
(handson/permissions/escalation.py)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from handson.permissions import analyse_documents, catalogue
from handson.permissions.escalation import Escalation, escalations, of_group
from handson.permissions.findings import Kind, PermissionFinding, Principal
from handson.permissions.handson_world import seed_documents
from handson.policies import ROLE_POLICY_FILE, USER_POLICY_FILE
from handson.practices import PracticeResult, table
from tests.helpers.permission_cases import NAME, kinds, with_statements

STEP, OPEN = catalogue.ESCALATION_STEP, catalogue.ESCALATION


def _over(file: str, *statements: dict[str, Any]) -> dict[str, PermissionFinding]:
    """The over-grants of the seed with ``statements`` added to ``file``, by action."""
    found = analyse_documents(with_statements(file, *statements), NAME)
    return {f.action: f for f in kinds(found, Kind.OVER_GRANT)}


def _allow(*actions: str, sid: str = "Added", **more: Any) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": "*", **more}


def test_a_method_is_open_only_when_all_its_actions_are_allowed() -> None:
    def allowed(name: str) -> bool:
        return name == "ec2:startinstances"

    alone = escalations(["ec2:StopInstances"], allowed)
    assert alone == {
        "ec2:stopinstances": Escalation(STEP, ("ec2:ModifyInstanceAttribute",)),
    }
    both = escalations(["ec2:StopInstances", "ec2:ModifyInstanceAttribute"], allowed)
    assert both == {
        "ec2:stopinstances": Escalation(OPEN),
        "ec2:modifyinstanceattribute": Escalation(OPEN),
    }
    # A method of one action is open by that action alone; an action of no method is not named.
    assert escalations(["iam:CreateAccessKey", "s3:GetObject"], lambda name: False) == {
        "iam:createaccesskey": Escalation(OPEN)
    }


def test_the_nearest_method_is_the_one_lacking_least() -> None:
    # iam:PassRole is in many methods; with ec2:RunInstances alone it is one of two.
    found = escalations(["iam:PassRole"], lambda name: False)
    assert found["iam:passrole"] == Escalation(STEP, ("ec2:RunInstances",))
    # With lambda:CreateFunction, a Lambda method lacks one action too: the first in
    # cloudsplaining's order is named.
    tie = escalations(["iam:PassRole"], lambda name: name == "lambda:createfunction")
    assert tie["iam:passrole"] == Escalation(STEP, ("ec2:RunInstances",))
    invoke = escalations(
        ["iam:PassRole"], lambda name: name in {"lambda:createfunction", "lambda:invokefunction"}
    )
    assert invoke["iam:passrole"] == Escalation(OPEN)
    assert of_group(found, ["s3:GetObject", "iam:PassRole"]) == found["iam:passrole"]
    assert of_group(found, ["s3:GetObject"]) is None


def test_stopping_the_instance_alone_is_a_step_and_says_what_it_lacks(japanese: None) -> None:
    stop = _over(USER_POLICY_FILE, _allow("ec2:StopInstances"))["ec2:StopInstances"]
    assert stop.risk == (STEP,)
    assert stop.lacking == ("ec2:ModifyInstanceAttribute",)
    assert stop.as_dict()["escalation_lacks"] == ["ec2:ModifyInstanceAttribute"]
    line = table([PracticeResult.of("P1", [stop])])[2]
    assert line.endswith(
        "【危険: 権限昇格の材料（ec2:ModifyInstanceAttribute も許可されていれば、"
        "自分の権限を広げられる）】"
    ), line


def test_the_hands_ons_own_grant_opens_a_method(english: None) -> None:
    # The user may start the instance (U3): stopping it and changing its user data as well runs
    # code with the instance's role (cloudsplaining's ModifyEC2InstanceUserDataThenRestart).
    over = _over(USER_POLICY_FILE, _allow("ec2:StopInstances", "ec2:ModifyInstanceAttribute"))
    for action in ("ec2:StopInstances", "ec2:ModifyInstanceAttribute"):
        assert over[action].risk == (OPEN,) and over[action].lacking == (), over[action]
    line = table([PracticeResult.of("P1", [over["ec2:StopInstances"]])])[2]
    assert line.endswith(" [risk: privilege escalation]"), line
    # A whole service: one finding, open.
    everything = _over(USER_POLICY_FILE, _allow("ec2:*"))["ec2:*"]
    assert OPEN in everything.risk and everything.lacking == ()


def test_a_deny_keeps_a_method_closed() -> None:
    deny = {"Sid": "NoStart", "Effect": "Deny", "Action": "ec2:StartInstances", "Resource": "*"}
    over = _over(USER_POLICY_FILE, _allow("ec2:StopInstances", "ec2:ModifyInstanceAttribute"), deny)
    for action in ("ec2:StopInstances", "ec2:ModifyInstanceAttribute"):
        assert over[action].risk == (STEP,), over[action]
        assert over[action].lacking == ("ec2:StartInstances",)


def test_a_grant_only_under_a_condition_still_opens_it() -> None:
    # The role passes itself and runs instances only from one network: still open from there.
    network = {"Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}
    over = _over(
        ROLE_POLICY_FILE,
        _allow("iam:PassRole", sid="Pass"),
        _allow("ec2:RunInstances", sid="Run", **network),
    )
    assert over["iam:PassRole"].risk == (OPEN,), over["iam:PassRole"]
    assert over["ec2:RunInstances"].risk == (OPEN,)
    assert over["ec2:RunInstances"].principal is Principal.ROLE


def test_a_wide_grant_names_its_most_dangerous_actions_first(english: None) -> None:
    # ec2:* for the user: three of its 800-odd actions are named, those of an open method first
    # (not ec2:AcceptAddressTransfer and the alphabet's other first).
    ec2 = _over(USER_POLICY_FILE, _allow("ec2:*"))["ec2:*"]
    assert ec2.fields["named"] == (
        "ec2:CreateLaunchTemplateVersion, ec2:ModifyInstanceAttribute, "
        "ec2:ModifyLaunchTemplate, ..."
    )
    # s3:* on bucket 2 for the role: no method opens; permissions management comes first.
    bucket2 = ["arn:aws:s3:::handson-s3-2-<自分の名前>", "arn:aws:s3:::handson-s3-2-<自分の名前>/*"]
    s3 = _over(ROLE_POLICY_FILE, {"Effect": "Allow", "Action": "s3:*", "Resource": bucket2})["s3:*"]
    named = s3.fields["named"].removesuffix(", ...").split(", ")
    assert len(named) == 3
    for name in named:
        action = catalogue.action(name)
        assert action is not None and action.access_level == "Permissions management", name


AGAINST_CLOUDSPLAINING = {
    "stop": (USER_POLICY_FILE, ["ec2:StopInstances"]),
    "stop and modify": (USER_POLICY_FILE, ["ec2:StopInstances", "ec2:ModifyInstanceAttribute"]),
    "pass and run": (USER_POLICY_FILE, ["iam:PassRole", "ec2:RunInstances"]),
    "pass and lambda": (ROLE_POLICY_FILE, ["iam:PassRole", "lambda:CreateFunction"]),
    "keys and lambda": (
        ROLE_POLICY_FILE,
        ["iam:CreateAccessKey", "iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"],
    ),
    "ec2 whole": (USER_POLICY_FILE, ["ec2:*"]),
    "iam lists and gets": (USER_POLICY_FILE, ["iam:List*", "iam:Get*"]),
}


@pytest.mark.parametrize("case", AGAINST_CLOUDSPLAINING)
def test_what_is_open_is_what_cloudsplaining_finds(case: str) -> None:
    """Grants on "*" without conditions, where the two read alike: an over-grant is privilege
    escalation exactly when cloudsplaining's allows_privilege_escalation, on the learner's whole
    file, finds an open method that takes one of its actions."""
    policy_document = pytest.importorskip("cloudsplaining.scan.policy_document")
    file, actions = AGAINST_CLOUDSPLAINING[case]
    over = _over(file, _allow(*actions))
    whole = copy.deepcopy(seed_documents()[file])
    whole["Statement"].append(_allow(*actions))
    found = policy_document.PolicyDocument(whole).allows_privilege_escalation
    opened = {action for method in found for action in method["actions"]}
    assert over, case
    for finding in over.values():
        taken = {a.lower() for a in (finding.actions or (finding.action,))}
        assert (OPEN in finding.risk) == bool(taken & opened), (case, finding.as_dict(), found)
