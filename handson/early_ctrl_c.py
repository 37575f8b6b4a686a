"""A Ctrl-C while the suite is still being imported: one line in the run's language, not
Python's trace of an import (40 lines of pytest's, boto3's or attrs' frames, exit code -2).

The import takes about a second; seconds on a first run on Windows, where security software
reads each of Python's files, and a learner who typed the wrong command stops it then.
pytest.ini names it with ``-p`` right after the look at what is installed, before the rest of the
suite; the run's own handling takes over at its configure (:func:`handled_by_the_run`), where
pytest catches a Ctrl-C itself. What pytest imports before this module is not covered.
"""

from __future__ import annotations

import os
import sys
from types import TracebackType

from handson.i18n import DEFAULT_LANGUAGE, LANGUAGES, catalogue
from handson.run_folder import option_value

_before = sys.excepthook


def _said(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    if not issubclass(kind, KeyboardInterrupt):
        _before(kind, value, tb)
        return
    # The run's language as its settings will choose it, read before anything is parsed.
    given = option_value(sys.argv[1:], "--lang") or os.environ.get("HANDSON_LANG", "")
    language = given.strip().lower() if given.strip().lower() in LANGUAGES else DEFAULT_LANGUAGE
    print(catalogue(language)["run.interrupted_before"], file=sys.stderr, flush=True)


sys.excepthook = _said


def handled_by_the_run() -> None:
    """The run handles a Ctrl-C from here on: Python's own hook again."""
    if sys.excepthook is _said:
        sys.excepthook = _before
