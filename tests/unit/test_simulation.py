"""On AWS a failing check also shows what IAM's policy simulator decides, beside (never instead of)
the explanation from the policy documents; and a simulator that cannot answer fails nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.parsers import ResponseParserError
from botocore.stub import Stubber

from handson.i18n import set_language
from handson.phases import Phases
from handson.probes import Answer, Checker, Probe, ProbeFailed, verify
from handson.targets.aws import AwsTarget
from handson.targets.simulation import available, explain_with_simulation, simulate
from handson.targets.simulation import simulated as simulated_probe
from handson.verdict import Outcome, Verdict
from tests.helpers.fakes import stubbed

USER = "arn:aws:iam::123456789012:user/handson-iam-user-abc"
ROLE = "arn:aws:iam::123456789012:role/handson-iam-role-abc"
OPEN = "arn:aws:s3:::handson-s3-2-abc/open/handson-sample.txt"


def request(source: str, action: str, resource: str, **more: Any) -> dict[str, Any]:
    return {"PolicySourceArn": source, "ActionNames": [action], "ResourceArns": [resource], **more}


def statement(policy: str, kind: str, start: int, end: int) -> dict[str, Any]:
    return {
        "SourcePolicyId": policy,
        "SourcePolicyType": kind,
        "StartPosition": {"Line": start, "Column": 9},
        "EndPosition": {"Line": end, "Column": 10},
    }


def result(action: str, resource: str, decision: str, **more: Any) -> dict[str, Any]:
    return {
        "EvalActionName": action,
        "EvalResourceName": resource,
        "EvalDecision": decision,
        "MatchedStatements": [],
        "MissingContextValues": [],
        **more,
    }


def simulated(source: str, answer: dict[str, Any]) -> str:
    """simulate() against one stubbed page that AWS answers with ``answer``."""
    action, resource = answer["EvalActionName"], answer["EvalResourceName"]
    with stubbed("iam") as (iam, stub):
        stub.add_response(
            "simulate_principal_policy",
            {"EvaluationResults": [answer], "IsTruncated": False},
            request(source, action, resource),
        )
        return simulate(iam, source, action, resource)


def test_allowed_names_the_matched_statement_and_the_boundary() -> None:
    matched = statement("handson-iam-role-policy-abc", "user-managed", 22, 30)
    answer = result(
        "s3:PutObject",
        OPEN,
        "allowed",
        MatchedStatements=[matched],
        EvalDecisionDetails={},
        PermissionsBoundaryDecisionDetail={"AllowedByPermissionsBoundary": True},
        ResourceSpecificResults=[
            {
                "EvalResourceName": OPEN,
                "EvalResourceDecision": "allowed",
                "MatchedStatements": [matched],
                "MissingContextValues": [],
                "EvalDecisionDetails": {},
            }
        ],
    )
    text = simulated(ROLE, answer)
    assert text == (
        f"SimulatePrincipalPolicy (AWS's own evaluation) of s3:PutObject on {OPEN}: allowed\n"
        "  matched user-managed policy handson-iam-role-policy-abc, lines 22-30\n"
        "  the permissions boundary allows it"
    )
    # In a Japanese run, in Japanese: the API's own words (its name, its decision) stay.
    set_language("ja")
    try:
        assert simulated(ROLE, answer) == (
            f"SimulatePrincipalPolicy（AWS 自身の評価）で {OPEN} への s3:PutObject: allowed\n"
            "  一致したもの: user-managed ポリシー handson-iam-role-policy-abc、22〜30 行目\n"
            "  アクセス許可の境界はこれを許可しています"
        )
    finally:
        set_language("en")


def test_implicit_deny_without_a_matched_statement_is_one_line() -> None:
    text = simulated(USER, result("ec2:StartInstances", "*", "implicitDeny"))
    assert text == (
        "SimulatePrincipalPolicy (AWS's own evaluation) of ec2:StartInstances on *: implicitDeny"
    )


def test_explicit_deny_names_the_denying_statement_and_the_boundary() -> None:
    denying = statement("handson-iam-user-policy-abc", "user-managed", 12, 12)
    answer = result(
        "ec2:StopInstances",
        "*",
        "explicitDeny",
        MatchedStatements=[denying],
        PermissionsBoundaryDecisionDetail={"AllowedByPermissionsBoundary": False},
    )
    text = simulated(USER, answer)
    assert text.splitlines() == [
        "SimulatePrincipalPolicy (AWS's own evaluation) of ec2:StopInstances on *: explicitDeny",
        "  matched user-managed policy handson-iam-user-policy-abc, line 12",
        "  the permissions boundary does not allow it",
    ]


def test_missing_context_values_say_the_answer_is_not_final() -> None:
    bucket = "arn:aws:s3:::handson-s3-2-abc"
    answer = result(
        "s3:ListBucket",
        bucket,
        "implicitDeny",
        MissingContextValues=["s3:prefix"],
        ResourceSpecificResults=[
            {
                "EvalResourceName": bucket,
                "EvalResourceDecision": "implicitDeny",
                "MatchedStatements": [],
                "MissingContextValues": ["s3:delimiter", "s3:prefix"],
            }
        ],
    )
    text = simulated(ROLE, answer)
    assert text.splitlines()[1] == (
        "  could not evaluate the condition keys s3:delimiter, s3:prefix (no value given), so its "
        "answer for statements with conditions on them is not final"
    )


def test_a_truncated_answer_is_read_to_its_last_page() -> None:
    first = result(
        "s3:GetObject",
        OPEN,
        "allowed",
        MatchedStatements=[statement("handson-iam-role-policy-abc", "user-managed", 3, 9)],
    )
    second = result(
        "s3:GetObject",
        OPEN,
        "allowed",
        MatchedStatements=[statement("AmazonSSMManagedInstanceCore", "aws-managed", 40, 52)],
    )
    with stubbed("iam") as (iam, stub):
        stub.add_response(
            "simulate_principal_policy",
            {"EvaluationResults": [first], "IsTruncated": True, "Marker": "page-2"},
            request(ROLE, "s3:GetObject", OPEN),
        )
        stub.add_response(
            "simulate_principal_policy",
            {"EvaluationResults": [second], "IsTruncated": False},
            request(ROLE, "s3:GetObject", OPEN, Marker="page-2"),
        )
        text = simulate(iam, ROLE, "s3:GetObject", OPEN)
    assert "handson-iam-role-policy-abc, lines 3-9" in text
    assert "aws-managed policy AmazonSSMManagedInstanceCore, lines 40-52" in text
    assert text.index("handson-iam-role-policy-abc") < text.index("AmazonSSMManagedInstanceCore")


def test_access_denied_is_one_line_without_the_message() -> None:
    with stubbed("iam") as (iam, stub):
        stub.add_client_error(
            "simulate_principal_policy",
            service_error_code="AccessDenied",
            service_message=f"User: {USER} is not authorized to perform: "
            "iam:SimulatePrincipalPolicy",
            http_status_code=403,
            expected_params=request(USER, "s3:GetObject", OPEN),
        )
        text = simulate(iam, USER, "s3:GetObject", OPEN)
    assert text == "SimulatePrincipalPolicy gave no answer: AccessDenied"


@pytest.mark.parametrize(
    ("raised", "shown"),
    [
        (
            EndpointConnectionError(endpoint_url="https://iam.amazonaws.com/"),
            "EndpointConnectionError",
        ),
        # What moto's server sends for an operation it lacks: an HTML page with status 500.
        (ResponseParserError("invalid XML received"), "ResponseParserError"),
    ],
)
def test_no_usable_response_is_one_line(raised: Exception, shown: str) -> None:
    class Broken:
        """A client whose simulator call fails as ``raised``, through the paginator too."""

        def get_paginator(self, operation: str) -> Broken:
            return self

        def paginate(self, **params: Any) -> list[dict[str, Any]]:
            raise raised

    text = simulate(Broken(), USER, "s3:GetObject", OPEN)
    assert text == f"SimulatePrincipalPolicy gave no answer: {shown}"


def test_the_aws_target_asks_with_its_admin_iam_client() -> None:
    session = boto3.session.Session(
        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="not-a-secret"
    )
    target = AwsTarget(session, "ap-northeast-1", None, "admin", lambda line: None, Phases())
    with Stubber(target.admin.client("iam")) as stub:
        stub.add_response(
            "simulate_principal_policy",
            {"EvaluationResults": [result("s3:GetObject", OPEN, "allowed")], "IsTruncated": False},
            request(ROLE, "s3:GetObject", OPEN),
        )
        text = target.simulate(ROLE, "s3:GetObject", OPEN)
        stub.assert_no_pending_responses()
    assert text == (
        f"SimulatePrincipalPolicy (AWS's own evaluation) of s3:GetObject on {OPEN}: allowed"
    )


def documents(action: str, resource: str, allowed: bool, context: Mapping[str, str]) -> str:
    return f"allowed by:\n  Allow statement ForS32OpenGet (asked {action} on {resource}, {allowed})"


def test_the_simulation_follows_the_documents_explanation() -> None:
    asked: list[tuple[str, str]] = []

    def simulator(action: str, resource: str) -> str:
        asked.append((action, resource))
        return "SimulatePrincipalPolicy gave no answer: AccessDenied"

    text = explain_with_simulation(documents, simulator, "s3:PutObject", OPEN, True)
    assert text == (
        f"allowed by:\n  Allow statement ForS32OpenGet (asked s3:PutObject on {OPEN}, True)\n"
        "SimulatePrincipalPolicy gave no answer: AccessDenied"
    )
    assert asked == [("s3:PutObject", OPEN)]


def test_no_simulation_leaves_the_documents_explanation_alone() -> None:
    text = explain_with_simulation(
        documents, lambda action, resource: "", "s3:PutObject", OPEN, True
    )
    assert text == documents("s3:PutObject", OPEN, True, {})


def test_a_failure_message_shows_both_and_the_verdict_is_unchanged() -> None:
    def execute() -> Answer:
        return Answer(Verdict(Outcome.ALLOWED, "rule 1: the command succeeded"), {})

    checker = Checker(
        lambda: ROLE,
        propagation_budget=0,
        record=lambda result: None,
        gap=lambda action, resource: None,
        explain=lambda action, resource, allowed, context: explain_with_simulation(
            documents,
            lambda a, r: f"SimulatePrincipalPolicy (AWS's own evaluation) of {a} on {r}: allowed",
            action,
            resource,
            allowed,
            context,
        ),
    )
    checker.control = checker.expect(Probe("ls", "s3:ListBucket", "b", execute), Outcome.ALLOWED)
    result = checker.expect(Probe("cp", "s3:PutObject", OPEN, execute), Outcome.DENIED)
    assert result.outcome is Outcome.ALLOWED
    with pytest.raises(ProbeFailed) as failed:
        verify(result)
    message = str(failed.value)
    assert message.startswith("cp as ")
    assert message.index("Allow statement ForS32OpenGet") < message.index(
        f"SimulatePrincipalPolicy (AWS's own evaluation) of s3:PutObject on {OPEN}: allowed"
    )


# -- the simulator as the verdict (--target existing --live without the user's key) -----------

LIST = "arn:aws:s3:::handson-s3-2-abc"


def decided_by_simulator(
    answer: dict[str, Any], context: Mapping[str, str] | None = None, **expected: Any
) -> Answer:
    """A probe asked of the stubbed simulator: AWS's response shape, the request checked."""
    never_sent = Answer(Verdict(Outcome.ERROR, "sent"), {})
    probe = Probe(
        "s3.list_objects_v2(...)",
        answer["EvalActionName"],
        answer["EvalResourceName"],
        lambda: never_sent,
        dict(context or {}),
    )
    with stubbed("iam") as (iam, stub):
        stub.add_response(
            "simulate_principal_policy",
            {"EvaluationResults": [answer], "IsTruncated": False},
            request(USER, probe.action, probe.resource, **expected),
        )
        asked = simulated_probe(probe, iam, USER)
        assert asked.call == "SimulatePrincipalPolicy: s3.list_objects_v2(...)"
        return asked.execute()


