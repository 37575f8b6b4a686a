"""The emulated instance's command line, without a shell.

On EC2, SSM RunCommand hands the hands-on's command lines to ``sh``. On a learner's laptop there
may be no ``bash`` (Windows), or the wrong one (WSL's, which would run the command in Linux), so
the emulated instance reads the few forms the suite's role checks use and runs them itself:

    aws <arguments>                         the AWS CLI, with the instance's environment
    echo <words> > <file>                   a file in the instance's working folder
    cat <file>                              a file's content on standard output
    export NAME=value ...                   for the AWS CLI of the lines after it
    <command> && <command> && ...           each one after the one before succeeded

and several such lines, one after the other, as SSM's ``AWS-RunShellScript`` runs its commands
(each line runs whatever the one before ended with; the script's exit code is the last line's).

Words are split and unquoted as ``sh`` does (``shlex``), ``> file`` sends a command's standard
output to a file. Nothing else is a shell here: no variables, globs, pipes or ``;``. A line with
one of those is refused with exit code 2 before anything runs, and an unknown command ends with
127, as in ``sh``; both are errors of the test (verdict rule 1), never a verdict.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from handson.instance import CommandResult

AND = "&&"
TO_FILE = ">"
NOT_FOUND = 127
REFUSED = 2

# Runs the AWS CLI with these arguments in the instance's working folder, with these variables
# exported on top of the instance's environment.
AwsCli = Callable[[Sequence[str], Mapping[str, str]], CommandResult]


class UnsupportedLine(ValueError):
    """A command line that the emulated instance does not read (it is no shell)."""


@dataclass(frozen=True)
class SimpleCommand:
    argv: tuple[str, ...]
    output: str | None = None  # the file that ``> file`` names


def parse(line: str) -> list[SimpleCommand]:
    """The simple commands of ``line``, in order; raises UnsupportedLine for anything else."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError as exc:  # an unclosed quote
        raise UnsupportedLine(f"{line!r}: {exc}") from None
    commands: list[SimpleCommand] = []
    words: list[str] = []
    output: str | None = None
    position = 0
    while position <= len(tokens):
        token = tokens[position] if position < len(tokens) else AND
        if token == AND:
            if not words:
                raise UnsupportedLine(f"{line!r}: a command is missing around '&&'")
            commands.append(SimpleCommand(tuple(words), output))
            words, output = [], None
        elif token == TO_FILE:
            position += 1
            if position >= len(tokens) or _is_operator(tokens[position]) or output is not None:
                raise UnsupportedLine(f"{line!r}: '>' needs one file name")
            output = tokens[position]
        elif _is_operator(token):
            raise UnsupportedLine(f"{line!r}: '{token}' is not supported on the emulated instance")
        else:
            words.append(token)
        position += 1
    return commands


def _is_operator(token: str) -> bool:
    return bool(token) and all(c in "();<>|&" for c in token)


def run_script(script: str, cwd: Path, aws: AwsCli) -> CommandResult:
    """Run the lines of ``script`` in ``cwd`` as ``sh`` would: each line whatever the one before
    ended with, standard output and error gathered, the exit code of the last line."""
    exported: dict[str, str] = {}
    stdout: list[str] = []
    stderr: list[str] = []
    result = CommandResult(0, "", "")
    for line in script.splitlines():
        if line.strip():
            result = run_line(line, cwd, aws, exported)
            stdout.append(result.stdout)
            stderr.append(result.stderr)
    return CommandResult(result.exit_code, "".join(stdout), "".join(stderr))


def run_line(
    line: str, cwd: Path, aws: AwsCli, exported: dict[str, str] | None = None
) -> CommandResult:
    """Run one line in ``cwd`` as ``sh -c`` would for the forms above: standard output and error
    gathered, the exit code of the last command that ran. ``export`` adds to ``exported``."""
    exported = {} if exported is None else exported
    try:
        commands = parse(line)
    except UnsupportedLine as exc:
        return CommandResult(REFUSED, "", f"handson: {exc}\n")
    stdout: list[str] = []
    stderr: list[str] = []
    result = CommandResult(0, "", "")
    for command in commands:
        result = _run(command.argv, cwd, aws, exported)
        stderr.append(result.stderr)
        if command.output is None:
            stdout.append(result.stdout)
        else:
            # As sh: the file is made, and truncated, whatever the command's exit code.
            (cwd / command.output).write_bytes(result.stdout.encode("utf-8"))
        if result.exit_code != 0:
            break
    return CommandResult(result.exit_code, "".join(stdout), "".join(stderr))


def _run(argv: tuple[str, ...], cwd: Path, aws: AwsCli, exported: dict[str, str]) -> CommandResult:
    program, arguments = argv[0], argv[1:]
    if program == "aws":
        return aws(arguments, dict(exported))
    if program == "export":
        for assignment in arguments:
            name, is_set, value = assignment.partition("=")
            if is_set:
                exported[name] = value
        return CommandResult(0, "", "")
    if program == "echo":
        return CommandResult(0, " ".join(arguments) + "\n", "")
    if program == "cat":
        return _cat(arguments, cwd)
    return CommandResult(NOT_FOUND, "", f"sh: 1: {program}: not found\n")


def _cat(files: tuple[str, ...], cwd: Path) -> CommandResult:
    shown: list[str] = []
    for name in files:
        try:
            shown.append((cwd / name).read_bytes().decode("utf-8", errors="replace"))
        except OSError:
            return CommandResult(1, "".join(shown), f"cat: {name}: No such file or directory\n")
    return CommandResult(0, "".join(shown), "")
