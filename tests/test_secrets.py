"""No secret reaches a report, a log or the terminal: not the host's credentials, not the user's
access key secret, not a role session's secret or token, not the console password."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from handson.names import default_name
from handson.targets.emulator_server import MotoEmulator, free_port
from tests.helpers import html_report
from tests.helpers.mutations import EQUIVALENTS
from tests.helpers.suite_runner import SuiteRun, run_suite

pytestmark = pytest.mark.slow

HOST = {
    "AWS_ACCESS_KEY_ID": "AKIAHOSTKEYDONOTLEAK",
    "AWS_SECRET_ACCESS_KEY": "host-secret-0f3a9c-do-not-leak",
    "AWS_SESSION_TOKEN": "host-session-token-7b1e44-do-not-leak",
}


@pytest.fixture(scope="module")
def inprocess_emulator(monkeypatch_module: pytest.MonkeyPatch) -> Iterator[MotoEmulator]:
    """A moto server in this process, so that its state can be read directly afterwards."""
    monkeypatch_module.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    from moto.server import ThreadedMotoServer

    from handson.targets.moto_engine import install

    install()  # as the suite's own server does (handson.targets.engine_server)

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    emulator = MotoEmulator.attach(f"http://127.0.0.1:{port}", "ap-northeast-1", "tests-admin")
    try:
        yield emulator
    finally:
        emulator.close()
        server.stop()


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def emulator_secrets() -> set[str]:
    """Every secret the in-process emulator holds, found independently of the suite's registry:
    access key secrets and console passwords of every user, secrets and tokens of every role
    session."""
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    found: set[str] = set()
    for account in list(iam_backends.keys()):
        for user in iam_backends[account]["aws"].users.values():
            found.update(k.secret_access_key for k in user.access_keys)
            password = getattr(user, "password", None)
            if password:
                found.add(password)
    for account in list(sts_backends.keys()):
        for session in sts_backends[account]["aws"].assumed_roles:
            found.update({session.secret_access_key, session.session_token})
    return {secret for secret in found if secret}


def leaks(secrets: set[str], texts: dict[str, str]) -> list[str]:
    return [
        f"{where}: ...{secret[-4:]}"
        for where, text in texts.items()
        for secret in secrets
        if secret in text
    ]


# A part of a secret is a leak too (a mask that ended at a password's & showed the rest of it):
# any 11 characters of one hold one of these pieces of 8, taken every 4 characters.
PIECE, STEP = 8, 4


def part_leaks(secrets: set[str], texts: dict[str, str]) -> list[str]:
    pieces = {
        secret[at : at + PIECE]: secret
        for secret in secrets
        if len(secret) >= 2 * PIECE
        for at in range(0, len(secret) - PIECE + 1, STEP)
    }
    pattern = re.compile("|".join(re.escape(piece) for piece in sorted(pieces)))
    return [
        f"{where}: part of ...{pieces[found.group()][-4:]}"
        for where, text in texts.items()
        for found in pattern.finditer(text)
    ]


def everything_written(run: SuiteRun, workdir: Path) -> dict[str, str]:
    texts = {"stdout": run.stdout, "stderr": run.stderr}
    for path in workdir.rglob("*"):
        if path.is_file() and path.name != "secrets.json" and "policies" not in path.parts:
            texts[str(path.relative_to(workdir))] = path.read_text("utf-8", errors="replace")
    return texts


@pytest.fixture(scope="module")
def noisy_run(
    inprocess_emulator: MotoEmulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[SuiteRun, Path]]:
    """A whole run made as talkative as it gets: verbose, every report section, DEBUG logs
    (botocore's included), --keep so that the run's secrets are still in the emulator to find.
    The user's rights are held to an MFA sign-in, so that the run makes an MFA device, enables
    it with two codes and signs the user's checks with a session of it."""
    workdir = tmp_path_factory.mktemp("secrets")
    mfa = next(m for m in EQUIVALENTS if m.name == "mfa-required")
    run = run_suite(
        workdir,
        f"--policies={mfa.write(workdir / 'policies')}",
        f"--endpoint-url={inprocess_emulator.endpoint_url}",
        "--keep",
        f"--name={default_name()}",
        "-p",
        "tests.plugins.secret_spy",
        "-v",
        "-rA",
        "--log-level=DEBUG",
        "--showlocals",
        env={**HOST, "HANDSON_SECRET_SPY": str(workdir / "secrets.json")},
    )
    yield run, workdir


def test_the_run_itself_passed(noisy_run: tuple[SuiteRun, Path]) -> None:
    run, _ = noisy_run
    assert run.exit_code == 0, run.describe()


@pytest.fixture(scope="module")
def known_secrets(noisy_run: tuple[SuiteRun, Path], inprocess_emulator: MotoEmulator) -> set[str]:
    """What must not leak: what the run registered, what the emulator holds, the host's own."""
    _, workdir = noisy_run
    registered = set(json.loads((workdir / "secrets.json").read_text("utf-8")))
    independent = emulator_secrets()
    host = {HOST["AWS_SECRET_ACCESS_KEY"], HOST["AWS_SESSION_TOKEN"]}
    # The search must have something to find: the host's, the user's and the role's secrets, and
    # the MFA device's seed (64 characters of Base32), also as its answer carries it (Base64).
    assert host <= registered
    seeds = {s for s in registered if len(s) == 64 and re.fullmatch("[A-Z2-7]+", s)}
    assert seeds, "the run made no MFA device"
    registered |= {base64.b64encode(seed.encode()).decode() for seed in seeds}
    # The kept user's key secret and password, and the instance role session's secret and token.
    assert len(independent - {inprocess_emulator.admin.credentials.secret_access_key}) >= 4
    return registered | independent | host


def test_no_secret_in_reports_logs_or_terminal(
    noisy_run: tuple[SuiteRun, Path], known_secrets: set[str]
) -> None:
    run, workdir = noisy_run
    texts = everything_written(run, workdir)
    assert any(name.endswith("-result.json") for name in texts), "no allure results written"
    assert any("attachment" in name for name in texts), "no allure attachments written"
    # The terminal summary is part of what was searched.
    assert "= checkpoints =" in run.stdout and "= time per phase =" in run.stdout
    assert leaks(known_secrets, texts) == []
    made = known_secrets - {HOST["AWS_SECRET_ACCESS_KEY"], HOST["AWS_SESSION_TOKEN"]}
    assert part_leaks(made, texts) == []


def test_no_secret_in_the_html_reports(
    noisy_run: tuple[SuiteRun, Path], known_secrets: set[str], tmp_path: Path
) -> None:
    """Both HTML reports, built by the README's commands; a single file's embedded data decoded."""
    html_report.require_tools()
    _, workdir = noisy_run
    texts = {}
    for variant, single_file in (("served", False), ("single-file", True)):
        html_report.generate(
            workdir / "allure-results", tmp_path / variant, single_file=single_file
        )
        found = html_report.report_texts(tmp_path / variant)
        texts.update({f"{variant}/{name}": text for name, text in found.items()})
    # The search reaches the data: the evidence of a role check, decoded from the single file.
    assert any(
        "embedded data/attachments" in name and "assumed-role/handson-iam-role-" in text
        for name, text in texts.items()
    ), sorted(texts)[:20]
    assert leaks(known_secrets, texts) == []


def test_the_search_finds_a_planted_secret() -> None:
    assert leaks({"s3cr3t-value"}, {"report": "x s3cr3t-value y"}) == ["report: ...alue"]


def test_the_search_finds_a_part_of_a_secret() -> None:
    secret = "Ab1&Cd2}Ef3xGh4!Ij5kLm6n"
    assert part_leaks({secret}, {"log": "'Password': '****&Cd2}Ef3xGh4!Ij5kLm6n'"}) != []
    assert part_leaks({secret}, {"log": "x Ef3xGh4!Ij5 y"}) != []  # 11 characters of it
    assert part_leaks({secret}, {"log": "'Password': '****'"}) == []


def test_the_search_reads_a_single_file_reports_embedded_data(tmp_path: Path) -> None:
    payload = base64.b64encode(b'{"message": "x s3cr3t-value y"}').decode()
    (tmp_path / "index.html").write_text(f'<script>d("data/x.json","{payload}")</script>')
    texts = html_report.report_texts(tmp_path)
    assert leaks({"s3cr3t-value"}, texts) == ["index.html embedded data/x.json: ...alue"]
