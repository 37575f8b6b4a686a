"""Ownership, not names, in the provisioning itself (against the tests' emulator): a same-named
resource that appears after the run looked its names up is never adopted, changed or removed; a
create whose answer never came is looked up by the run's tag and owned; an interrupt in a create
still leaves what it made registered for teardown."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ReadTimeoutError

from handson.aws import Principal
from handson.lifecycle.cleanup import Cleanup
from handson.lifecycle.ownership import Collision, collisions
from handson.lifecycle.provision import Provisioner
from handson.names import SSM_CORE_POLICY_ARN, RunNames, default_name
from handson.policies import load_policy_set
from handson.probes import Answer, ProbeResult
from handson.user_actions import s3_round_trip
from handson.verdict import Outcome, Verdict
from handson.waiting import EMULATOR_BUDGETS
from tests.helpers.estate import left_behind

POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
)


def provisioner(admin: Principal, names: RunNames) -> tuple[Provisioner, Cleanup]:
    cleanup = Cleanup(retry_budget=5)
    return Provisioner(admin, names, load_policy_set(), cleanup, EMULATOR_BUDGETS), cleanup


def as_region(admin: Principal, region: str) -> Principal:
    return Principal(admin.label, admin.credentials, region, admin.endpoint_url)


@pytest.fixture
def names() -> RunNames:
    return RunNames(default_name())


def snapshot_user(admin: Principal, name: str) -> dict[str, Any]:
    iam = admin.client("iam")
    user = iam.get_user(UserName=name)["User"]
    return {
        "id": user["UserId"],
        "tags": user.get("Tags", []),
        "keys": [
            k["AccessKeyId"] for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
        ],
        "policies": iam.list_attached_user_policies(UserName=name)["AttachedPolicies"],
    }


def snapshot_bucket(s3: Any, bucket: str) -> dict[str, Any]:
    versions = s3.list_object_versions(Bucket=bucket)
    return {
        "versions": [(v["Key"], v["VersionId"]) for v in versions.get("Versions", [])],
        "body": s3.get_object(Bucket=bucket, Key="mine.txt")["Body"].read(),
    }


def test_a_user_made_by_someone_else_after_the_look_up_is_a_collision(
    test_admin: Principal, names: RunNames
) -> None:
    build, cleanup = provisioner(test_admin, names)
    assert collisions(test_admin, names) == []
    iam = test_admin.client("iam")
    iam.create_user(UserName=names.user, Tags=[{"Key": "owner", "Value": "learner"}])
    iam.create_access_key(UserName=names.user)
    before = snapshot_user(test_admin, names.user)
    try:
        with pytest.raises(Collision, match=f"IAM user {names.user} already exists"):
            build.build()
        assert cleanup.run() == []
        assert snapshot_user(test_admin, names.user) == before  # not adopted, not changed
        assert left_behind(test_admin, names.suffix) == [f"IAM user {names.user}"]
    finally:
        from handson.lifecycle.removal import delete_user

        delete_user(iam, names.user)


@pytest.mark.parametrize("region", ["us-east-1", "ap-northeast-1"])
def test_a_bucket_made_by_someone_else_after_the_look_up_is_never_adopted(
    test_admin: Principal, names: RunNames, region: str
) -> None:
    """In us-east-1, S3 answers 200 to re-creating a bucket one owns: the run would have taken
    the learner's bucket, files and all, for its own."""
    admin = as_region(test_admin, region)
    build, cleanup = provisioner(admin, names)
    s3 = admin.client("s3")
    build.claim_name()
    create: dict[str, Any] = {"Bucket": names.bucket1}
    if region != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**create)
    s3.put_bucket_versioning(Bucket=names.bucket1, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=names.bucket1, Key="mine.txt", Body=b"the learner's v1")
    s3.put_object(Bucket=names.bucket1, Key="mine.txt", Body=b"the learner's v2")
    before = snapshot_bucket(s3, names.bucket1)
    try:
        with pytest.raises(Collision, match=f"S3 bucket {names.bucket1} already exists"):
            build.create_bucket(names.bucket1)
        assert not any("S3 bucket" in label for label in cleanup.pending)
        assert cleanup.run() == []
        assert snapshot_bucket(s3, names.bucket1) == before
        assert "TagSet" not in str(_tags(s3, names.bucket1))
    finally:
        from handson.lifecycle.removal import delete_bucket

        delete_bucket(s3, names.bucket1)