def test_the_simulator_allows_and_denies_with_the_requests_context() -> None:
    entries = [
        {"ContextKeyName": "s3:prefix", "ContextKeyValues": ["open/"], "ContextKeyType": "string"}
    ]
    allowed = decided_by_simulator(
        result(
            "s3:ListBucket", LIST, "allowed", MatchedStatements=[statement("p", "IAM Policy", 3, 9)]
        ),
        {"s3:prefix": "open/"},
        ContextEntries=entries,
    )
    assert allowed.verdict.outcome is Outcome.ALLOWED
    assert "SimulatePrincipalPolicy (IAM's policy simulator): allowed" in allowed.verdict.text
    denied = decided_by_simulator(result("s3:ListBucket", LIST, "implicitDeny"))
    assert denied.verdict.outcome is Outcome.DENIED and denied.verdict.code == "implicitDeny"


def test_the_resources_own_decision_wins_over_the_aggregate() -> None:
    # AWS now returns one result per action; the decision for one resource is under
    # ResourceSpecificResults (API_EvaluationResult, "Important").
    answer = result(
        "s3:GetObject",
        OPEN,
        "explicitDeny",
        ResourceSpecificResults=[
            {"EvalResourceName": OPEN, "EvalResourceDecision": "allowed", "MatchedStatements": []}
        ],
    )
    assert decided_by_simulator(answer).verdict.outcome is Outcome.ALLOWED


