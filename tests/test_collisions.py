"""Never touch what the run did not create: a learner who built the hands-on by hand, then runs
the suite with their own name, gets one line per taken name and exit code 4, before the run
creates anything, and everything they had is exactly as it was, files and versions included."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from handson.aws import Principal
from handson.lifecycle.ownership import BUCKET, Existing
from handson.lifecycle.removal import (
    delete_bucket,
    delete_instance_profile,
    delete_policy,
    delete_role,
    delete_user,
)
from handson.names import RunNames, default_name
from handson.targets.emulator import EmulatorTarget
from handson.targets.emulator_server import MotoEmulator
from tests.helpers import aws_errors
from tests.helpers.aws_like import AwsLikeProxy
from tests.helpers.estate import snapshot
from tests.helpers.fault_proxy import Answer, Request
from tests.helpers.readme_quotes import quote_problems
from tests.helpers.suite_runner import HeldRun, run_suite

pytestmark = pytest.mark.slow

POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
)
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
Plant = Callable[[Principal, RunNames], Callable[[], None]]  # makes things; returns their removal


def in_region(admin: Principal, region: str) -> Principal:
    return Principal(admin.label, admin.credentials, region, admin.endpoint_url)


def buckets_with_files(admin: Principal, names: RunNames) -> Callable[[], None]:
    """Both of the learner's buckets, bucket 1 versioned with two versions of their file."""
    s3 = admin.client("s3")
    for bucket in (names.bucket1, names.bucket2):
        create: dict[str, Any] = {"Bucket": bucket}
        if admin.region != "us-east-1":
            create["CreateBucketConfiguration"] = {"LocationConstraint": admin.region}
        s3.create_bucket(**create)
    s3.put_bucket_versioning(Bucket=names.bucket1, VersioningConfiguration={"Status": "Enabled"})
    for version in (1, 2):
        s3.put_object(Bucket=names.bucket1, Key="test.txt", Body=f"learner v{version}".encode())
    s3.put_object(Bucket=names.bucket2, Key="open/mine.txt", Body=b"learner open")
    s3.put_object(Bucket=names.bucket2, Key="close/mine.txt", Body=b"learner close")

    def remove() -> None:
        for bucket in (names.bucket1, names.bucket2):
            delete_bucket(s3, bucket)

    return remove


def scratch_bucket(admin: Principal, names: RunNames) -> Callable[[], None]:
    s3 = admin.client("s3")
    s3.create_bucket(
        Bucket=names.scratch_bucket,
        CreateBucketConfiguration={"LocationConstraint": admin.region},
    )
    s3.put_object(Bucket=names.scratch_bucket, Key="mine.txt", Body=b"learner")
    return lambda: delete_bucket(s3, names.scratch_bucket)


def user(admin: Principal, names: RunNames) -> Callable[[], None]:
    iam = admin.client("iam")
    iam.create_user(UserName=names.user)
    iam.create_access_key(UserName=names.user)
    return lambda: delete_user(iam, names.user)


def role(admin: Principal, names: RunNames) -> Callable[[], None]:
    iam = admin.client("iam")
    iam.create_role(RoleName=names.role, AssumeRolePolicyDocument=TRUST)
    return lambda: delete_role(iam, names.role)


def instance_profile(admin: Principal, names: RunNames) -> Callable[[], None]:
    iam = admin.client("iam")
    iam.create_instance_profile(InstanceProfileName=names.instance_profile)
    return lambda: delete_instance_profile(iam, names.instance_profile)


def policy(admin: Principal, names: RunNames) -> Callable[[], None]:
    iam = admin.client("iam")
    arn = iam.create_policy(PolicyName=names.role_policy, PolicyDocument=POLICY)["Policy"]["Arn"]
    return lambda: delete_policy(iam, arn)


def security_group(admin: Principal, names: RunNames) -> Callable[[], None]:
    ec2 = admin.client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]
    group = ec2.create_security_group(
        GroupName=names.security_group, Description="mine", VpcId=vpc["VpcId"]
    )["GroupId"]
    return lambda: ec2.delete_security_group(GroupId=group)


def everything(admin: Principal, names: RunNames) -> Callable[[], None]:
    removals = [
        plant(admin, names)
        for plant in (buckets_with_files, scratch_bucket, user, role, instance_profile, policy)
    ]

    def remove() -> None:
        for removal in reversed(removals):
            removal()

    return remove


