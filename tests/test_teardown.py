"""Teardown leaves nothing behind: after provisioning fails halfway, and twice over; --keep says
loudly what it left; a leftover fails the session and names the resource. (That failing checks
leave nothing behind is checked after every run of tests/test_mutations.py.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from handson.aws import Principal
from handson.lifecycle.cleanup import Cleanup
from handson.lifecycle.ownership import Ownership
from handson.lifecycle.provision import Provisioner
from handson.lifecycle.sweeper import Sweeper
from handson.names import RunNames, default_name
from handson.policies import load_policy_set
from handson.report import UNDECIDED_EXIT
from handson.targets.emulator_server import MotoEmulator
from handson.waiting import EMULATOR_BUDGETS
from tests.conftest import OTHER_ACCOUNT as OTHER
from tests.helpers.estate import left_behind
from tests.helpers.suite_runner import SuiteRun, admin_cli_env, as_typed, broken_run, run_suite

STEPS = [
    "create_policy",
    "create_user",
    "create_role",
    "create_instance_profile",
    "create_buckets",
    "create_security_group",
    "launch_instance",
]


def provisioner(admin: Principal, names: RunNames) -> tuple[Provisioner, Cleanup]:
    cleanup = Cleanup()
    return Provisioner(admin, names, load_policy_set(), cleanup, EMULATOR_BUDGETS), cleanup


@pytest.mark.parametrize("step", STEPS)
def test_failure_halfway_leaves_nothing(
    step: str, test_admin: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = RunNames(default_name())
    original = getattr(Provisioner, step)
    calls = []

    def failing(self: Provisioner, *args: Any, **kwargs: Any) -> Any:
        original(self, *args, **kwargs)
        calls.append(step)
        raise RuntimeError(f"injected after {step}")

    monkeypatch.setattr(Provisioner, step, failing)
    build, cleanup = provisioner(test_admin, names)
    with pytest.raises(RuntimeError, match="injected"):
        build.build()
    assert calls == [step]
    assert cleanup.pending, "the failed step's resources should be registered for teardown"
    assert cleanup.run() == []
    assert left_behind(test_admin, names.suffix) == []


def test_full_build_then_teardown_twice(test_admin: Principal) -> None:
    names = RunNames(default_name())
    build, cleanup = provisioner(test_admin, names)
    env = build.build()
    found = left_behind(test_admin, names.suffix)
    assert f"IAM user {names.user}" in found
    assert any(env.instance_id in item for item in found)
    assert len(found) >= 7
    assert cleanup.run() == []
    assert cleanup.run() == []  # idempotent: nothing left to undo, nothing fails
    assert left_behind(test_admin, names.suffix) == []


def test_teardown_survives_resources_already_gone(test_admin: Principal) -> None:
    names = RunNames(default_name())
    build, cleanup = provisioner(test_admin, names)
    build.build()
    build.delete_bucket(names.bucket2)  # somebody (a wrongly allowed probe) deleted it already
    assert cleanup.run() == []
    assert left_behind(test_admin, names.suffix) == []


def test_tags_on_every_taggable_resource(test_admin: Principal) -> None:
    names = RunNames(default_name())
    build, cleanup = provisioner(test_admin, names)
    env = build.build()
    try:
        iam, s3, ec2 = (test_admin.client(s) for s in ("iam", "s3", "ec2"))
        expected = {"Key": "handson:run", "Value": names.run_id}
        assert expected in iam.list_user_tags(UserName=names.user)["Tags"]
        assert expected in iam.list_role_tags(RoleName=names.role)["Tags"]
        assert expected in iam.list_policy_tags(PolicyArn=env.user_policy_arn)["Tags"]
        assert expected in iam.list_policy_tags(PolicyArn=env.role_policy_arn)["Tags"]
        # moto lacks ListInstanceProfileTags; GetInstanceProfile carries the tags (on AWS too).
        profile = iam.get_instance_profile(InstanceProfileName=names.instance_profile)
        assert expected in profile["InstanceProfile"]["Tags"]
        for bucket in (names.bucket1, names.bucket2):
            assert expected in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
        instance = ec2.describe_instances(InstanceIds=[env.instance_id])
        instance = instance["Reservations"][0]["Instances"][0]
        assert expected in instance["Tags"]
        assert {"Key": "Name", "Value": "handson-instance"} in instance["Tags"]
        assert instance["MetadataOptions"]["HttpTokens"] == "required"
        assert instance["InstanceType"] == "t2.micro"
        assert "KeyName" not in instance
        assert instance["IamInstanceProfile"]["Arn"] == env.instance_profile_arn
        assert [g["GroupId"] for g in instance["SecurityGroups"]] == [env.security_group_id]
        group = ec2.describe_security_groups(GroupIds=[env.security_group_id])
        group = group["SecurityGroups"][0]
        assert group["IpPermissions"] == []  # no inbound rule at all
        assert expected in group["Tags"]
    finally:
        assert cleanup.run() == []


# -- whole runs, attached to the tests' own emulator --------------------------------------------


@pytest.mark.slow
# Each step is failed in-process above; a whole run proves the fixture path once, with the most
def test_a_bucket_made_before_the_look_at_it_failed_is_removed(
    test_admin: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CreateBucket answered, and the look that makes the bucket the run's (as S3 makes one:
    empty, untagged) did not (an error, a Ctrl-C): the bucket was left, and neither the run's
    leak check nor the sweeper named it. The teardown now removes it, still as S3 made it."""
    names = RunNames(default_name())
    original = Ownership.fresh_bucket
    failed: list[str] = []

    def fails_once(self: Ownership, name: str) -> bool:
        if name == names.bucket1 and not failed:
            failed.append(name)
            raise RuntimeError("injected: the look at the new bucket failed")
        return original(self, name)

    monkeypatch.setattr(Ownership, "fresh_bucket", fails_once)
    build, cleanup = provisioner(test_admin, names)
    with pytest.raises(RuntimeError, match="injected"):
        build.build()
    assert failed == [names.bucket1]
    assert cleanup.run() == []
    assert left_behind(test_admin, names.suffix) == []


