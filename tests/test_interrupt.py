"""Interrupted at any point, a run leaves nothing behind and never records a check it did not
finish as passed: Ctrl-C (SIGINT) and SIGTERM during provisioning, checks and teardown end the run
through its teardown; SIGKILL leaves resources, which the sweeper then removes with nothing but
the account (``sweep --run``). Every run signals an emulator that outlives it.

The two signals differ only in their handlers (Python's KeyboardInterrupt for SIGINT,
handson.signals.interrupt, which raises it, for SIGTERM), and in teardown both are held by the
same deferred_interrupts: each is sent in the checks, Ctrl-C in provisioning (a learner's) and
SIGTERM in teardown, and Ctrl-C in teardown by test_a_later_ctrl_c_while_the_run_ends... below."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from handson.catalogue import TALLIED
from handson.console import CHILD_OUTPUT
from handson.names import default_name
from handson.practices import ADVISORY
from handson.run_temp import PREFIX, sweep_gone
from handson.targets.emulator_server import MotoEmulator
from tests.conftest import EmulatorPool
from tests.helpers.estate import left_behind, snapshot
from tests.helpers.suite_runner import ROOT, HeldRun, SuiteRun, suite_env, temporary_folder

pytestmark = pytest.mark.slow

PHASES = ("provisioning", "checks", "teardown")
CASES = [
    (signal.SIGINT, "provisioning"),
    (signal.SIGINT, "checks"),
    (signal.SIGTERM, "checks"),
    (signal.SIGTERM, "teardown"),
    *((signal.SIGKILL, phase) for phase in PHASES),
]


@dataclass
class Interrupted:
    run: SuiteRun
    name: str
    run_id: str
    left_at_once: list[str]  # right after the run ended (SIGKILL: before the sweep)
    left: list[str]  # at the end (SIGKILL: after the sweep)
    unchanged: bool  # the emulator as before the run, at the end
    children_alive: list[int]  # the run's helper processes still alive after it ended
    # The run's own temporary folder (handson/run_temp.py), in a temporary folder of its own:
    # what was in it once the run and its helpers had ended, and at the end (SIGKILL: after
    # the next run's sweep of the folders of processes gone).
    temp_at_once: list[str]
    temp_left: list[str]
    sweep: subprocess.CompletedProcess[str] | None = None


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pids: list[int], wait: float = 5.0) -> list[int]:
    deadline = time.monotonic() + wait
    while True:
        living = [pid for pid in pids if Path(f"/proc/{pid}").exists() and not _zombie(pid)]
        if not living or time.monotonic() > deadline:
            return living
        time.sleep(0.1)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return False


def sweep_run(emulator: MotoEmulator, run_id: str) -> subprocess.CompletedProcess[str]:
    credentials = emulator.admin.credentials
    env = suite_env(
        {
            "AWS_ACCESS_KEY_ID": credentials.access_key_id,
            "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
            "AWS_PROFILE": None,
        }
    )
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "handson.sweep",
            f"--endpoint-url={emulator.endpoint_url}",
            "--allowed-account=123456789012",
            f"--run={run_id}",
            "--delete",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        encoding=CHILD_OUTPUT,
        timeout=120,
    )


def interrupt(
    emulator: MotoEmulator, workdir: Path, sent: signal.Signals, phase: str
) -> Interrupted:
    name = default_name()
    before = snapshot(emulator.admin)
    temp = workdir / "temp"
    temp.mkdir(parents=True)
    held = HeldRun(
        workdir,
        phase,
        f"--endpoint-url={emulator.endpoint_url}",
        f"--name={name}",
        until_released=False,
        env=temporary_folder(temp),
    )
    run_id = held.held()
    helpers = children(held.process.pid)
    held.process.send_signal(sent)
    run = held.finish(timeout=180)
    assert run_id, f"the run never reached {phase}:\n{run.describe()}"
    left_at_once = left_behind(emulator.admin, name)
    swept = sweep_run(emulator, run_id) if sent is signal.SIGKILL else None
    helpers_alive = alive(helpers)
    temp_at_once = run_folders(temp)
    sweep_gone(temp, youngest=0)  # as the next run does, a minute later
    return Interrupted(
        run,
        name,
        run_id,
        left_at_once,
        left_behind(emulator.admin, name),
        snapshot(emulator.admin) == before,
        helpers_alive,
        temp_at_once,
        run_folders(temp),
        swept,
    )


def run_folders(temp: Path) -> list[str]:
    """The run's own temporary folders, each with what is in it."""
    return sorted(
        f"{folder.name}: {sorted(p.name for p in folder.iterdir())}"
        for folder in temp.glob(f"{PREFIX}*")
    )


