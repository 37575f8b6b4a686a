"""Where learners really run it: behind a proxy that cannot reach this machine, and from a folder
whose path holds a space and Japanese, with the checkout's own virtual environment there too
(issue 24). What only Windows or macOS can show runs in .github/workflows/os-matrix.yml."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from handson.console import CHILD_OUTPUT
from handson.names import default_name
from handson.policies import SEED_DIR
from handson.run_folder import REPORTS_VARIABLE
from handson.targets.emulator_server import MotoEmulator
from scripts import checklist_steps as checklist
from tests.helpers.suite_runner import (
    ROOT,
    SuiteRun,
    read_run,
    run_as_typed,
    suite_command,
    suite_env,
)

pytestmark = pytest.mark.slow

ALL = {"U1", "U2", "U3", "U4", "U5", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"}
ROLE = {c for c in ALL if c.startswith("R")}
LEARNERS_FOLDER = "山田 の作業"
POLICY_ADVICE = "ポリシーを直して"


class DeadProxy:
    """A proxy that accepts connections and never answers, as a company proxy that cannot reach
    this machine's loopback looks from here. It counts who came."""

    def __init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        self.connections: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                self.connections.append(self._server.accept()[0])
            except TimeoutError:
                continue

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        for connection in self.connections:
            connection.close()
        self._server.close()


@pytest.fixture
def dead_proxy() -> Iterator[DeadProxy]:
    proxy = DeadProxy()
    yield proxy
    proxy.close()


def learners_checkout(root: Path) -> tuple[Path, Path]:
    """The checkout copied to ``<root>/山田 の作業/handson`` with a virtual environment of its
    own in ``.venv`` there, whose packages are this environment's (a ``.pth`` file stands in for
    ``pip install``, which would need the network). Returns the folder and its Python."""
    checkout = root / LEARNERS_FOLDER / "handson"
    shutil.copytree(
        ROOT,
        checkout,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "node_modules", "reports", "__pycache__", ".*_cache"
        ),
    )
    venv = checkout / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    Path(site, "handson-test.pth").write_text("\n".join(ours) + "\n", "utf-8")
    return checkout, python


def run_from(
    checkout: Path, python: Path, workdir: Path, env: dict[str, str | None] | None = None
) -> SuiteRun:
    """``pytest features/`` in ``checkout`` with its own Python, in Japanese (the default), its
    reports in the checkout's own reports/ (a learner sets no HANDSON_REPORTS)."""
    command = [str(python), *suite_command(workdir)[1:]]
    done = subprocess.run(
        command,
        cwd=checkout,
        env=suite_env({"HANDSON_LANG": None, REPORTS_VARIABLE: None, **(env or {})}),
        capture_output=True,
        encoding=CHILD_OUTPUT,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    return read_run(done.returncode, done.stdout, done.stderr, workdir, command)


@pytest.fixture(scope="module")
def learners(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return learners_checkout(tmp_path_factory.mktemp("laptop"))


def test_from_a_folder_with_a_space_and_japanese_behind_a_dead_proxy_the_seed_passes(
    learners: tuple[Path, Path], tmp_path: Path, dead_proxy: DeadProxy
) -> None:
    """A learner's laptop in one run: the checkout and its .venv under 山田 の作業, and
    http_proxy, HTTP_PROXY and HTTPS_PROXY naming a proxy that answers nothing, with
    no_proxy=localhost (not 127.0.0.1). The suite's clients, the readiness wait, the SSM agent
    and the instance's CLI all go direct."""
    checkout, python = learners
    assert " " in str(python) and LEARNERS_FOLDER in str(python)
    env: dict[str, str | None] = {"no_proxy": "localhost", "NO_PROXY": None}
    env.update({v: dead_proxy.url for v in ("http_proxy", "HTTP_PROXY", "HTTPS_PROXY")})
    run = run_from(checkout, python, tmp_path / "reports", env)
    assert run.exit_code == 0, run.describe()
    assert run.outcomes("passed") == ALL
    assert "合格 13 / 不合格 0 / 判定なし 0" in run.stdout
    assert dead_proxy.connections == [], "a request to the emulator went to the proxy"


def test_an_instance_cli_that_cannot_run_is_not_decided_never_failed(
    learners: tuple[Path, Path], tmp_path: Path
) -> None:
    """The instance's AWS CLI broken on purpose (its package shadowed by one that cannot be
    imported): every role check is 判定なし with its cause, none is 不合格, and nothing tells
    the learner to change a policy that is right."""
    checkout, python = learners
    broken = checkout / "awscli"
    broken.mkdir()
    (broken / "__init__.py").write_text('raise ImportError("broken on purpose")\n', "utf-8")
    try:
        run = run_from(checkout, python, tmp_path / "reports")
    finally:
        shutil.rmtree(broken)
    assert run.exit_code not in (0, 4), run.describe()
    assert run.failed == set(), run.describe()
    assert run.outcomes("passed") == ALL - ROLE
    assert "不合格 0" in run.stdout and POLICY_ADVICE not in run.stdout, run.describe()
    assert "判定なし 8" in run.stdout, run.describe()


def test_a_conftest_above_the_policies_folder_is_not_the_runs(
    tmp_path: Path, test_emulator: MotoEmulator
) -> None:
    """``--policies DIR`` as the README writes it, DIR in another project (another clone of the
    suite, say): pytest took the value for a path to test and imported the conftest.py above it
    into the run, before it knew the option (fixtures/options.py). In another clone, that ended
    the run in a traceback; any other conftest ran its own hooks in a run that gives verdicts."""
    mine = tmp_path / "another project" / "mine"
    mine.mkdir(parents=True)
    for policy in SEED_DIR.glob("*.json"):
        shutil.copy(policy, mine)
    imported = tmp_path / "imported"
    (mine.parent / "conftest.py").write_text(
        f"from pathlib import Path\nPath({str(imported)!r}).write_text('imported')\n", "utf-8"
    )
    done = run_as_typed(
        tmp_path / "reports",
        "features/",
        "--policies",
        str(mine),
        f"--endpoint-url={test_emulator.endpoint_url}",
        f"--name={default_name()}",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert not imported.exists()


def test_the_checklist_reads_a_relative_policies_folder_where_it_was_typed(tmp_path: Path) -> None:
    """``python <checkout>/scripts/checklist.py --policies "my policies"`` typed in the learner's
    own folder reads that folder's files: the checklist ran pytest in the checkout, where the
    same words named nothing (or the hands-on's own policies/, which pass 13 of 13). The
    learner's role policy here lists s3:GetObjet: R4 fails. The result file, named relatively
    too, is written in their folder."""
    here = tmp_path / "山田 の作業"
    mine = here / "my policies"
    shutil.copytree(SEED_DIR, mine, ignore=shutil.ignore_patterns("*.md"))
    role = mine / "handson-iam-role-policy.json"
    role.write_text(role.read_text("utf-8").replace('"s3:GetObject"', '"s3:GetObjet"'), "utf-8")
    options = ["--policies", "my policies", "--checkpoints-json", "result.json", "-q"]
    command = checklist.checklist_command(Path(sys.executable), options, ROOT)
    env = suite_env({REPORTS_VARIABLE: str(tmp_path / "reports")})
    code = checklist.run(command, here, env)  # its output: this test's captured
    assert code == 1
    written = json.loads((here / "result.json").read_text("utf-8"))["checkpoints"]
    failed = {c for e in written if e["outcome"] == "failed" for c in e["checkpoints"]}
    assert "R4" in failed, written
