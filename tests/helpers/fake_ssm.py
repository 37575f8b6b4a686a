"""A stand-in for AWS Systems Manager, for offline tests of the aws and existing --live targets.

It speaks SSM's JSON protocol for the three calls the suite makes, and runs each command the way
the emulator's instance does (a local shell with the instance role's credentials, from the
tests' moto server, or from the AWS-like layer in front of it: ``endpoint_url``). With it,
``--target aws`` can run end to end against moto: everything but SSM itself is moto; the SSM
transport is the real one.

SSM's own behaviours, as AWS documents them and in compressed time (``SsmLike``), each counted in
``met`` when a client met it:

- ``agent late``: the instance is not registered (DescribeInstanceInformation lists nothing)
  until ``registers_after`` seconds after the first look: the agent of a new instance registers
  a minute or more after ``running`` (Systems Manager User Guide, "Setting up Systems Manager
  for EC2 instances"; terratest's aws.WaitForSsmInstance polls for exactly this).
- ``InvocationDoesNotExist``, ``Pending``, ``InProgress``, ``Delayed``: GetCommandInvocation
  right after SendCommand does not know the command yet, then reports it not done. botocore's
  own ``CommandExecuted`` waiter (botocore/data/ssm/2014-11-06/waiters-2.json) retries on
  exactly these four. Every command is unknown to its first look; every ``walk_every``-th
  (the first included) also passes through Pending, InProgress and Delayed, one look each.
- ``output truncated``: StandardOutputContent holds the first 24,000 characters,
  StandardErrorContent the first 8,000 (SSM API Reference, GetCommandInvocation).
- ``stderr separate``: what the command wrote to stderr comes back on its own, never mixed into
  stdout.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from botocore.exceptions import ClientError

from handson.instance import InstanceCredentials
from handson.targets.emulator_server import MotoEmulator, free_port
from handson.targets.local_shell import LocalShellInstance
from handson.targets.ssm import STDERR_LIMIT, STDOUT_LIMIT
from tests.helpers.server_errors import ServerErrors

NOT_YET = "InvocationDoesNotExist"
WALK = ("Pending", "InProgress", "Delayed")


@dataclass(frozen=True)
class SsmLike:
    """SSM's behaviours in compressed time; the defaults answer at once, as the emulator does."""

    registers_after: float = 0.0  # seconds from the first look until the agent is registered
    walk_every: int = 0  # every n-th command passes through Pending/InProgress/Delayed; 0: none
    unknown_first: bool = False  # GetCommandInvocation's first look: InvocationDoesNotExist


def _epoch(value: object) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(type(value).__name__)


