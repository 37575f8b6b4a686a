"""``handson watch`` as a learner uses it: one process on a folder of policy files, attached to
the tests' emulator so that what it leaves can be looked up afterwards. A saved mistake fails its
checkpoint in the next round and passes again once restored, with the run's own failure block,
table and tally; a malformed file is one line and watching goes on; stopping it removes
everything, with the run's leak check, and exits as a run of the last files would."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from handson import i18n
from handson.names import PLACEHOLDER, default_name
from handson.policies import BOUNDARY_FILES, ROLE_POLICY_FILE, SEED_DIR, USER_POLICY_FILE
from handson.report_files import REPORT_SUMMARY_FILE
from handson.report_globals import LESSONS_ATTACHMENT
from handson.run_folder import latest_run
from handson.targets.emulator_server import MotoEmulator
from scripts.watch_session import WAITING, WatchSession
from tests.conftest import PolicyRuns
from tests.helpers.design_edits import Mutation
from tests.helpers.estate import devices_named, left_behind
from tests.helpers.masks import AWS_IDS, PADDING, apply
from tests.helpers.mutations import EQUIVALENTS, MUTATIONS
from tests.helpers.suite_runner import holding_in
from tests.test_emulator_gone import emulator_of
from tests.test_interrupt import alive, children

TALLY = "checkpoints:"
PASSING = "checkpoints: 13 passed, 0 failed, 0 not decided"


def mutation(name: str) -> Mutation:
    return next(m for m in MUTATIONS if m.name == name)


def changed_texts(mutated: Mutation, scratch: Path) -> dict[str, str]:
    """The files a mutation changes (parsed, not as formatted), with their new text."""
    written = mutated.write(scratch)
    return {
        path.name: path.read_text("utf-8")
        for path in sorted(written.glob("*.json"))
        if json.loads(path.read_text("utf-8"))
        != json.loads((SEED_DIR / path.name).read_text("utf-8"))
    }


def tally(shown: str) -> str:
    return next(line for line in shown.splitlines() if line.startswith(TALLY))


def verdicts(shown: str, name: str) -> list[str]:
    """The failure blocks, the checkpoint table and the tally, as a run prints them at its end,
    without what differs from one run to the next."""
    lines = apply(shown.replace(name, "<name>"), [*AWS_IDS, PADDING]).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("=== failures ==="))
    end = next(i for i, line in enumerate(lines) if line.startswith(TALLY))
    return lines[start : end + 1]


class Watched:
    def __init__(self, session: WatchSession, folder: Path, name: str) -> None:
        self.session, self.folder, self.name = session, folder, name
        self.reports = folder.parent / "reports"  # WatchSession's HANDSON_REPORTS

    def report_title(self) -> str:
        """The name ``npm run report`` gives the report it makes now: of the newest run's
        results, as reports/latest-run.txt names it."""
        run = latest_run(self.reports)
        assert run is not None and f"run {run}, " in self.session.output
        summary = self.reports / "runs" / run / "allure-results" / REPORT_SUMMARY_FILE
        return str(json.loads(summary.read_text("utf-8"))["title"])

    def lessons(self) -> str:
        """The security lessons the report of the newest run shows (its global attachment)."""
        run = latest_run(self.reports)
        assert run is not None
        return (self.reports / "runs" / run / "allure-results" / LESSONS_ATTACHMENT).read_text()

    def save(self, texts: dict[str, str]) -> str:
        """Save these files (one save each, as an editor does) and return the round's output."""
        for file, text in texts.items():
            self.session.save(self.folder / file, text)
        shown, _ = self.session.until(WAITING)
        return shown

    def restore(self, *files: str) -> str:
        return self.save({file: (SEED_DIR / file).read_text("utf-8") for file in files})


MISTAKE = "user-ec2-star"  # its whole run is made before watching: one run at a time per emulator


@pytest.fixture(scope="module")
def watched(
    test_emulator: MotoEmulator,
    policy_runs: PolicyRuns,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Watched]:
    policy_runs.get([mutation(MISTAKE)])
    base = tmp_path_factory.mktemp("watch")
    folder = base / "policies"
    shutil.copytree(SEED_DIR, folder, ignore=shutil.ignore_patterns("*.md"))
    name = default_name()
    options = (f"--endpoint-url={test_emulator.endpoint_url}", f"--name={name}")
    with WatchSession(folder, base, *options) as session:
        first, _ = session.until(WAITING, timeout=90)
        assert PASSING in first, session.output
        yield Watched(session, folder, name)


