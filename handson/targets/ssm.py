"""The real instance, reached through SSM RunCommand, behind ``instance.run(command)``.

Registration with SSM takes minutes on a new instance; ``GetCommandInvocation`` may not know a
command right after ``SendCommand``; a command can finish, fail, or never run at all. Only a
command that ran to the end gives an exit code; everything else is an error of the test, never a
verdict (docs/checkpoints.md, verdict rule 1).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from handson.instance import CLI_RETRIES, CommandNotRun, CommandResult
from handson.waiting import AWS_BUDGETS, Budgets, poll

if TYPE_CHECKING:
    from handson.targets.ssm_agent import AgentCall

RETRY_SETUP = "export " + " ".join(f"{k}={v}" for k, v in CLI_RETRIES.items())
NOT_DONE = frozenset({"Pending", "InProgress", "Delayed", "Cancelling"})
RAN_TO_THE_END = frozenset({"Success", "Failed"})  # StatusDetails of a script that exited
STDOUT_LIMIT, STDERR_LIMIT = 24_000, 8_000  # what GetCommandInvocation returns at most


def backing_off(first: float, most: float) -> Callable[[int], float]:
    """The pause after the n-th look: ``first``, doubling, at most ``most``. Most commands end
    within a second or two and an agent registers within minutes: the first looks come soon,
    the later ones no more often than the budget's interval."""
    return lambda n: min(most, first * 2.0 ** (n - 1))


def ping_status(ssm: Any, instance_id: str) -> str | None:
    """The instance's PingStatus in SSM (Online, ConnectionLost, ...); None if not registered."""
    answer = ssm.describe_instance_information(
        Filters=[{"Key": "InstanceIds", "Values": [instance_id]}]
    )
    found = answer.get("InstanceInformationList", [])
    return str(found[0]["PingStatus"]) if found else None


class NotOnline(Exception):
    """The instance was not Online in SSM within the budget: no verdict (verdict rule 1)."""

    def __init__(self, instance_id: str, budget: float, status: str | None) -> None:
        super().__init__(
            f"{instance_id} did not come Online in SSM within {budget:.0f}s "
            f"(last status: {status or 'not registered'})"
        )
        self.instance_id = instance_id
        self.budget = budget
        self.status = status  # the last PingStatus seen; None: never registered


@dataclass(frozen=True)
class SsmObservation:
    """What a target saw of its instance in SSM, for R1's step to judge (a target observes, a
    step judges: handson/ssm_verdict.py)."""

    instance_id: str
    online: bool = False
    status: str | None = None  # the last PingStatus seen when not Online; None: never registered
    budget: float = 0  # the seconds SSM was given to list it Online
    agent_calls: tuple[AgentCall, ...] = ()  # the emulated agent's calls, with their answers
    no_credentials: str | None = None  # why the instance has no role credentials for its agent
    gap: str | None = None  # why this target cannot tell

    @classmethod
    def never_online(cls, never: NotOnline, **seen: Any) -> SsmObservation:
        return cls(never.instance_id, status=never.status, budget=never.budget, **seen)


def wait_online(
    ssm: Any,
    instance_id: str,
    budgets: Budgets,
    *,
    progress: Callable[[str], None] = lambda line: None,
    clock: Callable[[], float] = time.monotonic,
    pause: Callable[[float], None] = time.sleep,
) -> float:
    """Wait until SSM lists the instance Online, within ``budgets.ssm_online``; return the
    seconds it took. Every target's R1 waits so: an agent registers when it is ready."""
    start = clock()

    def look() -> str | None:
        status = ping_status(ssm, instance_id)
        if status != "Online":
            progress(
                f"waiting for {instance_id} to come Online in SSM: "
                f"{status or 'not registered yet'}, {clock() - start:.0f}s"
            )
        return status

    status, _ = poll(
        look,
        lambda status: status == "Online",
        budget=budgets.ssm_online,
        interval=backing_off(0.25, min(10.0, budgets.ssm_poll * 5)),
        clock=clock,
        pause=pause,
    )
    if status != "Online":
        raise NotOnline(instance_id, budgets.ssm_online, status)
    waited = clock() - start
    progress(f"{instance_id} is Online in SSM after {waited:.0f}s")
    return waited


