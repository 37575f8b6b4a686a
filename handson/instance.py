"""The instance the role checks run on, behind one interface: ``instance.run(command)``.

Each target brings its own: a local shell on the emulator (``handson.targets.local_shell``), SSM
RunCommand on AWS (``handson.targets.ssm``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from handson.aws import Credentials
from handson.transient import RETRY_ATTEMPTS, RETRY_MODE

# The AWS CLI on an instance sends a throttled or failed call again, as the suite's clients do.
CLI_RETRIES = {"AWS_RETRY_MODE": RETRY_MODE, "AWS_MAX_ATTEMPTS": str(RETRY_ATTEMPTS)}


class CommandNotRun(Exception):
    """The transport did not run the command to its end: an error of the test, not a verdict."""


@dataclass(frozen=True)
class CommandResult:
    exit_code: int
    stdout: str
    stderr: str


class Instance(Protocol):
    instance_id: str

    def prepare(self) -> None:
        """Get ready to run commands; raises EmulatorGap where the target cannot decide."""
        ...

    def run(self, command: str) -> CommandResult: ...

    def close(self) -> None: ...

    def identity(self) -> str:
        """The ARN the instance's commands run as (``assumed-role/<role>/i-...``)."""
        ...


@dataclass(frozen=True)
class InstanceCredentials:
    """What EC2 would hand an instance: credentials, or none and why."""

    credentials: Credentials | None
    role_arn: str | None
    reason: str
