"""The emulator decides with the engine, in the request path, with AWS's error shapes: real boto3
calls as real principals (an IAM user with its own key, a role session) against the tests' own
emulator (handson.targets.engine_server)."""

from __future__ import annotations

import base64
import contextlib
import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from handson.aws import Credentials, Principal
from handson.lifecycle.removal import delete_user
from handson.names import SSM_CORE_POLICY_ARN
from handson.targets import ssm_agent
from handson.targets.emulator_ec2 import _unknown_to_trust_check
from handson.targets.emulator_server import MotoEmulator
from handson.targets.ssm import ping_status

ACCOUNT = "123456789012"
EC2_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def error_of(call: Callable[[], Any]) -> tuple[str, int]:
    with pytest.raises(ClientError) as raised:
        call()
    response = raised.value.response
    return str(response["Error"]["Code"]), int(response["ResponseMetadata"]["HTTPStatusCode"])


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture
def make_user(test_emulator: MotoEmulator, unique: str) -> Iterator[Callable[..., Principal]]:
    """An IAM user with the given inline policy and its own access key; removed afterwards."""
    iam = test_emulator.admin.client("iam")
    made: list[str] = []

    def make(document: str) -> Principal:
        name = f"engine-{unique}-{len(made)}"
        iam.create_user(UserName=name)
        made.append(name)
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=document)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        credentials = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
        return Principal(name, credentials, test_emulator.region, test_emulator.endpoint_url)

    yield make
    for name in made:
        delete_user(iam, name)


@pytest.fixture
def buckets(test_emulator: MotoEmulator, unique: str) -> Iterator[tuple[str, str]]:
    """Two buckets: the first holds open/a.txt and close/b.txt."""
    s3 = test_emulator.admin.client("s3")
    names = (f"engine-{unique}-one", f"engine-{unique}-two")
    for name in names:
        s3.create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": test_emulator.region}
        )
    for key in ("open/a.txt", "close/b.txt"):
        s3.put_object(Bucket=names[0], Key=key, Body=b"x")
    yield names
    for name in names:
        for listed in s3.list_objects_v2(Bucket=name).get("Contents", []):
            s3.delete_object(Bucket=name, Key=listed["Key"])
        s3.delete_bucket(Bucket=name)


@pytest.fixture
def make_role(test_emulator: MotoEmulator, unique: str) -> Iterator[Callable[..., Credentials]]:
    """A role trusting EC2 with the given inline policy (and managed ones); a session of it as
    the emulated EC2 hands it to an instance. Removed afterwards."""
    iam = test_emulator.admin.client("iam")
    made: list[tuple[str, list[str]]] = []

    def make(document: str | None, *managed: str, boundary: str | None = None) -> Credentials:
        name = f"engine-role-{unique}-{len(made)}"
        extra = {"PermissionsBoundary": boundary} if boundary else {}
        arn = iam.create_role(
            RoleName=name, AssumeRolePolicyDocument=json.dumps(EC2_TRUST), **extra
        )["Role"]["Arn"]
        made.append((name, list(managed)))
        if document:
            iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=document)
        for attached in managed:
            iam.attach_role_policy(RoleName=name, PolicyArn=attached)
        issued = test_emulator.admin.client("sts").assume_role(
            RoleArn=_unknown_to_trust_check(arn), RoleSessionName=f"i-{unique}{len(made)}"
        )["Credentials"]
        return Credentials(issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"])

    yield make
    for name, managed in made:
        with contextlib.suppress(ClientError):
            iam.delete_role_policy(RoleName=name, PolicyName="p")
        for attached in managed:
            iam.detach_role_policy(RoleName=name, PolicyArn=attached)
        iam.delete_role(RoleName=name)


def list_grant(bucket: str, condition: dict[str, Any]) -> str:
    """A policy that lets its holder list ``bucket`` under ``condition`` only."""
    return policy(
        {
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": f"arn:aws:s3:::{bucket}",
            "Condition": condition,
        }
    )


def as_role(emulator: MotoEmulator, credentials: Credentials) -> Principal:
    return Principal("role", credentials, emulator.region, emulator.endpoint_url)


# -- conditions, in the request's own context -------------------------------------------------


def test_s3_prefix_comes_from_the_listing_query(
    make_user: Callable[..., Principal], buckets: tuple[str, str]
) -> None:
    bucket = buckets[0]
    user = make_user(list_grant(bucket, {"StringLike": {"s3:prefix": ["open/*"]}}))
    s3 = user.client("s3")
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="open/", Delimiter="/")
    assert [o["Key"] for o in listed["Contents"]] == ["open/a.txt"]
    assert s3.list_objects(Bucket=bucket, Prefix="open/")["Contents"]  # ListObjects (v1) too
    assert error_of(lambda: s3.list_objects_v2(Bucket=bucket, Prefix="close/")) == (
        "AccessDenied",
        403,
    )
    assert error_of(lambda: s3.list_objects_v2(Bucket=bucket))[0] == "AccessDenied"


