"""Discovery of a hand-built environment (issue 12, first part): it finds what a learner built in
the console, with the console's fixed names, using read-only calls only, and names what is
missing or ambiguous in one line each."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import botocore.session
import pytest

from handson import i18n
from handson.aws import isolated_session
from handson.console import CHILD_OUTPUT
from handson.discovery import INSTANCE_TAG, USER, discover
from handson.policies import (
    MANAGED_POLICY_MAX_CHARS,
    TRUST_POLICY_FILE,
    USER_POLICY_FILE,
    policy_size,
)
from handson.targets.emulator_server import MotoEmulator
from scripts.hand_built import NAME, ROLE, HandBuilt, seed
from tests.helpers.estate import snapshot
from tests.helpers.suite_runner import ROOT, SuiteRun, admin_cli_env, run_suite


def read_only_clients(emulator: MotoEmulator, calls: list[str]) -> tuple[Any, Any, Any]:
    """Clients of their own (the admin's are shared), recording every operation they send."""
    session = isolated_session(emulator.admin.credentials, emulator.region)
    made = []
    for service in ("iam", "ec2", "s3"):
        client = session.client(service, endpoint_url=emulator.endpoint_url)
        client.meta.events.register(
            "before-call",
            lambda model, **_: calls.append(model.name),
        )
        made.append(client)
    return made[0], made[1], made[2]


def test_finds_what_was_built_by_hand_and_changes_nothing(
    by_hand: HandBuilt, test_emulator: MotoEmulator
) -> None:
    by_hand.build()
    before = snapshot(test_emulator.admin)
    calls: list[str] = []
    found = discover(*read_only_clients(test_emulator, calls))
    assert snapshot(test_emulator.admin) == before
    assert calls and all(c.startswith(("Get", "List", "Describe", "Head")) for c in calls), calls
    assert found.findings == []
    assert found.user == USER and found.login_profile
    (user_policy,) = found.user_policies
    assert (user_policy.name, user_policy.kind, user_policy.version) == (
        "handson-iam-user-policy",
        "managed",
        "v1",
    )
    assert user_policy.document == json.loads(seed(USER_POLICY_FILE))
    assert found.role == ROLE and found.ssm_core
    assert found.trust == json.loads(seed(TRUST_POLICY_FILE))
    names = {p.name for p in found.role_policies}
    assert names == {"handson-iam-role-policy", "AmazonSSMManagedInstanceCore"}
    assert found.name == NAME
    assert found.buckets == (f"handson-s3-1-{NAME}", f"handson-s3-2-{NAME}")
    assert [k for k, _ in found.objects["open/"]] == ["open/memo.txt"]
    assert [k for k, _ in found.objects["close/"]] == ["close/secret.txt"]


def test_the_user_s_and_the_role_s_policies_attached_to_each_other_are_named(
    by_hand: HandBuilt, test_emulator: MotoEmulator
) -> None:
    """Each attached in the other's place: every check of both fails, and no failure says why."""
    by_hand.build()
    iam = by_hand.iam
    (user,) = [
        p["PolicyArn"] for p in iam.list_attached_user_policies(UserName=USER)["AttachedPolicies"]
    ]
    role = user.replace("handson-iam-user-policy", "handson-iam-role-policy")
    iam.detach_user_policy(UserName=USER, PolicyArn=user)
    iam.detach_role_policy(RoleName=ROLE, PolicyArn=role)
    iam.attach_user_policy(UserName=USER, PolicyArn=role)
    iam.attach_role_policy(RoleName=ROLE, PolicyArn=user)
    by_hand.undo.append(lambda: iam.detach_user_policy(UserName=USER, PolicyArn=role))
    by_hand.undo.append(lambda: iam.detach_role_policy(RoleName=ROLE, PolicyArn=user))
    found = discover(*read_only_clients(test_emulator, []))
    assert found.findings == [
        f"the IAM user {USER} has handson-iam-role-policy attached, the IAM role's policy: the "
        "user's is handson-iam-user-policy (the hands-on's step 3)",
        f"the IAM role {ROLE} has handson-iam-user-policy attached, the IAM user's policy: the "
        "role's is handson-iam-role-policy (the hands-on's step 9)",
    ]
    assert found.missing == {}  # both are graded as they are: the checks then fail


def test_a_user_and_an_instance_named_almost_as_the_hands_on_are_named_not_graded(
    by_hand: HandBuilt, test_emulator: MotoEmulator
) -> None:
    """handson_iam_user and Name=Handson-Instance: each one line naming what was found and how
    to name it as the hands-on does; neither is graded in the hands-on's place."""
    by_hand.build()
    running = [{"Name": "instance-state-name", "Values": ["running"]}]
    tagged = [{"Name": "tag:Name", "Values": [INSTANCE_TAG]}, *running]
    reservations = by_hand.ec2.describe_instances(Filters=tagged)["Reservations"]
    (instance,) = [i["InstanceId"] for r in reservations for i in r["Instances"]]
    by_hand.iam.update_user(UserName=USER, NewUserName="handson_iam_user")
    by_hand.ec2.create_tags(
        Resources=[instance], Tags=[{"Key": "Name", "Value": "Handson-Instance"}]
    )
    try:
        calls: list[str] = []
        found = discover(*read_only_clients(test_emulator, calls))
    finally:
        by_hand.iam.update_user(UserName="handson_iam_user", NewUserName=USER)
        by_hand.ec2.create_tags(Resources=[instance], Tags=[{"Key": "Name", "Value": INSTANCE_TAG}])
    assert calls and all(c.startswith(("Get", "List", "Describe", "Head")) for c in calls), calls
    assert found.user is None and found.instance_id is None
    assert found.findings[:2] == [
        f"no IAM user {USER} in this account, but a user of a name alike: handson_iam_user; the "
        f"console cannot rename a user: make {USER} again, or rename it with the AWS CLI: aws "
        f"iam update-user --user-name handson_iam_user --new-user-name {USER}",
        f"no EC2 instance tagged Name={INSTANCE_TAG} in {test_emulator.region}, but instances "
        f"tagged alike: Name=Handson-Instance ({instance}); set their Name tag to "
        f"{INSTANCE_TAG} in the EC2 console's Tags",
    ]


def test_a_bucket_pair_of_two_names_names_the_buckets_there_are(
    by_hand: HandBuilt, test_emulator: MotoEmulator
) -> None:
    """handson-s3-1-taro-byhand with handson-s3-2-tar0-byhand: a name typed twice, once wrong."""
    by_hand.build(instances=0)
    by_hand.bucket("handson-s3-2-tar0-byhand")
    found = discover(*read_only_clients(test_emulator, []))
    assert found.buckets == (f"handson-s3-1-{NAME}", f"handson-s3-2-{NAME}")  # a pair is there
    by_hand.s3.delete_objects(
        Bucket=f"handson-s3-2-{NAME}",
        Delete={"Objects": [{"Key": "open/memo.txt"}, {"Key": "close/secret.txt"}]},
    )
    by_hand.s3.delete_bucket(Bucket=f"handson-s3-2-{NAME}")
    found = discover(*read_only_clients(test_emulator, []))
    assert found.buckets is None
    said = found.findings[-1]
    # The test's emulator holds other tests' halves too: the learner's two are among those named.
    assert said.startswith(
        "no bucket pair (handson-s3-1-<name> and handson-s3-2-<name>, of one name); the account "
        "holds "
    ), said
    assert f"handson-s3-1-{NAME}, " in said and "handson-s3-2-tar0-byhand" in said, said
    assert said.endswith(
        ": choose one of the names and make the bucket it lacks (a bucket cannot be renamed)"
    )


def test_two_instances_and_two_bucket_pairs_are_named_not_guessed(
    by_hand: HandBuilt, test_emulator: MotoEmulator
) -> None:
    by_hand.build(instances=2, extra_pair="jiro-byhand")
    i18n.set_language("ja")
    found = discover(*read_only_clients(test_emulator, []))
    assert found.instance_id is None and found.role is None and found.buckets is None
    assert len(found.findings) == 2, found.findings
    assert found.findings[0].startswith("タグ Name=handson-instance の EC2 インスタンスが2つ以上")
    assert "jiro-byhand、taro-byhand" in found.findings[1] and "--name" in found.findings[1]
    chosen = discover(*read_only_clients(test_emulator, []), name=NAME)
    assert chosen.buckets == (f"handson-s3-1-{NAME}", f"handson-s3-2-{NAME}")


def test_an_empty_account_is_one_line_per_missing_piece(test_emulator: MotoEmulator) -> None:
    found = discover(*read_only_clients(test_emulator, []), name="nobody-here")
    assert found.findings == [
        f"no IAM user {USER} in this account",
        f"no EC2 instance tagged Name={INSTANCE_TAG} in {test_emulator.region}",
        "no bucket pair handson-s3-1-nobody-here and handson-s3-2-nobody-here",
    ]


def test_the_module_makes_no_write_call() -> None:
    """Belt and braces beside the recorded calls: no create, put, delete or attach in the code."""
    source = (Path(__file__).resolve().parents[1] / "handson" / "discovery.py").read_text("utf-8")
    calls = set(re.findall(r"\.(\w+)\(", source))
    writes = {
        c for c in calls if c.startswith(("create_", "put_", "delete_", "attach_", "update_"))
    }
    assert writes == set(), writes


# -- the replay: python -m handson.discover, then pytest features/ --policies -------------------


FOUND = "見つけた ポリシー"  # where the replay's policies go: a folder with a space, as on Windows


def discover_command(emulator: MotoEmulator, out: Path) -> subprocess.CompletedProcess[str]:
    credentials = emulator.admin.credentials
    env = admin_cli_env(credentials.access_key_id, credentials.secret_access_key)
    command = [
        sys.executable,
        "-m",
        "handson.discover",
        f"--endpoint-url={emulator.endpoint_url}",
        f"--region={emulator.region}",
        "--allowed-account=123456789012",
        f"--out={out}",
    ]
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, encoding=CHILD_OUTPUT, timeout=120
    )