def test_a_saved_mistake_shows_what_a_run_shows_and_passes_once_restored(
    watched: Watched, policy_runs: PolicyRuns
) -> None:
    wrong = mutation(MISTAKE)
    run = policy_runs.get([wrong])[wrong.name].run
    broken = changed_texts(wrong, watched.folder.parent / "broken")
    assert list(broken) == [USER_POLICY_FILE]
    shown = watched.save(broken)
    assert f"{USER_POLICY_FILE} saved: checking again" in shown
    assert tally(shown) == "checkpoints: 12 passed, 1 failed, 0 not decided (failed: U4)"
    assert watched.report_title() == tally(shown)  # npm run report, as the round's line says
    assert "ec2:*" in watched.lessons()  # and its lessons: P1's finding of the round
    # The run's own failure block, above the table, names the statement that decided it.
    failures = shown.split(" failures ", 1)[1].split(" checkpoints ", 1)[0]
    assert "ForEC2" in failures
    run_name = next(a for a in run.args if a.startswith("--name=")).removeprefix("--name=")
    assert verdicts(shown, watched.name) == verdicts(run.stdout, run_name)
    restored = watched.restore(USER_POLICY_FILE)
    assert tally(restored) == PASSING
    assert watched.report_title() == PASSING
    assert "ec2:*" not in watched.lessons()
    # The fixed checkpoint's block goes with its failure: no section of failures above a table
    # that has none, in the round nor in what stopping prints.
    assert not sections(restored, "failures", "why checks were not decided"), restored


def sections(shown: str, *titles: str) -> list[str]:
    """The lines of output that open one of these sections (pytest's ``=== title ===``)."""
    return [line for line in shown.splitlines() if line.strip("= ") in titles]


def failure_ids(shown: str) -> list[str]:
    """The checkpoint each failure block of the round's failures section opens with."""
    lines = shown.splitlines()
    start = next((i for i, line in enumerate(lines) if sections(line, "failures")), None)
    if start is None:
        return []
    end = next(i for i, line in enumerate(lines[start + 1 :], start + 1) if line.startswith("="))
    return [line.split(" ", 1)[0] for line in lines[start + 1 : end] if line[:1].isupper()]


def test_a_failure_not_checked_again_keeps_its_block_once_and_a_fixed_one_loses_it(
    watched: Watched,
) -> None:
    """The role's file saved while the user's mistake stands: the user's scenarios are not run
    again and keep their failure, shown once; the role's come and go with their own file."""
    base = watched.folder.parent
    # One block for the three examples that fail (create, stop, terminate): the same statement
    # allows them, and the block lists the other two under it.
    u4 = ["U4"]
    first = watched.save(changed_texts(mutation(MISTAKE), base / "user"))
    assert failure_ids(first) == u4, first
    role = changed_texts(mutation("role-writes-open"), base / "role")
    assert list(role) == [ROLE_POLICY_FILE]
    # Saved with the learner's name written in, where the files watching began with kept
    # <自分の名前>: the hint is of the file as saved, not as it was at the start.
    named = {file: text.replace(PLACEHOLDER, watched.name) for file, text in role.items()}
    both = watched.save(named)
    assert "(failed: U4, R5)" in tally(both)
    assert failure_ids(both) == [*u4, "R5"], both
    assert f"handson-s3-2-{watched.name}/open/*" in s3_hint(both), both
    user_only = watched.restore(ROLE_POLICY_FILE)
    assert "(failed: U4)" in tally(user_only)
    assert failure_ids(user_only) == u4, user_only
    # The saved file kept <自分の名前>: so does its hint, after a save as in the first round.
    kept = s3_hint(watched.save(role))
    assert f"handson-s3-2-{PLACEHOLDER}/open/*" in kept and watched.name not in kept, kept
    assert "(failed: U4)" in tally(watched.restore(ROLE_POLICY_FILE))
    assert tally(watched.restore(USER_POLICY_FILE)) == PASSING


def s3_hint(shown: str) -> str:
    """The round's one hint about S3."""
    (hint,) = [line for line in shown.splitlines() if line.startswith("  hint: ") and "s3:" in line]
    return hint


