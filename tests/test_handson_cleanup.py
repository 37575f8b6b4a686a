"""``handson cleanup`` (issue 18, part 5) and C1-C5 (part 4) on an emulator that stands for the
learner's account: the hands-on built by hand among other people's things is listed without a
change, deleted exactly, checked by ``pytest features/ --target existing --cleanup``; a
clean-up killed half-way (SIGKILL) finishes when run again; an ambiguous account deletes nothing."""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from handson import cleanup, cleanup_plan
from handson.console import CHILD_OUTPUT
from handson.i18n import t
from handson.targets.emulator_server import MotoEmulator
from scripts.hand_built import NAME, ROLE, HandBuilt
from tests.helpers.english_words import english_words
from tests.helpers.estate import snapshot
from tests.helpers.far_regions import FarRegions
from tests.helpers.suite_runner import ROOT, SuiteRun, admin_cli_env, run_handson, run_suite

pytestmark = pytest.mark.slow
ACCOUNT = "123456789012"
CLEANUP = {"C1", "C2", "C3", "C4", "C5"}
POLICIES = {f"arn:aws:iam::{ACCOUNT}:policy/{p}" for p in cleanup_plan.POLICIES}


def environment(emulator: MotoEmulator) -> dict[str, str]:
    credentials = emulator.admin.credentials
    return admin_cli_env(credentials.access_key_id, credentials.secret_access_key)


def handson_command(emulator: MotoEmulator, *words: str) -> subprocess.CompletedProcess[str]:
    """``handson <words>`` on the test's emulator, as the learner runs it."""
    return run_handson(words, environment(emulator), timeout=300)


def asked_to_delete(
    emulator: MotoEmulator,
    monkeypatch: pytest.MonkeyPatch,
    ask: Callable[[str], str],
    *options: str,
) -> int:
    """``handson cleanup --delete`` in this process, as on a terminal, ``ask`` answering its
    question: its exit code."""
    for variable, value in environment(emulator).items():
        monkeypatch.setenv(variable, value)
    arguments = [
        "--delete",
        f"--endpoint-url={emulator.endpoint_url}",
        f"--region={emulator.region}",
        f"--allowed-account={ACCOUNT}",
        *options,
        "--lang=en",
    ]
    return cleanup.main(arguments, ask=ask, interactive=True)


def cleanup_command(
    emulator: MotoEmulator, *args: str, allowed: str = ACCOUNT
) -> subprocess.CompletedProcess[str]:
    """``handson cleanup`` on the test's emulator."""
    endpoint, region = f"--endpoint-url={emulator.endpoint_url}", f"--region={emulator.region}"
    return handson_command(
        emulator, "cleanup", endpoint, region, f"--allowed-account={allowed}", *args
    )


def checked(emulator: MotoEmulator, workdir: Path, *args: str) -> SuiteRun:
    """``pytest features/ --target existing --cleanup`` on the learner's account."""
    options = [
        "--target=existing",
        "--cleanup",
        f"--endpoint-url={emulator.endpoint_url}",
        f"--region={emulator.region}",
        f"--allowed-account={ACCOUNT}",
        *args,
    ]
    return run_suite(workdir, *options, env=dict(environment(emulator)))


def without_the_hands_on(state: dict[str, Any], instance: str | None) -> dict[str, Any]:
    """The account's snapshot (tests/helpers/estate.py) without the hands-on's resources."""
    users = {k: v for k, v in state["users"].items() if k != "handson-iam-user"}
    return {
        **state,
        "users": users,
        "roles": {k: v for k, v in state["roles"].items() if k != ROLE},
        "profiles": {k: v for k, v in state["profiles"].items() if k != ROLE},
        "policies": [p for p in state["policies"] if p not in POLICIES],
        "buckets": {k: v for k, v in state["buckets"].items() if not k.endswith(f"-{NAME}")},
        "instances": [i for i in state["instances"] if i != instance],
    }


def hands_on_instance(by_hand: HandBuilt) -> str:
    (found,) = cleanup_plan.hands_on_instances(by_hand.ec2)
    return str(found["InstanceId"])


