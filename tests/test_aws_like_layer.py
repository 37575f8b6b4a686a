"""The AWS-like layer's own behaviours (tests/helpers/aws_young.py), one by one, through boto3:
each answers in AWS's own shape (botocore parses its code and status), only for as long as it
is set to (from the first call that meets it), and only about what was made moments ago. The
whole runs through it are in tests/test_aws_target.py and tests/test_existing_live.py."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from handson.aws import Credentials, Principal
from handson.lifecycle.provision_ec2 import is_profile_propagation
from handson.names import default_name
from handson.targets.emulator_server import MotoEmulator
from tests.helpers.aws_like import AwsLikeProxy
from tests.helpers.aws_young import (
    BUCKET_NAME_HELD,
    KEY_REFUSED,
    POLICY_DELAY,
    PROFILE_UNKNOWN,
    ROLE_IN_PROFILE,
    Young,
)

WINDOW = 0.6  # seconds: long enough to be met by the next call, short enough to wait out
TRUST = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'  # noqa: E501
ALL_S3 = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'


@pytest.fixture
def layer(test_emulator: MotoEmulator) -> Iterator[AwsLikeProxy]:
    young = Young(
        key_refused=WINDOW,
        policy_delay=2 * WINDOW,
        profile_unknown=WINDOW,
        bucket_name_held=WINDOW,
        role_in_profile=WINDOW,
    )
    with AwsLikeProxy(test_emulator.endpoint_url, young=young) as proxy:
        yield proxy


def through(layer: AwsLikeProxy, emulator: MotoEmulator, credentials: Credentials) -> Principal:
    return Principal("through the layer", credentials, emulator.region, layer.endpoint_url)


def code(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = error.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def new_user(layer: AwsLikeProxy, test_emulator: MotoEmulator) -> Iterator[Principal]:
    """A user made through the layer, with a policy and a key made moments ago."""
    iam = through(layer, test_emulator, test_emulator.admin.credentials).client("iam")
    name = f"layer-{default_name()}"
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="s3", PolicyDocument=ALL_S3)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    yield through(layer, test_emulator, Credentials(key["AccessKeyId"], key["SecretAccessKey"]))
    iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    iam.delete_user_policy(UserName=name, PolicyName="s3")
    iam.delete_user(UserName=name)


def test_a_new_key_is_refused_then_its_policy_is_not_yet_in_effect_then_both_are(
    layer: AwsLikeProxy, new_user: Principal
) -> None:
    sts, s3 = new_user.client("sts"), new_user.client("s3")
    with pytest.raises(ClientError) as refused:
        sts.get_caller_identity()
    assert code(refused) == ("InvalidClientTokenId", 403)
    with pytest.raises(ClientError) as unknown:
        s3.list_buckets()
    assert code(unknown) == ("InvalidAccessKeyId", 403)
    time.sleep(WINDOW)
    sts.get_caller_identity()  # never refused for want of a policy
    with pytest.raises(ClientError) as denied:
        s3.list_buckets()
    assert code(denied) == ("AccessDenied", 403)
    assert (
        "is not authorized to perform: s3:ListBuckets" in denied.value.response["Error"]["Message"]
    )
    time.sleep(2 * WINDOW)  # the policy's window, from its first call
    s3.list_buckets()
    assert layer.met[KEY_REFUSED] == 2 and layer.met[POLICY_DELAY] == 1, layer.met
    # Each refusal was sent again and answered by the emulator: none was taken for an answer.
    assert layer.young.final_refusals() == []


def test_a_refusal_never_sent_again_is_listed(layer: AwsLikeProxy, new_user: Principal) -> None:
    """What a suite that decided a denial while a policy propagated leaves: the check of
    tests/test_aws_target.py fails on it."""
    sts = new_user.client("sts")
    with pytest.raises(ClientError):
        sts.get_caller_identity()  # the key's window starts
    time.sleep(WINDOW)
    sts.get_caller_identity()  # the key works, sent again; the policy is not in effect yet
    with pytest.raises(ClientError) as denied:
        new_user.client("s3").head_bucket(Bucket="never-asked-again")
    assert code(denied) == ("403", 403)  # S3 answers a HEAD with its status alone
    final = layer.young.final_refusals()
    assert [(r.behaviour, r.operation) for r in final] == [(POLICY_DELAY, "HeadBucket")]


def test_a_deleted_buckets_name_is_held_for_a_while(
    layer: AwsLikeProxy, test_emulator: MotoEmulator
) -> None:
    s3 = through(layer, test_emulator, test_emulator.admin.credentials).client("s3")
    bucket = f"layer-{default_name()}"
    where = {"LocationConstraint": test_emulator.region}
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration=where)
    s3.delete_bucket(Bucket=bucket)
    with pytest.raises(ClientError) as held:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration=where)
    assert code(held) == ("OperationAborted", 409)
    time.sleep(WINDOW)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration=where)
    s3.delete_bucket(Bucket=bucket)
    assert layer.met[BUCKET_NAME_HELD] == 1


def test_a_new_profile_is_unknown_to_ec2_and_a_role_just_taken_out_is_still_in_it(
    layer: AwsLikeProxy, test_emulator: MotoEmulator
) -> None:
    admin = through(layer, test_emulator, test_emulator.admin.credentials)
    iam, ec2 = admin.client("iam"), admin.client("ec2")
    name = f"layer-{default_name()}"
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
    iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    with pytest.raises(ClientError) as unknown:
        ec2.run_instances(
            ImageId="ami-12c6146b",
            MinCount=1,
            MaxCount=1,
            IamInstanceProfile={"Name": name},
        )
    assert code(unknown) == ("InvalidParameterValue", 400)
    assert is_profile_propagation(unknown.value)  # what the provisioning waits out
    iam.remove_role_from_instance_profile(InstanceProfileName=name, RoleName=name)
    with pytest.raises(ClientError) as conflict:
        iam.delete_role(RoleName=name)
    assert code(conflict) == ("DeleteConflict", 409)
    time.sleep(WINDOW)
    iam.delete_role(RoleName=name)
    iam.delete_instance_profile(InstanceProfileName=name)
    assert layer.met[PROFILE_UNKNOWN] == 1 and layer.met[ROLE_IN_PROFILE] == 1
