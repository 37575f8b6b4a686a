"""What a person reads, in their language: one catalogue per language (handson/messages/*.json),
Japanese by default (the hands-on and its learners are Japanese), English with ``--lang en``
(``HANDSON_LANG=en``). Both catalogues have the same keys (tests/unit/test_i18n.py)."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

MESSAGES = Path(__file__).with_name("messages")
LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"

_chosen = [DEFAULT_LANGUAGE]


@cache
def catalogue(language: str) -> dict[str, str]:
    return dict(json.loads((MESSAGES / f"{language}.json").read_text("utf-8")))


def set_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(language)
    _chosen[0] = language


def language() -> str:
    return _chosen[0]


class Key(str):
    """A value that is itself a message key: put in as its words, in the language of the text it
    goes into (a finding carries it untranslated until it is shown)."""


def t(key: str, **values: object) -> str:
    """The text for ``key`` in the run's language, with ``values`` put in."""
    words = {name: t(v) if isinstance(v, Key) else v for name, v in values.items()}
    return catalogue(_chosen[0])[key].format(**words)


def listed(items: Iterable[str]) -> str:
    """Names put one after another in a sentence of the run's language: 「U4、U5」, "U4, U5"."""
    return t("list.separator").join(items)


def listed_first(items: Sequence[str], shown: int = 3) -> str:
    """The first ``shown`` names and a word for the rest: 「a、b、c など」, "a, b, c, ..."."""
    if len(items) <= shown:
        return listed(items)
    return t("list.and_more", named=listed(items[:shown]))


def word(prefix: str, name: str) -> str:
    """``name``'s word in the run's language (the message ``prefix.name``), or ``name`` as it is
    where the catalogue has none: a test's own target, a state AWS added."""
    key = f"{prefix}.{name}"
    return t(key) if has(key) else name


def has(key: str) -> bool:
    return key in catalogue(_chosen[0])


def display_width(text: str) -> int:
    """Columns a text takes in a terminal: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def section_width(fullwidth: int, title: str) -> int:
    """The width to give pytest's section line (``==== title ====``) so that it fits
    ``fullwidth`` columns: pytest fills it by counting characters, and a Japanese title takes
    two columns a character, so the line ran past the terminal and broke in two."""
    return fullwidth - (display_width(title) - len(title))


# What a Japanese line does not begin with (kinsoku): it stays on the line before.
_NO_LINE_START = frozenset(
    "、。，．）」』】〉》・：；？！ー々"  # closing marks
    ":;,.)]}!?"  # their ASCII forms, as a message writes them after Japanese ("ません: IAM")
    "ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"  # small kana
)


def wrap_columns(text: str, columns: int) -> list[str]:
    """``text`` in lines of at most ``columns`` terminal columns: broken at spaces, and between
    two East Asian wide characters (Japanese puts no spaces between words), never before a
    closing mark (。、）」); a word wider than a line (an ARN) stays whole on a line of its own."""
    pieces: list[tuple[str, str]] = []  # (the space before it, the piece)
    space = ""
    for char in text:
        if char.isspace():
            space = " " if pieces else ""
            continue
        wide = display_width(char) == 2
        last = pieces[-1][1] if pieces else ""
        joins = (
            not space
            and last
            and (char in _NO_LINE_START or (not wide and display_width(last[-1]) == 1))
        )
        if joins:
            pieces[-1] = (pieces[-1][0], last + char)
        else:
            pieces.append((space, char))
        space = ""
    lines: list[str] = []
    line = ""
    for before, piece in pieces:
        if line and display_width(line + before + piece) > columns:
            lines.append(line)
            line = piece
        else:
            line += before + piece
    return [*lines, line] if line else lines


def hanging(first: str, text: str, columns: int | None) -> list[str]:
    """``first`` (a list item's number, say) and ``text`` in lines of at most ``columns``
    terminal columns, the lines after the first indented under the text; one line when
    ``columns`` is None (a file or a pipe)."""
    if columns is None:
        return [first + text]
    indent = display_width(first)
    parts = wrap_columns(text, max(columns - indent, 20)) or [""]
    return [first + parts[0], *(" " * indent + part for part in parts[1:])]


def pad(text: str, width: int) -> str:
    """``text`` with spaces after it to fill ``width`` terminal columns (none when it is wider)."""
    return text + " " * (width - display_width(text))
