"""The first cause first (issue 24): a build that fails after the instance was launched is what
every row, checkpoints.json and the allure report say, in the run's language, with a teardown
that failed after it below it, never in its place; and it is not decided, never 不合格. A name
taken during the build still stops the run in one line with exit code 4, after the teardown has
removed everything the run made."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from handson.aws import Principal
from handson.lifecycle.removal import delete_bucket
from handson.lifecycle.sweeper import Sweeper
from handson.names import RunNames, default_name
from handson.report import UNDECIDED_EXIT
from handson.targets.emulator_server import MotoEmulator
from tests.helpers.estate import left_behind, snapshot
from tests.helpers.suite_runner import HeldRun, SuiteRun, broken_run

pytestmark = pytest.mark.slow

BUILD_ERROR = (
    "ハンズオンの環境を作れませんでした: InjectedFailure: "
    "injected failure after Provisioner.launch_instance"
)
TEARDOWN_ERROR = "後片付けのあとに残ったものがあります:"


def allure_results(run: SuiteRun) -> list[dict[str, Any]]:
    return [
        json.loads(path.read_text("utf-8")) for path in sorted(run.allure_dir.glob("*-result.json"))
    ]


def _is_practice(result: dict[str, Any]) -> bool:
    """A security lesson's result (P1-P6): advisory, decided without the environment."""
    labels = result.get("labels", [])
    return any(x["name"] == "checkpoint" and x["value"].startswith("P") for x in labels)


def first_then(text: str, first: str, then: str) -> bool:
    """``first`` is in ``text``, and ``then`` comes after it."""
    return first in text and then in text and text.index(first) < text.index(then)


def test_a_build_failing_after_the_launch_is_the_cause_and_the_failed_teardown_follows(
    test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    names = RunNames(default_name())
    run = broken_run(
        tmp_path,
        test_emulator.endpoint_url,
        names.suffix,
        env={
            "HANDSON_LANG": None,  # the default: Japanese
            # The build fails once the instance is launched; its teardown leaves the group.
            "HANDSON_FAIL_AFTER": "launch_instance",
            "HANDSON_LEAK": f"セキュリティグループ {names.security_group}",  # a label: Japanese
        },
    )
    try:
        assert run.checkpoints and run.run_id, run.describe()
        # Every row: not decided, the build's own error as the cause, the teardown below it.
        assert len(run.checkpoints) == 27
        for entry in run.checkpoints:
            assert entry["outcome"] == "error", entry
            assert entry["category"] == "infrastructure or test error", entry
            assert entry["headline"] == BUILD_ERROR, entry
            assert first_then(entry["reason"], BUILD_ERROR, TEARDOWN_ERROR), entry
            assert TEARDOWN_ERROR in entry["more"] and "hint" not in entry, entry
        assert run.failed == set()
        # The allure report: every result broken (not failed), its message the build's error
        # first.
        results = [r for r in allure_results(run) if not _is_practice(r)]
        assert len(results) == 27
        for result in results:
            assert result["status"] == "broken", result["statusDetails"]
            message = result["statusDetails"]["message"]
            assert first_then(message, BUILD_ERROR, TEARDOWN_ERROR), message
        # The terminal: one block, the build first and the teardown after it; every row of the
        # matrix with its cause; nothing failed; the run is not decided and says why.
        out = run.stdout
        block = out[out.index("判定できなかった理由") : out.index("チェックポイント ==")]
        assert first_then(block, BUILD_ERROR, TEARDOWN_ERROR), block
        assert f"セキュリティグループ {names.security_group}" in block  # its kind in Japanese
        assert "ポリシーを直して" not in out and "ヒント" not in out
        table = out[out.index("チェックポイント ==") :].splitlines()
        ids = {f"U{i}" for i in range(1, 6)} | {f"R{i}" for i in range(1, 9)}
        rows = [line for line in table if line[:2] in ids]
        assert len(rows) == 13 and all("判定なし: テストまたは環境のエラー" in r for r in rows)
        # Below the rows, wrapped at terminal columns (at a space, or between two Japanese
        # characters): the cause whole once the lines are put together again.
        below = "".join("".join(line.split()) for line in table if line.startswith("    "))
        assert "".join(f"1/1 {BUILD_ERROR}".split()) in below, table
        assert "チェックポイント: 合格 0 / 不合格 0 / 判定なし 13" in out, run.describe()
        assert run.exit_code == UNDECIDED_EXIT, run.describe()
        assert "Traceback" not in out + run.stderr
    finally:
        # What the teardown was made to leave: the sweep of the run removes it.
        if run.run_id:
            Sweeper(test_emulator.admin).sweep(delete=True, run=run.run_id, say=print)
    assert left_behind(test_emulator.admin, names.suffix) == []


def in_region(admin: Principal, region: str) -> Principal:
    return Principal(admin.label, admin.credentials, region, admin.endpoint_url)


@pytest.mark.parametrize("region", ["ap-northeast-1", "us-east-1"])
def test_a_bucket_taken_during_the_build_stops_the_run_in_one_line_and_leaves_nothing(
    region: str, test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    """Bucket 2 appears, left by another run of the suite, while the run builds: bucket 1 is
    the run's own by then. (In us-east-1 S3 answers 200 to the create; elsewhere
    BucketAlreadyOwnedByYou.)"""
    names = RunNames(default_name())
    admin = in_region(test_emulator.admin, region)
    s3 = admin.client("s3")
    foreign = RunNames(names.suffix)  # a run of its own under the same name
    before = snapshot(admin)
    held = HeldRun(
        tmp_path,
        "provisioning",
        f"--endpoint-url={test_emulator.endpoint_url}",
        f"--name={names.suffix}",
        f"--region={region}",
        until_released=True,
    )
    try:
        assert held.held(), "the run never got to its provisioning"
        create: dict[str, Any] = {"Bucket": names.bucket2}
        if region != "us-east-1":
            create["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3.create_bucket(**create)
        s3.put_bucket_tagging(Bucket=names.bucket2, Tagging={"TagSet": foreign.tag_list()})
    finally:
        run = held.finish()
    try:
        assert run.exit_code == 4, run.describe()
        output = run.stdout + run.stderr
        (line,) = [line for line in output.splitlines() if "ERROR:" in line]
        assert f"S3 bucket {names.bucket2} already exists" in line, line
        assert f"an earlier run ({foreign.run_id}) left it" in line, line
        assert "--name" in line and "use --target existing" in line, line
        assert "coming version" not in output
        assert "Traceback" not in output and "teardown left" not in output
        assert run.checkpoints == []
        # The teardown ran before the run stopped, and removed everything the run had made,
        # bucket 1 included; the other run's bucket is as it was put there.
        assert "teardown and leak check" in run.stdout
        after = snapshot(admin)
        theirs = after["buckets"].pop(names.bucket2)  # type: ignore[attr-defined]
        assert theirs == (foreign.tags, [], [])
        assert after == before
        assert left_behind(admin, names.suffix) == [f"S3 bucket {names.bucket2}"]
    finally:
        delete_bucket(s3, names.bucket2)