@pytest.mark.parametrize("holds_a_file", [False, True])
def test_the_users_bucket_made_by_a_call_whose_answer_never_came(
    holds_a_file: bool, test_admin: Principal
) -> None:
    """U2: the user's CreateBucket made the bucket and the run never read the answer (a Ctrl-C,
    an answer lost): the bucket was left, and no check named it. The teardown now removes it as
    S3 made it; one that holds a file by then was never the run's, and stays."""
    names = RunNames(default_name())
    build, cleanup = provisioner(test_admin, names)
    build.build()
    build.users_bucket_coming(names.scratch_bucket)
    s3 = test_admin.client("s3")
    where = {"LocationConstraint": test_admin.region}
    s3.create_bucket(Bucket=names.scratch_bucket, CreateBucketConfiguration=where)
    if holds_a_file:
        s3.put_object(Bucket=names.scratch_bucket, Key="mine.txt", Body=b"not the run's")
    assert cleanup.run() == []
    left = left_behind(test_admin, names.suffix)
    assert left == ([f"S3 bucket {names.scratch_bucket}"] if holds_a_file else []), left
    if holds_a_file:
        s3.delete_object(Bucket=names.scratch_bucket, Key="mine.txt")
        s3.delete_bucket(Bucket=names.scratch_bucket)


def test_the_runs_policy_attached_to_someone_elses_user_stays_with_it(
    test_admin: Principal,
) -> None:
    """Someone attached the run's policy to a user of theirs while the run ran: the teardown
    detached it from that user to delete the policy, unsaid. Now the attachment, and so the
    policy, stay, and the teardown names them; everything else of the run goes."""
    names = RunNames(default_name())
    build, cleanup = provisioner(test_admin, names)
    built = build.build()
    iam = test_admin.client("iam")
    theirs = f"learner-bob-{names.suffix}"
    iam.create_user(UserName=theirs)
    iam.attach_user_policy(UserName=theirs, PolicyArn=built.user_policy_arn)
    try:
        failures = cleanup.run()
        assert len(failures) == 2, failures  # the policy, and the record kept for the sweeper
        assert f"IAM user {theirs}" in failures[0] and "did not make" in failures[0], failures
        attached = iam.list_attached_user_policies(UserName=theirs)["AttachedPolicies"]
        assert [p["PolicyArn"] for p in attached] == [built.user_policy_arn]
        left = left_behind(test_admin, names.suffix)
        policy = f"IAM policy {names.user_policy}"
        assert policy in left and f"run record /handson-iam-acceptance/runs/{names.suffix}" in left
        assert set(left) <= {policy, f"run record /handson-iam-acceptance/runs/{names.suffix}"}
    finally:
        iam.detach_user_policy(UserName=theirs, PolicyArn=built.user_policy_arn)
        iam.delete_user(UserName=theirs)
        iam.delete_policy(PolicyArn=built.user_policy_arn)
        test_admin.client("ssm").delete_parameter(Name=names.ledger)
    assert left_behind(test_admin, names.suffix) == []