class SsmInstance:
    def __init__(
        self,
        ssm: Any,
        instance_id: str,
        *,
        budgets: Budgets = AWS_BUDGETS,
        progress: Callable[[str], None] = lambda line: None,
        on_online: Callable[[float], None] = lambda seconds: None,
        clock: Callable[[], float] = time.monotonic,
        pause: Callable[[float], None] = time.sleep,
    ) -> None:
        self.instance_id = instance_id
        self._ssm = ssm
        self._budgets = budgets
        self._progress = progress
        self._on_online = on_online
        self._clock = clock
        self._pause = pause
        self._identity: str | None = None
        self._online = False

    def wait_online(self) -> float:
        """Wait until SSM says the instance is Online; return the seconds it took."""
        waited = wait_online(
            self._ssm,
            self.instance_id,
            self._budgets,
            progress=self._progress,
            clock=self._clock,
            pause=self._pause,
        )
        if not self._online:
            self._on_online(waited)
        self._online = True
        return waited

    def run(self, command: str) -> CommandResult:
        if not self._online:
            self.wait_online()  # SendCommand to an unregistered instance: InvalidInstanceId
        sent = self._ssm.send_command(
            InstanceIds=[self.instance_id],
            DocumentName="AWS-RunShellScript",
            Parameters={
                # The CLI's retries as the suite's own clients have them, then the probe itself.
                "commands": [RETRY_SETUP, command],
                "executionTimeout": [str(self._budgets.ssm_execution)],
            },
            TimeoutSeconds=max(30, int(self._budgets.ssm_command)),
            Comment="handson-iam-acceptance probe",
        )
        command_id = str(sent["Command"]["CommandId"])
        invocation = self._wait_for(command_id)
        details = str(invocation.get("StatusDetails", ""))
        code = int(invocation.get("ResponseCode", -1))
        if details not in RAN_TO_THE_END or code < 0:
            raise CommandNotRun(
                f"SSM command {command_id} on {self.instance_id} did not run to its end: "
                f"{invocation.get('Status')} / {details} (response code {code})"
            )
        stdout = str(invocation.get("StandardOutputContent", ""))
        stderr = str(invocation.get("StandardErrorContent", ""))
        if len(stdout) >= STDOUT_LIMIT or len(stderr) >= STDERR_LIMIT:
            stderr += "\n(output cut by SSM at 24,000/8,000 characters)"
        return CommandResult(code, stdout, stderr)

    def _wait_for(self, command_id: str) -> dict[str, Any]:
        def look() -> dict[str, Any]:
            try:
                return dict(
                    self._ssm.get_command_invocation(
                        CommandId=command_id, InstanceId=self.instance_id
                    )
                )
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "InvocationDoesNotExist":
                    raise
                return {"Status": "Pending", "StatusDetails": "not yet known to SSM"}

        invocation, _ = poll(
            look,
            lambda invocation: invocation.get("Status") not in NOT_DONE,
            budget=self._budgets.ssm_command,
            interval=backing_off(0.1, self._budgets.ssm_poll),
            clock=self._clock,
            pause=self._pause,
        )
        if invocation.get("Status") in NOT_DONE:
            raise CommandNotRun(
                f"SSM command {command_id} on {self.instance_id} still "
                f"{invocation.get('Status')} after {self._budgets.ssm_command:.0f}s"
            )
        return invocation

    def prepare(self) -> None:
        """Nothing to do up front: the first command waits until the instance is Online."""

    def close(self) -> None:
        """Nothing to release: the instance itself belongs to the provisioning's teardown."""

    def identity(self) -> str:
        if self._identity is None:
            result = self.run("aws sts get-caller-identity --query Arn --output text")
            if result.exit_code != 0:
                return f"(no identity: {result.stderr.strip()[:200]})"
            self._identity = result.stdout.strip()
        return self._identity