def replay(by_hand: HandBuilt, emulator: MotoEmulator, tmp_path: Path) -> SuiteRun:
    before = snapshot(emulator.admin)
    found = tmp_path / FOUND
    done = discover_command(emulator, found)
    assert done.returncode == 0, done.stdout + done.stderr
    assert snapshot(emulator.admin) == before  # the learner's account, as it was
    # The command it suggests, typed as it is printed: the folder comes back whole.
    suggested = shlex.split(done.stdout.strip().split("replay them with: ", 1)[1])
    assert suggested == ["pytest", "features/", "--policies", str(found)], done.stdout
    # On the embedded emulator of its own: the learner's names are taken on the other one.
    return run_suite(tmp_path / "replay", *suggested[2:])


def test_what_the_replay_holds_besides_the_hands_on_s_policies_is_said_with_where_it_is(
    by_hand: HandBuilt, test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    """The replay's files merge every policy found: a group's policy is a statement of the
    user's file there, named by its Sid alone. What is held besides the hands-on's, and where
    (the group), is said as a grading run says it."""
    by_hand.build_with_mistakes()
    done = discover_command(test_emulator, tmp_path / FOUND)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        "handson: handson-iam-user holds these policies besides the hands-on's, and the checks"
        " include them: group handson-team's inline policy see-users\n"
    ) in done.stderr, done.stderr