def test_a_decision_that_lacked_a_context_value_is_no_verdict() -> None:
    answer = result("s3:ListBucket", LIST, "implicitDeny", MissingContextValues=["s3:prefix"])
    found = decided_by_simulator(answer)
    assert found.verdict.outcome is Outcome.ERROR
    assert "s3:prefix" in found.verdict.text


def test_no_answer_from_the_simulator_is_no_verdict_and_says_so() -> None:
    probe = Probe(
        "s3.list_buckets()",
        "s3:ListAllMyBuckets",
        "*",
        lambda: Answer(Verdict(Outcome.ERROR, ""), {}),
    )
    with stubbed("iam") as (iam, stub):
        stub.add_client_error("simulate_principal_policy", "AccessDenied", http_status_code=403)
        stub.add_client_error("simulate_principal_policy", "AccessDenied", http_status_code=403)
        found = simulated_probe(probe, iam, USER).execute()
        assert found.verdict.outcome is Outcome.ERROR and found.verdict.code == "AccessDenied"
        assert available(iam, USER) == "SimulatePrincipalPolicy gave no answer (AccessDenied)"
    with stubbed("iam") as (iam, stub):
        stub.add_response(
            "simulate_principal_policy",
            {
                "EvaluationResults": [result("s3:ListAllMyBuckets", "*", "allowed")],
                "IsTruncated": False,
            },
            request(USER, "s3:ListAllMyBuckets", "*"),
        )
        assert available(iam, USER) is None


