"""The emulator's start: the guess that starts its process early, the AWS managed policies it
builds IAM with, and a process that never gets its orders."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from handson.targets.emulator_early import wants_own_emulator
from handson.targets.emulator_process import ServerProcess, keep_only
from handson.targets.emulator_server import RUN_MANAGED_POLICIES, aws_managed_names

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("args", "environ", "wanted"),
    [
        (["features/"], {}, True),
        (["features/", "--lang", "en", "-p", "no:cacheprovider"], {}, True),
        (["features/user.feature::test_u1"], {}, True),
        ([str(ROOT / "features")], {}, True),
        ([], {}, True),  # pytest.ini's test paths, the features among them
        (["-q"], {}, True),
        (["tests/unit", "-n", "2"], {}, False),
        (["tests/test_faults.py"], {}, False),
        (["features/", "--target=aws"], {}, False),
        # The replay of --target existing: its --endpoint-url is the learner's account.
        (["features/", "--target", "existing"], {}, True),
        (["--target", "existing"], {}, True),
        (["features/", "--target=existing", "--endpoint-url=http://127.0.0.1:5000"], {}, True),
        (["features/", "--target=existing", "--live"], {}, False),
        (["features/"], {"HANDSON_TARGET": "existing", "HANDSON_LIVE": "1"}, False),
        (["features/", "--target=existing", "--cleanup"], {}, False),
        (["features/", "--target=existing", "--co"], {}, False),
        (["tests/unit", "--target=existing"], {}, False),
        (["features/", "--target=emulator"], {"HANDSON_TARGET": "aws"}, True),
        (["features/"], {"HANDSON_TARGET": "aws"}, False),
        (["features/", "--endpoint-url=http://127.0.0.1:5000"], {}, False),
        (["features/"], {"HANDSON_ENDPOINT_URL": "http://127.0.0.1:5000"}, False),
        (["features/", "--cleanup"], {}, False),
        (["features/", "--collect-only"], {}, False),
        (["features/", "--co"], {}, False),
    ],
)
def test_the_process_starts_early_only_for_features_on_an_emulator_of_the_runs_own(
    args: list[str], environ: dict[str, str], wanted: bool
) -> None:
    assert wants_own_emulator(args, environ, ROOT, ROOT) is wanted


def test_aws_managed_policies_are_named_by_their_arns_only() -> None:
    texts = [
        *RUN_MANAGED_POLICIES,
        json.dumps({"Resource": "arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM"}),
        "arn:aws:iam::123456789012:policy/handson-user-policy",
        "",
    ]
    assert aws_managed_names(texts) == {
        "AdministratorAccess",
        "AmazonSSMManagedInstanceCore",
        "AmazonEC2RoleforSSM",
    }


def test_moto_builds_iam_with_the_named_managed_policies_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The patch point (moto's data, read as each account's IAM is built) is still moto's."""
    import moto.iam.models

    monkeypatch.setattr(
        moto.iam.models, "aws_managed_policies_data", moto.iam.models.aws_managed_policies_data
    )
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    keep_only(["AdministratorAccess", "AmazonEC2RoleforSSM"])
    iam = moto.iam.models.IAMBackend(region_name="aws", account_id="123456789012")
    assert sorted(iam.managed_policies) == [
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM",
    ]


def test_a_server_that_gets_no_orders_ends_with_the_run_having_answered_nothing() -> None:
    server = ServerProcess()
    try:
        assert server.process.stdin is not None
        server.process.stdin.close()  # as when the run ends without taking it
        assert server.process.wait(timeout=60) == 0
    finally:
        server.close()


def test_a_port_held_by_a_listening_server_is_taken() -> None:
    import socket

    from handson.targets.emulator_process import free_port, port_taken

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        held = server.getsockname()[1]
        assert port_taken(held)
    assert not port_taken(free_port())


@pytest.mark.parametrize(("platform", "reuse"), [("win32", False), ("linux", True)])
def test_the_server_binds_its_port_alone_on_windows(
    monkeypatch: pytest.MonkeyPatch, platform: str, reuse: bool
) -> None:
    """On Windows, SO_REUSEADDR would let a second server bind a port the first listens on."""
    import socket

    import werkzeug.serving

    from handson.targets.emulator_process import bind_alone

    monkeypatch.setattr(werkzeug.serving.BaseWSGIServer, "allow_reuse_address", True)
    bind_alone(platform)
    server = werkzeug.serving.make_server("127.0.0.1", 0, lambda environ, start: [])
    try:
        asked = server.socket.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR)
    finally:
        server.server_close()
    assert bool(asked) is reuse