@pytest.fixture(scope="module")
def outcomes(
    emulator_pool: EmulatorPool, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Interrupted]:
    base = tmp_path_factory.mktemp("interrupts")

    def one(emulator: MotoEmulator, case: tuple[signal.Signals, str]) -> tuple[str, Interrupted]:
        sent, phase = case
        label = f"{sent.name}-{phase}"
        return label, interrupt(emulator, base / label, sent, phase)

    return dict(emulator_pool.map(one, CASES))


IDS = [f"{sent.name}-{phase}" for sent, phase in CASES]


@pytest.mark.parametrize("label", IDS)
def test_nothing_is_left_and_the_emulator_is_as_before(
    label: str, outcomes: dict[str, Interrupted]
) -> None:
    done = outcomes[label]
    # Held in the teardown after every check, the run ends with its own code: 0, the seed's.
    held_to_the_end = label.endswith("-teardown") and not label.startswith("SIGKILL")
    assert (done.run.exit_code == 0) == held_to_the_end, done.run.describe()
    assert done.left == [], f"{done.left}\n{done.run.describe()}"
    assert done.unchanged, done.run.describe()
    assert done.children_alive == [], "the emulator's helpers outlived the run"
    # Its temporary folder: gone with the run; after SIGKILL, at the next run's sweep. A run
    # attached to a server makes it for its instance's folder, after provisioning (the server
    # keeps the warm CLI: handson/targets/hosted_cli.py), so one killed earlier made none.
    killed = label.startswith("SIGKILL") and not label.endswith("provisioning")
    assert len(done.temp_at_once) == (1 if killed else 0), done.temp_at_once
    assert done.temp_left == [], done.temp_left


@pytest.mark.parametrize("label", [i for i in IDS if i.endswith("-checks") and "KILL" not in i])
def test_an_interrupted_run_says_its_own_exit_code_and_its_leak_check(
    label: str, outcomes: dict[str, Interrupted]
) -> None:
    """Its last lines say the exit code it ends with, never 6 for the checks it could not
    decide, and C1-C5 from the leak check its teardown ran after the interrupt (they said
    'not checked' before: they were worked out before that teardown had run)."""
    run = outcomes[label].run
    assert f"exit code {run.exit_code}: the run was interrupted" in run.stdout, run.describe()
    assert "exit code 6" not in run.stdout
    assert "clean-up (C1-C5): ok" in run.stdout, run.describe()
    # Nor pytest's banner of it after that, which named a line of threading.py.
    assert "! KeyboardInterrupt !" not in run.stdout, run.describe()
    assert ": KeyboardInterrupt" not in run.stdout and "--full-trace" not in run.stdout


