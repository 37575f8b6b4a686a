"""The emulated SSM agent registers, and loses its channels, as the role's policies decide;
the principal's keys, the region and the time come from the request; the policy simulator
answers with the engine (as tests/engine/test_decisions.py, real calls against the tests'
emulator)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from handson.aws import Credentials, Principal
from handson.names import SSM_CORE_POLICY_ARN
from handson.targets import ssm_agent
from handson.targets.emulator_server import MotoEmulator
from handson.targets.ssm import ping_status
from tests.helpers.engine_cases import ACCOUNT, as_role, error_of, policy

# -- the SSM agent --------------------------------------------------------------------------------


def agent_status(emulator: MotoEmulator, credentials: Credentials, instance_id: str) -> str | None:
    calls = ssm_agent.start(emulator.endpoint_url, emulator.region, credentials, instance_id)
    assert not [c for c in calls if c.transient], calls
    return ping_status(emulator.admin.client("ssm"), instance_id)


def test_the_agent_is_online_with_the_managed_core_policy(
    test_emulator: MotoEmulator, make_role: Callable[..., Credentials], unique: str
) -> None:
    credentials = make_role(None, SSM_CORE_POLICY_ARN)
    assert agent_status(test_emulator, credentials, f"i-{unique}a") == "Online"


def test_without_the_core_policy_the_agent_never_registers(
    test_emulator: MotoEmulator, make_role: Callable[..., Credentials], unique: str
) -> None:
    credentials = make_role(policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
    assert agent_status(test_emulator, credentials, f"i-{unique}b") is None


def test_denied_channels_lose_the_connection(
    test_emulator: MotoEmulator, make_role: Callable[..., Credentials], unique: str
) -> None:
    deny = policy({"Effect": "Deny", "Action": "ssmmessages:*", "Resource": "*"})
    credentials = make_role(deny, SSM_CORE_POLICY_ARN)
    assert agent_status(test_emulator, credentials, f"i-{unique}c") == "ConnectionLost"


def test_an_agent_call_with_a_bad_signature_is_refused(
    test_emulator: MotoEmulator, make_role: Callable[..., Credentials], unique: str
) -> None:
    good = make_role(None, SSM_CORE_POLICY_ARN)
    forged = Credentials(good.access_key_id, "not-the-secret", good.session_token)
    call = ssm_agent.call(
        test_emulator.endpoint_url,
        test_emulator.region,
        forged,
        f"i-{unique}d",
        ssm_agent.AGENT_ACTIONS[0],
    )
    assert not call.allowed and not call.transient, call
    assert ping_status(test_emulator.admin.client("ssm"), f"i-{unique}d") is None


def test_principal_keys_region_and_time_come_from_the_request(
    make_user: Callable[..., Principal],
    make_role: Callable[..., Credentials],
    buckets: tuple[str, str],
    test_emulator: MotoEmulator,
) -> None:
    """aws:username, aws:userid, aws:PrincipalArn, aws:RequestedRegion and aws:CurrentTime, as the
    emulator fills them in for a user and for a role session (aws:PrincipalArn: the role's)."""
    key = {"Bucket": buckets[0], "Key": "open/a.txt"}

    def allowed_if(condition: dict[str, Any]) -> str:
        return policy(
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": condition}
        )

    holds = {
        "StringLike": {"aws:username": "engine-*", "aws:userid": "?*"},
        "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:user/engine-*"},
        "StringEquals": {"aws:RequestedRegion": test_emulator.region},
        "DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
    }
    assert make_user(allowed_if(holds)).client("s3").get_object(**key)
    for name, clause in holds.items():
        wrong = {
            "StringLike": {"aws:username": "someone-else"},
            "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:user/someone-else"},
            "StringEquals": {"aws:RequestedRegion": "us-west-2"},
            "DateGreaterThan": {"aws:CurrentTime": "2999-01-01T00:00:00Z"},
        }[name]
        denied = make_user(allowed_if({**holds, name: wrong})).client("s3")
        assert error_of(partial(denied.get_object, **key))[0] == "AccessDenied", (name, clause)
    role = as_role(
        test_emulator,
        make_role(
            allowed_if(
                {
                    "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/engine-role-*"},
                    "StringLike": {"aws:userid": "*:i-*"},  # role ID : session name
                    "Null": {"aws:username": "true"},  # a role session has no user name
                }
            )
        ),
    )
    assert role.client("s3").get_object(**key)


def test_the_policy_simulator_answers_with_the_engine_in_aws_shape(
    make_user: Callable[..., Principal], test_emulator: MotoEmulator
) -> None:
    """SimulatePrincipalPolicy (for --live without the user's key): the engine's decision for the
    user's own policies and the context entries given, parsed by botocore from AWS's shape."""
    listing = {
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": "arn:aws:s3:::b2",
        "Condition": {"StringLike": {"s3:prefix": ["open/*"]}},
    }
    denied = {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}
    user = make_user(policy(listing, denied))
    iam = test_emulator.admin.client("iam")

    def decision(action: str, resource: str, prefix: str | None = None) -> str:
        entries = (
            [
                {
                    "ContextKeyName": "s3:prefix",
                    "ContextKeyValues": [prefix],
                    "ContextKeyType": "string",
                }
            ]
            if prefix is not None
            else []
        )
        (result,) = iam.simulate_principal_policy(
            PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:user/{user.label}",
            ActionNames=[action],
            ResourceArns=[resource],
            ContextEntries=entries,
        )["EvaluationResults"]
        (specific,) = result["ResourceSpecificResults"]
        assert specific["EvalResourceDecision"] == result["EvalDecision"]
        return str(result["EvalDecision"])

    assert decision("s3:ListBucket", "arn:aws:s3:::b2", "open/") == "allowed"
    assert decision("s3:ListBucket", "arn:aws:s3:::b2", "close/") == "implicitDeny"
    assert decision("s3:ListBucket", "arn:aws:s3:::b2") == "implicitDeny"
    assert decision("s3:DeleteBucket", "arn:aws:s3:::b2") == "explicitDeny"
