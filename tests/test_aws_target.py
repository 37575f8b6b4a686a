"""`--target aws` end to end, offline, through the AWS-like layer (issue 19): moto stands in for
IAM, STS, EC2 and S3 behind tests/helpers/aws_like.py, which answers as AWS does about what was
made moments ago (a new key refused, a policy not yet in effect, an instance profile and an
instance EC2 does not know yet, a bucket name still held, a role still in its profile), and a fake
SSM (tests/helpers/fake_ssm.py) whose agent registers late and whose commands pass through
InvocationDoesNotExist, Pending, InProgress and Delayed. Two runs back to back with one --name, as
a learner runs again: the seed's policies, then the role's policy with one mistake (it may upload
under open/).

What this proves: the aws target's wiring (guard, provisioning with the host's credentials, the
real SSM transport, teardown) rides out each of those behaviours with AWS's own budgets, gives the
right verdicts, decides no denial on a key or policy still propagating, and leaves nothing. What it
cannot: anything about real AWS beyond the behaviours the layer reproduces (docs/operating.md).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from handson.call_record import read_calls
from handson.names import RunNames, default_name
from handson.targets.emulator_server import MotoEmulator
from handson.waiting import AWS_BUDGETS
from tests.helpers.aws_like import (
    AwsLikeProxy,
    by_a_role,
    dry_run,
    into_bucket1,
    key_denies,
    organization_denies,
)
from tests.helpers.aws_young import BEHAVIOURS, BUCKET_NAME_HELD, ROLE_IN_PROFILE, Young
from tests.helpers.call_reference import assert_reference_current
from tests.helpers.estate import left_behind
from tests.helpers.fake_ssm import NOT_YET, WALK, FakeSsm, SsmLike
from tests.helpers.mutations import MUTATIONS
from tests.helpers.sandbox_role import (
    boundary_arn,
    boundary_document,
    check_calls,
    load_template,
    role_policies,
    unused_grants,
)
from tests.helpers.suite_runner import HeldRun, SuiteRun, over_budget, run_suite, run_sweep
from tests.test_aws_guard import as_admin

pytestmark = pytest.mark.slow
ACCOUNT = "123456789012"

# Seconds each behaviour lasts from the first call that meets it, compressed (AWS: seconds to
# minutes): each is met whatever the machine's speed, and the run stays quick.
YOUNG = Young(
    key_refused=1.0,
    policy_delay=1.5,
    profile_unknown=1.0,
    instance_unknown=1.0,
    bucket_name_held=1.5,
    role_in_profile=1.0,
)
SSM_LIKE = SsmLike(registers_after=1.5, walk_every=100, unknown_first=True)
SSM_BEHAVIOURS = ("agent late", NOT_YET, *WALK, "stderr separate")
SEED, BROKEN = "seed", "role-writes-open"
LESSONS = ("P1", "P2")  # measured on every target; P3-P6 read the account


@dataclass
class LayerRun:
    run: SuiteRun
    left: list[str]
    seconds: float
    record: Path


@dataclass
class Through:
    """Both runs, and the layer and the SSM they went through."""

    runs: dict[str, LayerRun]
    layer: AwsLikeProxy
    ssm: FakeSsm
    suffix: str  # the --name both runs were given

    @property
    def met(self) -> Counter[str]:
        return self.layer.met + self.ssm.met


@pytest.fixture(scope="module")
def through(test_emulator: MotoEmulator, tmp_path_factory: pytest.TempPathFactory) -> Through:
    base = tmp_path_factory.mktemp("aws-like")
    names = RunNames(default_name())
    broken = next(m for m in MUTATIONS if m.name == BROKEN)
    # As the nightly job runs it: with the bootstrap's boundary, the calls recorded.
    template = load_template()
    iam = test_emulator.admin.client("iam")
    boundary = iam.create_policy(
        PolicyName=boundary_arn(template).rsplit("/", 1)[1],
        PolicyDocument=json.dumps(boundary_document(template)),
    )["Policy"]["Arn"]
    runs: dict[str, LayerRun] = {}
    try:
        with (
            AwsLikeProxy(test_emulator.endpoint_url, young=YOUNG) as layer,
            FakeSsm(
                test_emulator,
                like=SSM_LIKE,
                endpoint_url=layer.endpoint_url,
                on_credentials=layer.young.knows_key,
            ) as ssm,
        ):
            for label in (SEED, BROKEN):
                if label == BROKEN:
                    organization_denies_the_principals(layer)
                workdir = base / label
                policies = [] if label == SEED else [f"--policies={broken.write(workdir)}"]
                record = workdir / "calls.jsonl"
                start = time.monotonic()
                run = run_suite(
                    workdir,
                    "--target=aws",
                    *policies,
                    f"--name={names.suffix}",  # again with the same name, as learners do
                    f"--allowed-account={ACCOUNT}",
                    f"--permissions-boundary={boundary}",
                    f"--record-calls={record}",
                    env={
                        **as_admin(test_emulator, workdir),
                        "AWS_ENDPOINT_URL": layer.endpoint_url,
                        "AWS_ENDPOINT_URL_SSM": ssm.endpoint_url,
                    },
                    timeout=600,
                )
                seconds = time.monotonic() - start
                left = left_behind(test_emulator.admin, names.suffix)
                runs[label] = LayerRun(run, left, seconds, record)
    finally:
        iam.delete_policy(PolicyArn=boundary)
    return Through(runs, layer, ssm, names.suffix)


def organization_denies_the_principals(layer: AwsLikeProxy) -> None:
    """In the second run, the account's organization (its SCPs, as AWS words it) denies the
    user's first two starts of the instance (its positive control's first probe, then U3's), its
    first termination (U4's), and the role's first deletion of a bucket (R3's, by the AWS CLI on
    the instance): checks that decide nothing of the principals' own policies. So does S3's
    denial of the role's first upload into bucket 1 (R2's) for want of kms:GenerateDataKey, as
    where the learner encrypts the bucket with a KMS key of their own."""
    implicit, explicit = (organization_denies("ec2", explicit=e) for e in (False, True))
    layer.answer_once("ec2", "StartInstances", implicit, dry_run)
    layer.answer_once("ec2", "StartInstances", implicit, dry_run)
    layer.answer_once("ec2", "TerminateInstances", explicit, dry_run)
    layer.answer_once("s3", "DeleteBucket", organization_denies("s3", explicit=True), by_a_role)
    layer.answer_once("s3", "PutObject", key_denies, into_bucket1)


def test_the_seeds_policies_pass_every_checkpoint_through_the_layer(through: Through) -> None:
    done = through.runs[SEED]
    run = done.run
    assert run.exit_code == 0, run.describe()
    assert {e["outcome"] for e in run.checkpoints} == {"passed"}, run.describe()
    assert "checkpoints: 13 passed, 0 failed, 0 not decided" in run.stdout, run.describe()
    assert done.left == [], done.left
    assert (
        "account 123456789012 (no alias) as arn:aws:iam::123456789012:user/tests-admin"
        in run.stderr
    )
    assert _lessons(done) == {"P1": "clear", "P2": "clear"}, run.describe()


def _lessons(done: LayerRun) -> dict[str, str]:
    """P1's and P2's outcomes in the run's checkpoints.json: the lessons measured on the aws
    target, before the build, as they are shown at its end."""
    document = json.loads((done.record.parent / "checkpoints.json").read_text("utf-8"))
    return {o["id"]: o["outcome"] for o in document["practice_outcomes"] if o["id"] in LESSONS}


def test_the_broken_set_fails_exactly_its_checkpoint_and_nothing_is_left(through: Through) -> None:
    done = through.runs[BROKEN]
    run = done.run
    assert run.failed == {"R5"}, run.describe()
    assert run.outcomes("skipped") == set(), run.describe()
    assert run.exit_code == 1, run.describe()
    # The organization's denials (organization_denies_the_principals) are neither a wrong deny
    # (U3) nor a pass (U4, R3): not decided, saying so, with no word of changing a policy; the
    # user's positive control passed with its second probe, so its other deny checks were
    # decided.
    assert run.errors == {"U3", "U4", "R2", "R3"}, run.describe()
    refused = through.layer.answered_once
    assert refused[("ec2", "StartInstances", "UnauthorizedOperation")] == 2, refused
    assert refused[("ec2", "TerminateInstances", "UnauthorizedOperation")] == 1, refused
    assert refused[("s3", "DeleteBucket", "AccessDenied")] == 1, refused
    assert refused[("s3", "PutObject", "AccessDenied")] == 1, refused
    for undecided in [e for e in run.checkpoints if e["outcome"] == "error"]:
        assert undecided["category"] == "infrastructure or test error", undecided
        said = (
            "an action of a KMS key" if undecided["checkpoints"] == ["R2"] else "(SCP) denied it ("
        )
        assert said in undecided["headline"], undecided
        assert "hint" not in undecided, undecided
    assert run.outcomes("passed") >= {"U2", "U5"}, run.describe()
    assert done.left == [], done.left
    # A failure on the aws target asks IAM's policy simulator too (here the emulator's, which
    # answers with its engine), beside the documents' explanation. A simulator that gives no
    # answer says so instead of breaking the check: tests/unit/test_simulation.py.
    for failed in [e for e in run.checkpoints if e["outcome"] == "failed"]:
        assert failed["category"] == "allowed but should be denied", failed
        assert "SimulatePrincipalPolicy (AWS's own evaluation) of s3:" in failed["reason"], failed
        assert ": allowed" in failed["reason"], failed
    # The same mistake is P2's finding, in the run's own account and names.
    assert _lessons(done) == {"P1": "clear", "P2": "findings"}, run.describe()
    document = json.loads((done.record.parent / "checkpoints.json").read_text("utf-8"))
    found = [(f["action"], f["resource"]) for f in document["practices"] if f["id"] == "P2"]
    open_object = f"arn:aws:s3:::handson-s3-2-{through.suffix}/open/handson-sample.txt"
    assert found == [("s3:PutObject", open_object)], found
    assert f"- s3:PutObject ({open_object}): allowed by" in run.stdout, run.describe()


def test_every_behaviour_of_the_layer_was_met(through: Through) -> None:
    met = through.met
    missing = [b for b in (*BEHAVIOURS, *SSM_BEHAVIOURS) if met[b] == 0]
    assert missing == [], f"not met: {missing}; met: {dict(met)}"
    # The name of a bucket the first run deleted was still held when the second made it again.
    assert met[BUCKET_NAME_HELD] >= 1


def test_no_denial_was_decided_while_a_key_or_a_policy_was_propagating(through: Through) -> None:
    """Every call the layer refused for a key or a policy not yet in effect was sent again and
    answered by AWS (here the emulator): none was taken for a verdict (verdict rule 3)."""
    refusals = through.layer.young.refusals
    assert refusals, "the layer refused nothing: the check below would prove nothing"
    final = through.layer.young.final_refusals()
    assert final == [], "\n".join(f"{r.behaviour}: {r.principal} {r.operation}" for r in final)


def test_each_run_stays_within_its_budgets(through: Through) -> None:
    for label, done in through.runs.items():
        phases = done.run.phases()
        assert {"IAM and S3 set-up", "instance launch", "checks"} <= set(phases), (label, phases)
        assert over_budget(phases, AWS_BUDGETS) == {}, label
        print(f"{label}: {done.seconds:.1f} s through the layer; phases {phases}")
        assert done.seconds < 120, (label, done.seconds)


def test_the_offline_reference_of_the_calls_is_current(through: Through) -> None:
    """docs/reference/offline-calls.jsonl, which `handson calls` compares a real nightly run's
    record with (docs/operating.md, "First real run"), is what the seed's run calls."""
    assert_reference_current(through.runs[SEED].record)


