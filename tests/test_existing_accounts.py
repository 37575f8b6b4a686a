"""``--target existing`` on what a learner's account holds beyond the hands-on's own build: an
account and instance of their own, another region, a bucket policy or KMS key, slips the replay
once passed, a user and role without policies of their own; and Ctrl-C while it is read."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import boto3
import pytest

from handson.i18n import t
from handson.names import PLACEHOLDER
from handson.policies import ROLE_POLICY_FILE, SEED_DIR, USER_POLICY_FILE
from handson.targets.emulator_server import MotoEmulator
from scripts.hand_built import NAME, HandBuilt, seed
from tests.helpers.estate import snapshot
from tests.helpers.far_regions import FarRegions
from tests.helpers.grading import ACCOUNT, CHECKPOINTS, decided, grade, learner, role_not_graded
from tests.helpers.suite_runner import suite_command, suite_env
from tests.test_discovery import FOUND, replay

pytestmark = pytest.mark.slow


def test_a_policy_naming_the_learners_account_and_instance_is_graded_as_theirs(
    tmp_path: Path,
) -> None:
    """The learner's account is not the emulator's default, their instance's ID is their own,
    and so is its type (a t3.micro, where the region has no t2.micro): a user policy that holds
    starting to that instance (its ARN, with their account ID) and to its type is replayed in
    that account on an instance of that ID and type, and passes, and P1 and P2 find nothing.
    Replayed as the emulator's own account, U3 failed; on an instance of another ID or of the
    hands-on's t2.micro, it would."""
    theirs = "111122223333"
    account = MotoEmulator.start("ap-northeast-1", "tests-learner-admin", account_id=theirs)
    built = HandBuilt(account.admin)
    try:
        built.build(instance_type="t3.micro")
        iam, ec2 = account.admin.client("iam"), account.admin.client("ec2")
        (instance,) = [
            i["InstanceId"]
            for r in ec2.describe_instances()["Reservations"]
            for i in r["Instances"]
        ]
        held = json.loads((SEED_DIR / USER_POLICY_FILE).read_text("utf-8"))
        held["Statement"] = [s for s in held["Statement"] if s["Sid"] != "ForEC2"] + [
            {"Sid": "See", "Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"},
            {
                "Sid": "StartOurs",
                "Effect": "Allow",
                "Action": "ec2:StartInstances",
                "Resource": f"arn:aws:ec2:ap-northeast-1:{theirs}:instance/{instance}",
                "Condition": {"StringEquals": {"ec2:InstanceType": "t3.micro"}},
            },
        ]
        iam.create_policy_version(
            PolicyArn=f"arn:aws:iam::{theirs}:policy/handson-iam-user-policy",
            PolicyDocument=json.dumps(held),
            SetAsDefault=True,
        )
        run = grade(account, tmp_path, allowed=theirs)
    finally:
        built.remove()
        account.close()
    assert run.exit_code == 0, run.describe()
    assert all(o == {"passed"} for o in decided(run).values()), decided(run)
    document = json.loads((tmp_path / "checkpoints.json").read_text("utf-8"))
    lessons = [f for f in document["practices"] if f["id"] in ("P1", "P2")]
    assert lessons == [], lessons  # P3-P6 read the account itself, which this test left bare