def test_a_denial_the_organization_makes_is_no_verdict() -> None:
    """In an account of an organization the simulator says whether its SCPs allow the call
    (OrganizationsDecisionDetail): a denial they make says nothing of the user's policies."""
    by_organization = result(
        "s3:ListBucket",
        LIST,
        "implicitDeny",
        OrganizationsDecisionDetail={"AllowedByOrganizations": False},
    )
    found = decided_by_simulator(by_organization)
    assert found.verdict.outcome is Outcome.ERROR and found.verdict.code == "implicitDeny"
    assert "the organization's service control policy (SCP) denied it" in found.verdict.text
    # The organization allows it: the denial is the user's policies', a verdict.
    allowed_by_it = {
        **by_organization,
        "OrganizationsDecisionDetail": {"AllowedByOrganizations": True},
    }
    assert decided_by_simulator(allowed_by_it).verdict.outcome is Outcome.DENIED
    # An allow stands, whatever the field says.
    allowed = {**by_organization, "EvalDecision": "allowed"}
    assert decided_by_simulator(allowed).verdict.outcome is Outcome.ALLOWED


def test_an_mfa_sign_in_is_told_to_the_simulator_in_its_types() -> None:
    """Where the user's policies ask for MFA, the simulator is asked as for the console signed in
    with MFA: the request's own keys as strings, then aws:MultiFactorAuthPresent (boolean) and
    aws:MultiFactorAuthAge (numeric), in AWS's request shape (the Stubber checks it)."""
    from handson.mfa_session import MFA_CONTEXT

    never_sent = Answer(Verdict(Outcome.ERROR, "sent"), {})
    probe = Probe("s3.list_objects_v2(...)", "s3:ListBucket", LIST, lambda: never_sent, {})
    probe = Probe(probe.call, probe.action, probe.resource, probe.execute, {"s3:prefix": "open/"})
    prefix = {
        "ContextKeyName": "s3:prefix",
        "ContextKeyValues": ["open/"],
        "ContextKeyType": "string",
    }
    with stubbed("iam") as (iam, stub):
        stub.add_response(
            "simulate_principal_policy",
            {"EvaluationResults": [result("s3:ListBucket", LIST, "allowed")], "IsTruncated": False},
            request(USER, "s3:ListBucket", LIST, ContextEntries=[prefix, *MFA_CONTEXT]),
        )
        found = simulated_probe(probe, iam, USER, MFA_CONTEXT).execute()
    assert found.verdict.outcome is Outcome.ALLOWED
    assert [e["ContextKeyType"] for e in MFA_CONTEXT] == ["boolean", "numeric"]
