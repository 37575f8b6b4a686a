"""A denial AWS says a policy outside the principal's own design made (an organization's SCP, ...)
is no verdict; the principal's own policies' denials stay denials. Messages in the forms of the
IAM User Guide ("Access denied error messages") and S3's 403 troubleshooting page, as boto3 and
the AWS CLI on the instance give them."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

from handson.denied_by import PolicyType, denied_by, denied_outside
from handson.i18n import set_language
from handson.probe_calls import api_probe
from handson.probes import Checker, PreconditionNotMet, ProbeError, verify
from handson.verdict import Outcome, Verdict, classify_api_error, classify_cli
from tests.helpers.fakes import Clock, stubbed

USER = "arn:aws:iam::123456789012:user/handson-iam-user-abc"
ROLE = "arn:aws:sts::123456789012:assumed-role/handson-iam-role-abc/i-0123456789abcdef0"
SCP_ARN = "arn:aws:organizations::777788889999:policy/o-exampleorgid/service_control_policy/p-1"
OBJECT = "arn:aws:s3:::handson-s3-1-abc/test.txt"


def said(principal: str, action: str, why: str, resource: str = OBJECT) -> str:
    return f"User: {principal} is not authorized to perform: {action} on resource: {resource} {why}"


@pytest.mark.parametrize(
    ("why", "kind"),
    [
        ("because no service control policy allows the s3:PutObject action", PolicyType.SCP),
        (f"with an explicit deny in a service control policy, with policy ARN: {SCP_ARN}", "scp"),
        ("due to an explicit deny in a Service Control Policy", PolicyType.SCP),
        ("with an explicit deny in a resource control policy", PolicyType.RCP),
        ("because no VPC endpoint policy allows the s3:PutObject action", "vpc_endpoint"),
        ("with an explicit deny in a VPC endpoint policy", PolicyType.VPC_ENDPOINT),
        ("because no session policy allows the s3:PutObject action", PolicyType.SESSION),
        ("with an explicit deny in a resource-based policy", PolicyType.RESOURCE),
        ("because no resource-based policy allows the s3:PutObject action", "resource"),
    ],
)
def test_a_policy_outside_the_design_is_named(why: str, kind: str) -> None:
    message = said(USER, "s3:PutObject", why)
    assert denied_by(message) == kind
    assert denied_outside(message) == kind


@pytest.mark.parametrize(
    ("why", "kind"),
    [
        ("because no identity-based policy allows the s3:PutObject action", PolicyType.IDENTITY),
        ("with an explicit deny in an identity-based policy", PolicyType.IDENTITY),
        ("because no permissions boundary allows the s3:PutObject action", PolicyType.BOUNDARY),
        ("with an explicit deny in a permissions boundary", PolicyType.BOUNDARY),
        ("because no role trust policy allows the sts:AssumeRole action", PolicyType.TRUST),
    ],
)
def test_the_principals_own_policies_are_its_design(why: str, kind: str) -> None:
    message = said(ROLE, "s3:PutObject", why)
    assert denied_by(message) == kind
    assert denied_outside(message) is None


@pytest.mark.parametrize(
    "message",
    ["Access Denied", "", "You are not authorized to perform this operation.", said(USER, "x", "")],
)
def test_a_message_that_names_no_policy_type_says_nothing(message: str) -> None:
    assert denied_by(message) is None and denied_outside(message) is None


def test_an_outside_denial_is_no_verdict_and_an_own_denial_stays_one() -> None:
    scp = said(USER, "s3:CreateBucket", "because no service control policy allows the action")
    verdict = classify_api_error("AccessDenied", scp)
    assert verdict.outcome is Outcome.ERROR and verdict.code == "AccessDenied"
    assert not verdict.transient  # AWS's final answer: not sent again, not waited out
    assert verdict.text == (
        "AWS said the organization's service control policy (SCP) denied it (AccessDenied): "
        "not a decision of the user's and the role's policies that this test checks, so "
        "neither allowed nor denied"
    )
    set_language("ja")
    assert verdict.text.startswith(
        "組織のサービスコントロールポリシー（SCP）が拒否したと AWS が答えました（AccessDenied）。"
    )
    own = said(USER, "s3:CreateBucket", "because no identity-based policy allows the action")
    for message in (own, "Access Denied", ""):
        assert classify_api_error("AccessDenied", message).outcome is Outcome.DENIED
    # Only a denial is read so: a success or another error is what its code says.
    assert classify_api_error(None, scp).outcome is Outcome.ALLOWED
    assert classify_api_error("NoSuchKey", scp).rule == "rule.not_authorization"


def test_the_cli_on_the_instance_prints_the_same_words() -> None:
    why = f"with an explicit deny in a service control policy, with policy ARN: {SCP_ARN}"
    stderr = (
        "upload failed: ./test.txt to s3://handson-s3-1-abc/test.txt An error occurred "
        f"(AccessDenied) when calling the PutObject operation: {said(ROLE, 's3:PutObject', why)}"
    )
    verdict = classify_cli(1, stderr, "aws s3 cp test.txt s3://handson-s3-1-abc/test.txt")
    assert verdict.outcome is Outcome.ERROR and verdict.rule == "rule.denied_outside"
    own = stderr.replace(why, "because no identity-based policy allows the s3:PutObject action")
    assert classify_cli(1, own).outcome is Outcome.DENIED
    # The words before AWS's message are the CLI's own, never read as AWS's.
    cli_words = "An error occurred (AccessDenied) when calling the PutObject operation: Denied"
    assert classify_cli(1, f"session policy: {cli_words}").outcome is Outcome.DENIED


def test_ec2s_dry_run_denial_in_its_response_shape() -> None:
    """EC2's UnauthorizedOperation puts the reason after its own sentence, before the encoded
    message, as boto3 hands it over (a Stubber error in EC2's shape)."""
    why = "with an explicit deny in a service control policy"
    message = (
        "You are not authorized to perform this operation. "
        f"{said(USER, 'ec2:TerminateInstances', why, 'arn:aws:ec2:ap-northeast-1:1:instance/i-1')}"
        ". Encoded authorization failure message: AbCdEf0123"
    )
    verdict = refused_probe(
        ("ec2", "terminate_instances", {"InstanceIds": ["i-1"], "DryRun": True}),
        ("UnauthorizedOperation", message),
        "ec2:TerminateInstances",
    )
    assert verdict.outcome is Outcome.ERROR
    assert verdict.code == "UnauthorizedOperation"
    assert verdict.rule == "rule.denied_outside"


def refused_probe(
    call: tuple[str, str, dict[str, Any]], error: tuple[str, str], action: str
) -> Verdict:
    """The verdict of an API probe of ``call`` (service, operation, params) checking ``action``,
    which the service refuses with ``error`` (code, message): a Stubber error in its shape."""
    service, operation, params = call
    with stubbed(service) as (client, stub):
        stub.add_client_error(
            operation, error[0], error[1], http_status_code=403, expected_params=params
        )
        probe = api_probe(client, operation, params, action=action, resource="*")
        return probe.execute().verdict


def scp_denied(stub: Stubber, times: int) -> None:
    for _ in range(times):
        stub.add_client_error(
            "create_bucket",
            "AccessDenied",
            said(USER, "s3:CreateBucket", "because no service control policy allows it"),
            http_status_code=403,
            expected_params={"Bucket": "b"},
        )


def test_checks_denied_by_an_scp_are_not_decided_and_say_no_word_of_the_policies() -> None:
    """An expected allow is not waited on for IAM's propagation and is not 不合格; a deny check is
    not passed; a positive control it denied is one that got no verdict, with no advice to change
    a policy (verdict rule 7)."""
    clock = Clock()
    made = Checker(
        lambda: USER,
        propagation_budget=120,
        record=lambda result: None,
        gap=lambda action, resource: None,
        pause=clock.pause,
        clock=clock,
    )
    with stubbed("s3") as (s3, stub):
        scp_denied(stub, 3)
        probe = api_probe(
            s3, "create_bucket", {"Bucket": "b"}, action="s3:CreateBucket", resource="b"
        )
        allowed = made.expect(probe, Outcome.ALLOWED)
        assert allowed.attempts == 1 and clock.now == 0  # final: no propagation waited out
        with pytest.raises(ProbeError) as erred:
            verify(allowed)
        assert "(SCP) denied it" in erred.value.finding.headline
        with pytest.raises(PreconditionNotMet) as failed:
            made.establish_control(probe)
        finding = failed.value.finding
        assert "got no verdict (AWS said the organization's service control policy" in (
            finding.headline
        )
        assert not finding.hint and made.control is None
        made.control = allowed  # as if another control had passed
        denied = made.expect(probe, Outcome.DENIED)
        with pytest.raises(ProbeError):
            verify(denied)


KEY = "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_a_kms_keys_action_denied_on_an_s3_check_is_no_verdict() -> None:
    """R2's upload to a bucket whose default encryption is the learner's KMS key: AWS asks the
    role for kms:GenerateDataKey, which the hands-on's role never has. That denial is the key's,
    not the upload's, and the replay leaves the same check undecided (handson.bucket_keys): not
    a failed allow with advice drawn from the S3 statements. A denial of the checked action
    itself, or of a KMS action that the check asks for, stays a denial."""
    no_key = "because no identity-based policy allows the kms:GenerateDataKey action"
    stderr = (
        "upload failed: ./test.txt to s3://handson-s3-1-abc/test.txt An error occurred "
        "(AccessDenied) when calling the PutObject operation: "
        f"{said(ROLE, 'kms:GenerateDataKey', no_key, KEY)}"
    )
    command = "aws s3 cp test.txt s3://handson-s3-1-abc/test.txt"
    verdict = classify_cli(1, stderr, command, "s3:PutObject")
    assert verdict.outcome is Outcome.ERROR and not verdict.transient, verdict
    assert verdict.rule == "rule.denied_key_action" and verdict.code == "AccessDenied"
    assert verdict.text.startswith(
        "AWS denied kms:GenerateDataKey (AccessDenied), an action of a KMS key, not s3:PutObject"
    ), verdict.text
    set_language("ja")
    assert "KMS キーの kms:GenerateDataKey" in verdict.text and "SSE-S3 に戻せば" in verdict.text
    s3_itself = stderr.replace("kms:GenerateDataKey", "s3:PutObject")
    assert classify_cli(1, s3_itself, command, "s3:PutObject").outcome is Outcome.DENIED
    read = said(ROLE, "kms:Decrypt", no_key, KEY)
    assert classify_api_error("AccessDenied", read, "s3:GetObject").outcome is Outcome.ERROR
    assert classify_api_error("AccessDenied", read, "kms:Decrypt").outcome is Outcome.DENIED
    assert classify_api_error("AccessDenied", "Access Denied", "s3:GetObject").outcome is (
        Outcome.DENIED  # no action named: the code decides, as before
    )


def test_an_api_probe_passes_its_action_to_the_verdict() -> None:
    """The same through boto3 (a Stubber error in S3's shape), as the user's checks call."""
    message = said(USER, "kms:GenerateDataKey", "because no identity-based policy allows it", KEY)
    verdict = refused_probe(
        ("s3", "put_object", {"Bucket": "b", "Key": "k", "Body": b"x"}),
        ("AccessDenied", message),
        "s3:PutObject",
    )
    assert verdict.rule == "rule.denied_key_action", verdict
