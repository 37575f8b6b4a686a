"""`--target aws` end to end, offline: moto stands in for IAM, STS, EC2 and S3, a fake SSM
(tests/helpers/fake_ssm.py) for Systems Manager. What this proves: the aws target's wiring (guard,
provisioning with the host's credentials, the real SSM transport, teardown). What it cannot:
anything about real AWS. The role's policy is the seed's with one mistake (it may upload under
open/), so that a failure's explanation is exercised too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from handson.call_record import read_calls
from handson.names import RunNames, default_name
from handson.targets.emulator_server import MotoEmulator
from tests.helpers.estate import left_behind
from tests.helpers.fake_ssm import FakeSsm
from tests.helpers.mutations import MUTATIONS
from tests.helpers.sandbox_role import (
    boundary_arn,
    boundary_document,
    check_calls,
    load_template,
    role_policies,
    unused_grants,
)
from tests.helpers.suite_runner import run_suite
from tests.test_aws_guard import as_admin

pytestmark = pytest.mark.slow


def test_whole_run_on_the_aws_target(test_emulator: MotoEmulator, tmp_path: Path) -> None:
    names = RunNames(default_name())
    broken = next(m for m in MUTATIONS if m.name == "role-writes-open")
    policies = broken.write(tmp_path / "policies")
    # As the nightly job runs it: with the bootstrap's boundary, the calls recorded.
    template = load_template()
    record = tmp_path / "calls.jsonl"
    iam = test_emulator.admin.client("iam")
    boundary = iam.create_policy(
        PolicyName=boundary_arn(template).rsplit("/", 1)[1],
        PolicyDocument=json.dumps(boundary_document(template)),
    )["Policy"]["Arn"]
    try:
        with FakeSsm(test_emulator, unregistered_looks=1) as ssm:
            run = run_suite(
                tmp_path,
                "--target=aws",
                f"--policies={policies}",
                f"--name={names.suffix}",
                "--allowed-account=123456789012",
                f"--permissions-boundary={boundary}",
                f"--record-calls={record}",
                env={
                    **as_admin(test_emulator, tmp_path),
                    "AWS_ENDPOINT_URL": test_emulator.endpoint_url,
                    "AWS_ENDPOINT_URL_SSM": ssm.endpoint_url,
                },
            )
    finally:
        iam.delete_policy(PolicyArn=boundary)
    decided = {
        e["checkpoints"][0]: e["outcome"] for e in run.checkpoints if e["outcome"] != "failed"
    }
    assert run.failed == {"R5"}, run.describe()
    # A failure on the aws target asks IAM's policy simulator too (here the emulator's, which
    # answers with its engine), beside the documents' explanation. A simulator that gives no
    # answer says so instead of breaking the check: tests/unit/test_simulation.py.
    for failed in [e for e in run.checkpoints if e["outcome"] == "failed"]:
        assert failed["category"] == "allowed but should be denied", failed
        assert "SimulatePrincipalPolicy (AWS's own evaluation) of s3:" in failed["reason"], failed
        assert ": allowed" in failed["reason"], failed
    assert decided["R1"] == "passed"  # Online in "SSM", and running as the role
    assert run.outcomes("skipped") == set(), run.describe()
    assert (
        "account 123456789012 (no alias) as arn:aws:iam::123456789012:user/tests-admin"
        in run.stderr
    )
    # Twice before the first command (not registered, then Online), once more for R1's check.
    assert ssm.calls.count("DescribeInstanceInformation") == 3
    assert ssm.calls.count("SendCommand") >= 15
    assert left_behind(test_emulator.admin, names.suffix) == []
    phases = run.stdout[run.stdout.index("time per phase") :]
    for phase in (
        "IAM and S3 set-up",
        "instance launch",
        "instance running",
        "SSM online",
        "checks",
        "teardown and leak check",
    ):
        assert phase in phases
    the_role_allows_every_call_and_lists_what_it_does_not_need(read_calls(record), template)


def the_role_allows_every_call_and_lists_what_it_does_not_need(
    calls: list[dict[str, object]], template: object
) -> None:
    """Issue 19, part 3: every call of the provisioning identity is allowed by the nightly role
    of ci/sandbox-bootstrap.yaml, decided by the suite's engine; what the role grants beyond
    them is printed (pytest -s), for a person to judge: the sweeper and the account guard make
    calls this run does not record."""
    assert {c["who"] for c in calls} == {"provisioning", "user"}, calls[:3]
    assert not any("SecretAccessKey" in json.dumps(c) or "Password" in c["params"] for c in calls)
    policies = role_policies(template)
    checks = check_calls(calls, policies)
    assert checks
    refused = [f"{c.operation}: {c.request.action} on {c.request.resource}" for c in checks]
    refused = [r for r, c in zip(refused, checks, strict=True) if not c.allowed]
    assert refused == [], "the nightly role refuses what the run needs:\n" + "\n".join(refused)
    unnamed = sorted({f"{c.request.action} on {c.request.resource}" for c in checks if c.unnamed})
    print("decided on a resource the call does not name:", *unnamed, sep="\n  ")
    print("granted, never used by this run:", *unused_grants(policies, checks), sep="\n  ")