def test_an_instance_built_in_another_region_is_named_with_the_option_that_grades_it(
    by_hand: HandBuilt, test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    """A learner's console opens in the region it was last in: the instance built there is not
    in the run's region. The line says where it is; with that --region, all is graded. Without
    it, no instance in the run's region is graded as none at all (the line aside)."""
    by_hand.build(instance_region="us-west-2")
    before = snapshot(test_emulator.admin)
    run = grade(test_emulator, tmp_path / "first")
    assert snapshot(test_emulator.admin) == before
    role_not_graded(run, tmp_path / "first", "no EC2 instance tagged Name=handson-instance")
    said = [line for line in run.stderr.splitlines() if "tagged Name=handson-instance" in line]
    assert said == [
        "no EC2 instance tagged Name=handson-instance in ap-northeast-1, but in us-west-2: if "
        "you built it there, run with --region us-west-2 (the console's region is chosen at its "
        "top right)"
    ], run.describe()
    again = grade(test_emulator, tmp_path / "again", "--region=us-west-2")
    assert again.exit_code == 0 and again.outcomes("passed") == CHECKPOINTS, again.describe()


@pytest.mark.skipif(sys.platform == "win32", reason="a SIGINT to one process is POSIX's")
def test_a_ctrl_c_while_the_account_is_read_is_one_line(
    by_hand: HandBuilt, test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    """No instance in the run's region: the account's other regions are read before the run's
    session, and regions far away answer late. A learner's Ctrl-C there ended the run at once
    (exit code 2) without a word: pytest ends it before the session, so before its summary."""
    by_hand.build(instances=0, profile=False)
    before = snapshot(test_emulator.admin)
    options, env = learner(test_emulator)
    with FarRegions(test_emulator.endpoint_url, test_emulator.region) as far:
        options = [
            o if "--endpoint-url" not in o else f"--endpoint-url={far.endpoint_url}"
            for o in options
        ]
        done = far.ctrl_c(suite_command(tmp_path, *options), suite_env(env))
    assert done.code == 2, done.out + done.err
    assert done.err.strip().splitlines()[-1] == t("run.interrupted_before"), done.err
    assert "Traceback" not in done.out + done.err and "KeyboardInterrupt" not in done.err
    assert snapshot(test_emulator.admin) == before


def test_a_bucket_policy_or_key_that_may_decide_a_check_leaves_it_undecided(
    by_hand: HandBuilt, test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    """Bucket 2 has a policy granting the role s3:* (the hands-on sets none). On AWS the role may
    then upload to open/, read close/, delete the bucket: the replay, which has no bucket
    policies, graded 13/13 (and before that, reading the policy ended the run in an internal
    error). Now what the replay denied and the bucket's Allow may allow is not decided, each
    saying why; the rest is graded; the run exits 6. A run of discover's folder says and
    decides the same.

    Bucket 1 encrypts with a KMS key of the learner's by default (the hands-on keeps SSE-S3).
    On AWS the role's upload there needs kms:GenerateDataKey on the key, which the hands-on's
    policy does not grant: the replay, which has no KMS, passed R2. Now R2 is not decided,
    naming the key."""
    by_hand.build()
    bucket = f"handson-s3-2-{NAME}"
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "RoleAll",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/handson-iam-role"},
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            }
        ],
    }
    # moto answers PutBucketPolicy with 200 "True", not AWS's 204: the suite's clients refuse
    # it as an answer not AWS's, so the learner's console is played by a plain client.
    credentials = test_emulator.admin.credentials
    s3 = boto3.client(
        "s3",
        endpoint_url=test_emulator.endpoint_url,
        region_name=test_emulator.region,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(document))
    by_hand.undo.append(lambda: s3.delete_bucket_policy(Bucket=bucket))
    bucket1 = f"handson-s3-1-{NAME}"
    key = f"arn:aws:kms:{test_emulator.region}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    default = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}
    rules = {"Rules": [{"ApplyServerSideEncryptionByDefault": default}]}
    s3.put_bucket_encryption(Bucket=bucket1, ServerSideEncryptionConfiguration=rules)
    by_hand.undo.append(lambda: s3.delete_bucket_encryption(Bucket=bucket1))
    before = snapshot(test_emulator.admin)
    run = grade(test_emulator, tmp_path)
    said = t("discovery.bucket_policy", bucket=bucket)
    assert run.stderr.count(said + " (take it off, or add --live") == 1, run.describe()
    keyed = t("discovery.bucket_key", bucket=bucket1, kms_key=key)
    assert run.stderr.count(keyed + " (choose SSE-S3 again, or add --live") == 1, run.stderr
    assert run.exit_code == 6, run.describe()
    outcomes = decided(run)
    undecided = {c for c, seen in outcomes.items() if "skipped" in seen}
    # R4's read and R8's listing of open/, allowed by the role's policy, stand: an Allow of the
    # bucket's changes no allow. What the replay denied, the bucket's Allow may allow. R2's
    # upload to bucket 1, allowed, may be denied by KMS; R3's deletion of it stands denied.
    assert undecided == {"R2", "R5", "R6", "R7", "R8"}, outcomes
    assert outcomes["R4"] == {"passed"} and outcomes["R8"] == {"passed", "skipped"}
    assert all(seen == {"passed"} for c, seen in outcomes.items() if c not in undecided)
    reasons = {
        e["checkpoints"][0]: e["reason"] for e in run.checkpoints if e["outcome"] == "skipped"
    }
    assert reasons.pop("R2") == (
        f"Skipped: {bucket1} encrypts objects with the KMS key {key} by default: s3:PutObject "
        "there also needs kms:GenerateDataKey on the key, which the replay does not read (AWS "
        "does), so this is not decided"
    )
    assert all(f"the bucket policy of {bucket} (RoleAll) may allow" in r for r in reasons.values())
    assert snapshot(test_emulator.admin) == before
    replayed = replay(by_hand, test_emulator, tmp_path)
    assert said in replayed.stdout and keyed in replayed.stdout, replayed.stdout
    assert replayed.exit_code == 6, replayed.describe()
    assert {c for c, seen in decided(replayed).items() if "skipped" in seen} == undecided
    assert (tmp_path / FOUND / "discovered.json").is_file()


