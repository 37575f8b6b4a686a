"""A stand-in for AWS Systems Manager, for offline tests of the aws target only.

It speaks SSM's JSON protocol for the three calls the suite makes, and runs each command the way
the emulator's instance does (a local shell with the instance role's credentials, from the
tests' moto server). With it, ``--target aws`` can run end to end against moto: everything but
SSM itself is moto; the SSM transport is the real one.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import uuid
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from botocore.exceptions import ClientError

from handson.targets.emulator_server import MotoEmulator, free_port
from handson.targets.local_shell import LocalShellInstance


def _epoch(value: object) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(type(value).__name__)


class FakeSsm:
    def __init__(self, emulator: MotoEmulator, *, unregistered_looks: int = 0) -> None:
        """``unregistered_looks``: how many looks find the instance not yet registered (a new
        instance's agent registers late; one a learner built long ago is there at once)."""
        self.emulator = emulator
        self.unregistered_looks = unregistered_looks
        self.instances: dict[str, LocalShellInstance] = {}
        self.invocations: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []
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
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._polls = itertools.count()

    def __enter__(self) -> FakeSsm:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        for instance in self.instances.values():
            instance.close()

    def handle(self, operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if operation == "DescribeInstanceInformation":
            ids = body["Filters"][0]["Values"]
            # Not registered for the first looks, Online after: the transport has to wait.
            online = next(self._polls) >= self.unregistered_looks
            return 200, {
                "InstanceInformationList": [
                    {"InstanceId": i, "PingStatus": "Online", "PlatformType": "Linux"} for i in ids
                ]
                if online
                else []
            }
        if operation == "SendCommand":
            (instance_id,) = body["InstanceIds"]
            # AWS-RunShellScript runs its commands as the lines of one script.
            command = "\n".join(body["Parameters"]["commands"])
            shell = self.instances.get(instance_id)
            if shell is None:
                shell = LocalShellInstance(
                    instance_id,
                    lambda: self.emulator.instance_credentials(instance_id),
                    endpoint_url=self.emulator.endpoint_url,
                    region=self.emulator.region,
                )
                self.instances[instance_id] = shell
            result = shell.run(command)
            command_id = str(uuid.uuid4())
            self.invocations[command_id] = {
                "CommandId": command_id,
                "InstanceId": instance_id,
                "DocumentName": "AWS-RunShellScript",
                "ResponseCode": result.exit_code,
                "Status": "Success" if result.exit_code == 0 else "Failed",
                "StatusDetails": "Success" if result.exit_code == 0 else "Failed",
                "StandardOutputContent": result.stdout[:24_000],
                "StandardErrorContent": result.stderr[:8_000],
            }
            return 200, {
                "Command": {
                    "CommandId": command_id,
                    "Status": "Pending",
                    "DocumentName": "AWS-RunShellScript",
                    "InstanceIds": [instance_id],
                }
            }
        if operation == "GetCommandInvocation":
            found = self.invocations.get(body["CommandId"])
            if found is None:
                return 400, {"__type": "InvocationDoesNotExist", "message": "no such command"}
            return 200, found
        return self.forward(operation, body)

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