# case -> (region, what the learner has, the names the run must name, one line each)
CASES: dict[str, tuple[str, Plant, list[str]]] = {
    "buckets in us-east-1": ("us-east-1", buckets_with_files, ["bucket1", "bucket2"]),
    "buckets in ap-northeast-1": ("ap-northeast-1", buckets_with_files, ["bucket1", "bucket2"]),
    "the user's bucket of U2": ("ap-northeast-1", scratch_bucket, ["scratch_bucket"]),
    "user": ("ap-northeast-1", user, ["user"]),
    "role": ("ap-northeast-1", role, ["role"]),
    "instance profile": ("ap-northeast-1", instance_profile, ["instance_profile"]),
    "policy": ("ap-northeast-1", policy, ["role_policy"]),
    "security group": ("ap-northeast-1", security_group, ["security_group"]),
    "all at once": (
        "ap-northeast-1",
        everything,
        ["bucket1", "bucket2", "scratch_bucket", "user", "role", "role_policy"],
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_learners_resources_stop_the_run_and_stay_as_they_were(
    case: str, test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    region, plant, taken = CASES[case]
    names = RunNames(default_name())
    admin = in_region(test_emulator.admin, region)
    remove = plant(admin, names)
    try:
        before = snapshot(admin)
        run = run_suite(
            tmp_path,
            f"--endpoint-url={test_emulator.endpoint_url}",
            f"--name={names.suffix}",
            f"--region={region}",
        )
        after = snapshot(admin)
    finally:
        remove()
    assert run.exit_code == 4, run.describe()
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert all(line.startswith("ERROR: ") for line in lines), run.stderr
    # One line per taken name (the instance profile shares the role's name: "all at once" says
    # so once for each of the two kinds); each names the resource and the way out.
    for attribute in taken:
        name = getattr(names, attribute)
        assert any(name in line and "already exists" in line for line in lines), (name, lines)
    assert all("--name" in line for line in lines)
    assert "Traceback" not in run.stdout + run.stderr
    assert run.checkpoints == []
    assert after == before  # nothing created, nothing removed, emptied, tagged or changed


def test_only_an_emulator_the_run_started_skips_the_look_up(test_emulator: MotoEmulator) -> None:
    """The look-up before the build is skipped on an emulator the run started (nobody else knows
    its port; it holds the admin alone), never on one somebody else started and the run attached
    to, like the one of the tests above: that one is an account like any other."""
    assert test_emulator.started_by_run and EmulatorTarget(test_emulator).empty_at_start
    attached = MotoEmulator.attach(
        test_emulator.endpoint_url, test_emulator.region, f"tests-attach-{default_name()}"
    )
    try:
        assert not attached.started_by_run
        assert not EmulatorTarget(attached).empty_at_start
    finally:
        attached.close()


def test_what_a_killed_run_left_names_that_run_and_the_sweep(
    test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    """A name held by an earlier run of the suite (its tags say which): the line says how to
    remove what that run left, instead of blaming the learner."""
    names = RunNames(default_name())
    iam = test_emulator.admin.client("iam")
    iam.create_user(UserName=names.user, Tags=names.tag_list())
    try:
        run = run_suite(
            tmp_path, f"--endpoint-url={test_emulator.endpoint_url}", f"--name={names.suffix}"
        )
    finally:
        delete_user(iam, names.user)
    assert run.exit_code == 4, run.describe()
    (line,) = [line for line in run.stderr.splitlines() if line.strip()]
    assert f"an earlier run ({names.run_id}) left it" in line
    # The command acts where the run did: the emulator it was attached to, not AWS.
    sweep = f"handson sweep --run {names.run_id} --delete --allowed-account 123456789012"
    assert f"`{sweep} --endpoint-url {test_emulator.endpoint_url}`" in line, line


def test_a_name_taken_after_the_look_up_stops_the_run_and_is_left_alone(
    test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    """Somebody makes the hands-on user in the moment between the run's look-up and its create:
    the run stops with exit code 4, removes what it had made, and leaves that user as it is."""
    names = RunNames(default_name())
    iam = test_emulator.admin.client("iam")
    before = snapshot(test_emulator.admin)
    held = HeldRun(
        tmp_path,
        "before provisioning",
        f"--endpoint-url={test_emulator.endpoint_url}",
        f"--name={names.suffix}",
        until_released=True,
    )
    try:
        assert held.held(), "the run never got to its provisioning"
        iam.create_user(UserName=names.user, Tags=[{"Key": "owner", "Value": "somebody"}])
    finally:
        run = held.finish()
    out, err = run.stdout, run.stderr
    try:
        assert run.exit_code == 4, run.describe()
        # One line on stderr, as bad input's, not pytest's "! _pytest.outcomes.Exit: ... !".
        said = f"ERROR: IAM user {names.user} already exists and this suite did not create it"
        assert [line for line in err.splitlines() if line.startswith(said)], err
        assert "Exit:" not in out + err and "Traceback" not in out + err
        after = snapshot(test_emulator.admin)
        theirs = after["users"].pop(names.user)  # type: ignore[attr-defined]
        assert theirs == ({"owner": "somebody"}, [], [])  # not adopted, tagged or given a key
        assert after == before  # and everything the run had made is gone
    finally:
        delete_user(iam, names.user)


def test_readme_ja_quotes_what_a_learners_bucket_prints(
    test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    """README.ja.md's collision example is a Japanese run's own line."""
    names = RunNames(default_name())
    remove = buckets_with_files(test_emulator.admin, names)
    try:
        run = run_suite(
            tmp_path,
            f"--endpoint-url={test_emulator.endpoint_url}",
            f"--name={names.suffix}",
            env={"HANDSON_LANG": None},  # the default: Japanese
        )
    finally:
        remove()
    assert run.exit_code == 4, run.describe()
    assert quote_problems("collision", run.stderr, [names.suffix], "README.ja.md") == ""


def forbidden(request: Request) -> Answer:
    """S3 about a bucket of another account: HEAD gets 403 and no body (botocore's code "403")."""
    return aws_errors.s3_error(403, "Forbidden", "AccessDenied", "Access Denied", head=True)


def already_exists(request: Request) -> Answer:
    """S3's CreateBucket for a name that another account holds."""
    message = "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again."  # noqa: E501
    return aws_errors.s3_error(409, "Conflict", "BucketAlreadyExists", message, head=False)


def of_bucket(bucket: str) -> Callable[[Request], bool]:
    return lambda request: urlsplit(request.path).path.strip("/").split("/")[0] == bucket


def test_a_bucket_name_of_another_account_stops_the_run_before_anything_is_made(
    test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    """Bucket names are one for all of AWS: handson-s3-2-<name> may be somebody else's (another
    learner with the same <自分の名前>). S3 answers the look-up's HeadBucket 403: one line names
    the bucket as another account's, exit code 4, nothing made (the layer of
    tests/helpers/aws_like.py answers as S3 does; moto has one account)."""
    names = RunNames(default_name())
    before = snapshot(test_emulator.admin)
    with AwsLikeProxy(test_emulator.endpoint_url) as layer:
        layer.answer_once("s3", "HeadBucket", forbidden, of_bucket(names.bucket2))
        run = run_suite(tmp_path, f"--endpoint-url={layer.endpoint_url}", f"--name={names.suffix}")
        answered = dict(layer.answered_once)
    assert answered == {("s3", "HeadBucket", "AccessDenied"): 1}, answered
    assert run.exit_code == 4, run.describe()
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    foreign = Existing(BUCKET, names.bucket2, {}, foreign_account=True).line()
    assert lines == [f"ERROR: {foreign}"], run.stderr
    assert "another AWS account" in foreign and "--name" in foreign
    assert run.checkpoints == []
    assert snapshot(test_emulator.admin) == before


def test_a_bucket_name_another_account_takes_after_the_look_up_stops_the_run(
    test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    """The look-up found the name free; by the create, another account holds it (S3:
    BucketAlreadyExists, then HeadBucket 403). The run stops with exit code 4 and that one line,
    and removes what it had made."""
    names = RunNames(default_name())
    before = snapshot(test_emulator.admin)
    with AwsLikeProxy(test_emulator.endpoint_url) as layer:
        refused = threading.Event()

        def taken_meanwhile(request: Request) -> Answer:
            refused.set()
            return already_exists(request)

        layer.answer_once("s3", "CreateBucket", taken_meanwhile, of_bucket(names.bucket1))
        layer.answer_once(
            "s3",
            "HeadBucket",
            forbidden,
            lambda request: refused.is_set() and of_bucket(names.bucket1)(request),
        )
        run = run_suite(tmp_path, f"--endpoint-url={layer.endpoint_url}", f"--name={names.suffix}")
        answered = dict(layer.answered_once)
    assert run.exit_code == 4, run.describe()
    assert answered == {
        ("s3", "CreateBucket", "BucketAlreadyExists"): 1,
        ("s3", "HeadBucket", "AccessDenied"): 1,
    }, answered
    foreign = Existing(BUCKET, names.bucket1, {}, foreign_account=True).line()
    assert f"ERROR: {foreign}" in run.stderr.splitlines(), run.describe()
    assert "Exit:" not in run.stdout + run.stderr and "Traceback" not in run.stdout + run.stderr
    assert snapshot(test_emulator.admin) == before  # what the run had made is gone