def test_the_nightly_role_allows_every_call_of_the_run(through: Through) -> None:
    calls = read_calls(through.runs[SEED].record)
    the_role_allows_every_call_and_lists_what_it_does_not_need(calls, load_template())


def the_role_allows_every_call_and_lists_what_it_does_not_need(
    calls: list[dict[str, Any]], template: object
) -> None:
    """Issue 19, part 3: every call of the provisioning identity (the account guard's too) is
    allowed by the nightly role of ci/sandbox-bootstrap.yaml, decided by the suite's engine, and
    is in the committed record (tests/corpus/nightly_calls.jsonl) from which
    tests/unit/test_sandbox_role.py proves that the role grants nothing more; what this run alone
    does not use (the sweep's grants) is printed (pytest -s)."""
    from tests.helpers.sandbox_role import assert_the_nightly_role_allows

    assert {c["who"] for c in calls} == {"provisioning", "user"}, calls[:3]
    assert not any("SecretAccessKey" in json.dumps(c) or "Password" in c["params"] for c in calls)
    guard = {c["operation"] for c in calls if c["principal"] == "account guard"}
    assert guard == {"GetCallerIdentity", "ListAccountAliases"}, guard
    assert_the_nightly_role_allows(calls, template)
    policies = role_policies(template)
    checks = check_calls(calls, policies)
    unnamed = sorted({f"{c.request.action} on {c.request.resource}" for c in checks if c.unnamed})
    print("decided on a resource the call does not name:", *unnamed, sep="\n  ")
    print("granted, never used by this run:", *unused_grants(policies, checks), sep="\n  ")


