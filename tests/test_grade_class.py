"""A class graded at once (issue 12): three learners' hand-built accounts (three emulators), one by
a profile of its own, one by a role the grader assumes; the class table in the terminal, as CSV
and as an HTML page; every account as it was."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import pytest

from handson.call_record import read_calls
from handson.catalogue import TALLIED
from handson.class_table import COLUMNS
from handson.console import CHILD_OUTPUT
from handson.i18n import listed_first
from handson.names import ADMIN_POLICY_ARN
from handson.targets.emulator_server import MotoEmulator
from scripts.hand_built import HandBuilt
from tests.helpers.estate import snapshot
from tests.helpers.grading_role import RECORDED, assert_allowed, grading_policies
from tests.helpers.suite_runner import ROOT, suite_env

ACCOUNT = "123456789012"
GRADER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/handson-grader"


@pytest.fixture(scope="module")
def classroom() -> Iterator[list[MotoEmulator]]:
    """Three learners' accounts: three emulators of their own."""
    with ThreadPoolExecutor(max_workers=3) as starting:
        started = list(
            starting.map(
                lambda i: MotoEmulator.start("ap-northeast-1", f"learner-admin-{i}"), range(3)
            )
        )
    try:
        yield started
    finally:
        for emulator in started:
            emulator.close()


def grade_command(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "handson.grade", *args]
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, encoding=CHILD_OUTPUT, timeout=600
    )


