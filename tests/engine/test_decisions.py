"""The emulator decides with the engine, in the request path, with AWS's error shapes: real boto3
calls as real principals (an IAM user with its own key, a role session) against the tests' own
emulator (handson.targets.engine_server). Here conditions in the request's own context, actions,
resources and deny, and AWS's error shapes; the SSM agent and the request's own keys in
test_agent.py."""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError

from handson.aws import Credentials, Principal
from handson.targets.emulator_server import MotoEmulator
from tests.helpers.engine_cases import as_role, error_of, list_grant, policy

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


def test_a_users_permissions_boundary_limits_it_and_is_kept_as_aws_keeps_it(
    test_emulator: MotoEmulator,
    make_user: Callable[..., Principal],
    buckets: tuple[str, str],
    unique: str,
) -> None:
    """moto keeps no boundary for a user (handson/targets/moto_user_boundary.py): the user's
    requests were decided without it, and PutUserPermissionsBoundary was answered with a page."""
    iam = test_emulator.admin.client("iam")
    boundary = iam.create_policy(
        PolicyName=f"engine-user-boundary-{unique}",
        PolicyDocument=policy({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}),
    )["Policy"]["Arn"]
    user = make_user(policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
    s3 = user.client("s3")
    get = lambda: s3.get_object(Bucket=buckets[0], Key="open/a.txt")  # noqa: E731
    try:
        assert s3.get_object(Bucket=buckets[0], Key="open/a.txt")["ContentLength"] == 1
        iam.put_user_permissions_boundary(UserName=user.label, PermissionsBoundary=boundary)
        assert iam.get_user(UserName=user.label)["User"]["PermissionsBoundary"] == {
            "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
            "PermissionsBoundaryArn": boundary,
        }
        listed = [u for u in iam.list_users()["Users"] if u["UserName"] == user.label]
        assert listed and "PermissionsBoundary" not in listed[0]  # AWS's listing leaves it out
        assert s3.list_objects_v2(Bucket=buckets[0])["KeyCount"] == 2
        assert error_of(get)[0] == "AccessDenied"  # the identity policy allows, the boundary not
        iam.delete_user_permissions_boundary(UserName=user.label)
        assert "PermissionsBoundary" not in iam.get_user(UserName=user.label)["User"]
        assert s3.get_object(Bucket=buckets[0], Key="open/a.txt")["ContentLength"] == 1
        # A user or a policy that does not exist is IAM's NoSuchEntity, and nothing changes.
        missing = boundary.replace(f"engine-user-boundary-{unique}", f"no-such-{unique}")
        put = iam.put_user_permissions_boundary
        for user_name, arn in ((user.label, missing), (f"nobody-{unique}", boundary)):
            with pytest.raises(ClientError) as refused:
                put(UserName=user_name, PermissionsBoundary=arn)
            assert refused.value.response["Error"]["Code"] == "NoSuchEntity"
        assert "PermissionsBoundary" not in iam.get_user(UserName=user.label)["User"]
    finally:
        with contextlib.suppress(ClientError):
            iam.delete_user_permissions_boundary(UserName=user.label)
        with contextlib.suppress(ClientError):
            iam.delete_policy(PolicyArn=boundary)


def test_a_user_created_with_a_boundary_keeps_it(test_emulator: MotoEmulator, unique: str) -> None:
    iam = test_emulator.admin.client("iam")
    boundary = iam.create_policy(
        PolicyName=f"engine-created-boundary-{unique}",
        PolicyDocument=policy({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}),
    )["Policy"]["Arn"]
    name = f"engine-created-{unique}"
    try:
        made = iam.create_user(UserName=name, PermissionsBoundary=boundary)["User"]
        assert made["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary
        assert (
            iam.get_user(UserName=name)["User"]["PermissionsBoundary"]
            == (made["PermissionsBoundary"])
        )
        with pytest.raises(ClientError) as refused:  # refused whole: no user is made
            iam.create_user(UserName=f"{name}-2", PermissionsBoundary=f"{boundary}-none")
        assert refused.value.response["Error"]["Code"] == "NoSuchEntity"
        assert f"{name}-2" not in {u["UserName"] for u in iam.list_users()["Users"]}
    finally:
        with contextlib.suppress(ClientError):
            iam.delete_user(UserName=name)
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
