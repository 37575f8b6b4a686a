"""The SSM transport through every status sequence AWS sends (botocore Stubber, real shapes)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import ANY, Stubber

from handson.instance import CommandNotRun
from handson.probe_calls import cli_probe
from handson.targets.ssm import NotOnline, SsmInstance
from handson.verdict import Outcome
from handson.waiting import AWS_BUDGETS
from tests.helpers.fakes import Clock, stubbed

INSTANCE = "i-0123456789abcdef0"
COMMAND_ID = "2b7e4c1a-0d5f-4f3e-9c1b-6a2e8d0f1b3c"


@pytest.fixture
def ssm() -> Iterator[tuple[Any, Stubber]]:
    with stubbed("ssm") as made:
        yield made


def transport(
    client: Any, *, registered: bool = True, **budgets: Any
) -> tuple[SsmInstance, list[str], Clock]:
    lines: list[str] = []
    clock = Clock()
    made = SsmInstance(
        client,
        INSTANCE,
        budgets=dataclasses.replace(AWS_BUDGETS, **budgets),
        progress=lines.append,
        clock=clock,
        pause=clock.pause,
    )
    made._online = registered  # run-focused tests start with a registered instance
    return made, lines, clock


def sent(stub: Stubber, command: str = "aws s3 ls") -> None:
    stub.add_response(
        "send_command",
        {
            "Command": {
                "CommandId": COMMAND_ID,
                "DocumentName": "AWS-RunShellScript",
                "Status": "Pending",
                "InstanceIds": [INSTANCE],
            }
        },
        {
            "InstanceIds": [INSTANCE],
            "DocumentName": "AWS-RunShellScript",
            "Parameters": {
                "commands": ["export AWS_RETRY_MODE=standard AWS_MAX_ATTEMPTS=8", command],
                "executionTimeout": ["120"],
            },
            "TimeoutSeconds": ANY,
            "Comment": ANY,
        },
    )


def invocation(
    stub: Stubber,
    status: str,
    details: str | None = None,
    code: int = -1,
    stdout: str = "",
    stderr: str = "",
) -> None:
    stub.add_response(
        "get_command_invocation",
        {
            "CommandId": COMMAND_ID,
            "InstanceId": INSTANCE,
            "DocumentName": "AWS-RunShellScript",
            "PluginName": "aws:runShellScript",
            "ResponseCode": code,
            "Status": status,
            "StatusDetails": details or status,
            "StandardOutputContent": stdout,
            "StandardErrorContent": stderr,
            "StandardOutputUrl": "",
            "StandardErrorUrl": "",
        },
        {"CommandId": COMMAND_ID, "InstanceId": INSTANCE},
    )


def not_yet_known(stub: Stubber) -> None:
    stub.add_client_error(
        "get_command_invocation",
        service_error_code="InvocationDoesNotExist",
        http_status_code=400,
        expected_params={"CommandId": COMMAND_ID, "InstanceId": INSTANCE},
    )


def test_success_after_every_waiting_state(ssm: tuple[Any, Stubber]) -> None:
    client, stub = ssm
    sent(stub)
    not_yet_known(stub)
    invocation(stub, "Pending")
    invocation(stub, "InProgress")
    invocation(stub, "Delayed")
    invocation(stub, "InProgress")
    invocation(stub, "Success", code=0, stdout="2026-11-29 handson-s3-1\n")
    made, _, _ = transport(client)
    result = made.run("aws s3 ls")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "2026-11-29 handson-s3-1\n", "")


def test_a_command_that_ran_and_failed_gives_its_exit_code(ssm: tuple[Any, Stubber]) -> None:
    client, stub = ssm
    sent(stub, "aws s3 rb s3://handson-s3-1-x")
    stderr = (
        "remove_bucket failed: s3://handson-s3-1-x An error occurred (AccessDenied) when "
        "calling the DeleteBucket operation: Access Denied\nfailed to run commands: exit "
        "status 1\n"
    )
    invocation(stub, "InProgress")
    invocation(stub, "Failed", code=1, stderr=stderr)
    made, _, _ = transport(client)
    probe = cli_probe(
        made,
        "aws s3 rb s3://handson-s3-1-x",
        action="s3:DeleteBucket",
        resource="arn:aws:s3:::handson-s3-1-x",
    )
    answer = probe.execute()
    assert answer.verdict.outcome is Outcome.DENIED and answer.details["exit_code"] == 1


@pytest.mark.parametrize(
    ("status", "details", "code"),
    [
        ("Failed", "Undeliverable", -1),
        ("TimedOut", "DeliveryTimedOut", -1),
        ("TimedOut", "ExecutionTimedOut", -1),
        ("Cancelled", "Cancelled", -1),
        ("Failed", "Terminated", -1),
        ("Failed", "InvalidPlatform", -1),
    ],
)
def test_a_command_that_never_ran_is_an_error_never_a_denial(
    ssm: tuple[Any, Stubber], status: str, details: str, code: int
) -> None:
    client, stub = ssm
    sent(stub)
    invocation(stub, "Pending")
    invocation(stub, status, details, code)
    made, _, _ = transport(client)
    with pytest.raises(CommandNotRun, match=details):
        made.run("aws s3 ls")
    # Through a probe it becomes a test error with the reason, not a verdict.
    sent(stub)
    invocation(stub, status, details, code)
    answer = cli_probe(made, "aws s3 ls", action="s3:ListBucket", resource="*").execute()
    assert answer.verdict.outcome is Outcome.ERROR and details in answer.verdict.text


def test_a_command_stuck_in_progress_gives_up_within_its_budget(ssm: tuple[Any, Stubber]) -> None:
    client, stub = ssm
    sent(stub)
    # Looks at 0, 0.1, 0.3, 0.7, 1.5, 3.1 and 5.1 s (backing off to ssm_poll), the last at 6.
    for _ in range(8):
        invocation(stub, "InProgress")
    made, _, clock = transport(client, ssm_command=6, ssm_poll=2)
    with pytest.raises(CommandNotRun, match="still InProgress after 6s"):
        made.run("aws s3 ls")
    assert clock.now == 6


def test_other_errors_are_not_swallowed(ssm: tuple[Any, Stubber]) -> None:
    client, stub = ssm
    stub.add_client_error(
        "send_command",
        service_error_code="InvalidInstanceId",
        http_status_code=400,
        service_message="Instances not in a valid state",
    )
    made, _, _ = transport(client)
    with pytest.raises(Exception, match="InvalidInstanceId"):
        made.run("aws s3 ls")


def test_truncated_output_is_marked(ssm: tuple[Any, Stubber]) -> None:
    client, stub = ssm
    sent(stub)
    invocation(stub, "Success", code=0, stdout="x" * 24_000)
    made, _, _ = transport(client)
    assert "output cut by SSM" in made.run("aws s3 ls").stderr


def information(stub: Stubber, status: str | None) -> None:
    found = (
        []
        if status is None
        else [
            {
                "InstanceId": INSTANCE,
                "PingStatus": status,
                "PlatformType": "Linux",
                "AgentVersion": "3.3.1142.0",
            }
        ]
    )
    stub.add_response(
        "describe_instance_information",
        {"InstanceInformationList": found},
        {"Filters": [{"Key": "InstanceIds", "Values": [INSTANCE]}]},
    )


def test_waits_until_online_with_one_progress_line_per_poll(ssm: tuple[Any, Stubber]) -> None:
    client, stub = ssm
    information(stub, None)
    information(stub, None)
    information(stub, "ConnectionLost")
    information(stub, "Online")
    made, lines, clock = transport(client, registered=False)
    # The first looks come soon (0.25 s, doubling up to 5 x ssm_poll): an agent is often there.
    assert made.wait_online() == clock.now == 1.75
    assert len(lines) == 4 and "not registered yet" in lines[0]
    assert lines[-1].endswith("is Online in SSM after 2s")


def test_not_online_within_the_budget(ssm: tuple[Any, Stubber]) -> None:
    client, stub = ssm
    for _ in range(8):  # at 0, 0.25, 0.75, 1.75, 3.75, 7.75 and 15.75 s, the last at 20
        information(stub, None)
    made, _, _ = transport(client, registered=False, ssm_online=20)
    with pytest.raises(NotOnline, match="within 20s"):
        made.wait_online()


def test_the_first_command_waits_for_registration(ssm: tuple[Any, Stubber]) -> None:
    client, stub = ssm
    information(stub, None)
    information(stub, "Online")
    sent(stub)
    invocation(stub, "Success", code=0, stdout="ok\n")
    made, _, _ = transport(client, registered=False)
    assert made.run("aws s3 ls").stdout == "ok\n"