class Cells(HTMLParser):
    """The HTML table's rows, as text."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th") and self.rows:
            self.rows[-1].append("")

    def handle_data(self, data: str) -> None:
        if self.rows and self.rows[-1]:
            self.rows[-1][-1] += data


@pytest.mark.slow
def test_a_class_of_three_gives_one_table(classroom: list[MotoEmulator], tmp_path: Path) -> None:
    built = [HandBuilt(e.admin) for e in classroom]
    try:
        built[0].build()
        broken = built[1].build_with_mistakes()
        built[2].build_with_extras()
        # The third learner's account is read through a role the grader assumes.
        iam = classroom[2].admin.client("iam")
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        iam.create_role(RoleName="handson-grader", AssumeRolePolicyDocument=json.dumps(trust))
        built[2].undo.append(lambda: iam.delete_role(RoleName="handson-grader"))
        iam.attach_role_policy(RoleName="handson-grader", PolicyArn=ADMIN_POLICY_ARN)
        built[2].undo.append(
            lambda: iam.detach_role_policy(RoleName="handson-grader", PolicyArn=ADMIN_POLICY_ARN)
        )
        before = [snapshot(e.admin) for e in classroom]

        profiles = tmp_path / "credentials"
        profiles.write_text(
            "".join(
                f"[learner-{i}]\naws_access_key_id = {e.admin.credentials.access_key_id}\n"
                f"aws_secret_access_key = {e.admin.credentials.secret_access_key}\n"
                for i, e in enumerate(classroom[:2])
            )
        )
        roster = tmp_path / "class.csv"
        roster.write_text(
            "account,account_id,label,name,endpoint_url\n"
            f"learner-0,{ACCOUNT},hanako,,{classroom[0].endpoint_url}\n"
            f"learner-1,{ACCOUNT},ichiro,taro-byhand,{classroom[1].endpoint_url}\n"
            f"{GRADER_ROLE},{ACCOUNT},jiro,,{classroom[2].endpoint_url}\n"
        )
        grader = classroom[2].admin.credentials
        env = suite_env(
            {
                "AWS_SHARED_CREDENTIALS_FILE": str(profiles),
                "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
                "AWS_ACCESS_KEY_ID": grader.access_key_id,
                "AWS_SECRET_ACCESS_KEY": grader.secret_access_key,
                "AWS_DEFAULT_REGION": "ap-northeast-1",
                "AWS_PROFILE": None,
                "AWS_SESSION_TOKEN": None,
                "HANDSON_REPORTS": str(tmp_path / "grader-reports"),
            }
        )
        out = tmp_path / "graded"
        done = grade_command(env, f"--accounts={roster}", f"--out={out}", "--record-calls")
        after = [snapshot(e.admin) for e in classroom]
    finally:
        for one in built:
            one.remove()
    assert after == before
    assert done.returncode == 1, done.stdout + done.stderr  # ichiro failed some
    ids = list(TALLIED)
    expected = {
        "hanako": ["passed"] * 13,
        "ichiro": ["failed" if i in broken else "passed" for i in ids],
        "jiro": ["passed"] * 13,
    }
    # The terminal: one row per learner, what passed, failed and was not decided, and which
    # security lessons have findings (advisory: never in "passed every checkpoint").
    lines = done.stdout.splitlines()
    header = next(line for line in lines if line.startswith("learner"))
    assert header.split() == [
        "learner",
        "passed",
        "failed",
        "not",
        "decided",
        "lessons",
        "with",
        "findings",
    ]
    failed = [i for i in ids if i in broken]
    for label, statuses in expected.items():
        row = next(line for line in lines if line.startswith(label)).split()
        passed = statuses.count("passed")
        assert row[:4] == [label, str(passed), "/", "13"], row
        assert row[4 : 4 + (len(failed) if label == "ichiro" else 1)] == (
            failed if label == "ichiro" else ["-"]
        ), row
    assert "3 learners: 2 passed every checkpoint, 1 failed some" in done.stdout
    # What to go over again: the checkpoints one learner failed, each once.
    most = listed_first([f"{i} (1)" for i in failed])
    assert f"checkpoints failed by the most learners: {most}" in lines, done.stdout
    # While it grades: a line first, then one as each learner's grading ends (minutes, for a
    # class), on standard error, so that the table alone is on standard output.
    progress = [
        line for line in done.stderr.splitlines() if line.startswith(("handson grade", "["))
    ]
    assert progress[0] == "handson grade: 3 to grade, 2 at once at most", done.stderr
    ended = [line.split("] ", 1) for line in progress[1:]]
    assert [count for count, _ in ended] == ["[1/3", "[2/3", "[3/3"], done.stderr
    assert sorted(who for _, who in ended) == ["hanako: graded", "ichiro: graded", "jiro: graded"]
    # The CSV.
    with (out / "class.csv").open(encoding="utf-8-sig") as handle:
        csv_rows = list(csv.DictReader(handle))
    assert [r["learner"] for r in csv_rows] == ["hanako", "ichiro", "jiro"]
    for csv_row in csv_rows:
        assert [csv_row[i] for i in ids] == expected[csv_row["learner"]], csv_row
    # The HTML page.
    page = Cells()
    page.feed((out / "class.html").read_text("utf-8"))
    assert page.rows[0][1:14] == ids
    # The checkpoints, then the security lessons (advisory: never in "passed every checkpoint").
    assert page.rows[0][1:20] == list(COLUMNS)
    assert list(COLUMNS[13:]) == ["P1", "P2", "P3", "P4", "P5", "P6"]
    words = {"passed": "ok", "failed": "FAILED"}
    *learners, footer = page.rows[1:]
    for row in learners:
        assert row[1:14] == [words[s] for s in expected[row[0]]], row
    # A failed cell shows its hint where the pointer rests: ichiro's U5 (his group's
    # iam:ListUsers) and R4 (open/ without /*); U1 (no password) and R1 (no SSM core) have none.
    html = (out / "class.html").read_text("utf-8")
    assert html.count(' title="') == len(COLUMNS) + 2  # the headings' titles, then those two
    assert ' title="handson-iam-role-policy / ForS32OpenGet&#39;s Resource does not' in html
    # Below the table, each failed checkpoint's learners by cause, their names said alike.
    causes = html[html.index("<h2>Why learners failed") :]
    assert "<h3>R4 " in causes and "<b>1 learner(s)</b>" in causes, causes
    assert "handson-s3-2-&lt;自分の名前&gt;/open/handson-sample.txt" in causes, causes
    assert "taro-byhand" not in causes, causes
    # Under each checkpoint, how many failed it: ichiro alone, where he did.
    assert footer[0] == "failed / with findings"
    assert footer[1:14] == ["1" if i in broken else "0" for i in ids], footer
    # Each learner's own results beside the table, with what their run found; nothing of
    # theirs in the grader's reports folder (no run folder there, reports/latest untouched).
    for label in expected:
        assert (out / label / "checkpoints.json").exists()
        assert list((out / label / "allure-results").glob("*-result.json"))
        found = json.loads((out / label / "discovered" / "discovered.json").read_text("utf-8"))
        assert found["user"] == "handson-iam-user", found
    assert not (tmp_path / "grader-reports").exists()
    # What each learner's run called in their account, allowed by ci/grading-role.yaml (the
    # role grade-class.yml assumes), and only reads (tests/unit/test_grading_role.py).
    for label in expected:
        assert_allowed(read_calls(out / label / "calls.jsonl"), grading_policies(), RECORDED)
    # The same table from the folders alone, as grade-class.yml's last job builds it.
    rebuilt = grade_command(env, f"--accounts={roster}", f"--table-from={out}")
    assert rebuilt.returncode == 1, rebuilt.stdout + rebuilt.stderr
    assert rebuilt.stdout.splitlines()[:5] == lines[:5]
    with (out / "class.csv").open(encoding="utf-8-sig") as handle:
        assert list(csv.DictReader(handle)) == csv_rows
    # No secret in anything written.
    secrets = [e.admin.credentials.secret_access_key for e in classroom]
    for path in out.rglob("*"):
        if path.is_file():
            text = path.read_text("utf-8", errors="replace")
            assert not any(s in text for s in secrets), path
