"""The same name again (issue 24): what a run deletes is gone, tags included, so that the next
run with the same ``--name`` on the same emulator finds every name free.

moto 5.2.5 kept a deleted bucket's tags and gave them to the next bucket of that name; the
second run then took its own new bucket for "an earlier run left it" (exit code 4).
``handson.targets.moto_fixes`` makes the emulator forget them. Each kind of resource a run
creates by name and tags is checked here on a real emulator (create, tag, delete, create again
with the same name: no old tags), and three whole runs with one name on one running emulator.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from handson.aws import Credentials, Principal
from handson.names import RunNames, default_name
from handson.policies import SEED_DIR, TRUST_POLICY_FILE
from handson.targets.emulator_server import MotoEmulator
from tests.helpers.estate import left_behind, snapshot
from tests.helpers.suite_runner import run_suite
from tests.test_concurrent_runs import checks_on, plain_moto

ANOTHER_TAG = {"handson:test": "tagged after it was made"}
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
    }
)
# The hands-on's own trust policy (EC2 may assume the role).
TRUST = (SEED_DIR / TRUST_POLICY_FILE).read_text("utf-8")


def pairs(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def as_dict(found: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in found or []}


@dataclass(frozen=True)
class Kind:
    """One kind of resource a run creates by name: how to make one (with tags where its create
    call takes them, as the run does), tag it afterwards, read its tags, delete it."""

    name: Callable[[RunNames], str]
    make: Callable[[Principal, str, dict[str, str]], str]  # -> its identifier
    tag: Callable[[Principal, str, dict[str, str]], None]
    tags: Callable[[Principal, str], dict[str, str]]
    delete: Callable[[Principal, str], None]
    # Tags the emulator still answers for the deleted identifier (EC2's DescribeTags by ID).
    left_by_id: Callable[[Principal, str], dict[str, str]] | None = None


# -- S3 buckets (the run's two, and the user's bucket of U2) ------------------------------------


def make_bucket(admin: Principal, name: str, tags: dict[str, str]) -> str:
    create: dict[str, Any] = {"Bucket": name}
    if admin.region != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": admin.region}
    admin.client("s3").create_bucket(**create)
    if tags:  # CreateBucket takes no tags: the run tags its buckets right after
        tag_bucket(admin, name, tags)
    return name


def bucket_tags(admin: Principal, name: str) -> dict[str, str]:
    try:
        return as_dict(admin.client("s3").get_bucket_tagging(Bucket=name)["TagSet"])
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NoSuchTagSet":
            return {}
        raise


def tag_bucket(admin: Principal, name: str, tags: dict[str, str]) -> None:
    merged = {**bucket_tags(admin, name), **tags}  # PutBucketTagging replaces the whole set
    admin.client("s3").put_bucket_tagging(Bucket=name, Tagging={"TagSet": pairs(merged)})


# -- IAM ------------------------------------------------------------------------------------------


def make_user(admin: Principal, name: str, tags: dict[str, str]) -> str:
    admin.client("iam").create_user(UserName=name, Tags=pairs(tags))
    return name


def make_role(admin: Principal, name: str, tags: dict[str, str]) -> str:
    admin.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=TRUST, Tags=pairs(tags))
    return name


def make_policy(admin: Principal, name: str, tags: dict[str, str]) -> str:
    made = admin.client("iam").create_policy(
        PolicyName=name, PolicyDocument=POLICY, Tags=pairs(tags)
    )
    return str(made["Policy"]["Arn"])


def make_profile(admin: Principal, name: str, tags: dict[str, str]) -> str:
    admin.client("iam").create_instance_profile(InstanceProfileName=name, Tags=pairs(tags))
    return name


def iam_tags(admin: Principal, operation: str, key: str, **params: str) -> dict[str, str]:
    """As the run reads them when it looks a name up (handson.lifecycle.ownership)."""
    return as_dict(getattr(admin.client("iam"), operation)(**params)[key].get("Tags"))


# -- EC2 security groups ------------------------------------------------------------------------


def make_group(admin: Principal, name: str, tags: dict[str, str]) -> str:
    ec2 = admin.client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]
    specification = [{"ResourceType": "security-group", "Tags": pairs(tags)}] if tags else []
    made = ec2.create_security_group(
        GroupName=name,
        Description="same name again",
        VpcId=vpc["VpcId"],
        TagSpecifications=specification,
    )
    return str(made["GroupId"])


def group_tags(admin: Principal, group_id: str) -> dict[str, str]:
    groups = admin.client("ec2").describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    return as_dict(groups[0].get("Tags"))


def tags_by_id(admin: Principal, resource_id: str) -> dict[str, str]:
    found = admin.client("ec2").describe_tags(
        Filters=[{"Name": "resource-id", "Values": [resource_id]}]
    )["Tags"]
    return as_dict(found)


# -- the run's record (an SSM parameter) --------------------------------------------------------


def make_parameter(admin: Principal, name: str, tags: dict[str, str]) -> str:
    admin.client("ssm").put_parameter(
        Name=name, Value="same name again", Type="String", Tags=pairs(tags)
    )
    return name


def parameter_tags(admin: Principal, name: str) -> dict[str, str]:
    found = admin.client("ssm").list_tags_for_resource(ResourceType="Parameter", ResourceId=name)
    return as_dict(found.get("TagList"))


KINDS: dict[str, Kind] = {
    "S3 bucket": Kind(
        lambda n: n.bucket1,
        make_bucket,
        tag_bucket,
        bucket_tags,
        lambda a, name: a.client("s3").delete_bucket(Bucket=name),
    ),
    "IAM user": Kind(
        lambda n: n.user,
        make_user,
        lambda a, name, tags: a.client("iam").tag_user(UserName=name, Tags=pairs(tags)),
        lambda a, name: iam_tags(a, "get_user", "User", UserName=name),
        lambda a, name: a.client("iam").delete_user(UserName=name),
    ),
    "IAM role": Kind(
        lambda n: n.role,
        make_role,
        lambda a, name, tags: a.client("iam").tag_role(RoleName=name, Tags=pairs(tags)),
        lambda a, name: iam_tags(a, "get_role", "Role", RoleName=name),
        lambda a, name: a.client("iam").delete_role(RoleName=name),
    ),
    "customer managed policy": Kind(
        lambda n: n.role_policy,
        make_policy,
        lambda a, arn, tags: a.client("iam").tag_policy(PolicyArn=arn, Tags=pairs(tags)),
        lambda a, arn: iam_tags(a, "get_policy", "Policy", PolicyArn=arn),
        lambda a, arn: a.client("iam").delete_policy(PolicyArn=arn),
    ),
    "instance profile": Kind(
        lambda n: n.instance_profile,
        make_profile,
        lambda a, name, tags: a.client("iam").tag_instance_profile(
            InstanceProfileName=name, Tags=pairs(tags)
        ),
        lambda a, name: iam_tags(
            a, "get_instance_profile", "InstanceProfile", InstanceProfileName=name
        ),
        lambda a, name: a.client("iam").delete_instance_profile(InstanceProfileName=name),
    ),
    "EC2 security group": Kind(
        lambda n: n.security_group,
        make_group,
        lambda a, group_id, tags: a.client("ec2").create_tags(
            Resources=[group_id], Tags=pairs(tags)
        ),
        group_tags,
        lambda a, group_id: a.client("ec2").delete_security_group(GroupId=group_id),
        left_by_id=tags_by_id,
    ),
    "run record (SSM parameter)": Kind(
        lambda n: n.ledger,
        make_parameter,
        lambda a, name, tags: a.client("ssm").add_tags_to_resource(
            ResourceType="Parameter", ResourceId=name, Tags=pairs(tags)
        ),
        parameter_tags,
        lambda a, name: a.client("ssm").delete_parameter(Name=name),
    ),
}


@pytest.mark.parametrize("kind", KINDS, ids=list(KINDS))
def test_a_deleted_resources_tags_go_with_it(kind: str, test_emulator: MotoEmulator) -> None:
    """Create with the run's tags, tag once more, delete, create again with the same name and
    no tags: the new one has none, as on AWS."""
    spec, admin, names = KINDS[kind], test_emulator.admin, RunNames(default_name())
    name, old = spec.name(names), names.tags
    first = spec.make(admin, name, old)
    try:
        spec.tag(admin, first, ANOTHER_TAG)
        assert spec.tags(admin, first) == {**old, **ANOTHER_TAG}  # both ways of tagging held
    finally:
        spec.delete(admin, first)
    again = spec.make(admin, name, {})
    try:
        assert spec.tags(admin, again) == {}, f"{kind} {name} has the deleted one's tags"
        if spec.left_by_id is not None and again != first:
            assert spec.left_by_id(admin, first) == {}, f"deleted {kind} {first} keeps its tags"
    finally:
        spec.delete(admin, again)


def test_a_bucket_in_us_east_1_too(test_emulator: MotoEmulator) -> None:
    """The U2 bucket's name, in the region where S3 answers 200 to a bucket one owns already."""
    source = test_emulator.admin
    admin = Principal(source.label, source.credentials, "us-east-1", source.endpoint_url)
    names = RunNames(default_name())
    s3 = admin.client("s3")
    make_bucket(admin, names.scratch_bucket, names.tags)
    try:
        assert bucket_tags(admin, names.scratch_bucket) == names.tags
    finally:
        s3.delete_bucket(Bucket=names.scratch_bucket)
    make_bucket(admin, names.scratch_bucket, {})
    try:
        assert bucket_tags(admin, names.scratch_bucket) == {}
    finally:
        s3.delete_bucket(Bucket=names.scratch_bucket)


