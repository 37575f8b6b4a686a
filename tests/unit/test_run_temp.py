"""The process's own temporary folder (handson/run_temp.py): gone when the process ends, and
when it was killed, at the next process's start; nothing else touched."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from handson.instance import InstanceCredentials
from handson.run_temp import OWNER, PREFIX, run_temp, sweep_gone
from handson.targets.emulator_process import ServerProcess
from handson.targets.local_shell import LocalShellInstance
from handson.targets.warm_cli import WarmCli
from tests.helpers.suite_runner import ROOT, suite_env, temporary_folder

# A process of the suite that makes its folder, puts something in it, says where, and waits.
MAKES_ITS_FOLDER = (
    "import sys; from handson.run_temp import run_temp; folder = run_temp(); "
    "(folder / 'server.log').write_text('x'); (folder / 'home').mkdir(); "
    "(folder / 'home' / 'credentials').write_text('x'); "
    "print(folder, flush=True); sys.stdin.read()"
)


@pytest.fixture
def process_folder(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    process = subprocess.Popen(
        [sys.executable, "-c", MAKES_ITS_FOLDER],
        cwd=ROOT,
        env=suite_env(temporary_folder(tmp_path)),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        folder = Path(process.stdout.readline().strip())
        assert folder.parent == tmp_path and folder.name.startswith(PREFIX), folder
        yield process, folder
    finally:
        process.kill()
        process.wait()


def test_a_process_that_ends_removes_its_folder(
    process_folder: tuple[subprocess.Popen[str], Path],
) -> None:
    process, folder = process_folder
    assert (folder / "home" / "credentials").is_file()
    process.communicate("", timeout=30)  # its standard input closes: it ends as a run ends
    assert process.returncode == 0
    assert not folder.exists()


def test_a_killed_process_s_folder_goes_at_the_next_sweep_and_a_living_one_s_stays(
    process_folder: tuple[subprocess.Popen[str], Path], tmp_path: Path
) -> None:
    process, folder = process_folder
    assert sweep_gone(tmp_path, youngest=0) == []  # its process lives: its lock is held
    assert (folder / "server.log").is_file()
    process.kill()  # SIGKILL; TerminateProcess on Windows: nothing of its own runs
    process.wait()
    assert (folder / "home" / "credentials").is_file()  # what a killed run left
    assert sweep_gone(tmp_path, youngest=60) == []  # just made: may not have its lock yet
    assert sweep_gone(tmp_path, youngest=0) == [folder]
    assert not folder.exists()


def test_nothing_but_such_folders_is_touched(tmp_path: Path) -> None:
    untouched = [
        tmp_path / f"{PREFIX}no-lock",  # named so, but not made so: no lock in it
        tmp_path / f"{PREFIX}a-file",
        tmp_path / "handson-other",
        tmp_path / "someone-elses",
    ]
    untouched[0].mkdir()
    (untouched[0] / "kept.txt").write_text("mine", "utf-8")
    untouched[1].write_text("mine", "utf-8")
    for folder in untouched[2:]:
        folder.mkdir()
        (folder / OWNER).write_text("", "utf-8")
    assert sweep_gone(tmp_path, youngest=0) == []
    assert all(path.exists() for path in untouched)
    assert (untouched[0] / "kept.txt").read_text("utf-8") == "mine"


def test_the_emulators_log_and_the_homes_of_the_cli_and_the_instance_are_in_the_folder() -> None:
    """What a killed run left in the temporary folder: the emulator's log, the warm AWS CLI's
    home and the emulated instance's."""
    server = ServerProcess()
    cli = WarmCli()
    instance = LocalShellInstance(
        "i-0123456789abcdef0", unreachable, endpoint_url="http://127.0.0.1:9", region="us-east-1"
    )
    made = [server.log, cli._home, instance._home]
    try:
        assert [path.parent for path in made] == [run_temp()] * 3
    finally:
        server.close()
        cli.close()
        instance.close()
    assert not any(path.exists() for path in made)
    assert OWNER in os.listdir(run_temp())  # the folder itself goes with this process


def unreachable() -> InstanceCredentials:
    raise AssertionError("not asked")


def test_a_file_that_cannot_be_removed_yet_leaves_the_folder_to_the_next_sweep(
    process_folder: tuple[subprocess.Popen[str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On Windows a file still open (a helper of the killed run still ending) cannot be removed:
    the folder keeps it and its lock, unheld, and the next sweep finishes the work."""
    process, folder = process_folder
    process.kill()
    process.wait()
    log = folder / "server.log"
    unlink = Path.unlink

    def still_open(path: Path, missing_ok: bool = False) -> None:
        if path == log:
            raise PermissionError(13, "The process cannot access the file", str(path))
        unlink(path, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", still_open)
    assert sweep_gone(tmp_path, youngest=0) == []  # not removed whole
    assert sorted(p.name for p in folder.iterdir()) == [OWNER, "server.log"]
    monkeypatch.undo()  # the helper has ended: the file can go
    assert sweep_gone(tmp_path, youngest=0) == [folder]
    assert not folder.exists()
