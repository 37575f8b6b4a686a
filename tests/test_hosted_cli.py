"""The warm AWS CLI that the emulator's process keeps for the runs attached to it
(handson/targets/hosted_cli.py): it answers as the run's own worker does, runs nothing for a
caller without the server's token, and a run that cannot read the token, or that records its
calls, starts its own."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from handson import loopback
from handson.call_record import start_recording, stop_recording
from handson.settings import Settings
from handson.targets.emulator import instance_cli
from handson.targets.emulator_server import MotoEmulator, free_port
from handson.targets.hosted_cli import CLI_PATH, TOKEN_HEADER, HostedCli, hosted
from handson.targets.warm_cli import WarmCli, process_environment

pytestmark = pytest.mark.slow


@pytest.fixture
def served(test_emulator: MotoEmulator) -> HostedCli:
    cli = hosted(test_emulator.endpoint_url)
    assert cli is not None, "the tests' emulator keeps a warm CLI for attached runs"
    return cli


def command_env(emulator: MotoEmulator, home: Path) -> dict[str, str]:
    """What the instance's commands get: nothing of the host, and here the tests' admin."""
    return process_environment(
        home,
        {
            "AWS_ENDPOINT_URL": emulator.endpoint_url,
            "AWS_DEFAULT_REGION": emulator.region,
            **loopback.DIRECT_ENVIRONMENT,
            **emulator.admin.credentials.as_env(),
        },
    )


@pytest.fixture
def own() -> Iterator[WarmCli]:
    cli = WarmCli()
    yield cli
    cli.close()


@pytest.mark.parametrize(
    "argv",
    [
        ["sts", "get-caller-identity"],
        ["s3", "ls", "s3://handson-hosted-cli-no-such-bucket"],
        ["s3", "nonsense"],
        ["--version"],
    ],
)
def test_the_servers_cli_answers_as_the_runs_own(
    argv: list[str],
    served: HostedCli,
    own: WarmCli,
    test_emulator: MotoEmulator,
    tmp_path: Path,
) -> None:
    env = command_env(test_emulator, tmp_path)
    theirs, ours = served.run(argv, env, tmp_path, 60), own.run(argv, env, tmp_path, 60)
    assert (theirs.exit_code, theirs.stdout, theirs.stderr) == (
        ours.exit_code,
        ours.stdout,
        ours.stderr,
    )
    assert "warm CLI" not in theirs.stderr and served.pid is None


def test_a_command_reads_and_writes_in_the_runs_folder(
    served: HostedCli, test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    """The run's folder and environment are the command's: a file the run wrote goes up, and
    comes back down into the folder the run named."""
    env = command_env(test_emulator, tmp_path)
    bucket = f"handson-hosted-{tmp_path.name.lower().replace('_', '-')[:30]}"
    (tmp_path / "up.txt").write_text("from the run\n", "utf-8")
    made = served.run(["s3", "mb", f"s3://{bucket}"], env, tmp_path, 60)
    assert made.exit_code == 0, made
    try:
        up = served.run(["s3", "cp", "up.txt", f"s3://{bucket}/x.txt"], env, tmp_path, 60)
        down = served.run(["s3", "cp", f"s3://{bucket}/x.txt", "down.txt"], env, tmp_path, 60)
        assert up.exit_code == 0 and down.exit_code == 0, (up, down)
        assert (tmp_path / "down.txt").read_text("utf-8") == "from the run\n"
    finally:
        served.run(["s3", "rb", f"s3://{bucket}", "--force"], env, tmp_path, 60)


def post(emulator: MotoEmulator, body: dict[str, object], token: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers[TOKEN_HEADER] = token
    request = urllib.request.Request(
        emulator.endpoint_url + CLI_PATH, json.dumps(body).encode(), headers, method="POST"
    )
    try:
        with loopback.urlopen(request, timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)


def test_nothing_runs_without_the_servers_token(
    served: HostedCli, test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    """``aws configure set`` writes the config file the command's environment names: with no
    token, or another, it is not written; with the token read from the server's file, it is."""
    config = tmp_path / "config"
    env = {**command_env(test_emulator, tmp_path), "AWS_CONFIG_FILE": str(config)}
    body: dict[str, object] = {
        "argv": ["configure", "set", "region", "us-west-2"],
        "env": env,
        "cwd": str(tmp_path),
        "timeout": 60,
    }
    assert post(test_emulator, body, None) == 403
    assert post(test_emulator, body, "0" * 32) == 403
    assert post(test_emulator, {"argv": []}, "0" * 32) == 403  # the token before anything
    assert post(test_emulator, {"argv": []}, offered_file(test_emulator).read_text("ascii")) == 400
    assert not config.exists()
    done = served.run(["configure", "set", "region", "us-west-2"], env, tmp_path, 60)
    assert done.exit_code == 0 and "region = us-west-2" in config.read_text("utf-8"), done


def offered_file(emulator: MotoEmulator) -> Path:
    with loopback.urlopen(emulator.endpoint_url + CLI_PATH, timeout=5) as response:
        return Path(json.load(response)["token_file"])


def test_a_run_that_cannot_read_the_token_or_reach_the_path_has_no_hosted_cli(
    test_emulator: MotoEmulator,
) -> None:
    """Another machine (the file the server names is not here), a server that offers no warm
    CLI (nothing answers), and a server that is not on the loopback: the run starts its own."""
    token_file = offered_file(test_emulator)
    assert re.fullmatch(r"[0-9a-f]{32}", token_file.read_text("ascii"))
    kept = token_file.read_bytes()
    token_file.unlink()
    try:
        assert hosted(test_emulator.endpoint_url) is None
    finally:
        token_file.write_bytes(kept)
    assert hosted(test_emulator.endpoint_url) is not None
    assert hosted(f"http://127.0.0.1:{free_port()}") is None
    assert hosted("https://s3.ap-northeast-1.amazonaws.com") is None


def attached(url: str | None) -> Settings:
    return cast(Settings, SimpleNamespace(emulator_url=url))


def test_only_an_attached_run_that_records_nothing_uses_the_servers_cli(
    test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    clis = []
    try:
        clis.append(instance_cli(attached(test_emulator.endpoint_url)))
        assert isinstance(clis[-1], HostedCli)
        clis.append(instance_cli(attached(None)))  # the run's own emulator
        assert isinstance(clis[-1], WarmCli)
        start_recording(tmp_path / "calls.jsonl")
        try:
            clis.append(instance_cli(attached(test_emulator.endpoint_url)))
        finally:
            stop_recording()
        assert isinstance(clis[-1], WarmCli)
    finally:
        for cli in clis:
            cli.close()