@pytest.mark.slow
def test_three_runs_with_one_name_on_one_running_emulator_all_pass(tmp_path: Path) -> None:
    """The learner's fast path: one emulator started as the README says
    (``python -m handson.targets.engine_server``), then ``--name taro --endpoint-url ...``
    three times in a row. Every run passes; nothing of any is left. The server's IAM checks
    were off (moto's default): each run switches them on for itself and off again."""
    name = default_name()
    with plain_moto() as url:
        # IAM checks are off between runs (each run switches them on for itself and off again):
        # any key reads the emulator as its root.
        admin = Principal("test", Credentials("AKIDSAMENAME0000TEST", "any"), "ap-northeast-1", url)
        before = snapshot(admin)
        runs = []
        for attempt in range(3):
            run = run_suite(
                tmp_path / f"run-{attempt + 1}", f"--endpoint-url={url}", f"--name={name}"
            )
            runs.append(run)
            assert run.exit_code == 0, f"run {attempt + 1} of 3: {run.describe()}"
            assert len(run.checkpoints) == 27
            assert {e["outcome"] for e in run.checkpoints} == {"passed"}, run.describe()
            assert f"name {name}," in run.stdout
            assert left_behind(admin, name) == [], f"after run {attempt + 1}"
        assert len({run.run_id for run in runs}) == 3  # three runs, one name
        assert snapshot(admin) == before
        assert not checks_on(url)  # each left the server as it found it