def _tags(s3: Any, bucket: str) -> object:
    try:
        return s3.get_bucket_tagging(Bucket=bucket)
    except Exception:  # noqa: BLE001 - no tags is what is expected
        return {}


def test_the_users_bucket_is_the_runs_only_if_the_users_call_made_it(
    test_admin: Principal, names: RunNames
) -> None:
    build, cleanup = provisioner(test_admin, names)
    build.claim_name()
    s3 = test_admin.client("s3")
    s3.create_bucket(
        Bucket=names.scratch_bucket,
        CreateBucketConfiguration={"LocationConstraint": "ap-northeast-1"},
    )
    s3.put_object(Bucket=names.scratch_bucket, Key="mine.txt", Body=b"the learner's")
    (create, own), *_ = s3_round_trip(test_admin, names.scratch_bucket, names.sample_file, build)
    allowed = ProbeResult(
        "user", create, Outcome.ALLOWED, Answer(Verdict(Outcome.ALLOWED, "ok"), {}), 1
    )
    refused = ProbeResult(
        "user",
        create,
        Outcome.ALLOWED,
        Answer(Verdict(Outcome.ERROR, "not ours", "BucketAlreadyOwnedByYou"), {}),
        1,
    )
    try:
        assert own is not None
        own(refused)  # S3 said the name was taken: nothing to own, nothing to say
        with pytest.raises(Collision, match=names.scratch_bucket):
            own(allowed)  # S3 said 200, but the bucket was somebody's (us-east-1's answer)
        assert not any(names.scratch_bucket in label for label in cleanup.pending)
        assert cleanup.run() == []
        body = s3.get_object(Bucket=names.scratch_bucket, Key="mine.txt")["Body"].read()
        assert body == b"the learner's"
    finally:
        from handson.lifecycle.removal import delete_bucket

        delete_bucket(s3, names.scratch_bucket)


def lost_answer(real: Callable[..., Any]) -> Callable[..., Any]:
    """The call is made, and its answer never comes."""

    def call(**kwargs: Any) -> Any:
        real(**kwargs)
        raise ReadTimeoutError(endpoint_url="http://emulator")

    return call


def test_a_create_that_timed_out_but_happened_is_found_by_the_runs_tag(
    test_admin: Principal, names: RunNames, monkeypatch: pytest.MonkeyPatch
) -> None:
    build, cleanup = provisioner(test_admin, names)
    for method in ("create_role", "create_policy", "create_instance_profile"):
        monkeypatch.setattr(build.iam, method, lost_answer(getattr(build.iam, method)))
    monkeypatch.setattr(
        build.ec2, "create_security_group", lost_answer(build.ec2.create_security_group)
    )
    env = build.build()
    assert env.role_arn.endswith(names.role)
    labels = " ".join(cleanup.pending)
    for kind in ("IAM role", "IAM policy", "instance profile", "security group"):
        assert kind in labels
    assert cleanup.run() == []
    assert left_behind(test_admin, names.suffix) == []


