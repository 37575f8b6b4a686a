"""Root conftest: the suite's options and plugins. Steps live in steps/, fixtures in fixtures/."""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib.util
import os
import shlex
import sys
from pathlib import Path
from typing import Any, NoReturn

import _pytest.config.argparsing
import pytest

# First: it starts the emulator's process now, while the rest imports (see there).
import handson.targets.emulator_early  # noqa: F401
from handson.call_record import recording_file, start_recording
from handson.cli_parser import asked_language, refused_by_pytest
from handson.console import readable_output
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
from handson.settings import DEFAULT_REGION, FLAGS, OPTIONS, SETTINGS, language_of, resolve
from handson.targets.existing import EXISTING

# The suite's plugins, named here rather than found among whatever is installed (pytest.ini:
# --disable-plugin-autoload): pytest imported every installed plugin before this file, so the
# emulator's process above started 0.15 s later, and a plugin installed for something else
# (one that reorders tests, say) would have joined the run. pytest-xdist only where the
# suite's own tests installed it (requirements-dev.txt): `pytest tests/ -n 3`.
_XDIST = ["xdist.plugin", "xdist.looponfail"] if importlib.util.find_spec("xdist") else []
pytest_plugins = [
    "pytest_bdd.plugin",
    "allure_pytest_bdd.plugin",
    *_XDIST,
    "fixtures.target",
    "fixtures.environment",
    "fixtures.principals",
    "fixtures.checkpoints",
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


def command_line() -> list[str]:
    """pytest's command line as a person gave it, before pytest has parsed it: PYTEST_ADDOPTS
    first, as pytest reads it."""
    return [*shlex.split(os.environ.get("PYTEST_ADDOPTS", "")), *sys.argv[1:]]


def refuse_in_run_language() -> None:
    """pytest's refusal of a command line it cannot parse (an unknown option, a missing value)
    in the run's language, one line as all bad input is (handson.cli_parser.refused_by_pytest).
    pytest has no hook for it: its parser's ``error`` (pinned pytest; tests/test_bad_input.py
    runs it) is replaced when this file is imported, before pytest parses the whole command
    line. Without that parser (another pytest), pytest's own English stays."""
    parser_class = getattr(_pytest.config.argparsing, "PytestArgumentParser", None)
    if parser_class is None:
        return
    own = parser_class.error

    def error(self: Any, message: str) -> NoReturn:
        line = refused_by_pytest(self.prog, message, command_line(), os.environ)
        if line is None:
            own(self, message)
        raise pytest.UsageError(line)

    parser_class.error = error


refuse_in_run_language()
readable_output()  # Japanese on a redirect in any system's encoding (handson/console.py)


def pytest_addoption(parser: pytest.Parser) -> None:
    """The run's options, described in the run's language (``pytest features/ --help``): the
    command line's --lang, else HANDSON_LANG, read before pytest parses them."""
    with contextlib.suppress(SuiteUsageError):  # a language the suite does not speak: refused later
        set_language(asked_language(command_line(), os.environ))
    group = parser.getgroup("handson", "handson-iam-acceptance", after="general")
    for option, variable in OPTIONS.items():
        flag = "--" + option.replace("_", "-")
        text = t(f"option.{option}", region=DEFAULT_REGION)
        help_text = text + t("option.env", variable=variable)
        if option == "keep":
            group.addoption(flag, action="store_true", default=False, help=help_text)
        elif option in FLAGS:
            group.addoption(
                flag, dest=f"handson_{option}", action="store_true", default=False, help=help_text
            )
        elif option == "allowed_account":
            group.addoption(flag, dest=f"handson_{option}", action="append", help=help_text)
        else:
            group.addoption(flag, dest=f"handson_{option}", default=None, help=help_text)


@pytest.hookimpl(tryfirst=True)  # before pytest's own help, which is long and in English
def pytest_cmdline_main(config: pytest.Config) -> None:
    """``--help``: first, in the run's language, where the suite's own options are (the
    section named handson-iam-acceptance, right after pytest's general options)."""
    if config.option.help:
        print(t("help.ours"), flush=True)


@pytest.hookimpl(tryfirst=True)  # before allure's own, which reads --alluredir
def pytest_configure(config: pytest.Config) -> None:
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
    for note in settings.policies.notes():
        reporter.write_line(note)
    existing = config.stash.get(EXISTING, None)
    if existing is not None:
        reporter.write_line(existing.summary(settings.live))


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
