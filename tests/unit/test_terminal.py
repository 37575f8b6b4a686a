"""handson/terminal.py: what writes to pytest's terminal finds its reporter, or says in one line
that the run has none."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from handson.terminal import reporter_of


def _config(plugin: object) -> Any:
    manager = SimpleNamespace(get_plugin=lambda name: plugin if name == "terminalreporter" else 0)
    return SimpleNamespace(pluginmanager=manager)


def test_the_terminal_reporter_is_found(pytestconfig: pytest.Config) -> None:
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    assert isinstance(reporter, pytest.TerminalReporter)
    assert reporter_of(pytestconfig) is reporter
    assert reporter_of(_config(reporter)) is reporter


def test_a_run_without_one_is_a_usage_error_not_a_crash() -> None:
    """No reporter, or something else under its name (``-p no:terminal`` is refused earlier, as
    pytest.ini's -ra is then unknown)."""
    for plugin in (None, object()):
        with pytest.raises(pytest.UsageError, match="-p no:terminal"):
            reporter_of(_config(plugin))
