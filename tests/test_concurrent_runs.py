"""Two runs at once: in one checkout they keep separate reports; on one emulator the second stops
at once with one line and never corrupts the first; and a run leaves an emulator it did not
start with IAM's checks as it found them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from handson.console import CHILD_OUTPUT
from handson.names import default_name
from handson.run_folder import REPORTS_VARIABLE
from handson.targets.emulator_server import MotoEmulator, free_port
from tests.conftest import EmulatorPool
from tests.helpers.estate import left_behind, snapshot
from tests.helpers.suite_runner import (
    ROOT,
    HeldRun,
    run_command,
    suite_command,
    suite_env,
)

pytestmark = pytest.mark.slow


def nobody(service: str, endpoint_url: str) -> Any:
    """A client with keys the server never issued: refused unless it checks nobody."""
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name="ap-northeast-1",
        aws_access_key_id="AKIDNOBODYKNOWS00000",
        aws_secret_access_key="nobody",
        config=Config(retries={"total_max_attempts": 1}),
    )


def checks_on(endpoint_url: str) -> bool:
    """Whether the server checks who calls."""
    try:
        nobody("sts", endpoint_url).get_caller_identity()
    except ClientError:
        return True
    return False


def checkout_copy(destination: Path) -> Path:
    """The project's files, committed or not, without what git ignores (reports, virtualenv)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in listed:
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


def start(cwd: Path, *args: str, stdout: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "pytest", "features/", "-p", "no:cacheprovider", *args]
    return subprocess.Popen(
        command,
        cwd=cwd,
        env=suite_env({REPORTS_VARIABLE: None}),  # the copied checkout's own reports/
        stdout=stdout.open("w"),
        stderr=subprocess.PIPE,
        encoding=CHILD_OUTPUT,
    )


def test_two_runs_in_one_checkout_keep_separate_reports(tmp_path: Path) -> None:
    checkout = checkout_copy(tmp_path / "checkout")
    runs = [start(checkout, stdout=tmp_path / f"out-{i}.txt") for i in range(2)]
    ended = [(run.wait(timeout=300), run.stderr.read() if run.stderr else "") for run in runs]
    outputs = [(tmp_path / f"out-{i}.txt").read_text() for i in range(2)]
    for (code, err), out in zip(ended, outputs, strict=True):
        assert code == 0, out[-3000:] + err
    folders = sorted((checkout / "reports" / "runs").iterdir())
    assert len(folders) == 2
    documents = [json.loads((f / "checkpoints.json").read_text("utf-8")) for f in folders]
    assert sorted(d["run"] for d in documents) == [f.name for f in folders]
    for folder, document in zip(folders, documents, strict=True):
        assert len(document["checkpoints"]) == 27
        assert {e["outcome"] for e in document["checkpoints"]} == {"passed"}
        assert f"run {document['run']}," in "".join(outputs)
        environment = (folder / "allure-results" / "environment.properties").read_text()
        assert f"run={document['run']}" in environment
        results = list((folder / "allure-results").glob("*-result.json"))
        # Each run's own (27 scenario rows and the six security lessons), none of the other's,
        # none deleted.
        assert len(results) == 33
    latest = (checkout / "reports" / "latest").resolve()
    assert latest in [f.resolve() for f in folders]


@pytest.fixture
def emulator(emulator_pool: EmulatorPool) -> MotoEmulator:
    return emulator_pool.emulators[-1]


def test_a_second_run_on_one_emulator_stops_at_once_and_the_first_passes(
    emulator: MotoEmulator, tmp_path: Path
) -> None:
    first_name, second_name = default_name(), default_name()
    before = snapshot(emulator.admin)
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    # The first run holds in the middle of its checks until the second has stopped.
    first = HeldRun(
        first_dir,
        "checks",
        f"--endpoint-url={emulator.endpoint_url}",
        f"--name={first_name}",
        until_released=True,
    )
    try:
        assert first.held(), "the first run never reached its checks"
        started = time.monotonic()
        second_command = suite_command(
            second_dir, f"--endpoint-url={emulator.endpoint_url}", f"--name={second_name}"
        )
        second = run_command(second_command, suite_env())
        second_took = time.monotonic() - started
        assert first.process.poll() is None, "the first run should still be running"
    finally:
        first_run = first.finish()
    assert second.returncode == 4, second.stdout[-2000:] + second.stderr
    (line,) = [line for line in second.stderr.splitlines() if line.strip()]
    assert line.startswith("ERROR: --endpoint-url") and "is using this emulator" in line
    assert first_run.run_id and first_run.run_id in line  # it names the run in the way
    assert second_took < 30
    assert first_run.exit_code == 0, first_run.describe()
    assert {e["outcome"] for e in first_run.checkpoints} == {"passed"}
    assert left_behind(emulator.admin, first_name) == []
    assert left_behind(emulator.admin, second_name) == []
    assert snapshot(emulator.admin) == before
    assert checks_on(emulator.endpoint_url)  # as the runs found it


