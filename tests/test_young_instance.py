"""AWS's young instance (issue 24): what AWS answers about resources made moments ago, through the
AWS-like layer of tests/helpers/aws_like.py in front of the emulator.

- EC2 may answer ``InvalidInstanceID.NotFound`` about an instance it launched moments ago: a
  teardown that takes that for "gone" leaves the instance running. A whole run whose own
  TerminateInstances is answered so once leaves nothing, and every checkpoint is as without it.
- The SSM agent registers when it is ready, not when R1 looks: R1 waits for it within the SSM
  budget, on every target. Late by 6 s, R1 passes; never, with no call refused, R1 is not decided
  (判定なし), naming the status seen, never denied.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from handson.aws import Principal
from handson.names import default_name
from handson.report import UNDECIDED_EXIT
from handson.targets import ssm_agent
from handson.targets.emulator_server import MotoEmulator
from handson.targets.ssm import ping_status
from handson.waiting import EMULATOR_BUDGETS, poll
from tests.conftest import EmulatorPool
from tests.helpers.aws_like import AwsLikeProxy, instance_not_found, not_dry_run
from tests.helpers.estate import left_behind
from tests.helpers.suite_runner import SuiteRun, run_suite

TERMINATE = ("ec2", "TerminateInstances")
LATE = 6.0  # seconds: as measured in front of the emulator (issue 24)


def through(proxy: AwsLikeProxy, admin: Principal) -> Principal:
    label = "admin through the AWS-like layer"
    return Principal(label, admin.credentials, admin.region, proxy.endpoint_url)


# -- the layer itself ----------------------------------------------------------------------------


def test_instance_not_found_is_ec2s_own_answer_once_and_only_for_what_acts(
    test_emulator: MotoEmulator,
) -> None:
    with AwsLikeProxy(test_emulator.endpoint_url) as proxy:
        proxy.answer_once("ec2", "DescribeInstances", instance_not_found, not_dry_run)
        ec2 = through(proxy, test_emulator.admin).client("ec2")
        with pytest.raises(ClientError) as dry:
            ec2.describe_instances(InstanceIds=["i-0123456789abcdef0"], DryRun=True)
        assert dry.value.response["Error"]["Code"] == "DryRunOperation"  # not picked: forwarded
        with pytest.raises(ClientError) as young:
            ec2.describe_instances(InstanceIds=["i-0123456789abcdef0"])
        error = young.value.response
        assert error["Error"]["Code"] == "InvalidInstanceID.NotFound"
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert "'i-0123456789abcdef0' does not exist" in error["Error"]["Message"]
        assert "Reservations" in ec2.describe_instances()  # spent: forwarded from here on
        assert proxy.answered_once == {
            ("ec2", "DescribeInstances", "InvalidInstanceID.NotFound"): 1
        }
        assert proxy.seen[("ec2", "DescribeInstances")] == 2


@pytest.mark.parametrize("after", [2.0, None], ids=["late", "never"])
def test_the_agents_registration_reaches_ssm_late_or_never_and_no_call_is_refused(
    test_emulator: MotoEmulator, after: float | None
) -> None:
    instance_id = f"i-{uuid.uuid4().hex[:17]}"
    admin = test_emulator.admin
    ssm = admin.client("ssm")
    with AwsLikeProxy(test_emulator.endpoint_url) as proxy:
        proxy.agent_registers(after=after)
        calls = ssm_agent.start(proxy.endpoint_url, admin.region, admin.credentials, instance_id)
        assert [c for c in calls if not c.allowed] == [], calls
        assert ping_status(ssm, instance_id) is None  # not registered yet
        # Looked at for 4 s: longer than "late", far shorter than any SSM budget.
        status, _ = poll(
            lambda: ping_status(ssm, instance_id),
            lambda status: status is not None,
            budget=4.0,
            interval=lambda n: 0.2,
        )
        assert proxy.registrations == 1
    if after is None:
        assert status is None and proxy.registered_after == []
    else:
        assert status == "Online"
        assert proxy.registered_after[0] >= after


# -- whole runs ----------------------------------------------------------------------------------


# The young instance: its agent registering late, its termination answered NotFound once.
YOUNG = "young instance"


@dataclass
class YoungRun:
    run: SuiteRun
    left: list[str]
    proxy: AwsLikeProxy
    seconds: float


def young_run(emulator: MotoEmulator, workdir: Path, label: str) -> YoungRun:
    name = default_name()
    env: dict[str, str | None] = {}
    with AwsLikeProxy(emulator.endpoint_url) as proxy:
        if label == YOUNG:
            # One run for both, as AWS may show both at once: the agent registers late, and the
            # run's own TerminateInstances hears NotFound once.
            proxy.answer_once(*TERMINATE, instance_not_found, not_dry_run)
            proxy.agent_registers(after=LATE)
        else:
            proxy.agent_registers(after=None)
            env["HANDSON_LANG"] = None  # the learner's default, Japanese
        start = time.monotonic()
        run = run_suite(
            workdir,
            f"--endpoint-url={proxy.endpoint_url}",
            f"--name={name}",
            env=env,
            timeout=600,
        )
        seconds = time.monotonic() - start
    return YoungRun(run, left_behind(emulator.admin, name), proxy, seconds)


@pytest.fixture(scope="module")
def runs(
    emulator_pool: EmulatorPool, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, YoungRun]:
    base = tmp_path_factory.mktemp("young")
    labels = ["agent never", YOUNG]
    return dict(
        emulator_pool.map(
            lambda emulator, label: (
                label,
                young_run(emulator, base / label.replace(" ", "-"), label),
            ),
            labels,
        )
    )


def r1(run: SuiteRun) -> dict[str, str]:
    return next(e for e in run.checkpoints if e["checkpoints"] == ["R1"])


@pytest.mark.slow
def test_terminate_answered_not_found_once_is_sent_again_and_nothing_is_left(
    runs: dict[str, YoungRun],
) -> None:
    done = runs[YOUNG]
    run, proxy = done.run, done.proxy
    assert done.left == [], f"{done.left}\n{run.describe()}"
    assert run.exit_code == 0, run.describe()
    assert "checkpoints: 13 passed, 0 failed, 0 not decided" in run.stdout, run.describe()
    assert {e["outcome"] for e in run.checkpoints} == {"passed"}, run.describe()
    assert len(run.checkpoints) == 27
    # The run's own TerminateInstances (U4's is a DryRun probe) heard NotFound once, and the
    # teardown sent it again instead of waiting for a termination that never came.
    assert proxy.answered_once == {(*TERMINATE, "InvalidInstanceID.NotFound"): 1}
    assert proxy.seen[TERMINATE] >= 2, proxy.seen


@pytest.mark.slow
def test_an_agent_registering_late_passes_r1(runs: dict[str, YoungRun]) -> None:
    done = runs[YOUNG]
    run = done.run
    assert r1(run)["outcome"] == "passed", f"{r1(run)}\n{run.describe()}"
    assert run.exit_code == 0, run.describe()
    assert "checkpoints: 13 passed, 0 failed, 0 not decided" in run.stdout, run.describe()
    assert done.left == []
    # The registration was held back, and reached the emulator when R1 had waited for it.
    assert done.proxy.registrations == 1
    assert done.proxy.registered_after and done.proxy.registered_after[0] >= LATE


@pytest.mark.slow
def test_an_agent_that_never_registers_leaves_r1_not_decided_never_denied(
    runs: dict[str, YoungRun],
) -> None:
    done = runs["agent never"]
    run = done.run
    entry = r1(run)
    # 判定なし: an error of the test's environment, never 不合格, never a denial.
    assert entry["outcome"] == "error", f"{entry}\n{run.describe()}"
    assert entry.get("category") == "infrastructure or test error", entry
    assert done.proxy.registrations == 1 and done.proxy.registered_after == []
    budget = f"{EMULATOR_BUDGETS.ssm_online:g} 秒以内"
    assert budget in entry["headline"] and "PingStatus: 未登録" in entry["headline"], entry
    assert run.exit_code == UNDECIDED_EXIT, run.describe()
    assert "チェックポイント: 合格 12 / 不合格 0 / 判定なし 1" in run.stdout, run.describe()
    # Every other checkpoint as without it; nothing left.
    others = [e for e in run.checkpoints if e is not entry]
    assert {e["outcome"] for e in others} == {"passed"}, run.describe()
    assert done.left == []
    # R1 waited the whole SSM budget for it.
    assert done.seconds >= EMULATOR_BUDGETS.ssm_online
