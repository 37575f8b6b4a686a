"""One learner's grading: the suite run with ``--target existing`` in a subprocess, with the
learner's credentials, and the statuses it wrote (``checkpoints.json``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from handson.class_roster import Learner
from handson.console import CHILD_OUTPUT, child_environment
from handson.i18n import t
from handson.report import tally, why_it_stopped
from handson.results import Outcome, ScenarioResult
from handson.run_folder import DISCOVERED_VARIABLE, REPORTS_VARIABLE
from handson.secrets import redact, register_secret

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = "output.txt"  # what a learner's run printed, redacted, in their folder
STATUSES = ("passed", "failed", "not decided")
# In an --out folder that handson grade wrote: it may grade into it again (grade.check_destination).
GRADED_MARK = ".handson-grade"
CALLS_FILE = "calls.jsonl"  # grade --record-calls: each learner's AWS calls, in their folder
GRADED_EXITS = (0, 1, 6)  # the run decided what it could: passed, failed, or some not decided


@dataclass
class Graded:
    """One learner's result: each checkpoint's status, and why a run decided nothing."""

    learner: Learner
    exit_code: int
    statuses: dict[str, str] = field(default_factory=dict)  # checkpoint -> one of STATUSES
    reason: str = ""
    folder: Path | None = None
    # checkpoint -> the hint of its first failed check, where it has one: what to fix, at a glance
    hints: dict[str, str] = field(default_factory=dict)
    name: str = ""  # the run's <自分の名前> (the learner's buckets'), as its results give it


def learner_env(
    learner: Learner, base: dict[str, str], assume: Callable[..., Any] | None
) -> dict[str, str]:
    """The environment of one learner's run: their profile, or the role's temporary keys; with
    ``assume`` None, the credentials as they are (a job that already assumed the role).

    The grader's own keys never reach a learner's run through a profile row: the profile alone
    names the credentials."""
    kept = ("HANDSON_LANG", REPORTS_VARIABLE)  # the grader's language; where its runs write
    env = {k: v for k, v in base.items() if not k.startswith("HANDSON_") or k in kept}
    if assume is None:
        return env
    if learner.role_arn is None:
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            env.pop(key, None)
        env["AWS_PROFILE"] = learner.account
        return env
    credentials = assume(RoleArn=learner.role_arn, RoleSessionName=learner.session_name)[
        "Credentials"
    ]
    register_secret(credentials["SecretAccessKey"])  # never in a table, a file or the terminal
    register_secret(credentials["SessionToken"])
    env.pop("AWS_PROFILE", None)
    env.update(
        AWS_ACCESS_KEY_ID=credentials["AccessKeyId"],
        AWS_SECRET_ACCESS_KEY=credentials["SecretAccessKey"],
        AWS_SESSION_TOKEN=credentials["SessionToken"],
    )
    return env


def suite_command(
    learner: Learner, folder: Path, region: str | None, record: bool = False
) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "features/",
        "-p",
        "no:cacheprovider",
        "--target=existing",
        f"--allowed-account={learner.account_id}",
        f"--alluredir={folder / 'allure-results'}",
        f"--checkpoints-json={folder / 'checkpoints.json'}",
    ]
    if learner.name:
        command.append(f"--name={learner.name}")
    if learner.endpoint_url:
        command.append(f"--endpoint-url={learner.endpoint_url}")
    if region:
        command.append(f"--region={region}")
    if record:
        command.append(f"--record-calls={folder / CALLS_FILE}")
    return command


def grade_one(
    learner: Learner, out: Path, env: dict[str, str], region: str | None, record: bool = False
) -> Graded:
    """``record``: the learner's run writes each AWS call it makes to their folder's calls.jsonl."""
    folder = out / learner.label
    folder.mkdir(parents=True, exist_ok=True)
    held = remove_earlier(folder)
    if held is not None:  # the run could not replace it either: nothing of an earlier grading
        return Graded(learner, 4, reason=held, folder=folder)
    # What the run found, beside its results: nothing of a learner's run in the reports/ of the
    # grader's checkout (no folder of its own there, and reports/latest left as it was).
    env = {**env, DISCOVERED_VARIABLE: str(folder.resolve() / "discovered")}
    done = subprocess.run(
        suite_command(learner, folder, region, record),
        cwd=ROOT,
        env=child_environment(env),
        capture_output=True,
        encoding=CHILD_OUTPUT,
        errors="replace",
        stdin=subprocess.DEVNULL,
        timeout=1800,
    )
    (folder / OUTPUT).write_text(redact(done.stdout + done.stderr), "utf-8")
    (folder / "exit_code").write_text(f"{done.returncode}\n", "utf-8")
    return read_graded(learner, folder, done.returncode, done.stderr)


# What a learner's run and its grading write in their folder. An earlier grading's, left there,
# made a run refused this time (exit 4, nothing written) show the earlier run's statuses; and
# allure adds a run's results to those in its folder. The row's own file first: where it cannot
# be removed, nothing else of that grading is.
EARLIER_FILES = ("checkpoints.json", "exit_code", OUTPUT, CALLS_FILE)
EARLIER_FOLDERS = ("allure-results", "discovered")


def remove_earlier(folder: Path) -> str | None:
    """Removes what an earlier grading wrote in the learner's ``folder`` (grade may write into
    an --out again), so that their row can only show what this grading's run writes; or says
    why it could not (Windows refuses to remove a file another program holds open)."""
    try:
        for name in EARLIER_FILES:
            (folder / name).unlink(missing_ok=True)
        for name in EARLIER_FOLDERS:
            if (folder / name).is_dir():
                shutil.rmtree(folder / name)
    except OSError as exc:
        where = Path(exc.filename) if exc.filename else folder
        return t("class.earlier_held", path=where, error=type(exc).__name__)
    return None


def read_graded(learner: Learner, folder: Path, exit_code: int, stderr: str = "") -> Graded:
    """A learner's statuses from their ``checkpoints.json``; a run that decided nothing says why."""
    graded = Graded(learner, exit_code, folder=folder)
    path = folder / "checkpoints.json"
    document = json.loads(path.read_text("utf-8")) if path.exists() else {}
    graded.name = str(document.get("name") or "")
    entries = document.get("checkpoints", [])
    results = [ScenarioResult.from_dict(entry) for entry in entries]
    counted = tally(results)
    for status, ids in zip(
        STATUSES, (counted.passed, counted.failed, counted.undecided), strict=True
    ):
        graded.statuses.update(dict.fromkeys(ids, status))
    for checkpoint in counted.failed:
        failed = (r for r in results if checkpoint in r.checkpoints and r.outcome is Outcome.FAILED)
        hint = next((r.hint for r in failed if r.hint), "")
        if hint:
            graded.hints[checkpoint] = hint
    # The security lessons (P1-P6), advisory: their own words, never passed or failed.
    graded.statuses.update({o["id"]: o["outcome"] for o in document.get("practice_outcomes", [])})
    if not entries:
        graded.reason = why_it_stopped(stderr) or t("class.no_result", code=exit_code)
    return graded