def test_two_slips_the_replay_passed_until_now_each_said_where_it_belongs(
    by_hand: HandBuilt, test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    """Two slips that the replay graded 13/13, in one grading run (neither changes what the
    other is checked by).

    The learner pasted the hands-on's role policy and left one <自分の名前> as it is. AWS
    compares the Resource as written, which names no bucket of theirs: the role may not read
    open/. The replay put the run's name in its place. Now R4 fails, and its hint says to write
    the name there, with the ARN as it should be.

    The instance's SSM agent never reached SSM: it was launched in a subnet with no way out of
    its VPC. Session Manager cannot connect to it, the checkpoint R1 names, though the role, its
    policies and the instance profile are as the hands-on's. The replay of the design passed R1.
    Now R1 is not decided, saying so and what keeps the agent out: the subnet's route table."""
    document = json.loads(seed(ROLE_POLICY_FILE))
    (get,) = [s for s in document["Statement"] if s["Sid"] == "ForS32OpenGet"]
    get["Resource"] = [f"arn:aws:s3:::handson-s3-2-{PLACEHOLDER}/open/*"]
    subnet, table = by_hand.private_subnet()
    by_hand.build(role_policy=json.dumps(document, ensure_ascii=False), agent=False, subnet=subnet)
    run = grade(test_emulator, tmp_path)
    assert run.exit_code == 1, run.describe()
    expected = {c: {"passed"} for c in CHECKPOINTS}
    assert decided(run) == {**expected, "R1": {"skipped"}, "R4": {"failed"}}, run.describe()
    (r4,) = [e for e in run.checkpoints if e["checkpoints"] == ["R4"]]
    written = f"arn:aws:s3:::handson-s3-2-{PLACEHOLDER}/open/*"
    assert r4["hint"].startswith(
        f'handson-iam-role-policy / ForS32OpenGet\'s Resource "{written}" still holds the '
        "hands-on's <自分の名前>, which AWS compares as written"
    ), r4
    assert r4["hint"].endswith(f'("arn:aws:s3:::handson-s3-2-{NAME}/open/*")'), r4
    (r1,) = [e for e in run.checkpoints if e["checkpoints"] == ["R1"]]
    assert r1["outcome"] == "skipped", r1
    assert "is not Online in SSM (PingStatus: not registered), so Session Manager" in r1["reason"]
    assert (
        f"Its subnet {subnet} has no route out of its VPC (route table {table}: no 0.0.0.0/0"
        in r1["reason"]
    ), r1["reason"]


def test_a_user_and_a_role_holding_no_policy_of_their_own_are_graded(
    by_hand: HandBuilt, test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    """The learner forgot to attach the hands-on's policies: the user holds none, the role only
    AmazonSSMManagedInstanceCore. The replay wrote an empty policy for each, which its own
    check of policy files refused: exit code 4, a line about a file in the run's folder, and
    nothing graded. Now every call of theirs is denied as AWS denies it (R1 passes on the SSM
    core alone), and the first lines say what to attach."""
    by_hand.build()
    iam = by_hand.iam
    for side, policy in (("user", "handson-iam-user-policy"), ("role", "handson-iam-role-policy")):
        arn = f"arn:aws:iam::{ACCOUNT}:policy/{policy}"
        if side == "user":
            iam.detach_user_policy(UserName="handson-iam-user", PolicyArn=arn)
        else:
            iam.detach_role_policy(RoleName="handson-iam-role", PolicyArn=arn)
    run = grade(test_emulator, tmp_path)
    assert run.exit_code == 1, run.describe()
    undecided = {"U4", "U5", "R3", "R5", "R6", "R7", "R8"}  # for want of their positive control
    assert decided(run) == {
        **{c: {"precondition not met"} for c in undecided},
        **{c: {"failed"} for c in ("U2", "U3", "R2", "R4")},
        "U1": {"passed"},
        "R1": {"passed"},
    }, run.describe()
    said = run.stderr + run.stdout
    assert "the IAM user handson-iam-user has no policy attached: attach" in said, said
    assert "the IAM role handson-iam-role has no policy attached but AmazonSSMManaged" in said
