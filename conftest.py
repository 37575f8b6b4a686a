"""Root conftest: the suite's options and plugins. Steps live in steps/, fixtures in fixtures/."""

from __future__ import annotations

import pytest

from handson.errors import SuiteUsageError
from handson.secrets import redact_all_logging, register_host_secrets
from handson.settings import OPTIONS, SETTINGS, resolve

pytest_plugins = [
    "fixtures.target",
    "fixtures.environment",
    "fixtures.principals",
    "fixtures.checkpoints",
    "steps.common",
    "steps.user_steps",
    "steps.role_steps",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("handson", "handson-iam-acceptance")
    for option, (variable, text) in OPTIONS.items():
        flag = "--" + option.replace("_", "-")
        help_text = f"{text} [env {variable}]"
        if option == "keep":
            group.addoption(flag, action="store_true", default=False, help=help_text)
        else:
            group.addoption(flag, dest=f"handson_{option}", default=None, help=help_text)


def pytest_configure(config: pytest.Config) -> None:
    register_host_secrets()
    redact_all_logging()
    cli = {
        option: config.getoption(f"handson_{option}" if option != "keep" else "keep")
        for option in OPTIONS
    }
    try:
        config.stash[SETTINGS] = resolve(cli)
    except SuiteUsageError as exc:
        raise pytest.UsageError(str(exc)) from None
