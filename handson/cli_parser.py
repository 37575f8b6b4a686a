"""The ``handson`` commands' command lines, in the run's language.

The language is read before anything is parsed (``--lang``, else ``HANDSON_LANG``), so that the
help, the usage and a refused command line are all in it. Python ships no Japanese for argparse,
so its own words are put into Japanese here: the headings and the ``--help`` line by name, and
the errors it raises by their gettext message IDs (the English format strings argparse passes to
``gettext``, its translators' contract), matched against the message it formed. An error worded
otherwise by another Python stays in English, whole and readable.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import NoReturn

from handson.console import readable_output
from handson.errors import SuiteUsageError
from handson.i18n import set_language, t
from handson.regions import DEFAULT_REGION, checked_region
from handson.run_folder import option_value
from handson.settings import language_of

# argparse's gettext message IDs -> our key, and the names its values take there, in order.
ARGPARSE_ERRORS: dict[str, tuple[str, tuple[str, ...]]] = {
    "the following arguments are required: %s": ("required", ("arguments",)),
    "one of the arguments %s is required": ("one_of", ("arguments",)),
    "unrecognized arguments: %s": ("unrecognized", ("arguments",)),
    "not allowed with argument %s": ("not_with", ("argument",)),
    "expected one argument": ("one_value", ()),
    "ambiguous option: %(option)s could match %(matches)s": ("ambiguous", ("option", "matches")),
    "invalid %(type)s value: %(value)r": ("invalid_value", ("type", "value")),
    "invalid choice: %(value)r (choose from %(choices)s)": ("invalid_choice", ("value", "choices")),
    "ignored explicit argument %r": ("ignored", ("value",)),
}
_ARGUMENT = re.compile(r"argument (?P<argument>\S+): (?P<message>.+)", re.DOTALL)
_PLACEHOLDER = re.compile(r"%(?:\([a-z_]+\))?[sr]")


def _pattern(message_id: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(message_id)
    return re.compile("(.+?)".join(re.escape(part) for part in parts) + r"\Z", re.DOTALL)


_PATTERNS = [(_pattern(message_id), found) for message_id, found in ARGPARSE_ERRORS.items()]


def argparse_error(message: str, argv: Sequence[str] = ()) -> str:
    """argparse's error ``message`` in the run's language (as it is when no ID matches). An
    option's value that starts with "-" (``--name -taro``) is read as an option: where ``argv``
    shows one, the line says so and how to write it."""
    argument = _ARGUMENT.match(message)
    if argument is not None:
        option = argument["argument"]
        dashed = (
            _dashed_value(option, argv) if argument["message"] == "expected one argument" else None
        )
        inner = _dash_words(option, dashed) if dashed else argparse_error(argument["message"])
        return t("cli.argparse.argument", argument=option, message=inner)
    for pattern, (key, names) in _PATTERNS:
        found = pattern.match(message)
        if found is not None:
            values = dict(zip(names, found.groups(), strict=True))
            if key == "invalid_value" and values["type"] == "int":
                key = "invalid_int"  # a number, as a learner would say it
                del values["type"]
            return t(f"cli.argparse.{key}", **values)
    return message


def _dash_words(option: str, dashed: str) -> str:
    """Why ``dashed`` was no value of ``option``, and how to give it. A name can never start
    with "-" (S3's rule): ``--name=-taro`` would only be refused next, so the name without its
    dashes is shown instead."""
    fixed = dashed.lstrip("-")
    if option == "--name" and fixed:
        return t("cli.argparse.one_value_dash_name", option=option, value=dashed, fixed=fixed)
    return t("cli.argparse.one_value_dash", option=option, value=dashed)


def _dashed_value(option: str, argv: Sequence[str]) -> str | None:
    """The word after ``option`` in ``argv`` when it starts with "-"; else None."""
    words = list(argv)
    for index, word in enumerate(words[:-1]):
        if word == option and words[index + 1].startswith("-"):
            return words[index + 1]
    return None


def asked_language(words: Sequence[str], environ: Mapping[str, str]) -> str:
    """The language a command line not parsed yet asks for (``--lang``, else HANDSON_LANG)."""
    return language_of({"lang": option_value(words, "--lang")}, dict(environ))


def speak_first(argv: Sequence[str] | None) -> list[str] | None:
    """The command line (``sys.argv``'s when None), the run's language set from its ``--lang``
    or HANDSON_LANG before any parser exists; None, after one line in both languages on
    stderr, for a language that is not ja or en."""
    readable_output()  # before the first line: Japanese on a redirect in any system's encoding
    words = sys.argv[1:] if argv is None else list(argv)
    try:
        set_language(asked_language(words, os.environ))
    except SuiteUsageError as error:
        print(error, file=sys.stderr)
        return None
    return words


def refused_by_pytest(
    prog: str, message: str, argv: Sequence[str], environ: Mapping[str, str]
) -> str | None:
    """pytest's refusal of its command line (argparse's ``message``) as the one line the suite
    gives bad input, in the run's language (``--lang`` in ``argv``, else HANDSON_LANG); None in
    English, where pytest's own words stay, and when the language is not one the suite speaks."""
    try:
        language = asked_language(argv, environ)
    except SuiteUsageError:
        return None
    if language == "en":
        return None
    set_language(language)
    return t("cli.argparse.error", prog=prog, message=argparse_error(message, argv))


def refusal(message: object) -> str:
    """The line a command prints when it refuses its input or account: one per problem where
    the refusal names several (each bad row of a class's CSV), each marked as pytest marks its
    own."""
    lines = str(message).splitlines() or [""]
    return "\n".join(t("cli.error", message=line) for line in lines)


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        words = t("cli.usage_prefix") if prefix is None else prefix
        super().add_usage(usage, actions, groups, words)


class Parser(argparse.ArgumentParser):
    """An argument parser whose help, usage and errors are in the run's language (call
    speak_first before making it). ``word`` names the command: its description is cli.<word>.
    ``lang=False`` leaves --lang out, for a command that passes it on (handson watch)."""

    def __init__(self, prog: str, word: str, epilog: str | None = None, lang: bool = True) -> None:
        super().__init__(
            prog=prog,
            description=t(f"cli.{word}"),
            epilog=epilog,
            formatter_class=_Formatter,
            add_help=False,
        )
        self._positionals.title = t("cli.positionals")
        self._optionals.title = t("cli.options")
        self.add_argument(
            "-h", "--help", action="help", default=argparse.SUPPRESS, help=t("cli.help")
        )
        if lang:
            self.add_argument("--lang", metavar="LANG", help=t("cli.lang"))

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """argparse's, then ``--region`` checked as a run checks it: a mistyped region is one
        line before any account is reached, not an endpoint that cannot be found."""
        self._words = list(sys.argv[1:] if args is None else args)  # for error()
        parsed, rest = super().parse_known_args(args, namespace)
        region = getattr(parsed, "region", None)
        if isinstance(region, str):
            try:
                parsed.region = checked_region(region)
            except SuiteUsageError as error:
                self.error(str(error))
        return parsed, rest

    def error(self, message: str) -> NoReturn:
        """One line, as every refusal of bad input is: what is wrong, and where the usage is."""
        words = getattr(self, "_words", [])
        said = t("cli.argparse.error", prog=self.prog, message=argparse_error(message, words))
        self.exit(2, said + "\n")

    def add_account_options(self, allowed: str = "cli.allowed_account") -> None:
        """--region, --endpoint-url and --allowed-account (its help: ``allowed``), as every
        command that reaches an account has them."""
        self.add_argument(
            "--region",
            default=os.environ.get("HANDSON_REGION", DEFAULT_REGION),
            help=t("cli.region", region=DEFAULT_REGION),
        )
        self.add_argument(
            "--endpoint-url",
            default=os.environ.get("HANDSON_ENDPOINT_URL"),
            help=t("cli.endpoint_url"),
        )
        self.add_argument("--allowed-account", action="append", help=t(allowed))