# built.
@pytest.mark.parametrize("step", ["launch_instance"])
def test_run_with_provisioning_failing_halfway(
    step: str, test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    name = default_name()
    failing = {"HANDSON_FAIL_AFTER": step}
    run = broken_run(tmp_path, test_emulator.endpoint_url, name, env=failing)
    # No check could be decided: an error of the run, not decided, never 不合格 (rule 7).
    assert run.exit_code == UNDECIDED_EXIT, run.describe()
    assert run.checkpoints and {e["outcome"] for e in run.checkpoints} == {"error"}
    assert "injected failure after Provisioner." + step in run.stdout
    assert left_behind(test_emulator.admin, name) == []


@pytest.mark.slow
def test_leftover_fails_the_session_and_is_named(
    test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    names = RunNames(default_name())
    leaking = {"HANDSON_LEAK": f"S3 bucket {names.bucket1}"}
    run = broken_run(tmp_path, test_emulator.endpoint_url, names.suffix, env=leaking)
    # Never exits 0; the checks decided before it keep their verdicts, none of them failed.
    assert run.exit_code == UNDECIDED_EXIT, run.describe()
    assert run.failed == set() and run.errors, run.describe()
    assert f"still exists after teardown: S3 bucket {names.bucket1}" in run.stdout
    # The run's own 片付け, C1-C5 from its leak check: C2 names the bucket, the others passed.
    assert f"C2 left: S3 bucket {names.bucket1}" in run.stdout, run.describe()
    assert "C1 ok: " in run.stdout and "C2 ok: " not in run.stdout
    cleanup = json.loads((tmp_path / "checkpoints.json").read_text("utf-8"))["cleanup"]
    assert {c: v["outcome"] for c, v in cleanup.items()} == {
        "C1": "passed", "C2": "failed", "C3": "passed", "C4": "passed", "C5": "passed"
    }  # fmt: skip


def kept_run(
    emulator: MotoEmulator,
    tmp_path: Path,
    names: RunNames,
    env: dict[str, str | None] | None = None,
    only: str = "U1",
) -> SuiteRun:
    """U1 alone (or ``only``) with --keep: everything the build made is left in place."""
    return run_suite(
        tmp_path,
        f"--endpoint-url={emulator.endpoint_url}",
        f"--name={names.suffix}",
        "--keep",
        "-k",
        only,
        env=env,
    )


@pytest.mark.slow
def test_keep_leaves_everything_and_says_so(other_account: MotoEmulator, tmp_path: Path) -> None:
    """On a server of another account than moto's default: the command that removes what the
    run left names that account (it named 123456789012, which the sweeper then refused)."""
    test_emulator = other_account
    names = RunNames(default_name())
    run = kept_run(test_emulator, tmp_path, names, only="U1 or U2")
    left = left_behind(test_emulator.admin, names.suffix)
    assert run.exit_code == 0, run.describe()
    assert "--keep: resources left in place" in run.stdout
    # No teardown ran: C1-C5 are not checked, never passed.
    assert "clean-up (C1-C5): not checked (left in place with --keep)" in run.stdout, run.describe()
    for label in (f"IAM user {names.user}", f"S3 bucket {names.bucket2}"):
        assert label in left
        assert label in run.stdout
    # U2's bucket, made and deleted by the user's own calls, is not there, and not named.
    assert names.scratch_bucket not in " ".join(left)
    assert names.scratch_bucket not in run.stdout.split("--keep: resources left in place")[1]
    # The run keeps its claim on the name, and says how to remove what it left: the command,
    # typed as it is, removes it from the emulator the run was attached to (not from AWS).
    assert f"run record /handson-iam-acceptance/runs/{names.suffix}" in left
    (said,) = [line for line in run.stdout.splitlines() if line.startswith("Remove them when")]
    assert f"--allowed-account {OTHER}" in said or f"--allowed-account={OTHER}" in said, said
    admin = test_emulator.admin.credentials
    swept = as_typed(
        said.split(": ", 1)[1], admin_cli_env(admin.access_key_id, admin.secret_access_key)
    )
    assert swept.returncode == 0, swept.stdout + swept.stderr
    assert left_behind(test_emulator.admin, names.suffix) == []


@pytest.mark.slow
def test_keep_names_what_it_left_in_the_run_s_language(
    test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    """A Japanese run's --keep list reads in Japanese: the kinds as the sweeper names them, the
    credentials and attachments in words, never the English labels of the log of old."""
    names = RunNames(default_name())
    run = kept_run(test_emulator, tmp_path, names, env={"HANDSON_LANG": None})  # Japanese
    assert run.exit_code == 0, run.describe()
    listed = run.stdout.split("--keep: 残したもの", 1)[1]
    for label in (
        f"IAMユーザー {names.user}",
        f"S3バケット {names.bucket2}",
        f"{names.user} のアクセスキー AKIA",
        f"{names.user} にアタッチしたポリシー {names.user_policy}",
        f"インスタンスプロファイル {names.instance_profile} に入れたロール {names.role}",
        f"実行の記録 /handson-iam-acceptance/runs/{names.suffix}",
    ):
        assert label in listed, listed
    for english in ("IAM user ", "S3 bucket ", "access key ", "policy attachment ", "run record "):
        assert english not in listed, listed
    assert Sweeper(test_emulator.admin).sweep(delete=True, run=run.run_id, say=print) == []
    assert left_behind(test_emulator.admin, names.suffix) == []


def test_teardown_order_revokes_access_first_and_removes_the_user_last(
    test_admin: Principal,
) -> None:
    names = RunNames(default_name())
    build, cleanup = provisioner(test_admin, names)
    build.build()
    kinds = [label.split(" ")[0] + " " + label.split(" ")[1] for label in cleanup.pending]
    try:
        assert kinds[:2] == ["access key", "console login"]
        first = {kind: kinds.index(kind) for kind in reversed(kinds)}
        assert (
            first["policy attachment"]
            < first["IAM policy"]
            < first["EC2 instance"]
            < first["security group"]
            < first["role handson-iam-role-" + names.suffix]
            < first["instance profile"]
            < first["IAM role"]
            < first["S3 bucket"]
            < first["IAM user"]
        )
        assert kinds[-2:] == ["IAM user", "run record"]
    finally:
        assert cleanup.run() == []


def test_permissions_boundary_on_the_user_and_the_role(test_admin: Principal) -> None:
    iam = test_admin.client("iam")
    boundary = iam.create_policy(
        PolicyName=f"boundary-{default_name()}",
        PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Action": "s3:*", "Resource": "*"}]}',
    )["Policy"]["Arn"]
    names = RunNames(default_name())
    cleanup = Cleanup()
    build = Provisioner(
        test_admin,
        names,
        load_policy_set(),
        cleanup,
        EMULATOR_BUDGETS,
        permissions_boundary=boundary,
    )
    sent: list[dict[str, Any]] = []

    def capture(params: dict[str, Any], **_: Any) -> None:
        sent.append(dict(params))

    build.iam.meta.events.register("provide-client-params.iam.CreateUser", capture)
    try:
        build.create_user(build.create_policy(names.user_policy, build.policies.user))
        build.create_role(build.create_policy(names.role_policy, build.policies.role))
        # moto keeps a role's boundary but ignores a user's: check what the suite sent.
        assert [p.get("PermissionsBoundary") for p in sent] == [boundary]
        role = iam.get_role(RoleName=names.role)["Role"]
        assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary
    finally:
        build.iam.meta.events.unregister("provide-client-params.iam.CreateUser", capture)
        assert cleanup.run() == []
        iam.delete_policy(PolicyArn=boundary)


@pytest.mark.slow
def test_an_object_of_the_checks_that_fails_to_close_is_still_reported(
    test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    """The run sets its long-lived objects aside from the cycle collector once the target is
    open (fixtures/target.py): what the checks make afterwards is still collected, and pytest
    still reports the object that failed to close among it."""
    run = run_suite(
        tmp_path,
        f"--endpoint-url={test_emulator.endpoint_url}",
        f"--name={default_name()}",
        "-p",
        "tests.plugins.unclosed_cycle",
    )
    assert run.exit_code == 0, run.describe()
    last = run.stdout.strip().splitlines()[-1]
    assert "1 warning" in last, run.describe()