def test_a_second_server_cannot_bind_the_port_the_first_listens_on() -> None:
    """On this system, as the emulator's process binds it (bind_alone, then werkzeug's server):
    the second server is refused. Linux refuses it either way; Windows only with bind_alone, and
    the os-matrix workflow runs this test there."""
    import werkzeug.serving

    from handson.targets.emulator_process import bind_alone

    def app(environ: object, start: object) -> list[bytes]:
        return []

    reuse = werkzeug.serving.BaseWSGIServer.allow_reuse_address
    bind_alone()
    try:
        first = werkzeug.serving.make_server("127.0.0.1", 0, app)
        try:
            with pytest.raises((OSError, SystemExit)):
                werkzeug.serving.make_server("127.0.0.1", first.server_port, app).server_close()
        finally:
            first.server_close()
    finally:
        werkzeug.serving.BaseWSGIServer.allow_reuse_address = reuse


@pytest.mark.parametrize(("collect_only", "launched"), [(False, 1), (True, 0)])
def test_the_emulator_is_launched_at_session_start_unless_the_run_only_lists(
    monkeypatch: pytest.MonkeyPatch, collect_only: bool, launched: int
) -> None:
    """``pytest features/ --collect-only`` used to start the emulator and its AWS CLI, and to
    wait about a second at its end for them to start, only to stop them."""
    import fixtures.target as target_plugin

    launches: list[object] = []
    monkeypatch.setattr(target_plugin, "wants_features", lambda config: True)
    monkeypatch.setattr(target_plugin, "launch_of", launches.append)
    config = SimpleNamespace(option=SimpleNamespace(collectonly=collect_only))
    target_plugin.pytest_sessionstart(SimpleNamespace(config=config))  # type: ignore[arg-type]
    assert len(launches) == launched


# The services whose routes are compared; moto's own API has no accounts or regions.


def test_a_server_that_ends_as_it_starts_is_one_line_with_its_own_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The emulator's process ends before it answers (here as with a broken install: a module
    it imports is missing). The run ended in an INTERNALERROR traceback of BrokenPipeError: the
    orders it never read could not be flushed to it as the run closed it, which also left its log
    behind, and the log, which said why, was never read. Now one line in the run's language with
    the server's last words and what to do, and nothing left."""
    import handson.targets.emulator_process as process
    from handson.errors import SuiteUsageError
    from handson.targets.emulator_server import MotoEmulator

    broken = "import handson_definitely_missing_module"
    monkeypatch.setattr(process, "server_command", lambda port: [sys.executable, "-c", broken])
    monkeypatch.setattr(process, "_spare", None)
    logs: list[Path] = []
    close = ServerProcess.close

    def closing(server: ServerProcess) -> None:
        logs.append(server.log)
        close(server)

    monkeypatch.setattr(ServerProcess, "close", closing)
    with pytest.raises(SuiteUsageError) as refused:
        MotoEmulator.start("ap-northeast-1", "handson-admin-broken")
    said = str(refused.value)
    assert "\n" not in said and "(exit code 1)" in said, said
    assert "ModuleNotFoundError: No module named 'handson_definitely_missing_module'" in said
    assert "pip install -r requirements.txt" in said, said
    assert logs and not any(log.exists() for log in logs), logs


@pytest.mark.parametrize(
    ("server", "said"),
    [
        # Still importing itself when the budget ends: nothing blocks it.
        ("import time; time.sleep(60)", "emulator.still_starting"),
        # Its port open, and no answer: something between the run and the server.
        (
            "import socket, sys, time; s = socket.socket();"
            " s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(); time.sleep(60)",
            "emulator.unreachable",
        ),
    ],
)
def test_a_server_not_answering_in_time_is_told_apart_from_a_blocked_one(
    monkeypatch: pytest.MonkeyPatch, server: str, said: str
) -> None:
    """A server that had not opened its port when the budget ended was said to be blocked by a
    proxy, firewall or security software: on a learner's first run on a slow laptop it is still
    starting, and nothing needs changing."""
    import handson.targets.emulator_process as process
    from handson import i18n
    from handson.errors import SuiteUsageError
    from handson.targets.emulator_server import MotoEmulator

    command, ports = [sys.executable, "-c", server], []

    def server_command(port: int) -> list[str]:
        ports.append(port)
        return [*command, str(port)]

    monkeypatch.setattr(process, "server_command", server_command)
    monkeypatch.setattr(process, "_spare", None)
    with pytest.raises(SuiteUsageError) as refused:
        MotoEmulator.start("ap-northeast-1", "handson-admin-slow", budget=1.5)
    url = f"http://127.0.0.1:{ports[-1]}"
    assert str(refused.value) == i18n.t(said, url=url, seconds="1.5")