def test_a_malformed_file_is_one_line_and_watching_goes_on(watched: Watched) -> None:
    shown = watched.save({USER_POLICY_FILE: '{"Version": "2012-10-17",'})
    errors = [line for line in shown.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1, shown
    assert USER_POLICY_FILE in errors[0] and "not valid JSON" in errors[0]
    assert TALLY not in shown  # nothing was checked again
    again = watched.restore(USER_POLICY_FILE)
    assert "the policy files are again as last checked" in again
    broken = changed_texts(mutation(MISTAKE), watched.folder.parent / "broken")
    assert "(failed: U4)" in tally(watched.save(broken))  # still watching
    assert tally(watched.restore(USER_POLICY_FILE)) == PASSING


def test_a_user_held_to_mfa_on_a_save_is_checked_signed_in_and_its_device_goes_on_the_next(
    watched: Watched, test_emulator: MotoEmulator
) -> None:
    """The user's policy saved held to MFA: its checks sign with a session of an MFA device the
    round gives it, and pass; saved back, they sign with its key again and the device is gone
    (the user's MFA choice is made again on each save; its key stays)."""
    held = next(m for m in EQUIVALENTS if m.name == "mfa-required")
    texts = changed_texts(held, watched.folder.parent / "mfa")
    assert list(texts) == [USER_POLICY_FILE]
    shown = watched.save(texts)
    assert tally(shown) == PASSING, shown
    assert "ask for an MFA sign-in: the user's checks sign with a session" in shown, shown
    iam = test_emulator.admin.client("iam")
    device = f"handson-iam-user-{watched.name}"  # named as the run's user
    assert len(devices_named(iam, device)) == 1
    restored = watched.restore(USER_POLICY_FILE)
    assert tally(restored) == PASSING
    assert "ask for an MFA sign-in" not in restored
    assert devices_named(iam, device) == []


def test_stopping_removes_everything_and_exits_as_a_run(
    watched: Watched, test_emulator: MotoEmulator
) -> None:
    helpers = children(watched.session.process.pid)
    code = watched.session.stop()
    output = watched.session.output
    assert code == 0, output[-3000:]
    assert "clean-up (C1-C5): ok" in output
    # The last scenario runs once more, to tear down: its progress is said to be that.
    ending = output.rsplit(i18n.t("watch.ending"), 1)
    assert len(ending) == 2 and "checking again" not in ending[1], output[-3000:]
    assert ending[1].lstrip(" =\n").startswith("features/test_checkpoints.py ."), ending[1][:300]
    assert PASSING in output.rsplit("checking again", 1)[-1]
    assert not sections(output.rsplit("checking again", 1)[-1], "failures"), output[-3000:]
    assert left_behind(test_emulator.admin, watched.name) == []
    assert alive(helpers) == []


def test_a_trust_policy_save_reaches_the_instance_and_stopping_exits_as_that_run(
    tmp_path: Path,
) -> None:
    """The instance's credentials come from the trust policy: after its save the role's checks
    fail as a run with that trust policy fails them, and stopping then exits 1, as that run."""
    folder = tmp_path / "policies"
    shutil.copytree(SEED_DIR, folder, ignore=shutil.ignore_patterns("*.md"))
    wrong = mutation("trust-wrong-service")
    with WatchSession(folder, tmp_path) as session:
        session.until(WAITING, timeout=90)
        for file, text in changed_texts(wrong, tmp_path / "broken").items():
            session.save(folder / file, text)
        shown, _ = session.until(WAITING)
        failed = re.search(r"\(failed: ([^)]*)\)", tally(shown))
        assert failed is not None and set(failed[1].split(", ")) == set(wrong.fails), shown
        code = session.stop()
    assert code == 1, session.output[-3000:]
    assert "clean-up (C1-C5): ok" in session.output


def test_a_saved_boundary_file_decides_the_next_round_and_one_taken_away_is_refused(
    tmp_path: Path,
) -> None:
    """A folder with the user's permissions boundary: saving it without ec2:StartInstances
    fails U3 in the next round, naming the boundary file as what to fix; removing the file is
    one line (the user was made with it), and the table stays; stopping removes the boundary's
    policy with the rest (the run's leak check) and exits 4, as a run of a folder it refuses.
    A save that could not be used leaves the table at the files used before it: stopping then
    says so as its last lines, with the save's problem, and checkpoints.json says it too (the
    exit code was 0, under 13 passed). A malformed save is one such save:
    test_a_malformed_file_is_one_line_and_watching_goes_on, and handson.watch's unit tests."""
    folder = tmp_path / "policies"
    shutil.copytree(SEED_DIR, folder, ignore=shutil.ignore_patterns("*.md"))
    boundary = folder / BOUNDARY_FILES["user"]
    allows = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    boundary.write_text(json.dumps(allows), "utf-8")
    all_but_start = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "NotAction": "ec2:StartInstances", "Resource": "*"}],
    }
    with WatchSession(folder, tmp_path) as session:
        first, _ = session.until(WAITING, timeout=90)
        assert PASSING in first, session.output
        session.save(boundary, json.dumps(all_but_start))
        shown, _ = session.until(WAITING)
        assert f"{boundary.name} saved: checking again" in shown
        assert tally(shown) == "checkpoints: 12 passed, 1 failed, 0 not decided (failed: U3)"
        assert f"the permissions boundary {boundary.name} does not" in shown, shown
        boundary.unlink()
        gone, _ = session.until(WAITING)
        errors = [line for line in gone.splitlines() if line.startswith("ERROR:")]
        assert errors == ["ERROR: " + i18n.t("watch.boundary_changed", files=boundary.name)], gone
        assert TALLY not in gone  # nothing was checked again
        code = session.stop()
    assert code == 4, session.output[-3000:]
    assert "clean-up (C1-C5): ok" in session.output
    last = session.output.rsplit(gone, 1)[-1]
    assert "The policy files last saved could not be used" in last and errors[0] in last, last
    (written,) = (tmp_path / "reports" / "runs").glob("*/checkpoints.json")
    assert json.loads(written.read_text("utf-8"))["unused_save"] == errors


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to one process is POSIX's")
def test_a_later_ctrl_c_while_watching_ends_is_told_and_changes_nothing(tmp_path: Path) -> None:
    """Ctrl-C is how a watch session ends; pressed again while it tears down (which holds
    signals) and after that, before its last lines (where one turned its exit code 0 into 2),
    each is told in a line (after the teardown: that the run has ended), and the session still
    ends as a run of its files: exit 0."""
    folder = tmp_path / "policies"
    shutil.copytree(SEED_DIR, folder, ignore=shutil.ignore_patterns("*.md"))
    note, release = tmp_path / "holding.txt", tmp_path / "go-on"
    pause = {
        "PYTEST_ADDOPTS": "-p tests.plugins.pause_at",
        "HANDSON_PAUSE_AT": "teardown,ending",
        "HANDSON_PAUSE_NOTE": str(note),
        "HANDSON_PAUSE_RELEASE": str(release),
    }
    with WatchSession(folder, tmp_path, env=pause) as session:
        session.until(WAITING, timeout=90)
        helpers = children(session.process.pid)
        session.process.send_signal(signal.SIGINT)  # the first: watching ends
        for phase in ("teardown", "ending"):
            assert holding_in(note, phase, session.process), f"it never held in {phase}"
            session.process.send_signal(signal.SIGINT)
            session.process.send_signal(signal.SIGTERM)
            # Each handler runs as the hold's sleep is interrupted, SIGINT's first (Python runs
            # pending handlers in signal order): released once SIGTERM's has said so, not after
            # a fixed wait, which a loaded machine can outlast.
            said = {"teardown": " during teardown", "ending": ", but the run has already ended"}
            session.until(f"handson: SIGTERM received{said[phase]}")
            release.touch()
        session.process.wait(timeout=60)  # it ends on its own: stop() then sends nothing
        code = session.stop()
    output = session.output
    assert code == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    for name in ("SIGINT", "SIGTERM"):
        # One in the teardown, held; one after it, when only the last lines are left to write.
        told = f"handson: {name} received during teardown: finishing the teardown first"
        assert output.count(told) == 1, output[-3000:]
        after = f"handson: {name} received, but the run has already ended"
        assert output.count(after) == 1, output[-3000:]
    assert "clean-up (C1-C5): ok" in output
    assert alive(helpers) == []


