"""The emulated instance: the role's credentials only when EC2 could assume the role, none of the
host's AWS configuration, and a warm AWS CLI that answers exactly as the real one."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import pytest

from handson.aws import Principal
from handson.call_record import read_calls, start_recording, stop_recording
from handson.environment import HandsonEnvironment
from handson.errors import EmulatorGap
from handson.lifecycle.cleanup import Cleanup
from handson.lifecycle.provision import Provisioner
from handson.names import RunNames, default_name
from handson.policies import load_policy_set
from handson.role_actions import RoleCommands
from handson.targets.emulator_server import MotoEmulator
from handson.targets.local_shell import LocalShellInstance
from handson.targets.warm_cli import WarmCli
from handson.verdict import Outcome
from handson.waiting import EMULATOR_BUDGETS

HOST_SECRET = "host-secret-for-instance-test"


@pytest.fixture(scope="module")
def built(test_admin: Principal) -> Iterator[tuple[HandsonEnvironment, Provisioner]]:
    cleanup = Cleanup()
    build = Provisioner(
        test_admin, RunNames(default_name()), load_policy_set(), cleanup, EMULATOR_BUDGETS
    )
    try:
        yield build.build(), build
    finally:
        assert cleanup.run() == []


def make_instance(
    emulator: MotoEmulator,
    instance_id: str,
    *,
    warm: bool = True,
    shared_cli: WarmCli | None = None,
) -> LocalShellInstance:
    return LocalShellInstance(
        instance_id,
        partial(emulator.instance_credentials, instance_id),
        endpoint_url=emulator.endpoint_url,
        region="ap-northeast-1",
        warm=warm,
        shared_cli=shared_cli,
    )


@pytest.fixture
def instance(
    test_emulator: MotoEmulator, built: tuple[HandsonEnvironment, Provisioner]
) -> Iterator[LocalShellInstance]:
    shell = make_instance(test_emulator, built[0].instance_id)
    yield shell
    shell.close()


def test_runs_as_the_instance_role(
    instance: LocalShellInstance, built: tuple[HandsonEnvironment, Provisioner]
) -> None:
    env = built[0]
    pattern = rf"arn:aws:sts::\d{{12}}:assumed-role/{env.names.role}/{env.instance_id}"
    assert re.fullmatch(pattern, instance.identity())


def test_a_recorded_runs_instance_calls_are_the_instance_roles(
    test_emulator: MotoEmulator, built: tuple[HandsonEnvironment, Provisioner], tmp_path: Path
) -> None:
    """With --record-calls, the warm CLI records the commands' calls in the run's record, as the
    instance role's: never the nightly role's to allow (tests/helpers/sandbox_role.py)."""
    env = built[0]
    record = tmp_path / "calls.jsonl"
    start_recording(record)
    try:
        shell = make_instance(test_emulator, env.instance_id)
        try:
            listed = shell.run(f"aws s3 ls s3://{env.names.bucket1}/")
        finally:
            shell.close()
    finally:
        stop_recording()
    assert listed.exit_code == 0, listed.stderr
    calls = read_calls(record)
    assert [(c["who"], c["principal"], c["action"]) for c in calls] == [
        ("instance role", "instance CLI", "s3:ListBucket")
    ]
    assert calls[0]["params"]["Bucket"] == env.names.bucket1 and calls[0]["outcome"] == "ok"


def test_host_aws_configuration_never_reaches_the_instance(
    instance: LocalShellInstance, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "credentials").write_text(
        f"[default]\naws_access_key_id = AKIAHOSTFILE\naws_secret_access_key = {HOST_SECRET}\n"
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAHOSTENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", HOST_SECRET)
    monkeypatch.setenv("AWS_PROFILE", "host-profile")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / ".aws" / "config"))
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:8080")
    seen = instance.environment()
    assert HOST_SECRET not in str(seen) and "AKIAHOST" not in str(seen)
    assert "AWS_PROFILE" not in seen and str(home) not in str(seen)
    assert "HTTPS_PROXY" not in seen and seen["NO_PROXY"] == seen["no_proxy"]
    result = instance.run("aws configure list")
    assert result.exit_code == 0, result.stderr
    assert HOST_SECRET not in result.stdout + result.stderr
    assert "AKIAHOST" not in result.stdout
    assert "host-profile" not in result.stdout
    issued = instance.issued.credentials
    assert issued is not None
    # The CLI finds the role session's key, in the environment, as the instance would hand it.
    access_key_line = next(
        line for line in result.stdout.splitlines() if line.strip().startswith("access_key")
    )
    assert issued.access_key_id[-4:] in access_key_line and " env" in access_key_line


def test_the_instance_needs_no_shell_and_no_path(
    instance: LocalShellInstance,
    test_emulator: MotoEmulator,
    built: tuple[HandsonEnvironment, Provisioner],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What a learner's Windows laptop lacks (bash, /usr/bin) the instance does not use: with no
    PATH at all, the role's round trip runs, and the only program started is this Python."""
    env = built[0]
    monkeypatch.setenv("PATH", "")
    started: list[str] = []
    real_popen = subprocess.Popen

    def only_python(args: list[str], *rest: object, **kwargs: object) -> object:
        started.append(str(args[0]))
        return real_popen(args, *rest, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(subprocess, "Popen", only_python)
    cold = make_instance(test_emulator, env.instance_id, warm=False)
    try:
        for shell in (instance, cold):
            for probe in RoleCommands(shell).round_trip(env.names.bucket1, "open/x y.txt", "中身"):
                assert probe.execute().verdict.outcome is Outcome.ALLOWED, probe.call
    finally:
        cold.close()
    assert started and set(started) == {sys.executable}


@pytest.mark.parametrize(
    "command",
    [
        "aws sts get-caller-identity",
        "aws s3 ls s3://no-such-bucket-anywhere",
        "aws s3 rb s3://{bucket2}",
        "aws s3 cp s3://{bucket2}/close/handson-sample.txt x.txt",
        "aws s3 nonsense",
        "aws --version",
    ],
)
def test_warm_cli_answers_as_the_real_cli(
    command: str, test_emulator: MotoEmulator, built: tuple[HandsonEnvironment, Provisioner]
) -> None:
    env = built[0]
    command = command.format(bucket2=env.names.bucket2)
    warm = make_instance(test_emulator, env.instance_id)
    cold = make_instance(test_emulator, env.instance_id, warm=False)
    try:
        fast, real = warm.run(command), cold.run(command)
    finally:
        warm.close()
        cold.close()
    assert fast.exit_code == real.exit_code
    assert _normal(fast.stdout) == _normal(real.stdout)
    assert _normal(fast.stderr) == _normal(real.stderr)
    assert "warm CLI" not in fast.stderr


def test_a_shared_warm_cli_serves_instances_and_outlives_them(
    test_emulator: MotoEmulator,
    built: tuple[HandsonEnvironment, Provisioner],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The run starts one warm CLI early (fixtures/target.py) and hands it to the instance: it
    holds nothing of the host's AWS set-up, serves each instance, and only its owner stops it."""
    env = built[0]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAHOSTENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", HOST_SECRET)
    shared = WarmCli()
    pid = shared.pid
    try:
        worker_env = Path(f"/proc/{pid}/environ").read_bytes()
        assert HOST_SECRET.encode() not in worker_env and b"AWS_ACCESS_KEY_ID" not in worker_env
        for _ in range(2):
            shell = make_instance(test_emulator, env.instance_id, shared_cli=shared)
            try:
                assert f"assumed-role/{env.names.role}/" in shell.identity()
            finally:
                shell.close()
        assert shared.pid == pid and Path(f"/proc/{pid}").exists()
    finally:
        shared.close()
    assert shared.pid is None and not Path(f"/proc/{pid}").exists()


@contextmanager
def shell_with_shared_cli(
    emulator: MotoEmulator, env: HandsonEnvironment
) -> Iterator[tuple[LocalShellInstance, WarmCli]]:
    """The instance as a shell, with a warm CLI of the test's own; both closed after."""
    shared = WarmCli()
    shell = make_instance(emulator, env.instance_id, shared_cli=shared)
    try:
        yield shell, shared
    finally:
        shell.close()
        shared.close()


def test_a_command_past_its_time_ends_the_worker_and_the_next_one_gets_a_new_one(
    test_emulator: MotoEmulator, built: tuple[HandsonEnvironment, Provisioner]
) -> None:
    with shell_with_shared_cli(test_emulator, built[0]) as (shell, shared):
        assert shell.run("aws sts get-caller-identity").exit_code == 0
        first = shared.pid
        slow = shared.run(["sts", "get-caller-identity"], shell.environment(), Path.cwd(), 0.001)
        assert slow.exit_code == 124 and "timed out" in slow.stderr
        assert shared.pid is None
        again = shell.run("aws sts get-caller-identity")
        assert again.exit_code == 0 and shared.pid not in (None, first)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM from outside is POSIX's")
def test_the_warm_cli_leaves_ctrl_c_and_sigterm_to_the_run(
    test_emulator: MotoEmulator, built: tuple[HandsonEnvironment, Provisioner]
) -> None:
    """A signal to the run's whole process group (a terminal's Ctrl-C, ``timeout``'s SIGTERM)
    reaches the worker too: it stays, for the run's teardown, and ends when its owner closes it."""
    with shell_with_shared_cli(test_emulator, built[0]) as (shell, shared):
        assert shell.run("aws sts get-caller-identity").exit_code == 0
        pid = shared.pid
        assert pid is not None
        for sent in (signal.SIGINT, signal.SIGTERM):
            os.kill(pid, sent)
        again = shell.run("aws sts get-caller-identity")
        assert again.exit_code == 0 and shared.pid == pid, again
    assert not Path(f"/proc/{pid}").exists()


def _normal(text: str) -> str:
    """Role sessions differ between two instances: compare the shape, not the session's key."""
    return re.sub(r"(AROA|ASIA)[A-Z0-9]+(:i-[0-9a-f]+)?", "<key>", text)


@contextmanager
def trust(build: Provisioner, env: HandsonEnvironment, **statement: object) -> Iterator[None]:
    """The role trusts what ``statement`` says for the duration, then what it trusted before."""
    role = build.iam.get_role(RoleName=env.names.role)["Role"]
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", **statement}],
    }
    build.iam.update_assume_role_policy(
        RoleName=env.names.role, PolicyDocument=json.dumps(document)
    )
    try:
        yield
    finally:
        build.iam.update_assume_role_policy(
            RoleName=env.names.role, PolicyDocument=json.dumps(role["AssumeRolePolicyDocument"])
        )


def test_no_credentials_when_ec2_cannot_assume_the_role(
    test_emulator: MotoEmulator, built: tuple[HandsonEnvironment, Provisioner]
) -> None:
    env, build = built
    with trust(build, env, Principal={"Service": "lambda.amazonaws.com"}):
        issued = test_emulator.instance_credentials(env.instance_id)
        assert issued.credentials is None
        assert "ec2.amazonaws.com" in issued.reason
        shell = make_instance(test_emulator, env.instance_id)
        try:
            result = shell.run(f"aws s3 ls s3://{env.names.bucket1}")
        finally:
            shell.close()
    assert result.exit_code != 0 and "Unable to locate credentials" in result.stderr


def test_conditional_trust_is_an_emulator_gap(
    test_emulator: MotoEmulator, built: tuple[HandsonEnvironment, Provisioner]
) -> None:
    env, build = built
    condition = {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    with (
        trust(build, env, Principal={"Service": "ec2.amazonaws.com"}, Condition=condition),
        pytest.raises(EmulatorGap, match="emulator gap: trust statement #1 has a Condition"),
    ):
        test_emulator.instance_credentials(env.instance_id)


def test_enforcement_is_back_on_after_issuing_credentials(
    test_emulator: MotoEmulator, built: tuple[HandsonEnvironment, Provisioner]
) -> None:
    """The emulator lets exactly one request through unchecked; the next one is checked."""
    env = built[0]
    test_emulator.instance_credentials(env.instance_id)
    stranger = Principal(
        "nobody",
        test_emulator.admin.credentials.__class__("AKIANOBODY0000000000", "not-a-secret-key"),
        "ap-northeast-1",
        test_emulator.endpoint_url,
    )
    with pytest.raises(Exception, match=r"InvalidClientTokenId|InvalidAccessKeyId|403"):
        stranger.client("iam").list_users()
