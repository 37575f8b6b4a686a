"""Fixtures of the suite's own tests: emulators owned by the tests, and their admin."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from queue import Queue
from typing import TypeVar

import pytest

from handson import i18n
from handson.aws import Principal
from handson.run_folder import REPORTS_VARIABLE, RUN_FOLDER, names_folder, reports_dir
from handson.targets.emulator_server import MotoEmulator
from scripts.hand_built import HandBuilt
from tests.helpers import reports_guard
from tests.helpers.design_edits import Mutation
from tests.helpers.policy_runs import PolicyRun, label, policy_run

T = TypeVar("T")
R = TypeVar("R")
ROOT = Path(__file__).resolve().parents[1]
REPORTS_BEFORE = pytest.StashKey[tuple[Path, dict[str, reports_guard.Entry]]]()
# Lines a test gathered as it ran (a browser page's console, tests/test_report_html.py): shown
# under its failure, as pytest shows what the test printed.
GATHERED = pytest.StashKey[dict[str, list[str]]]()
OURS = pytest.StashKey[bool]()  # a session of these tests (collects_tests)
POOL_SIZE = 2  # whole runs side by side: one per core, one run at a time per emulator


class EmulatorPool:
    """The tests' emulators. A whole run takes one for itself (a run locks the emulator it
    attaches to); tests that make many runs make them side by side, one per emulator. Every
    test uses names of its own and compares before with after, never with an empty emulator."""

    def __init__(self, emulators: list[MotoEmulator]) -> None:
        self.emulators = emulators
        self._free: Queue[MotoEmulator] = Queue()
        for emulator in emulators:
            self._free.put(emulator)

    def map(self, job: Callable[[MotoEmulator, T], R], items: Iterable[T]) -> list[R]:
        """``job(emulator, item)`` for every item, each on an emulator of its own meanwhile."""

        def one(item: T) -> R:
            emulator = self._free.get()
            try:
                return job(emulator, item)
            finally:
                self._free.put(emulator)

        with ThreadPoolExecutor(max_workers=len(self.emulators)) as pool:
            return list(pool.map(one, items))


@pytest.fixture(scope="session")
def emulator_pool() -> Iterator[EmulatorPool]:
    with ThreadPoolExecutor(max_workers=POOL_SIZE) as starting:
        started = list(
            starting.map(
                lambda i: MotoEmulator.start("ap-northeast-1", f"tests-admin-{i}"),
                range(POOL_SIZE),
            )
        )
    try:
        yield EmulatorPool(started)
    finally:
        for emulator in started:
            emulator.close()


@pytest.fixture(scope="session")
def test_emulator(emulator_pool: EmulatorPool) -> MotoEmulator:
    return emulator_pool.emulators[0]


OTHER_ACCOUNT = "111122223333"  # not moto's default, which the tests' emulators answer as


@pytest.fixture(scope="session")
def other_account() -> Iterator[MotoEmulator]:
    """A server somebody started for another account (moto's MOTO_ACCOUNT_ID): what the run
    says and measures names that account, not the 123456789012 of the run's own emulators."""
    emulator = MotoEmulator.start("ap-northeast-1", "tests-other-account", account_id=OTHER_ACCOUNT)
    try:
        yield emulator
    finally:
        emulator.close()


@pytest.fixture(scope="session")
def test_admin(test_emulator: MotoEmulator) -> Principal:
    return test_emulator.admin


class PolicyRuns:
    """Whole runs of the features with one policy set each (the seed's, or one of
    tests/helpers/mutations.py's or undecided_designs.py's), made once per test session and
    shared by the tests that need them: the mutation matrix makes them all, side by side; the
    HTML report test opens one."""

    def __init__(self, pool: EmulatorPool, base: Path) -> None:
        self._pool = pool
        self._base = base
        self._made: dict[str, PolicyRun] = {}

    def get(self, mutations: list[Mutation | None]) -> dict[str, PolicyRun]:
        missing = [m for m in mutations if label(m) not in self._made]
        made = self._pool.map(lambda emulator, m: policy_run(emulator, self._base, m), missing)
        self._made.update({label(m): run for m, run in zip(missing, made, strict=True)})
        return {label(m): self._made[label(m)] for m in mutations}


@pytest.fixture(scope="session")
def policy_runs(
    emulator_pool: EmulatorPool, tmp_path_factory: pytest.TempPathFactory
) -> PolicyRuns:
    return PolicyRuns(emulator_pool, tmp_path_factory.mktemp("policy-runs"))


# The suite's own tests read the English catalogue (tests/unit/test_i18n.py checks the Japanese
# default; the whole runs of tests/helpers/suite_runner.py run in English unless a test asks).
@pytest.hookimpl(trylast=True)  # after the suite's own configure chose the run's language
def pytest_configure(config: pytest.Config) -> None:
    """Before the test modules are imported: some build their verdicts at import."""
    if not hasattr(config, "workerinput") and not collects_tests(config):
        return
    config.stash[OURS] = True
    i18n.set_language("en")
    ctrl_c_as_from_a_terminal()
    # An exception in a thread during a test (a helper's server, a watcher, the product's own
    # threads run in-process), or one Python could not raise (a finalizer's), fails that test:
    # pytest would only warn in the summary, and the test would pass.
    for caught in ("PytestUnhandledThreadExceptionWarning", "PytestUnraisableExceptionWarning"):
        config.addinivalue_line("filterwarnings", f"error::pytest.{caught}")
    if hasattr(config, "workerinput"):
        return  # a pytest-xdist worker: the controlling process set the folder, and guards
    # Every run a test makes writes under a folder of the session's own (the workers and every
    # subprocess inherit it), never into the learner's reports/, which the guard watches.
    learners = reports_dir(ROOT)
    os.environ[REPORTS_VARIABLE] = tempfile.mkdtemp(prefix="handson-tests-reports-")
    if RUN_FOLDER not in config.stash:  # a session with the features writes reports/ itself
        config.stash[REPORTS_BEFORE] = (learners, reports_guard.snapshot(learners))


def ctrl_c_as_from_a_terminal() -> None:
    """The tests send SIGINT to runs and commands as a terminal's Ctrl-C does, and to this
    process (tests/unit/test_bootstrap_scripts.py). A session started as a background job by a
    shell without job control (``pytest tests/ &`` in a script, as a CI runner may) has SIGINT
    ignored, and every child inherits that: a run would then end on a SIGINT only where it set a
    handler of its own (handson.signals.deferred_interrupts), and a test would fail, or pass, on
    how it was started. Python's own handler instead: children start with the default."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def collects_tests(config: pytest.Config) -> bool:
    """Whether this session is one of these tests'. pytest also loads this file for a path that
    does not exist typed in the checkout (``pytest U4``: it then reads the conftest files of the
    folders named test* there), and that learner's run is left as the suite makes it: in its
    language, with no folder of the tests'."""
    words = [str(arg) for arg in config.args]
    return names_folder(words, ROOT / "tests", Path(config.invocation_params.dir))


@pytest.hookimpl(wrapper=True)
def pytest_sessionfinish(session: pytest.Session) -> Iterator[None]:
    """After every worker ended: the checkout's reports/ as the session found it."""
    yield
    if hasattr(session.config, "workerinput") or OURS not in session.config.stash:
        return
    watched = session.config.stash.get(REPORTS_BEFORE, None)
    changed = None if watched is None else reports_guard.verdict(*watched)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if changed is not None:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_line(f"FAILED: {changed}", red=True, bold=True)
    if session.exitstatus == pytest.ExitCode.OK:
        shutil.rmtree(os.environ[REPORTS_VARIABLE], ignore_errors=True)
    elif reporter is not None:
        reporter.write_line(f"the tests' runs wrote under {os.environ[REPORTS_VARIABLE]}")


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    i18n.set_language("en")
    yield
    i18n.set_language("en")


@pytest.fixture
def japanese(english: None) -> None:
    """The run's language is Japanese for this test (English again after it: ``english``)."""
    i18n.set_language("ja")


@pytest.fixture
def by_hand(test_emulator: MotoEmulator) -> Iterator[HandBuilt]:
    """The hands-on built by hand on the test's emulator (issue 12), removed after the test."""
    built = HandBuilt(test_emulator.admin)
    try:
        yield built
    finally:
        built.remove()


# No order of files is set here. pytest-xdist (3.8) queues the files of --dist loadfile by their
# number of tests, whatever order collection gives them (its --loadscope-reorder, on by default):
# a list of the slowest files first, kept here until 2026-12-07, changed nothing. The workers end
# within two seconds of each other all the same (measured that day: 464.5, 465.4 and 466.2 s), as
# the files with most tests are small ones that fill the end. The tests are held by the CPU (two
# cores, busy 92 % of the run), not by the order.


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    for title, lines in item.stash.get(GATHERED, {}).items():
        if report.when == "call":
            report.sections.append((f"Captured {title} call", "\n".join(lines) or "(nothing)"))
    return report