@pytest.mark.parametrize("label", [i for i in IDS if not i.startswith("SIGKILL")])
def test_an_interrupted_check_is_never_recorded_as_passed(
    label: str, outcomes: dict[str, Interrupted]
) -> None:
    done = outcomes[label]
    run = done.run
    phase = label.split("-", 1)[1]
    # In the teardown after every check the signal is held, and the run then ends as it would
    # have: its work was done, the line said "finishing the teardown first".
    assert run.run_id == done.run_id and bool(run.interrupted) == (phase != "teardown")
    outcomes_of = {e["nodeid"]: e["outcome"] for e in run.checkpoints}
    assert len(outcomes_of) == 27
    tallied = {c: s for c, s in allure_statuses(run).items() if c in TALLIED}
    if phase in ("provisioning", "checks"):
        # The report has every scenario: cut off as unknown, never reached as skipped.
        assert sum(len(found) for found in tallied.values()) == 27
    if phase == "provisioning":
        assert set(outcomes_of.values()) <= {"interrupted", "not run"}, outcomes_of
        assert "interrupted" in outcomes_of.values()
        statuses = {s for found in tallied.values() for s in found}
        assert statuses == {"unknown", "skipped"}, statuses
    if phase == "checks":
        (r3,) = [e for e in run.checkpoints if e["checkpoints"] == ["R3"]]
        assert r3["outcome"] == "interrupted" and r3["category"] == "interrupted: not decided"
        assert "passed" in outcomes_of.values()  # those before it were decided
        assert tallied.get("R3") == ["unknown"], tallied
    if phase == "teardown":
        # Every check had its verdict before the teardown began, and keeps it.
        assert set(outcomes_of.values()) == {"passed"}, outcomes_of
        assert run.exit_code == 0 and "clean-up (C1-C5): ok" in run.stdout, run.describe()
    # Nor does the allure report say passed where checkpoints.json does not: a checkpoint's row,
    # or for an advisory lesson (P1-P6, outside the rows and their tally) its own outcome, clear.
    passed_in_json: dict[str, int] = {}
    for entry in run.checkpoints:
        if entry["outcome"] == "passed":
            for checkpoint in entry["checkpoints"]:
                passed_in_json[checkpoint] = passed_in_json.get(checkpoint, 0) + 1
    document = json.loads((run.allure_dir.parent / "checkpoints.json").read_text("utf-8"))
    lessons = {o["id"]: o["outcome"] for o in document.get("practice_outcomes", [])}
    for lesson, outcome in lessons.items():
        passed_in_json[lesson] = 1 if outcome == "clear" else 0
    for checkpoint, found in allure_statuses(run).items():
        assert found.count("passed") <= passed_in_json.get(checkpoint, 0), checkpoint
    # The lessons run before the checks, need no environment, and each has its outcome.
    assert set(lessons) == set(ADVISORY), run.describe()
    assert lessons["P1"] == lessons["P2"] == "clear", lessons


@pytest.mark.skipif(sys.platform == "win32", reason="process groups and killpg are POSIX's")
def test_a_sigterm_to_the_whole_group_reaches_the_helpers_and_the_run_still_tears_down(
    tmp_path: Path,
) -> None:
    """``timeout``, ``kill -- -PGID`` and job runners send SIGTERM to a whole group: the run
    and its own emulator and warm CLI alike. The helpers leave it to the run, whose teardown
    still needs them: the run ends at once through its teardown and leak check, and the helpers
    end with it. (A group's SIGTERM killed the emulator, and the teardown retried it for over
    eight minutes.) A terminal's Ctrl-C to its whole group: the test after this one."""
    held = HeldRun(
        tmp_path, "checks", f"--name={default_name()}", until_released=False, own_group=True
    )
    run_id = held.held()
    helpers = children(held.process.pid)
    assert run_id and len(helpers) >= 2, held.process.args  # the emulator and the warm CLI
    os.killpg(held.process.pid, signal.SIGTERM)
    try:
        run = held.finish(timeout=60)
    finally:
        if held.process.poll() is None:  # a run that hung: gone, with its helpers
            os.killpg(held.process.pid, signal.SIGKILL)
    assert run.run_id == run_id and run.interrupted, run.describe()
    r3 = [e["outcome"] for e in run.checkpoints if e["checkpoints"] == ["R3"]]
    assert r3 == ["interrupted"], run.describe()
    # Every other checkpoint was decided or not reached: none lost its emulator.
    errors = [e["nodeid"] for e in run.checkpoints if e["outcome"] == "error"]
    assert errors == [], run.describe()
    assert "Could not connect" not in run.stdout + run.stderr, run.describe()
    # The teardown and its leak check ran, on a living emulator, and found nothing left.
    assert re.search(r"^teardown and leak check +\d", run.stdout, re.M), run.describe()
    assert "teardown left resources behind" not in run.stdout, run.describe()
    assert alive(helpers) == []


