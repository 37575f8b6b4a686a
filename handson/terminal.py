"""The terminal a run writes to: how wide it is, and pytest's section lines fitted to it in
columns (a Japanese character takes two)."""

from __future__ import annotations

from typing import Any

import pytest

from handson.i18n import section_width


def write_section(
    reporter: pytest.TerminalReporter, title: str, sep: str = "=", **markup: bool
) -> None:
    """``reporter.section``: pytest's section line (``==== title ====``), as wide as the
    terminal in columns when the title is Japanese (handson.i18n.section_width)."""
    # pytest types section's keywords as markup flags; it hands them to TerminalWriter.sep,
    # whose fullwidth is the line's width in characters.
    width: Any = fitted(reporter, title)
    reporter.section(title, sep=sep, fullwidth=width, **markup)


def fitted(reporter: pytest.TerminalReporter, title: str) -> int:
    """The width pytest's section line with ``title`` is given, in characters."""
    return section_width(reporter.config.get_terminal_writer().fullwidth, title)


def reporter_of(config: pytest.Config) -> pytest.TerminalReporter:
    """pytest's terminal reporter, for what writes to the terminal whatever the options (watch
    mode's rounds). A run has one: with ``-p no:terminal`` the options pytest.ini adds (``-ra``)
    are refused before anything starts. Were it missing all the same, a UsageError names it,
    where there was a failure on None."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if not isinstance(reporter, pytest.TerminalReporter):
        raise pytest.UsageError("-p no:terminal: this run writes to the terminal")
    return reporter


def terminal_columns(config: pytest.Config) -> int | None:
    """The terminal's width, which the tables are fitted to; None for a file or a pipe, which
    get them as they are."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or not reporter.isatty():
        return None
    return int(config.get_terminal_writer().fullwidth)