class FakeSsm:
    def __init__(
        self,
        emulator: MotoEmulator,
        *,
        like: SsmLike = SsmLike(),
        endpoint_url: str | None = None,
        on_credentials: Callable[[str, str, str], None] = lambda key, role, session: None,
    ) -> None:
        """``like``: SSM's behaviours (a new instance's agent registers late; one a learner
        built long ago is there at once). ``endpoint_url``: where the instance's CLI sends its
        calls (default: the emulator's); ``on_credentials(key, role, session)``: told of each
        role session handed to an instance (the AWS-like layer maps keys to principals)."""
        self.emulator = emulator
        self.like = like
        self.instance_endpoint = endpoint_url or emulator.endpoint_url
        self.on_credentials = on_credentials
        self.instances: dict[str, LocalShellInstance] = {}
        self.invocations: dict[str, dict[str, Any]] = {}
        self.looks: dict[str, list[str]] = {}  # command ID -> the statuses still to answer
        self.calls: list[str] = []
        self.met: Counter[str] = Counter()
        self._first_look: float | None = None
        self._lock = threading.Lock()
        self.port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                operation = self.headers.get("X-Amz-Target", "").split(".")[-1]
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
                fake.calls.append(operation)
                status, answer = fake.handle(operation, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.errors = ServerErrors(self.server, "the fake SSM")
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeSsm:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()  # a client that comes later is refused, not left waiting
        for instance in self.instances.values():
            instance.close()
        if exc == (None, None, None):  # a test that failed already says why
            self.errors.check()

    def handle(self, operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            if operation == "DescribeInstanceInformation":
                return 200, self._describe(body)
            if operation == "SendCommand":
                return 200, self._send(body)
            if operation == "GetCommandInvocation":
                return self._invocation(body)
        return self.forward(operation, body)

    def _describe(self, body: dict[str, Any]) -> dict[str, Any]:
        ids = body["Filters"][0]["Values"]
        now = time.monotonic()
        self._first_look = now if self._first_look is None else self._first_look
        if now - self._first_look < self.like.registers_after:
            self.met["agent late"] += 1
            return {"InstanceInformationList": []}
        listed = [{"InstanceId": i, "PingStatus": "Online", "PlatformType": "Linux"} for i in ids]
        return {"InstanceInformationList": listed}

    def _send(self, body: dict[str, Any]) -> dict[str, Any]:
        (instance_id,) = body["InstanceIds"]
        # AWS-RunShellScript runs its commands as the lines of one script.
        result = self._shell(instance_id).run("\n".join(body["Parameters"]["commands"]))
        command_id = str(uuid.uuid4())
        ok = result.exit_code == 0
        self.invocations[command_id] = {
            "CommandId": command_id,
            "InstanceId": instance_id,
            "DocumentName": "AWS-RunShellScript",
            "ResponseCode": result.exit_code,
            "Status": "Success" if ok else "Failed",
            "StatusDetails": "Success" if ok else "Failed",
            "StandardOutputContent": result.stdout[:STDOUT_LIMIT],
            "StandardErrorContent": result.stderr[:STDERR_LIMIT],
        }
        if len(result.stdout) > STDOUT_LIMIT or len(result.stderr) > STDERR_LIMIT:
            self.met["output truncated"] += 1
        if result.stderr.strip() and result.stderr not in result.stdout:
            self.met["stderr separate"] += 1
        walks = self.like.walk_every and (len(self.invocations) - 1) % self.like.walk_every == 0
        first = [NOT_YET] if self.like.unknown_first or walks else []
        self.looks[command_id] = [*first, *(WALK if walks else ())]
        command = {
            "CommandId": command_id,
            "Status": "Pending",
            "DocumentName": "AWS-RunShellScript",
            "InstanceIds": [instance_id],
        }
        return {"Command": command}

    def _shell(self, instance_id: str) -> LocalShellInstance:
        shell = self.instances.get(instance_id)
        if shell is None:
            shell = LocalShellInstance(
                instance_id,
                lambda: self._credentials(instance_id),
                endpoint_url=self.instance_endpoint,
                region=self.emulator.region,
            )
            self.instances[instance_id] = shell
        return shell

    def _credentials(self, instance_id: str) -> InstanceCredentials:
        handed = self.emulator.instance_credentials(instance_id)
        if handed.credentials is not None and handed.role_arn:
            role = handed.role_arn.rsplit("/", 1)[-1]
            self.on_credentials(handed.credentials.access_key_id, role, instance_id)
        return handed

    def _invocation(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        command_id = body["CommandId"]
        found = self.invocations.get(command_id)
        still = self.looks.get(command_id, [])
        status = still.pop(0) if still else None
        if found is None or status == NOT_YET:
            if found is not None:
                self.met[NOT_YET] += 1
            return 400, {"__type": NOT_YET, "message": "An error occurred (InvocationDoesNotExist)"}
        if status is not None:
            self.met[status] += 1
            not_done = {"Status": status, "StatusDetails": status, "ResponseCode": -1}
            no_output = {"StandardOutputContent": "", "StandardErrorContent": ""}
            return 200, {**found, **not_done, **no_output}
        return 200, found

    def forward(self, operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Everything else (GetParameter for the AMI) is moto's, asked as the tests' admin."""
        method = re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()
        try:
            answer = getattr(self.emulator.admin.client("ssm"), method)(**body)
        except ClientError as exc:
            error = exc.response["Error"]
            return 400, {"__type": error.get("Code"), "message": error.get("Message", "")}
        answer.pop("ResponseMetadata", None)
        return 200, json.loads(json.dumps(answer, default=_epoch))