def test_the_sweeper_after_a_sigkill_leaves_nothing_through_the_layer(
    test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    """The nightly's `handson sweep --delete` after a run killed in its checks (its instance
    running, its role in its profile), through the layer: the role is still in its profile
    for a moment after the sweeper takes it out (DeleteConflict), the instance unknown for a
    moment after launch; the sweep waits both out and leaves nothing."""
    young = Young(instance_unknown=1.0, role_in_profile=1.0)
    names = RunNames(default_name())
    with (
        AwsLikeProxy(test_emulator.endpoint_url, young=young) as layer,
        FakeSsm(test_emulator, endpoint_url=layer.endpoint_url) as ssm,
    ):
        env: dict[str, str | None] = {
            **as_admin(test_emulator, tmp_path),
            "AWS_ENDPOINT_URL": layer.endpoint_url,
            "AWS_ENDPOINT_URL_SSM": ssm.endpoint_url,
            "HANDSON_PAUSE_CHECKPOINT": "R4",
        }
        options = ["--target=aws", f"--name={names.suffix}", f"--allowed-account={ACCOUNT}"]
        held = HeldRun(tmp_path / "run", "checks", *options, until_released=True, env=env)
        run_id = held.held()
        assert run_id, held.finish().describe()
        held.process.kill()
        held.process.wait(timeout=60)
        assert left_behind(test_emulator.admin, names.suffix) != []  # the kill left it all
        # The sweeper finds the run by its tags and by its record in SSM's parameters.
        done = run_sweep(f"--run={run_id}", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert left_behind(test_emulator.admin, names.suffix) == []
    assert layer.met[ROLE_IN_PROFILE] >= 1, dict(layer.met)
