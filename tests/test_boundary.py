"""--permissions-boundary on the emulator: the user's requests are decided with the boundary, as
the role's are (moto keeps none for a user: handson/targets/moto_user_boundary.py), and a check
the boundary denies names the boundary, not the policy file; a boundary the account does not
have is one line before anything is made (tests/test_bad_input.py). A learner's boundary, in
``--target existing``, is replayed with its principal."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from handson.policies import BOUNDARY_FILES
from handson.targets.emulator_server import MotoEmulator
from scripts.hand_built import HandBuilt
from tests.helpers.estate import left_behind, snapshot
from tests.helpers.grading import grade
from tests.helpers.mutations import MUTATIONS
from tests.helpers.suite_runner import run_suite
from tests.test_discovery import FOUND, replay

pytestmark = pytest.mark.slow


def test_a_check_the_boundary_denies_fails_and_says_the_boundary_decided(
    test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    """A boundary that allows everything but ec2:StartInstances and IAM: U3 fails, and only U3,
    where the run passed all 13 with the user's boundary left out; the hint and the block's
    deciding line name the boundary, not ForEC2 as what to fix. The user's file also grants
    iam:List* (user-reads-iam): U5 passes, the boundary denying it as AWS does, and the lesson
    P1 still names the grant, saying the boundary denies it for now."""
    iam = test_emulator.admin.client("iam")
    name = f"all-but-start-{uuid.uuid4().hex[:8]}"
    document = {
        "Effect": "Allow",
        "NotAction": ["ec2:StartInstances", "iam:*"],
        "Resource": "*",
    }
    arn = iam.create_policy(
        PolicyName=name,
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [document]}),
    )["Policy"]["Arn"]
    suffix = f"bound-{uuid.uuid4().hex[:6]}"
    (reads_iam,) = [m for m in MUTATIONS if m.name == "user-reads-iam"]
    try:
        run = run_suite(
            tmp_path,
            f"--endpoint-url={test_emulator.endpoint_url}",
            f"--permissions-boundary={arn}",
            f"--name={suffix}",
            f"--policies={reads_iam.write(tmp_path / 'policies')}",
        )
        left = left_behind(test_emulator.admin, suffix)
    finally:
        iam.delete_policy(PolicyArn=arn)
    assert run.exit_code == 1, run.describe()
    assert run.failed == {"U3"}, run.describe()
    (u3,) = [e for e in run.checkpoints if e["outcome"] == "failed"]
    assert u3["hint"] == (
        f"ForEC2 allows ec2:StartInstances, but the permissions boundary {name} does not: a"
        " boundary is the most a policy can allow. The boundary is what to look at, not the"
        " policy (ec2:StartInstances added to it, or the boundary taken off)"
    ), u3
    deciding = [
        line for line in run.stdout.splitlines() if line.startswith("  deciding statement: ")
    ]
    assert deciding == [
        f"  deciding statement: the permissions boundary {name} does not allow it (without it,"
        ' Allow statement ForEC2: Action ["ec2:DescribeInstances", "ec2:StartInstances",'
        ' "iam:List*"] on Resource ["*"] would)'
    ], run.stdout
    lesson = " ".join(run.stdout.split("best practices", 1)[1].split())
    assert "iam:List*: " in lesson, run.stdout
    assert f"(the permissions boundary {name} denies it for now; the policy would allow" in lesson
    assert left == []
    environment = (run.allure_dir / "environment.properties").read_text("utf-8")
    masked = arn.replace("123456789012", "********9012")  # as the report masks an account
    assert f"permissions boundary=user and role: {masked}\n" in environment, environment


def test_a_learners_boundary_is_replayed_with_its_principal(
    by_hand: HandBuilt, test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    """--target existing: the learner's user has a boundary that leaves out ec2:StartInstances.
    The replay gives its user the same boundary (it graded 13/13 without it): U3 fails, and only
    U3, its hint naming the learner's boundary, one line saying the replay has it; the account
    is only read. discover writes the boundary beside the policies, and a run of its folder
    decides as the grading did (before, its files held the policies only: 13/13)."""
    iam = test_emulator.admin.client("iam")
    document = {"Effect": "Allow", "NotAction": "ec2:StartInstances", "Resource": "*"}
    arn = iam.create_policy(
        PolicyName="sandbox-boundary",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [document]}),
    )["Policy"]["Arn"]
    by_hand.undo.append(lambda: iam.delete_policy(PolicyArn=arn))  # after the user goes
    by_hand.build()
    iam.put_user_permissions_boundary(UserName="handson-iam-user", PermissionsBoundary=arn)
    before = snapshot(test_emulator.admin)
    run = grade(test_emulator, tmp_path)
    said = (
        "handson-iam-user has the permissions boundary sandbox-boundary (the hands-on sets none):"
        " the replay decides with the same boundary"
    )
    assert run.stderr.count(said) == 1, run.describe()
    assert run.exit_code == 1, run.describe()
    assert run.failed == {"U3"}, run.describe()
    (u3,) = [e for e in run.checkpoints if e["outcome"] == "failed"]
    graded_hint = (
        "handson-iam-user-policy / ForEC2 allows ec2:StartInstances, but the permissions boundary"
        " sandbox-boundary does not"
    )
    assert u3["hint"].startswith(graded_hint), u3
    replayed = replay(by_hand, test_emulator, tmp_path)
    assert snapshot(test_emulator.admin) == before
    assert replayed.exit_code == 1, replayed.describe()
    assert replayed.failed == {"U3"}, replayed.describe()
    (u3,) = [e for e in replayed.checkpoints if e["outcome"] == "failed"]
    # The files merge the user's policies, whose statements keep their Sids.
    assert u3["hint"].startswith(graded_hint.removeprefix("handson-iam-user-policy / ")), u3
    boundary_file = tmp_path / FOUND / BOUNDARY_FILES["user"]
    assert f"note: {boundary_file} is given to the user as its permissions boundary" in (
        replayed.stdout
    ), replayed.stdout
    assert "clean-up (C1-C5): ok" in replayed.stdout, replayed.stdout  # its boundary's too