def test_an_interrupt_in_a_create_still_registers_what_it_made(
    test_admin: Principal, names: RunNames, monkeypatch: pytest.MonkeyPatch
) -> None:
    build, cleanup = provisioner(test_admin, names)
    real = build.iam.create_role

    def interrupted(**kwargs: Any) -> Any:
        real(**kwargs)
        raise KeyboardInterrupt("signal SIGTERM")

    monkeypatch.setattr(build.iam, "create_role", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build.build()
    assert any(label.startswith("IAM role") for label in cleanup.pending)
    assert cleanup.run() == []
    assert left_behind(test_admin, names.suffix) == []


def test_a_failed_launch_leaves_no_instance(
    test_admin: Principal, names: RunNames, monkeypatch: pytest.MonkeyPatch
) -> None:
    build, cleanup = provisioner(test_admin, names)
    monkeypatch.setattr(build.ec2, "run_instances", lost_answer(build.ec2.run_instances))
    with pytest.raises(ReadTimeoutError):
        build.build()
    assert any(label.startswith("EC2 instance") for label in cleanup.pending)
    assert cleanup.run() == []
    assert left_behind(test_admin, names.suffix) == []


def lost_for(policy: str, real: Callable[..., Any]) -> Callable[..., Any]:
    """AttachRolePolicy whose answer never comes when it attaches ``policy``."""

    def call(**kwargs: Any) -> Any:
        if kwargs["PolicyArn"] == policy:
            return lost_answer(real)(**kwargs)
        return real(**kwargs)

    return call


def test_an_attachment_whose_answer_was_lost_goes_with_the_role(
    test_admin: Principal, names: RunNames, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AmazonSSMManagedInstanceCore attached, its answer lost: no removal of that attachment is
    registered, and DeleteRole refuses a role with a policy attached (DeleteConflict). The
    role's removal detaches what the run attached, and the role goes."""
    build, cleanup = provisioner(test_admin, names)
    monkeypatch.setattr(
        build.iam, "attach_role_policy", lost_for(SSM_CORE_POLICY_ARN, build.iam.attach_role_policy)
    )
    with pytest.raises(ReadTimeoutError):
        build.build()
    assert not any("AmazonSSMManagedInstanceCore" in label for label in cleanup.pending)
    assert cleanup.run() == []


def test_a_policy_someone_else_attached_to_the_runs_role_is_left_attached(
    test_admin: Principal, names: RunNames, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only what the run attached is detached: a policy someone else attached to the run's role
    stays attached, and the role stays, named as not removed."""
    build, cleanup = provisioner(test_admin, names)
    monkeypatch.setattr(
        build.iam, "attach_role_policy", lost_for(SSM_CORE_POLICY_ARN, build.iam.attach_role_policy)
    )
    with pytest.raises(ReadTimeoutError):
        build.build()
    iam = test_admin.client("iam")
    theirs = iam.create_policy(PolicyName=f"theirs-{names.suffix}", PolicyDocument=POLICY)
    arn = theirs["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=names.role, PolicyArn=arn)
    try:
        failures = cleanup.run()
        assert [f for f in failures if names.role in f and "DeleteConflict" in f], failures
        attached = iam.list_attached_role_policies(RoleName=names.role)["AttachedPolicies"]
        assert [p["PolicyArn"] for p in attached] == [arn]  # the run's SSM attachment went
    finally:
        iam.detach_role_policy(RoleName=names.role, PolicyArn=arn)
        iam.delete_policy(PolicyArn=arn)
        iam.delete_role(RoleName=names.role)
        build.ledger.release()  # kept by the teardown, as the role was left


def test_every_taken_name_is_one_line(test_admin: Principal, names: RunNames) -> None:
    iam = test_admin.client("iam")
    iam.create_role(RoleName=names.role, AssumeRolePolicyDocument="{}")
    policy = iam.create_policy(PolicyName=names.user_policy, PolicyDocument=POLICY)["Policy"]
    try:
        found = collisions(test_admin, names)
        assert len(found) == 2 and all("\n" not in line for line in found)
        assert any(f"IAM role {names.role} already exists" in line for line in found)
        assert any(f"IAM policy {names.user_policy}" in line for line in found)
        assert all("--name" in line for line in found)
    finally:
        iam.delete_role(RoleName=names.role)
        iam.delete_policy(PolicyArn=policy["Arn"])


def test_a_name_held_by_another_run_says_which_run(test_admin: Principal) -> None:
    names = RunNames(default_name())
    first, first_cleanup = provisioner(test_admin, names)
    first.claim_name()
    second_names = RunNames(names.suffix)
    try:
        (line,) = collisions(test_admin, second_names)
        assert f"held by run {names.run_id}" in line and "sweep --run" in line
        second, _ = provisioner(test_admin, second_names)
        with pytest.raises(Collision, match=names.run_id):
            second.claim_name()
    finally:
        assert first_cleanup.run() == []


@pytest.fixture(autouse=True)
def nothing_of_the_test_left(test_admin: Principal, names: RunNames) -> Iterator[None]:
    yield
    assert left_behind(test_admin, names.suffix) == []
