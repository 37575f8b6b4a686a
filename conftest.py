"""Root conftest: the suite's options and plugins. Steps live in steps/, fixtures in fixtures/."""

from __future__ import annotations

import functools
import gc
import importlib.util
import sys
from pathlib import Path

import pytest

# First: it starts the emulator's process now, while the rest imports (see there). pytest.ini's
# -p imports it before this file; here for a run given another configuration.
import handson.targets.emulator_early  # noqa: F401
from handson import early_ctrl_c
from handson.call_record import recording_file, start_recording
from handson.console import readable_output
from handson.discovered_files import notes as discovered_notes
from handson.errors import SuiteUsageError
from handson.i18n import set_language, t, word
from handson.run_folder import (
    RUN_FOLDER,
    RunFolder,
    check_outputs,
    checklist_from_a_subfolder,
    reports_dir,
    wants_features,
)
from handson.secrets import redact_all_logging, register_host_secrets
from handson.settings import OPTIONS, SETTINGS, language_of, resolve
from handson.targets.existing import EXISTING

# The suite's plugins, named here rather than found among whatever is installed (pytest.ini:
# --disable-plugin-autoload): pytest imported every installed plugin before this file, so the
# emulator's process above started 0.15 s later, and a plugin installed for something else
# (one that reorders tests, say) would have joined the run. pytest-xdist only where the
# suite's own tests installed it (requirements-dev.txt): `pytest tests/ -n 3`.
_XDIST = ["xdist.plugin", "xdist.looponfail"] if importlib.util.find_spec("xdist") else []
pytest_plugins = [
    "fixtures.options",  # pytest.ini gives it first (-p): here for another configuration
    "pytest_bdd.plugin",
    "allure_pytest_bdd.plugin",
    *_XDIST,
    "fixtures.target",
    "fixtures.environment",
    "fixtures.principals",
    "fixtures.checkpoints",
    "fixtures.redaction",
    "fixtures.selection",
    "fixtures.existing",
    "fixtures.cleanup",
    "fixtures.practices",
    "steps.common",
    "steps.user_steps",
    "steps.role_steps",
    "steps.cleanup_steps",
    "steps.practices_steps",
]


readable_output()  # Japanese on a redirect in any system's encoding (handson/console.py)


@pytest.hookimpl(tryfirst=True)  # before pytest's own help, which is long and in English
def pytest_cmdline_main(config: pytest.Config) -> None:
    """``--help``: first, in the run's language, where the suite's own options are (the
    section named handson-iam-acceptance, right after pytest's general options)."""
    if config.option.help:
        print(t("help.ours"), flush=True)


@pytest.hookimpl(tryfirst=True)  # before allure's own, which reads --alluredir
def pytest_configure(config: pytest.Config) -> None:
    early_ctrl_c.handled_by_the_run()
    register_host_secrets()
    redact_all_logging()
    checklist_from_a_subfolder(config)
    cli = {
        option: config.getoption(f"handson_{option}" if option != "keep" else "keep")
        for option in OPTIONS
    }
    try:
        set_language(language_of(cli))  # before anything is checked: errors come in it too
        settings = resolve(cli)
        if wants_features(config) and config.getoption("numprocesses", None):
            # pytest-xdist's workers would each build an environment, and the run's table,
            # tally and exit code are the controller's, which runs no scenario.
            raise SuiteUsageError(t("run.one_process"))
        record = recording_file(cli)
        if wants_features(config) and not config.option.collectonly:
            check_outputs(config, record)
        if record is not None:
            start_recording(record)  # before the run makes its first client
        say = functools.partial(print, file=sys.stderr, flush=True)
        preflight = settings.kind.preflight
        if preflight is not None:
            # Who and where, before anything is made (the target's own module says what).
            settings = preflight(config, settings, say)
    except SuiteUsageError as exc:
        # One "ERROR: " line per problem: a policy file may have several.
        raise pytest.UsageError(*str(exc).splitlines()) from None
    except KeyboardInterrupt:
        # A Ctrl-C while the target is looked at (a learner's account and its regions, read
        # before anything): pytest ends it before the run's session, and so without its summary
        # and without a word. One line, in the run's language; the exit code stays 2.
        print(t("run.interrupted_before"), file=sys.stderr, flush=True)
        raise
    config.stash[SETTINGS] = settings
    if wants_features(config) and not config.option.collectonly:
        # Each run writes under a folder of its own, so that two runs in one checkout never mix
        # or delete each other's results (an explicit --alluredir still wins).
        folder = RunFolder(reports_dir(Path(config.rootpath)), settings.names.run_id)
        config.stash[RUN_FOLDER] = folder
        if not config.option.allure_report_dir:
            config.option.allure_report_dir = str(folder.allure_results)


@pytest.hookimpl(trylast=True)  # after pytest's own header
def pytest_sessionstart(session: pytest.Session) -> None:
    """Name the run first: its ID is what its resources carry and what the sweeper takes."""
    config = session.config
    folder = config.stash.get(RUN_FOLDER, None)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if folder is None or reporter is None or config.option.collectonly:
        return
    settings = config.stash[SETTINGS]
    reporter.write_line(
        t(
            "run.first",
            run=settings.names.run_id,
            name=settings.names.suffix,
            target=word("target", settings.target),
            region=settings.region,
            folder=config.option.allure_report_dir or folder.path,
        )
    )
    existing = config.stash.get(EXISTING, None)
    if existing is not None:  # its folder is the replay's, whose boundaries it has named
        reporter.write_line(existing.summary(settings.live))
        return
    for note in [*settings.policies.notes(), *discovered_notes(settings.policies)]:
        reporter.write_line(note)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """The run is over: its objects stay as they are until the process ends. Python's cycle
    collector would otherwise walk each of them once more as the interpreter shuts down (about
    0.5 s after the last line), to free memory that the process gives back as it exits anyway.
    atexit handlers and the flushing of open files still run as before."""
    folder = config.stash.get(RUN_FOLDER, None)
    if folder is not None:
        folder.remove_if_empty()  # a run refused once its folder was made leaves none
    gc.freeze()
