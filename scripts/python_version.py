# -*- coding: utf-8 -*-
"""Where the README's two commands (scripts/checklist.py, scripts/check.py) start: in words that
every Python can read, 2.7 on, so that an older one says in one line, in the run's language, that
it is too old. Their work (scripts/checklist_steps.py, scripts/check_steps.py) stopped Python 3.8
and 3.7 with an ImportError, and 3.6 and 2.7 with a SyntaxError, before it could say so; Ubuntu
20.04 and 18.04 still answer python3 with 3.8 and 3.6. Hence no annotations, f-strings or pathlib
here, and the words from the message catalogue read with the json module alone.
"""

import importlib
import io
import json
import os
import sys

MINIMUM = (3, 11)
MESSAGES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "handson", "messages")


def language(argv, environ):  # type: (list[str], dict[str, str]) -> str
    """``--lang X`` or ``--lang=X``, else HANDSON_LANG, else Japanese (as a run chooses)."""
    chosen = environ.get("HANDSON_LANG", "")
    for index, word in enumerate(argv):
        if word.startswith("--lang="):
            chosen = word.split("=", 1)[1]
        elif word == "--lang" and index + 1 < len(argv):
            chosen = argv[index + 1]
    return "en" if chosen == "en" else "ja"


def too_old(version_info, argv, environ):  # type: (tuple[int, ...], list[str], dict[str, str]) -> str | None
    """The line for a Python older than MINIMUM, in the run's language; None for a newer one."""
    if tuple(version_info[:2]) >= MINIMUM:
        return None
    said = words("bootstrap.python_too_old", argv, environ)
    return said.format(version=".".join(str(part) for part in version_info[:3]))


def words(key, argv, environ):  # type: (str, list[str], dict[str, str]) -> str
    """The message catalogue's words for ``key``, in the run's language."""
    path = os.path.join(MESSAGES, language(argv, environ) + ".json")
    with io.open(path, encoding="utf-8") as catalogue:
        return json.load(catalogue)[key]  # not str(): a 2.7 unicode of Japanese would fail it


def say(line):  # type: (str) -> None
    """``line`` on stderr, in the stream's encoding where it holds the line, else in UTF-8 (a
    redirect on a Windows that is not Japanese: cp1252), as handson/console.py does for a run."""
    line += "\n"
    try:
        line.encode(getattr(sys.stderr, "encoding", None) or "ascii")
    except (UnicodeError, LookupError):
        sys.stderr.flush()
        # Python 3's bytes go to the stream's buffer; Python 2's stream takes them itself.
        getattr(sys.stderr, "buffer", sys.stderr).write(line.encode("utf-8"))  # type: ignore[arg-type]
    else:
        sys.stderr.write(line)
    sys.stderr.flush()


def hand_over(argv, steps):  # type: (list[str], str) -> int
    """The command's work (``steps``: a module of this folder, with ``main``) on a Python new
    enough; exit code 1 on an older one, having said so."""
    said = too_old(tuple(sys.version_info[:3]), argv, dict(os.environ))
    if said is not None:
        say(said)
        return 1
    return int(importlib.import_module(steps).main(argv))
