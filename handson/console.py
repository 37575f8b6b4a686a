"""What reaches a person's terminal, on any system: Japanese on any standard stream, and a
command they are told to type, typed as their shell reads it (``typed``).

Japanese is written in the stream's own encoding when it holds Japanese, in UTF-8 when it does
not, and never a crash over a character it lacks.

Python writes to a terminal in UTF-8 on every system, but to a pipe or a file in the system's
encoding. On a Japanese Windows that is cp932, which holds every word the suite writes; on a
Windows in another language it is cp1252 or the like, where the first Japanese line raised
UnicodeEncodeError (``handson cleanup > out.txt``) or came out as ``\\u5c0f\\u6587...``
(pytest's own fallback), and so on GitHub's Windows runners. Only the standard library: the
checklist calls it before anything is installed.
"""

from __future__ import annotations

import io
import shlex
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from handson.secrets import redact  # the standard library's alone, as this module

# What a stream's encoding must hold for the suite's words: kana, kanji and the catalogue's
# full-width punctuation (handson/messages/ja.json).
PROBE = "日本語のチェック（合格）、。「」〜［］【】"


def readable(stream: object) -> None:
    """``stream`` made to write Japanese (a stream that is not a text file is left alone)."""
    if not isinstance(stream, io.TextIOWrapper):
        return
    try:
        PROBE.encode(stream.encoding)
    except (UnicodeEncodeError, LookupError):
        stream.reconfigure(encoding="utf-8", errors="backslashreplace")
        return
    if stream.errors == "strict":
        stream.reconfigure(errors="backslashreplace")  # a path's emoji, say, in cp932


def readable_output() -> None:
    """Standard output and error made to write Japanese: the ones in use, and the process's own
    (``sys.__stdout__``: pytest's capture stands in for ``sys.stdout`` while conftests load)."""
    streams = (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__)
    for stream in {id(s): s for s in streams if s is not None}.values():
        readable(stream)


# The encoding of the output of a child Python that the suite reads back (a learner's run that
# ``handson grade`` grades, the replay of a live run). Left to the system, the child writes a pipe
# or a file in the system's encoding where that holds Japanese (cp932 on a Japanese Windows) and in
# UTF-8 where it does not (cp1252 on a Windows in English, see ``readable``), and the parent reads
# the pipe in the system's encoding: a Windows in English read UTF-8 as cp1252 (``handson grade``
# ended in UnicodeDecodeError), a Japanese Windows wrote the replay's file in cp932, read as UTF-8.
CHILD_OUTPUT = "utf-8"


def child_environment(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` for a child Python whose standard streams write CHILD_OUTPUT on any system."""
    return {**env, "PYTHONIOENCODING": CHILD_OUTPUT}


# How much of a child's last line is quoted: a traceback's last line is its error.
LAST_WORDS = 300


def last_words(path: Path) -> str:
    """The last line a child Python wrote into ``path`` (for one that ended: why), redacted (it
    may quote anything the child held), or an empty string."""
    try:
        said = path.read_text(CHILD_OUTPUT, errors="replace")
    except OSError:
        return ""
    lines = [line.strip() for line in said.splitlines() if line.strip()]
    return redact(lines[-1][:LAST_WORDS]) if lines else ""


# What makes a shell (PowerShell, cmd, bash, zsh) split or read an argument: it goes in quotes.
_SHELL_READS = frozenset(" \t&|<>()[]{};,'*?!#^")
_EXPANDED_IN_DOUBLE_QUOTES = frozenset('"$`')


def typed(argument: str) -> str:
    """``argument`` as a person types it after a command, on any system: as it is when no shell
    reads anything in it, else in double quotes (a Windows folder such as ``C:\\Users\\Taro
    Yamada``; cmd takes no single quotes), else in single quotes where double quotes would
    expand it (``$`` or a backquote: not in a Windows path)."""
    expanded = any(c in _EXPANDED_IN_DOUBLE_QUOTES for c in argument)
    if expanded:
        return shlex.quote(argument)
    if argument and not any(c in _SHELL_READS or c.isspace() for c in argument):
        return argument
    return f'"{argument}"'


def typed_command(words: Sequence[str]) -> str:
    """A command as a person types it: each word as :func:`typed` gives it."""
    return " ".join(typed(word) for word in words)
