"""Why a learner's policy file cannot be sent to IAM as it is, said where the slip is, in the
run's language: the file is not JSON, or it holds a character IAM does not take.

Python's json module says what it expected where it stopped reading ("Expecting property name
enclosed in double quotes"). A learner's usual slips are not what it names there: a comma after
the last item, a comment, and characters that look like JSON's own but are not. Those come from
typing with a Japanese input method left on (``：`` ``、`` ``　``) or from copying a policy out
of a web page or a word processor (``“`` ``”``, a no-break space). Each is named as what it is,
at its own line and column, with what to write instead.

Inside a string such a character is valid JSON, and IAM refuses it all the same: "Policy
documents can contain only the following Unicode characters: horizontal tab (U+0009), linefeed
(U+000A), carriage return (U+000D), and characters in the range U+0020 to U+00FF" (IAM User
Guide, "IAM and AWS STS quotas"). The suite sends its documents as ``json.dumps`` writes them,
with such characters escaped, so neither the emulator nor IAM would stop them; a learner who
pastes the file into the console is stopped. ``refused_characters`` finds them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from handson.i18n import Key, t

# What Python's json module says of a document it cannot read (the start of its message, as
# Python 3.11 to 3.14 word it), and the message that says it to a learner in the run's language.
# A message not listed here is shown in Python's own words.
JSON_ERRORS: tuple[tuple[str, str], ...] = (
    ("Expecting value", "json.expecting_value"),
    ("Expecting property name enclosed in double quotes", "json.expecting_name"),
    ("Expecting ':' delimiter", "json.expecting_colon"),
    ("Expecting ',' delimiter", "json.expecting_comma"),
    ("Unterminated string starting at", "json.unterminated_string"),
    ("Invalid control character", "json.control_character"),
    ("Invalid \\uXXXX escape", "json.bad_unicode_escape"),
    ("Invalid \\escape", "json.bad_escape"),
    ("Extra data", "json.extra_data"),
    ("Illegal trailing comma before end of object", "json.trailing_comma_object"),
    ("Illegal trailing comma before end of array", "json.trailing_comma_array"),
)

# A comment where the reader stopped: JSON has none (an editor's JSONC and YAML habits).
COMMENT_STARTS = ("//", "/*", "#")

# Characters that stand where JSON wants one of its own: the kind (its messages are
# lookalike.<kind>.what and lookalike.<kind>.fix) and what to write instead ("" for one to delete).
QUOTES = {"\u201c": '"', "\u201d": '"', "\u2018": '"', "\u2019": '"', "\uff02": '"', "\uff07": '"'}
LOOK_ALIKES: dict[str, tuple[str, str]] = {
    "\u3000": ("fullwidth_space", " "),
    "\u00a0": ("nbsp", " "),
    "\u200b": ("invisible", ""),
    "\u2060": ("invisible", ""),
    "\ufeff": ("invisible", ""),
    **{quote: ("curly_quote", straight) for quote, straight in QUOTES.items()},
    "'": ("single_quote", '"'),
    "\uff1a": ("fullwidth_mark", ":"),
    "\uff0c": ("fullwidth_mark", ","),
    "\u3001": ("fullwidth_mark", ","),
    "\uff5b": ("fullwidth_mark", "{"),
    "\uff5d": ("fullwidth_mark", "}"),
    "\uff3b": ("fullwidth_mark", "["),
    "\uff3d": ("fullwidth_mark", "]"),
}
SPACES = ("fullwidth_space", "nbsp", "invisible")


@dataclass(frozen=True)
class Slip:
    """One slip in a file: where it is (line and column from 1, as json counts them), its
    message and the message's fields."""

    line: int
    column: int
    key: str
    fields: tuple[tuple[str, object], ...] = field(default=())

    def text(self, path: Path | str, more: int = 0) -> str:
        """The line a learner reads; ``more``: how many more of its kind the file holds."""
        others = t("policy.more_places", count=more) if more else ""
        values = dict(self.fields)
        return t(self.key, path=path, line=self.line, column=self.column, more=others, **values)