@contextmanager
def plain_moto(managed_policies: bool = True, engine: bool = True) -> Iterator[str]:
    """A moto server started as the README says (with the suite's engine) or as anyone would
    (``engine=False``), IAM checks off; its URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    # The engine server loads them unless told not to; a plain moto server only when told to.
    env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true" if managed_policies else "false"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "handson.targets.engine_server" if engine else "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                checks_on(url)
                break
            except Exception:  # noqa: BLE001 - not listening yet
                assert time.monotonic() < deadline, "moto did not start"
                time.sleep(0.2)
        yield url
    finally:
        server.kill()
        server.wait()


def refused_run(url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """A run attached to ``url`` that must stop before anything (exit code 4)."""
    done = run_command(suite_command(tmp_path, f"--endpoint-url={url}"), suite_env())
    assert done.returncode == 4, done.stdout[-2000:] + done.stderr
    return done


def test_a_run_that_cannot_use_a_server_leaves_its_checks_as_found(tmp_path: Path) -> None:
    """Without AWS managed policies the run stops in one line; the server is as it was."""
    with plain_moto(managed_policies=False) as url:
        assert not checks_on(url)
        done = refused_run(url, tmp_path)
        assert "no AWS managed policies" in done.stderr
        assert not checks_on(url)


def test_a_moto_server_without_the_engine_is_refused(tmp_path: Path) -> None:
    """moto's own checks ignore conditions: a run refuses them in one line and changes nothing."""
    with plain_moto(engine=False) as url:
        done = refused_run(url, tmp_path)
        errors = [line for line in done.stderr.splitlines() if line.startswith("ERROR:")]
        assert len(errors) == 1 and "moto's own checks" in errors[0], done.stderr
        assert "Traceback" not in done.stdout + done.stderr
        assert not checks_on(url)


def first_port_chosen(monkeypatch: pytest.MonkeyPatch, port: int) -> Iterator[int]:
    """The next server of the run's own is given ``port`` first, then free ones (no spare)."""
    from handson.targets import emulator_process, emulator_server

    chosen = iter([port])
    real_free_port = emulator_process.free_port
    monkeypatch.setattr(emulator_process, "free_port", lambda: next(chosen, 0) or real_free_port())
    monkeypatch.setattr(emulator_server, "spare", emulator_process.ServerProcess)
    return chosen


def started_elsewhere(admin_name: str, not_port: int) -> None:
    """A run's own emulator starts, on another port than ``not_port``, with its admin."""
    own = MotoEmulator.start("ap-northeast-1", admin_name)
    try:
        assert not own.endpoint_url.endswith(f":{not_port}")
        identity = own.admin.client("sts").get_caller_identity()
        assert identity["Arn"].endswith(f":user/{admin_name}")
    finally:
        own.close()


def test_a_port_another_server_took_is_left_to_it(
    test_emulator: MotoEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The port chosen for a run's own server was bound by another server first (another run's,
    in the second before ours binds it): the run starts its server on another port, and sends
    the other server nothing but a look at who it is. Before, the run made its admin there."""
    taken = int(test_emulator.endpoint_url.rsplit(":", 1)[1])
    chosen = first_port_chosen(monkeypatch, taken)
    iam = test_emulator.admin.client("iam")
    users_before = {u["UserName"] for u in iam.list_users()["Users"]}
    started_elsewhere("tests-port-was-taken", taken)
    assert {u["UserName"] for u in iam.list_users()["Users"]} == users_before
    assert next(chosen, None) is None  # the taken port was the one tried first


def test_a_port_something_else_holds_is_left_to_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The port chosen for the run's own server is held by a program that answers nothing: the
    server cannot bind it and exits, and the run starts one on another port."""
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        held = holder.getsockname()[1]
        chosen = first_port_chosen(monkeypatch, held)
        started_elsewhere("tests-port-was-held", held)
    assert next(chosen, None) is None