@pytest.mark.skipif(sys.platform == "win32", reason="process groups and killpg are POSIX's")
def test_a_later_ctrl_c_while_the_run_ends_is_told_and_changes_nothing(tmp_path: Path) -> None:
    """Ctrl-C pressed again and again while a run ends on its first: in its teardown (which
    holds signals) and after it, while pytest is about to write the summary (where one ended
    the run with Python's trace and status -2). Each is told in a line (after the teardown:
    that the run has ended); the run still ends
    through its teardown and leak check, with its own last lines and exit code 2. Every Ctrl-C
    goes to the whole group, as a terminal sends it: the helpers leave it to the run."""
    held = HeldRun(
        tmp_path,
        "checks,teardown,ending",
        f"--name={default_name()}",
        until_released=True,
        own_group=True,
    )
    try:
        run_id = held.held()
        helpers = children(held.process.pid)
        assert run_id and len(helpers) >= 2, held.process.args
        os.killpg(held.process.pid, signal.SIGINT)  # the first: the run ends on it
        for phase in ("teardown", "ending"):
            assert held.holding_in(phase), f"the run never held in {phase}"
            os.killpg(held.process.pid, signal.SIGINT)  # the whole group, as a terminal's
            os.killpg(held.process.pid, signal.SIGTERM)  # the whole group, as timeout's
            time.sleep(0.3)  # each handler runs as the hold's sleep is interrupted
            held.go_on()
        run = held.finish(timeout=60)
    finally:
        if held.process.poll() is None:  # a run that hung: gone, with its helpers
            os.killpg(held.process.pid, signal.SIGKILL)
    assert run.exit_code == 2 and run.run_id == run_id and run.interrupted, run.describe()
    assert "Traceback" not in run.stdout + run.stderr, run.describe()
    # The first Ctrl-C, to the whole group as a terminal sends it, reached the helpers too: R3
    # was cut off, every other checkpoint decided or not reached, none lost its emulator.
    r3 = [e["outcome"] for e in run.checkpoints if e["checkpoints"] == ["R3"]]
    assert r3 == ["interrupted"], run.describe()
    assert [e["nodeid"] for e in run.checkpoints if e["outcome"] == "error"] == []
    assert "Could not connect" not in run.stdout + run.stderr, run.describe()
    for name in ("SIGINT", "SIGTERM"):
        # One in the teardown, held; one after it, when only the summary is left to write.
        told = f"handson: {name} received during teardown: finishing the teardown first"
        assert run.stderr.count(told) == 1, run.describe()
        after = f"handson: {name} received, but the run has already ended"
        assert run.stderr.count(after) == 1, run.describe()
    assert "exit code 2: the run was interrupted" in run.stdout, run.describe()
    assert "clean-up (C1-C5): ok" in run.stdout, run.describe()
    assert "teardown left resources behind" not in run.stdout, run.describe()
    assert alive(helpers) == []


def test_sigterm_in_teardown_lets_the_teardown_finish(outcomes: dict[str, Interrupted]) -> None:
    done = outcomes["SIGTERM-teardown"]
    assert "received during teardown: finishing the teardown first" in done.run.stderr
    assert done.left_at_once == []


@pytest.mark.parametrize("phase", PHASES)
def test_after_sigkill_the_sweeper_removes_the_run_at_once(
    phase: str, outcomes: dict[str, Interrupted]
) -> None:
    done = outcomes[f"SIGKILL-{phase}"]
    assert done.run.exit_code == -signal.SIGKILL
    assert done.left_at_once, "a killed run leaves something: else this proves nothing"
    assert any(
        f"run record /handson-iam-acceptance/runs/{done.name}" == item for item in done.left_at_once
    )
    assert done.sweep is not None and done.sweep.returncode == 0, done.sweep
    assert done.sweep.stdout.count("  deleted ") >= len(done.left_at_once)
    assert done.left == []


def allure_results(run: SuiteRun) -> list[dict[str, object]]:
    return [json.loads(path.read_text("utf-8")) for path in run.allure_dir.glob("*-result.json")]


def allure_statuses(run: SuiteRun) -> dict[str, list[str]]:
    statuses: dict[str, list[str]] = {}
    for result in allure_results(run):
        for label in result.get("labels", []):  # type: ignore[attr-defined]
            if label["name"] == "checkpoint":
                statuses.setdefault(label["value"], []).append(str(result["status"]))
    return statuses
