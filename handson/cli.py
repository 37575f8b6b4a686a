"""``handson``: the suite's commands for people, one word each.

    handson discover --out DIR ...     read a hand-built environment's policies (read-only)
    handson grade --accounts FILE ...  grade a class, one learner's account after another
    handson sweep [--delete] ...       list, and remove when asked, what runs left behind
    handson cleanup [--delete] ...     the hands-on's 片付け: list, and delete when asked, what it
                                       left in your account (the hands-on's resources only)
    handson watch [--policies DIR]     check again on every save of a policy file, on the
                                       emulator, the environment built once (Ctrl-C ends it)
    handson calls REAL OFFLINE         compare two --record-calls records; print the differences

Each sub-command is the module ``python -m handson.<word>`` runs, with the same options.
``pytest features/`` stays the way to run the checklist."""

from __future__ import annotations

import importlib
import sys

from handson.console import readable_output
from handson.i18n import listed, t
from handson.installed import what_is_missing
from handson.signals import INTERRUPTED_EXIT

# The word -> the module whose main(argv, prog=...) runs it.
COMMANDS = {
    "discover": "handson.discover",
    "grade": "handson.grade",
    "sweep": "handson.sweep",
    "cleanup": "handson.cleanup",
    "watch": "handson.watch",
    "calls": "handson.calls",
}


def usage() -> str:
    words = "\n".join(f"  handson {word:<9} {t(f'cli.{word}')}" for word in COMMANDS)
    return f"{t('cli.usage')}\n{words}\n{t('cli.more')}"


# A command refused before it starts (what it needs is not installed), as a run's usage error.
REFUSED_EXIT = 4


def main(argv: list[str] | None = None) -> int:
    """``handson <word> ...``. A Ctrl-C at any point, while the command's modules are still
    being imported too (seconds on a first run, where security software reads each of Python's
    files), is its one line, not Python's trace."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        return interrupted(_word_of(sys.argv[1:] if argv is None else argv))


def _main(argv: list[str] | None) -> int:
    missing = what_is_missing(argv)  # before anything imports it (handson/installed.py)
    if missing is not None:
        readable_output()
        print(f"ERROR: {missing}", file=sys.stderr)
        return REFUSED_EXIT
    from handson.cli_parser import speak_first  # its imports are among what is looked for

    args = speak_first(argv)  # --lang (before the word too) or HANDSON_LANG
    if args is None:
        return 2
    leading = _leading_lang(args)  # handson --lang en sweep ...: passed on to the command
    args = args[len(leading) :]
    if not args or args[0] in ("-h", "--help"):
        print(usage(), file=sys.stdout if args else sys.stderr)
        return 0 if args else 2
    word, rest = args[0], args[1:]
    if word not in COMMANDS:
        print(t("cli.unknown", word=word, words=listed(COMMANDS)), file=sys.stderr)
        return 2
    return command(word, [*leading, *rest], prog=f"handson {word}")


def command(word: str, argv: list[str] | None = None, prog: str | None = None) -> int:
    """One command, as ``handson <word>`` and ``python -m handson.<word>`` run it: stopped by
    Ctrl-C, it says so in one line in the run's language (what it was doing ended through its
    own ``finally`` blocks first), not with Python's trace."""
    try:
        module = importlib.import_module(COMMANDS[word])  # seconds, on a first run
        return int(module.main(argv, **({"prog": prog} if prog else {})))
    except KeyboardInterrupt:
        return interrupted(word)


def interrupted(word: str) -> int:
    """The one line of a command stopped by Ctrl-C ("handson" alone before its word is known)."""
    print(t("cli.interrupted", command=f"handson {word}".strip()), file=sys.stderr)
    return INTERRUPTED_EXIT


def _word_of(args: list[str]) -> str:
    """The command's word among its arguments, as far as it can be told unparsed."""
    words = [a for a in args[len(_leading_lang(args)) :] if not a.startswith("-")]
    return words[0] if words and words[0] in COMMANDS else ""


def _leading_lang(args: list[str]) -> list[str]:
    """``--lang X`` or ``--lang=X`` given before the command's word."""
    if args[:1] and args[0].startswith("--lang="):
        return args[:1]
    if args[:1] == ["--lang"] and len(args) > 1:
        return args[:2]
    return []


if __name__ == "__main__":
    sys.exit(main())