@pytest.mark.skipif(sys.platform == "win32", reason="reads /proc")
def test_a_watch_session_whose_emulator_ends_ends_at_once_saying_so(tmp_path: Path) -> None:
    """The emulator killed while the session waits for a save: the session ends within seconds
    as an interrupted run (exit 2), saying why, with no last round against the dead emulator
    (it ran one, which waited on the emulator for 20 s and then ended not decided, exit 6)."""
    folder = tmp_path / "policies"
    shutil.copytree(SEED_DIR, folder, ignore=shutil.ignore_patterns("*.md"))
    with WatchSession(folder, tmp_path) as session:
        session.until(WAITING, timeout=90)
        helpers = children(session.process.pid)
        os.kill(emulator_of(session.process.pid), signal.SIGKILL)
        started = time.monotonic()
        session.process.wait(timeout=60)
        took = time.monotonic() - started
        code = session.stop()
    output = session.output
    gone = "the emulator stopped during the run (exit code -9)"
    assert code == 2, output[-3000:]
    assert took < 15, f"{took:.1f} s\n{output[-3000:]}"
    assert f"handson: no teardown: {gone}" in output
    assert "exit code 2: the run was interrupted" in output
    # The verdicts of the round before stay as they were: no check ran against the dead one.
    assert output.rsplit("checkpoints: ", 1)[1].startswith("13 passed, 0 failed, 0 not decided")
    assert alive(helpers) == []
