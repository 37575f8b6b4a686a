"""The emulated instance reads the role checks' command lines itself: no bash, on any system."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from handson.instance import CommandResult
from handson.role_actions import Place, RoleCommands
from handson.targets.command_line import (
    NOT_FOUND,
    REFUSED,
    SimpleCommand,
    parse,
    run_line,
    run_script,
)


class FakeCli:
    """Stands in for the AWS CLI: records its arguments, answers what it is told."""

    def __init__(self, *answers: CommandResult) -> None:
        self.calls: list[list[str]] = []
        self.exported: list[dict[str, str]] = []
        self._answers = list(answers)

    def __call__(self, argv: Sequence[str], exported: Mapping[str, str]) -> CommandResult:
        self.calls.append(list(argv))
        self.exported.append(dict(exported))
        return self._answers.pop(0) if self._answers else CommandResult(0, "ok\n", "")


class Recorder:
    """An instance that keeps the command lines the role checks send."""

    instance_id = "i-0123456789abcdef0"

    def __init__(self) -> None:
        self.lines: list[str] = []

    def run(self, command: str) -> CommandResult:
        self.lines.append(command)
        return CommandResult(0, "", "")


@pytest.fixture(autouse=True)
def no_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing here may start a process: a shell least of all."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a process was started: {args}")

    monkeypatch.setattr(subprocess, "Popen", refuse)


def test_splits_and_unquotes_as_sh_does() -> None:
    line = "echo 'hello from R2' > r2.txt && aws s3 cp r2.txt s3://b/open/r2.txt"
    assert parse(line) == [
        SimpleCommand(("echo", "hello from R2"), "r2.txt"),
        SimpleCommand(("aws", "s3", "cp", "r2.txt", "s3://b/open/r2.txt")),
    ]
    assert parse('echo "a && b"') == [SimpleCommand(("echo", "a && b"))]


@pytest.mark.parametrize(
    "line",
    [
        "aws s3 ls; aws iam list-users",
        "aws s3 ls | cat",
        "aws s3 ls || true",
        "cat < x",
        "echo a >> f",
        "echo a > ",
        "&& aws s3 ls",
        "aws s3 ls &&",
        "echo 'open",
        "echo a > f > g",
    ],
)
def test_anything_else_is_refused_before_it_runs(line: str, tmp_path: Path) -> None:
    cli = FakeCli()
    result = run_line(line, tmp_path, cli)
    assert result.exit_code == REFUSED and "handson:" in result.stderr
    assert cli.calls == [] and list(tmp_path.iterdir()) == []


def test_a_file_made_by_echo_is_what_the_cli_uploads_and_cat_shows(tmp_path: Path) -> None:
    content = "日本語 の 内容 'quoted'"
    cli = FakeCli()
    upload = run_line(
        f"echo {shlex.quote(content)} > up.txt && aws s3 cp up.txt s3://b/k", tmp_path, cli
    )
    assert upload == CommandResult(0, "ok\n", "")
    assert (tmp_path / "up.txt").read_bytes() == (content + "\n").encode("utf-8")  # no CRLF
    assert cli.calls == [["s3", "cp", "up.txt", "s3://b/k"]]
    shown = run_line("cat up.txt", tmp_path, cli)
    assert shown == CommandResult(0, content + "\n", "")


def test_a_failed_command_stops_the_line_with_its_exit_code(tmp_path: Path) -> None:
    cli = FakeCli(CommandResult(1, "", "An error occurred (AccessDenied) ...\n"))
    result = run_line("aws s3 cp s3://b/k k && cat k", tmp_path, cli)
    assert result == CommandResult(1, "", "An error occurred (AccessDenied) ...\n")
    assert len(cli.calls) == 1


def test_a_missing_file_and_an_unknown_program_are_errors_as_in_sh(tmp_path: Path) -> None:
    assert run_line("cat nothing.txt", tmp_path, FakeCli()).exit_code == 1
    unknown = run_line("sudo aws s3 ls", tmp_path, FakeCli())
    assert unknown.exit_code == NOT_FOUND and "sudo: not found" in unknown.stderr


def test_every_role_check_reads_as_the_cli_call_it_means(tmp_path: Path) -> None:
    """The lines that the role checks send (handson/role_actions.py) all parse, and each one
    reaches the AWS CLI with exactly the hands-on's arguments."""
    recorder = Recorder()
    commands = RoleCommands(recorder)  # type: ignore[arg-type]
    probes = [
        *commands.round_trip("bucket-1", "open/r2 file.txt", "it's here"),
        commands.remove_bucket("bucket-1"),
        commands.list_bucket("bucket-2", Place.OPEN),
    ]
    for probe in probes:
        probe.execute()
    cli = FakeCli()
    for line in recorder.lines:
        assert run_line(line, tmp_path, cli).exit_code == 0, line
    assert cli.calls == [
        ["s3", "cp", "r2 file.txt", "s3://bucket-1/open/r2 file.txt"],
        ["s3", "cp", "s3://bucket-1/open/r2 file.txt", "r2 file.txt"],
        ["s3", "rm", "s3://bucket-1/open/r2 file.txt"],
        ["s3", "rb", "s3://bucket-1"],
        ["s3", "ls", "s3://bucket-2/open/"],
    ]


def test_a_script_runs_line_after_line_as_ssm_runs_it(tmp_path: Path) -> None:
    """SSM's AWS-RunShellScript: the suite's retry settings exported, then the check's line; a
    failed line does not stop the next (no ``set -e``); the exit code is the last line's."""
    cli = FakeCli(CommandResult(255, "", "boom\n"), CommandResult(0, "arn\n", ""))
    script = (
        "export AWS_RETRY_MODE=standard AWS_MAX_ATTEMPTS=5\naws s3 ls\n\n"
        "aws sts get-caller-identity"
    )
    result = run_script(script, tmp_path, cli)
    assert result == CommandResult(0, "arn\n", "boom\n")
    expected = {"AWS_RETRY_MODE": "standard", "AWS_MAX_ATTEMPTS": "5"}
    assert cli.exported == [expected, expected]
    assert run_script("aws s3 ls\ncat missing", tmp_path, FakeCli()).exit_code == 1
