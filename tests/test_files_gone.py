"""Verdict rule 4 over a whole run: bucket 2's files are deleted as soon as the build puts them
there (someone else's hand, a lifecycle rule), while the checks still count on them. S3 denies a
read of a missing file to a caller who may not list the bucket, so no denial of them may be
taken for the policies' answer: R4's read, R5's and R6's writes and reads are not decided,
naming the file, and nothing fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from handson.names import RunNames, default_name
from handson.report import UNDECIDED_EXIT
from handson.targets.emulator_server import MotoEmulator
from tests.helpers.estate import left_behind
from tests.helpers.suite_runner import broken_run

pytestmark = pytest.mark.slow


def test_checks_of_files_that_are_gone_are_not_decided_and_none_fails(
    test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    names = RunNames(default_name())
    gone = {"HANDSON_FILES_GONE": "1"}
    run = broken_run(tmp_path, test_emulator.endpoint_url, names.suffix, "--lang=en", env=gone)
    assert run.exit_code == UNDECIDED_EXIT, run.describe()
    assert run.failed == set(), run.describe()
    # R8 too: its allowed listing of open/, now empty, ends the AWS CLI with exit code 1 and no
    # authorization error, which is no verdict either (verdict rule 1).
    assert run.errors == {"R4", "R5", "R6", "R8"}, run.describe()
    decided = run.outcomes("passed") - run.errors  # R8's denials of the other places passed
    assert decided == {"U1", "U2", "U3", "U4", "U5", "R1", "R2", "R3", "R7"}, run.describe()
    bucket = f"s3://{names.bucket2}"
    for entry in run.checkpoints:
        if entry["checkpoints"][0] in ("R4", "R5", "R6"):
            assert entry["headline"].startswith(f"{bucket}/"), entry
            assert entry["headline"].endswith(
                " was missing before the check: a denial on a missing file decides nothing about"
                " the policies"
            ), entry
    assert left_behind(test_emulator.admin, names.suffix) == []
