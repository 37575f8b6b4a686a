"""Where one run writes its reports: ``reports/runs/<run ID>/``, so that two runs in one checkout
never mix or delete each other's results; ``reports/latest`` points at the newest finished run
(and ``reports/latest-run.txt`` names it, where the system makes no links).

``reports/`` is the checkout's unless ``HANDSON_REPORTS`` names another folder (relative to the
checkout): read here for the runs, the class grader and the discovered policies, and by
scripts/report.mjs for ``npm run report``. The suite's own tests point it at a temporary folder."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from handson.call_record import a_call_record
from handson.console import typed
from handson.errors import SuiteUsageError
from handson.file_words import unwritable_file, unwritable_folder
from handson.i18n import t
from handson.whole_file import write_whole

REPORTS_VARIABLE = "HANDSON_REPORTS"
CHECKOUT = Path(__file__).resolve().parents[1]
# Where a run of --target existing writes the documents it found, instead of its run's folder:
# handson grade gives each learner's run their own folder's discovered/, beside their results.
DISCOVERED_VARIABLE = "HANDSON_DISCOVERED"


def reports_dir(checkout: Path, environ: Mapping[str, str] | None = None) -> Path:
    """The folder every run of this checkout writes its reports under."""
    chosen = (os.environ if environ is None else environ).get(REPORTS_VARIABLE)
    return checkout / chosen if chosen else checkout / "reports"  # an absolute one wins


def npm_run(here: Path | None = None) -> str:
    """``npm run`` as the learner types it where they are (``here``: the current folder). npm
    finds the project in the folder it is started in or one above it; from anywhere else (pytest
    started from the folder above the checkout) it fails with ENOENT, so it is told the
    checkout there (``npm --prefix <checkout> run``, the same in every shell)."""
    here = Path.cwd() if here is None else here
    if here.resolve().is_relative_to(CHECKOUT):
        return "npm run"
    return f"npm --prefix {typed(str(CHECKOUT))} run"


def check_outputs(config: pytest.Config, record: Path | None) -> None:
    """One line, before anything is made, when what the run writes cannot be written where it
    goes: its results (``--alluredir``, ``HANDSON_REPORTS`` or the checkout's reports/), its
    ``--checkpoints-json`` and its ``--record-calls``. allure stopped the run with an
    INTERNALERROR; checkpoints.json was lost at the end of a run that had done everything."""
    given = config.option.allure_report_dir
    if given:
        where, label = Path(given).resolve(), f"--alluredir {given}"
    else:
        where = reports_dir(Path(config.rootpath))
        chosen = os.environ.get(REPORTS_VARIABLE)
        label = f"{REPORTS_VARIABLE}={chosen}" if chosen else str(where)
    problems = [(label, unwritable_folder(where))]
    written = checkpoints_json_given(config)
    if written is not None:
        label = f"--checkpoints-json {config.getoption('checkpoints_json')}"
        problems.append((label, unwritable_file(written, a_runs_checkpoints)))
    if record is not None:
        why = unwritable_file(record.resolve(), a_call_record)
        problems.append((f"--record-calls {record}", why))
    said = [f"{label}: {why}" for label, why in problems if why is not None]
    if said:
        raise SuiteUsageError("\n".join(said))


def a_runs_checkpoints(data: bytes) -> bool:
    """Whether ``data`` is a checkpoints.json as a run writes it: an object with its checkpoints."""
    try:
        document = json.loads(data)
    except ValueError:
        return False
    return isinstance(document, dict) and "checkpoints" in document


def checkpoints_json_given(config: pytest.Config) -> Path | None:
    """Where ``--checkpoints-json`` asks the run's checkpoints.json to go (relative to where
    pytest was started; an absolute one as it is); None without it (the run folder's own)."""
    chosen = config.getoption("checkpoints_json", None)
    return Path(config.invocation_params.dir, chosen) if chosen else None


def latest_run(reports: Path) -> str | None:
    """The newest finished run's ID, as its ``latest-run.txt`` names it."""
    named = reports / LATEST_ID
    return named.read_text("utf-8").strip() if named.is_file() else None


# The checkout's folders that hold tests of their own: `pytest` typed in one runs those.
TEST_FOLDERS = ("features", "tests")


def checklist_from_a_subfolder(config: pytest.Config) -> None:
    """``pytest`` typed with no path in a folder of the checkout that holds no tests (policies/,
    where a learner edits the JSON; docs/, reports/) runs the checklist, as in the checkout's
    own folder: pytest reads ``testpaths`` there only, and elsewhere collected nothing."""
    if config.args_source is not pytest.Config.ArgsSource.INVOCATION_DIR:
        return
    here = Path(config.invocation_params.dir).resolve()
    root = Path(config.rootpath).resolve()
    if root not in here.parents or here.relative_to(root).parts[0] in TEST_FOLDERS:
        return
    config.args = [str(root / "features")]


def wants_features(config: pytest.Config) -> bool:
    """Whether this run may collect the features (then the emulator is worth starting early)."""
    return names_features(config.args, Path(config.rootpath), Path(config.invocation_params.dir))


def names_features(words: Sequence[str], rootpath: Path, invocation_dir: Path) -> bool:
    """Whether one of ``words`` (test paths, ``path::node`` IDs) is the features folder, is in it
    or holds it."""
    return names_folder(words, rootpath / "features", invocation_dir)


def names_folder(words: Sequence[str], folder: Path, invocation_dir: Path) -> bool:
    """Whether one of ``words`` (test paths, ``path::node`` IDs) is ``folder``, is in it or
    holds it."""
    wanted = folder.resolve()
    for word in words:
        path = Path(word.split("::")[0])
        if not path.is_absolute():
            path = invocation_dir / path
        path = path.resolve()
        if path == wanted or wanted in path.parents or path in wanted.parents:
            return True
    return False


def option_value(words: Sequence[str], option: str) -> str | None:
    """An option's value on a command line not parsed yet (``--x=v`` or ``--x v``)."""
    for index, word in enumerate(words):
        if word.startswith(option + "="):
            return word.split("=", 1)[1]
        if word == option and index + 1 < len(words):
            return words[index + 1]
    return None


@dataclass(frozen=True)
class RunFolder:
    reports: Path  # reports_dir(): the checkout's reports/, or HANDSON_REPORTS
    run_id: str

    @property
    def path(self) -> Path:
        return self.reports / "runs" / self.run_id

    @property
    def allure_results(self) -> Path:
        return self.path / "allure-results"

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints.json"

    @property
    def latest(self) -> Path:
        return self.reports / "latest"

    @property
    def latest_id(self) -> Path:
        """The newest finished run's ID, for a system that makes no link (Windows, unless its
        Developer Mode is on): ``npm run report`` reads it where ``reports/latest`` is missing."""
        return self.reports / LATEST_ID

    def html_line(self, alluredir: str | None) -> str:
        """How to make this run's HTML report: ``npm run report``, from this folder's results;
        or, for results that went to ``--alluredir``, with that folder and a report folder
        beside it (alone, npm run report makes the newest run's of reports/, not this one's)."""
        results = Path(alluredir).resolve() if alluredir else self.allure_results
        if results == self.allure_results.resolve():  # the run's own (conftest gives it)
            return t("where.html", path=self.allure_results, npm=npm_run())
        name = "allure-report" if results.name == "allure-results" else f"{results.name}-report"
        report = typed(str(results.with_name(name)))
        return t("where.html_given", results=typed(str(results)), report=report, npm=npm_run())

    def remove_if_empty(self) -> None:
        """This run's own folder, removed where the run wrote nothing into it (a run refused
        after the folder was made: a ``-k`` that selects nothing, a ``.feature`` path), so that
        bad input leaves nothing. Folders only, from the deepest up: a file anywhere keeps all."""
        if not self.path.is_dir() or any(p.is_file() for p in self.path.rglob("*")):
            return
        for folder in sorted(self.path.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            folder.rmdir()
        self.path.rmdir()

    def point_latest(self) -> str | None:
        """Name this run as the newest in ``reports/latest-run.txt`` and make ``reports/latest`` a
        relative link to its folder, each replaced in one step, so that a reader never finds
        them missing while another run finishes. Where the system refuses links, the file
        alone says it. A run whose results went elsewhere (``--alluredir``) is not named: its
        folder holds no results for ``npm run report`` to make a report of. Never raises: what
        could not be named is a line to show (returned), the run's verdicts as they are."""
        if not self.allure_results.is_dir():
            return None
        try:
            write_whole(self.latest_id, self.run_id + "\n")
        except OSError as error:
            why = error.strerror or str(error)
            return t(
                "reports.not_named", named=self.latest_id, run=self.run_id, why=why, npm=npm_run()
            )
        temporary = self.reports / f".latest-{self.run_id}"
        try:
            temporary.unlink(missing_ok=True)
            os.symlink(Path("runs") / self.run_id, temporary, target_is_directory=True)
        except (OSError, NotImplementedError):
            _unlink_link(self.latest)  # it would name an older run than latest-run.txt
            return None
        # A folder or a file of that name is not a run's: it is left as it is. Windows replaces
        # no folder, a link to one included (MoveFileEx): there the old link goes first.
        theirs = self.latest.exists() and not self.latest.is_symlink()
        if not theirs and (
            _moved(temporary, self.latest)
            or (_unlink_link(self.latest) and _moved(temporary, self.latest))
        ):
            return None
        _unlink_link(temporary)
        return t("reports.latest_kept", latest=self.latest, named=self.latest_id, npm=npm_run())


def _unlink_link(path: Path) -> bool:
    """Remove ``path`` if it is a link (a run's ``latest``); True when none is left there."""
    try:
        if path.is_symlink():
            path.unlink()  # on Windows a link to a folder too
    except OSError:
        return False
    return not path.exists() and not path.is_symlink()


def _moved(source: Path, destination: Path) -> bool:
    try:
        os.replace(source, destination)
    except OSError:
        return False
    return True


LATEST_ID = "latest-run.txt"
RUN_FOLDER = pytest.StashKey[RunFolder]()  # set for a run that checks the features