def reads_all_of_ec2(by_hand: HandBuilt) -> None:
    """Two policies of the learner's own beside the hands-on's on the user, each within IAM's
    limit, that let it read all of EC2 (the Describe actions, half each): harmless to the
    checkpoints, and more than one customer managed policy may hold once merged."""
    model = botocore.session.get_session().get_service_model("ec2")
    actions = [f"ec2:{o}" for o in model.operation_names if o.startswith("Describe")]
    for n, half in enumerate((actions[::2], actions[1::2])):
        document = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": half, "Resource": "*"}],
        }
        arn = by_hand.iam.create_policy(
            PolicyName=f"read-ec2-{n}", PolicyDocument=json.dumps(document)
        )["Policy"]["Arn"]
        by_hand.undo.append(partial(by_hand.iam.delete_policy, PolicyArn=arn))
        by_hand.iam.attach_user_policy(UserName=USER, PolicyArn=arn)
        by_hand.undo.append(partial(by_hand.iam.detach_user_policy, UserName=USER, PolicyArn=arn))


@pytest.mark.slow
def test_a_hand_built_environment_replays_with_every_checkpoint_decided(
    by_hand: HandBuilt, test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    """The command discover prints runs as printed. The user holds two policies of its own
    besides the hands-on's: the user's file, their union, is more than one customer managed
    policy may hold, and the run refused it (IAM's limit) until a file discover wrote was taken
    as the union it is, as the replay takes it. (A mistake in the folder fails its checkpoint:
    --target existing writes its replay with the same write_replay, and
    tests/test_existing_target.py grades mistakes through it.)"""
    by_hand.build()
    reads_all_of_ec2(by_hand)
    run = replay(by_hand, test_emulator, tmp_path)
    assert run.exit_code == 0, run.describe()
    user_file = (tmp_path / FOUND / USER_POLICY_FILE).read_text("utf-8")
    assert policy_size(json.loads(user_file)) > MANAGED_POLICY_MAX_CHARS
    # The report shows each step's arguments by their repr: a deciding statement's every action
    # and every lesson finding were written into each step (1.9 MB a lesson with ReadOnlyAccess).
    assert longest_step_argument(run) < 5_000  # 105,961 before
    assert f"name {NAME}," in run.stdout.splitlines()[0]
    assert {e["outcome"] for e in run.checkpoints} == {"passed"}
    assert len({c for e in run.checkpoints for c in e["checkpoints"]}) == 13
    manifest = json.loads((tmp_path / FOUND / "discovered.json").read_text("utf-8"))
    sources = {p["name"]: (p["arn"], p["version"]) for p in manifest["role_policies"]}
    assert sources["handson-iam-role-policy"] == (
        "arn:aws:iam::123456789012:policy/handson-iam-role-policy",
        "v1",
    )


def longest_step_argument(run: SuiteRun) -> int:
    def values(steps: list[dict[str, Any]]) -> Iterator[int]:
        for step in steps:
            yield from (len(p["value"]) for p in step.get("parameters", []))
            yield from values(step.get("steps", []))

    return max(
        value
        for path in run.allure_dir.glob("*-result.json")
        for value in values(json.loads(path.read_text("utf-8")).get("steps", []))
    )