def json_error_words(message: str) -> str:
    """What json.JSONDecodeError's ``msg`` says, in the run's language."""
    key = next((key for start, key in JSON_ERRORS if message.startswith(start)), None)
    return t(key) if key is not None else message


def slip_of(error: json.JSONDecodeError) -> Slip:
    """Why ``error.doc`` is not JSON: nothing in it, a look-alike character at its own place (see
    ``_look_alike``), a comment, a comma after the last item, or what json expected there."""
    text, position = error.doc, error.pos
    if not text.strip():  # saved before the policy was pasted in
        return Slip(1, 1, "policy.empty")
    found = _look_alike(text, position)
    if found is not None:
        return _look_alike_slip(text, found)
    if text[position:].startswith(COMMENT_STARTS):
        return _not_json(error, Key("json.comment"))
    comma = _trailing_comma(text, position)
    if comma is not None:
        closing = text[comma + 1 :].lstrip()[:1]
        key = "json.trailing_comma_object" if closing == "}" else "json.trailing_comma_array"
        return Slip(*_place(text, comma), "policy.not_json", (("error", Key(key)),))
    return _not_json(error, json_error_words(error.msg))


def _trailing_comma(text: str, position: int) -> int | None:
    """Where the comma after the last item is, when that is what stopped the reader: Python 3.11
    and 3.12 stop at the ``}`` or ``]`` after it, 3.13 at the comma itself (and say so). The
    learner is shown the comma, on every Python."""
    ahead = text[position:]
    if ahead.startswith(",") and ahead[1:].lstrip()[:1] in ("}", "]"):
        return position
    before = text[:position].rstrip()
    if ahead[:1] in ("}", "]") and before.endswith(","):
        return len(before) - 1
    return None


def refused_characters(text: str, spared: Iterable[range] = ()) -> list[Slip]:
    """Each character of ``text`` that IAM does not take in a policy document, in the order of
    the text; characters at the indexes ``spared`` are left to other checks (a name's own)."""
    skip = {index for span in spared for index in span}
    return [
        _look_alike_slip(text, index) if mark in LOOK_ALIKES else _refused(text, index)
        for index, mark in enumerate(text)
        if not _iam_takes(mark) and index not in skip
    ]


def _iam_takes(mark: str) -> bool:
    return mark in "\t\n\r" or "\u0020" <= mark <= "\u00ff"


def _not_json(error: json.JSONDecodeError, words: str) -> Slip:
    return Slip(error.lineno, error.colno, "policy.not_json", (("error", words),))


def _look_alike(text: str, position: int) -> int | None:
    """The look-alike that stopped the reader: the one where it stopped, or else the first
    curly quote before it (a string opened with " and closed with ” runs on, and the reader
    stops further down, where nothing is wrong)."""
    if text[position : position + 1] in LOOK_ALIKES:
        return position
    return next((i for i, mark in enumerate(text[:position]) if mark in QUOTES), None)


def _look_alike_slip(text: str, index: int) -> Slip:
    mark = text[index]
    kind, straight = LOOK_ALIKES[mark]
    code = f"U+{ord(mark):04X}"
    values = {"mark": mark, "code": code, "straight": straight}
    what = t(f"lookalike.{kind}.what", **values)
    fix = t(f"lookalike.{kind}.fix", **values)
    return Slip(*_place(text, index), "policy.look_alike", (("what", what), ("fix", fix)))


def _refused(text: str, index: int) -> Slip:
    mark = text[index]
    code = f"U+{ord(mark):04X}"
    return Slip(*_place(text, index), "policy.not_iam_character", (("mark", mark), ("code", code)))


def _place(text: str, index: int) -> tuple[int, int]:
    """Line and column (from 1) of ``text[index]``, as json counts them."""
    line = text.count("\n", 0, index) + 1
    return line, index - text.rfind("\n", 0, index)


def mended(text: str) -> str:
    """``text`` with each look-alike written as the learner is told to write it, spaces dropped
    (inside a value a space is rarely meant): what the rest of the checks read once those
    slips are mended."""
    written = {mark: "" if kind in SPACES else fix for mark, (kind, fix) in LOOK_ALIKES.items()}
    return "".join(mark if _iam_takes(mark) else written.get(mark, mark) for mark in text)