def test_string_equals_takes_the_star_literally(
    make_user: Callable[..., Principal], buckets: tuple[str, str]
) -> None:
    bucket = buckets[0]
    user = make_user(list_grant(bucket, {"StringEquals": {"s3:prefix": "open/*"}}))
    s3 = user.client("s3")
    assert error_of(lambda: s3.list_objects_v2(Bucket=bucket, Prefix="open/"))[0] == "AccessDenied"
    assert s3.list_objects_v2(Bucket=bucket, Prefix="open/*")["KeyCount"] == 0


def test_delimiter_and_max_keys_are_context_keys(
    make_user: Callable[..., Principal], buckets: tuple[str, str]
) -> None:
    bucket = buckets[0]
    user = make_user(
        list_grant(
            bucket,
            {
                "StringEquals": {"s3:delimiter": "/"},
                "NumericLessThanEquals": {"s3:max-keys": "10"},
            },
        )
    )
    s3 = user.client("s3")
    assert s3.list_objects_v2(Bucket=bucket, Delimiter="/", MaxKeys=5)["KeyCount"] >= 1
    denied = (
        lambda: s3.list_objects_v2(Bucket=bucket, Delimiter="/", MaxKeys=50),
        lambda: s3.list_objects_v2(Bucket=bucket, MaxKeys=5),
    )
    for call in denied:
        assert error_of(call)[0] == "AccessDenied"


def test_secure_transport_deny_leaves_requests_alone(
    make_user: Callable[..., Principal], buckets: tuple[str, str]
) -> None:
    user = make_user(
        policy(
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        )
    )
    assert user.client("s3").get_object(Bucket=buckets[0], Key="open/a.txt")["Body"].read() == b"x"


def test_source_ip_comes_from_the_connection(
    make_user: Callable[..., Principal], buckets: tuple[str, str]
) -> None:
    def user_from(network: str) -> Principal:
        return make_user(
            policy(
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "*",
                    "Condition": {"IpAddress": {"aws:SourceIp": network}},
                }
            )
        )

    near, far = user_from("127.0.0.0/8"), user_from("203.0.113.0/24")
    assert near.client("s3").get_object(Bucket=buckets[0], Key="open/a.txt")
    far_get = lambda: far.client("s3").get_object(Bucket=buckets[0], Key="open/a.txt")  # noqa: E731
    assert error_of(far_get)[0] == "AccessDenied"


# -- actions, resources, deny ---------------------------------------------------------------------


def test_action_names_match_case_insensitively(
    make_user: Callable[..., Principal], buckets: tuple[str, str]
) -> None:
    user = make_user(policy({"Effect": "Allow", "Action": "S3:getobject", "Resource": "*"}))
    assert user.client("s3").get_object(Bucket=buckets[0], Key="open/a.txt")