def test_the_hands_on_is_listed_deleted_exactly_and_checked(
    by_hand: HandBuilt,
    test_emulator: MotoEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    by_hand.build_with_extras()
    instance = hands_on_instance(by_hand)
    before = snapshot(test_emulator.admin)
    # Before the clean-up, C1-C5 fail, each naming what is left; the account is only read.
    left = checked(test_emulator, tmp_path / "before", f"--name={NAME}")
    assert left.exit_code == 1, left.describe()
    assert left.failed == CLEANUP and {c for e in left.checkpoints for c in e["checkpoints"]} == (
        CLEANUP
    )
    assert f"EC2 instance {instance} is left, running" in left.stdout, left.describe()
    # The failures' heading comes right above its first block, as in a run of the checks.
    lines = left.stdout.splitlines()
    heading = next(i for i, line in enumerate(lines) if " failures " in line)
    assert lines[heading + 1].startswith("C1 "), lines[heading - 2 : heading + 3]
    assert snapshot(test_emulator.admin) == before
    # Its last line is the command that removes what is left, for this account: as printed, it
    # lists the same things (handson is `python -m handson` where no console script is).
    said = left.stdout.splitlines()
    at = next(i for i, line in enumerate(said) if "this command lists it" in line)
    words = shlex.split(said[at + 1])
    assert words[:2] == ["handson", "cleanup"] and f"--name={NAME}" not in words, words
    assert words[words.index("--allowed-account") + 1] == ACCOUNT and NAME in words
    printed = handson_command(test_emulator, *words[1:])
    assert printed.returncode == 0 and "1. IAM policy handson-iam-role-policy" in printed.stdout
    assert snapshot(test_emulator.admin) == before
    # The dry run lists the hands-on's eight resources in the deletion order, and changes nothing.
    listed = cleanup_command(test_emulator)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    numbered = [line for line in listed.stdout.splitlines() if line.startswith("  ")]
    assert [line.split(":", 1)[0].strip() for line in numbered] == [
        "1. IAM policy handson-iam-role-policy",
        "2. IAM policy handson-iam-user-policy",
        f"3. EC2 instance {instance}",
        f"4. instance profile {ROLE}",
        f"5. IAM role {ROLE}",
        f"6. S3 bucket handson-s3-1-{NAME}",
        f"7. S3 bucket handson-s3-2-{NAME}",
        "8. IAM user handson-iam-user",
    ]
    assert "5 object(s) (5 version(s)" in numbered[6] and "state running" in numbered[2]
    # The user's MFA device (lesson P6) and group are named: deleting the user takes them too.
    assert "MFA devices mfa/handson-iam-user," in numbered[7], numbered[7]
    assert "groups class-2026 (the groups stay)" in numbered[7], numbered[7]
    assert numbered[7].endswith(
        f", other credentials {by_hand.ssh_key} (signing certificates, "
        "SSH public keys, service-specific credentials)"
    ), numbered[7]
    assert "someone-else" not in listed.stdout and "jiro-byhand" not in listed.stdout
    # In Japanese, every word of the listing is: what a policy is attached to, a state, "none".
    japanese = cleanup_command(test_emulator, "--lang=ja").stdout.splitlines()
    listing = [line for line in japanese if line.startswith("  ")]
    assert listing[0].endswith("アタッチ先 ロール handson-iam-role"), listing
    assert listing[1].endswith("アタッチ先 ユーザー handson-iam-user"), listing
    assert "状態 実行中" in listing[2] and "インラインポリシー なし" in listing[4], listing
    assert english_words("\n".join(listing)) == [], listing
    assert snapshot(test_emulator.admin) == before
    # --delete without a terminal and without --yes: one line, nothing deleted.
    refused = cleanup_command(test_emulator, "--delete")
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        "handson cleanup --delete: no terminal to ask for yes, so nothing is deleted; add --yes"
    ]
    assert snapshot(test_emulator.admin) == before
    # --delete on a terminal, answered with anything but yes: nothing deleted, said so, exit 0.
    asked: list[str] = []

    def answer_no(question: str) -> str:
        asked.append(question)
        return "n"

    code = asked_to_delete(test_emulator, monkeypatch, answer_no)
    assert (code, len(asked)) == (0, 1)
    assert t("cleanup.cancelled") in capsys.readouterr().out.splitlines()
    assert snapshot(test_emulator.admin) == before
    # --delete --yes: exactly the hands-on, and everything else as it was.
    done = cleanup_command(test_emulator, "--delete", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("deleted: ") == 8 and "the hands-on's clean-up is done" in done.stdout
    after = snapshot(test_emulator.admin)
    assert after == without_the_hands_on(before, instance)
    assert after != before
    # The learner's MFA device went with the user (AWS refuses DeleteUser before), someone
    # else's is still theirs; the group is still there.
    iam = test_emulator.admin.client("iam")
    devices = iam.list_virtual_mfa_devices()["VirtualMFADevices"]
    assert [(d["SerialNumber"].rsplit(":", 1)[-1], d["User"]["UserName"]) for d in devices] == [
        ("mfa/someone-else", "someone-else")
    ]
    assert iam.get_group(GroupName="class-2026")["Users"] == []
    # C1-C5 now pass, read-only, with and without --name (the other half pair is jiro's).
    passed = checked(test_emulator, tmp_path / "after", f"--name={NAME}")
    assert passed.exit_code == 0, passed.describe()
    assert passed.outcomes("passed") == CLEANUP
    assert snapshot(test_emulator.admin) == after
    # Run again: nothing of the hands-on is left to delete (jiro's half pair is not the learner's).
    again = cleanup_command(test_emulator, "--delete", "--yes", f"--name={NAME}")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "none of the hands-on's resources found" in again.stdout
    assert snapshot(test_emulator.admin) == after


def test_an_instance_left_in_another_region_fails_c1(
    by_hand: HandBuilt, test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    """Built with the console left in another region, the instance bills there all the same:
    C1 reads every region of the account, and names the one it is in."""
    by_hand.build(instance_region="us-west-2")
    before = snapshot(test_emulator.admin)
    left = checked(test_emulator, tmp_path, f"--name={NAME}")
    assert "C1" in left.failed, left.describe()
    (c1,) = [e for e in left.checkpoints if e["checkpoints"] == ["C1"]]
    assert "in us-west-2 (another region than the run's)" in c1["headline"], c1
    # The run's last lines: the command for its region, then the one that reaches us-west-2.
    said = left.stdout.splitlines()
    at = next(i for i, line in enumerate(said) if "this command lists it" in line)
    here, there = (shlex.split(said[at + n]) for n in (1, 2))
    assert here[:2] == there[:2] == ["handson", "cleanup"], said[at:]
    assert "--region" not in here and there[there.index("--region") + 1] == "us-west-2"
    assert snapshot(test_emulator.admin) == before
    # handson cleanup lists the rest here, and names that instance with the command for its
    # region: typed again as it was, this one would not reach it.
    listed = cleanup_command(test_emulator)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    (other,) = [line for line in listed.stdout.splitlines() if "another region" in line]
    options = f"--name {NAME} --allowed-account {ACCOUNT} --region us-west-2 --endpoint-url "
    assert " (running) in us-west-2; this command does not delete it. To clean up in that" in other
    assert other.endswith(f"region: handson cleanup {options}{test_emulator.endpoint_url}"), other
    assert "EC2 instance" not in "\n".join(
        line for line in listed.stdout.splitlines() if line.startswith("  ")
    )
    assert snapshot(test_emulator.admin) == before
    # Deleted here, the rest goes; the last line is the command that deletes the instance there
    # (it said "run the same command again", which finds the instance in another region again).
    done = cleanup_command(test_emulator, "--delete", "--yes")
    assert done.returncode == 1, done.stdout + done.stderr
    last = done.stdout.splitlines()[-1]
    assert last.startswith("the instance in us-west-2 is still there: clean up in that region with")
    assert "same command" not in done.stdout and done.stdout.count("  C1 left") == 1
    typed = shlex.split(last.split(" with ", 1)[1])
    assert typed[:3] == ["handson", "cleanup", "--name"] and "--delete" in typed, typed
    finished = handson_command(test_emulator, *typed[1:], "--yes")
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "the hands-on's clean-up is done" in finished.stdout
    west = test_emulator.admin.ec2_in("us-west-2")
    assert cleanup_plan.hands_on_instances(west) == []


def test_two_instances_are_one_line_and_nothing_is_deleted(
    by_hand: HandBuilt, test_emulator: MotoEmulator
) -> None:
    by_hand.build(instances=2)
    before = snapshot(test_emulator.admin)
    refused = cleanup_command(test_emulator, "--delete", "--yes")
    assert refused.returncode == cleanup.REFUSED_EXIT, refused.stdout + refused.stderr
    said = [line for line in refused.stdout.splitlines() if line.startswith("not deleting:")]
    assert len(said) == 1
    assert "more than one EC2 instance is tagged Name=handson-instance" in said[0]
    assert "deleted: " not in refused.stdout
    assert snapshot(test_emulator.admin) == before


def started(emulator: MotoEmulator, module: str, *words: str) -> subprocess.Popen[str]:
    """``python -m <module> <words>`` on the test's emulator, going on while the test acts."""
    return subprocess.Popen(
        [sys.executable, "-m", module, *words],
        cwd=ROOT,
        env=environment(emulator),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        encoding=CHILD_OUTPUT,
    )


def killed_before_removal(
    emulator: MotoEmulator, options: list[str], stop_at: int, note: Path
) -> str:
    """``handson cleanup --delete --yes`` killed (SIGKILL) just before its ``stop_at``-th
    removal (tests/helpers/held_cleanup.py); what it was about to remove."""
    held = started(emulator, "tests.helpers.held_cleanup", str(note), str(stop_at), "--", *options)
    try:
        deadline = time.monotonic() + 120
        while not note.exists() and held.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert note.exists(), held.communicate(timeout=30)[1] if held.poll() is not None else ""
    finally:
        held.kill()
        held.wait(timeout=30)
    assert held.returncode == -signal.SIGKILL
    return note.read_text("utf-8")


@pytest.mark.parametrize("stop_at", [3, 7], ids=["at the instance", "between the buckets"])
def test_a_clean_up_killed_half_way_finishes_when_run_again(
    stop_at: int, by_hand: HandBuilt, test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    by_hand.build()
    instance = hands_on_instance(by_hand)
    before = snapshot(test_emulator.admin)
    options = [
        f"--endpoint-url={test_emulator.endpoint_url}",
        f"--region={test_emulator.region}",
        f"--allowed-account={ACCOUNT}",
        "--delete",
        "--yes",
    ]
    killed_before_removal(test_emulator, options, stop_at, tmp_path / "holding.txt")
    assert snapshot(test_emulator.admin) != before  # it had removed things before the kill
    again = cleanup_command(test_emulator, *options[3:])
    if stop_at == 7:
        # Only bucket 2 is left of the pair: which name it is cannot be guessed, and it is said.
        assert again.returncode == cleanup.REFUSED_EXIT, again.stdout + again.stderr
        # Other tests' half pairs may share this emulator: the line names this one among them.
        half = [line for line in again.stdout.splitlines() if "without their pair" in line]
        assert half and NAME in half[0] and "buckets handson-s3-1/2-" in half[0], again.stdout
        again = cleanup_command(test_emulator, *options[3:], f"--name={NAME}")
    assert again.returncode == 0, again.stdout + again.stderr
    out = again.stdout
    assert "C1 ok" in out and "C5 ok" in out and "the hands-on's clean-up is done" in out, out
    assert snapshot(test_emulator.admin) == without_the_hands_on(before, instance)


def test_an_account_not_allowed_is_one_line(test_emulator: MotoEmulator) -> None:
    before = snapshot(test_emulator.admin)
    command = cleanup_command(test_emulator, "--delete", "--yes", allowed="111122223333")
    assert command.returncode == 2, command.stdout + command.stderr
    (line,) = command.stderr.strip().splitlines()
    assert line.startswith("error: handson cleanup: refusing account 123456789012"), line
    assert snapshot(test_emulator.admin) == before


@pytest.mark.skipif(sys.platform == "win32", reason="a SIGINT to one process is POSIX's")
def test_a_ctrl_c_while_other_regions_are_read_ends_at_once_and_deletes_nothing(
    by_hand: HandBuilt, test_emulator: MotoEmulator
) -> None:
    """``handson cleanup --delete`` reads the account's other regions before it deletes. A
    learner who gives up on regions that answer slowly (each may take its read timeout, a
    minute, retried) and types Ctrl-C is answered at once, in one line, with nothing deleted:
    the command waited for every read in flight (concurrent.futures)."""
    by_hand.build()
    before = snapshot(test_emulator.admin)
    with FarRegions(test_emulator.endpoint_url, test_emulator.region) as far:
        done = far.ctrl_c(
            [
                sys.executable,
                "-m",
                "handson",
                "cleanup",
                f"--endpoint-url={far.endpoint_url}",
                f"--region={test_emulator.region}",
                f"--allowed-account={ACCOUNT}",
                "--delete",
                "--yes",
            ],
            environment(test_emulator),
        )
    assert done.code == 130, done.out + done.err
    assert done.err.strip().splitlines() == [t("cli.interrupted", command="handson cleanup")], (
        done.err
    )
    assert done.took < 20, f"{done.took:.1f} s after Ctrl-C"  # the regions held answer in 120 s
    assert "deleted: " not in done.out, done.out
    assert snapshot(test_emulator.admin) == before