def test_not_resource_deny_grants_nothing(
    make_user: Callable[..., Principal], buckets: tuple[str, str]
) -> None:
    one, two = buckets
    user = make_user(
        policy(
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{one}/*"},
            {
                "Effect": "Deny",
                "Action": "s3:*",
                "NotResource": [f"arn:aws:s3:::{one}", f"arn:aws:s3:::{one}/*"],
            },
        )
    )
    s3 = user.client("s3")
    assert s3.get_object(Bucket=one, Key="open/a.txt")
    assert error_of(lambda: s3.delete_bucket(Bucket=two))[0] == "AccessDenied"  # no grant
    assert error_of(lambda: s3.list_objects_v2(Bucket=two))[0] == "AccessDenied"


def test_explicit_deny_beats_allow(
    make_user: Callable[..., Principal], buckets: tuple[str, str]
) -> None:
    user = make_user(
        policy(
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"},
        )
    )
    get = lambda: user.client("s3").get_object(Bucket=buckets[0], Key="open/a.txt")  # noqa: E731
    assert error_of(get)[0] == "AccessDenied"


def test_a_roles_permissions_boundary_limits_its_sessions(
    test_emulator: MotoEmulator,
    make_role: Callable[..., Credentials],
    buckets: tuple[str, str],
    unique: str,
) -> None:
    iam = test_emulator.admin.client("iam")
    boundary = iam.create_policy(
        PolicyName=f"engine-boundary-{unique}",
        PolicyDocument=policy({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}),
    )["Policy"]["Arn"]
    try:
        role = as_role(
            test_emulator,
            make_role(
                policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}), boundary=boundary
            ),
        )
        s3 = role.client("s3")
        assert s3.list_objects_v2(Bucket=buckets[0])["KeyCount"] == 2
        get = lambda: s3.get_object(Bucket=buckets[0], Key="open/a.txt")  # noqa: E731
        assert error_of(get)[0] == "AccessDenied"  # the identity policy allows, the boundary not
    finally:
        with contextlib.suppress(ClientError):
            iam.delete_policy(PolicyArn=boundary)


# -- AWS's error shapes ---------------------------------------------------------------------------


def test_ec2_denial_is_unauthorized_operation_with_an_encoded_message(
    make_user: Callable[..., Principal],
) -> None:
    user = make_user(
        policy({"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"})
    )
    ec2 = user.client("ec2")
    with pytest.raises(ClientError) as raised:
        ec2.stop_instances(InstanceIds=["i-0123456789abcdef0"], DryRun=True)
    error = raised.value.response["Error"]
    assert error["Code"] == "UnauthorizedOperation"
    encoded = error["Message"].rsplit("Encoded authorization failure message: ", 1)[1]
    decoded = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    assert decoded["allowed"] is False and decoded["explicitDeny"] is False
    assert decoded["context"]["action"] == "ec2:StopInstances"
    assert decoded["context"]["resource"].endswith(":instance/i-0123456789abcdef0")


def test_an_allowed_dry_run_is_dry_run_operation(make_user: Callable[..., Principal]) -> None:
    user = make_user(policy({"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}))
    code, status = error_of(lambda: user.client("ec2").describe_instances(DryRun=True))
    assert (code, status) == ("DryRunOperation", 412)


def test_ec2_resource_tags_are_context_keys(
    test_emulator: MotoEmulator, make_user: Callable[..., Principal], unique: str
) -> None:
    ec2 = test_emulator.admin.client("ec2")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    made = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t2.micro")
    instance = made["Instances"][0]["InstanceId"]
    try:
        ec2.create_tags(Resources=[instance], Tags=[{"Key": "Team", "Value": unique}])
        user = make_user(
            policy(
                {
                    "Effect": "Allow",
                    "Action": "ec2:StartInstances",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"ec2:ResourceTag/Team": unique}},
                }
            )
        )
        start = lambda: user.client("ec2").start_instances(InstanceIds=[instance], DryRun=True)  # noqa: E731
        assert error_of(start)[0] == "DryRunOperation"
        ec2.create_tags(Resources=[instance], Tags=[{"Key": "Team", "Value": "other"}])
        assert error_of(start)[0] == "UnauthorizedOperation"
    finally:
        ec2.terminate_instances(InstanceIds=[instance])


def test_a_missing_key_is_403_without_list_bucket_and_404_with_it(
    make_user: Callable[..., Principal], buckets: tuple[str, str]
) -> None:
    bucket = buckets[0]
    get_only = make_user(policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}))
    with_list = make_user(
        policy({"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"})
    )
    missing = {"Bucket": bucket, "Key": "open/missing.txt"}
    assert error_of(lambda: get_only.client("s3").get_object(**missing)) == ("AccessDenied", 403)
    assert error_of(lambda: with_list.client("s3").get_object(**missing)) == ("NoSuchKey", 404)
    assert get_only.client("s3").get_object(Bucket=bucket, Key="open/a.txt")  # present: allowed


def test_a_json_service_denies_with_access_denied_exception(
    make_user: Callable[..., Principal],
) -> None:
    user = make_user(policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
    code, _ = error_of(lambda: user.client("ssm").describe_instance_information())
    assert code == "AccessDeniedException"


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
        assert error_of(lambda c=denied: c.get_object(**key))[0] == "AccessDenied", (name, clause)
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
