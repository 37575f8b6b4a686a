"""The output the READMEs quote, checked against what a run prints.

A fenced block is an output quote when an HTML comment names the run it comes from on the line
before its fence::

    <!-- output: open-without-slash-star -->
    ```
    R4 EC2から handson-s3-2-<自分の名前> ...
    ```

The label is the run's: ``seed`` for the hands-on's own policies, a mistake of
tests/helpers/mutations.py (or tests/test_learner_run.py's ``open-without-slash-star``) for a
broken set. README.ja.md quotes the Japanese runs, README.md the English ones. Command blocks carry
no comment and are never compared.

Both sides are masked (:func:`mask`) before they are compared, so that a quote written for the
name ``taro`` matches a run made with ``taro-1a2b3c4d``, and a line of ``…`` leaves out lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.masks import AWS_IDS, DURATION, PADDING, RUN_ID, Mask, apply

ROOT = Path(__file__).resolve().parents[2]
READMES = (ROOT / "README.md", ROOT / "README.ja.md")

_QUOTE = re.compile(
    r"^<!--\s*output:\s*(?P<label>[\w.-]+)\s*-->[ \t]*\n"
    r"(?P<fence>```|~~~)[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.M | re.S,
)
ELLIPSIS = {"…", "...", "⋮"}  # a quoted line that only says "lines left out here"

# Masks, in order: a run ID holds a time, a time looks like a default name's date.
_MASKS: list[Mask] = [
    RUN_ID,
    (re.compile(r"\bname [^\s,]+,"), "name <name>,"),
    (
        re.compile(
            r"\bhandson-(s3-[12]|iam-user-policy|iam-role-policy|iam-user|iam-role|sg)"
            r"-(?!policy\b)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
        ),
        r"handson-\1-<name>",
    ),
    (re.compile(r"\b\d{8}-[0-9a-z]{6}\b"), "<name>"),  # a default name outside a resource name
    (
        re.compile(r"(?:~|/tmp|/var/folders|/private|/home|/Users|/work)(?:/[^\s/'\"（）]+)*/"),
        "<dir>/",
    ),
    (re.compile(r"\b[A-Za-z]:\\(?:[^\s\\'\"（）]+\\)*"), "<dir>/"),
    *AWS_IDS,  # before the account: an instance's or a key's ID may hold twelve digits
    (re.compile(r"(?<![\d-])\d{12}(?![\d-])"), "<account>"),
    DURATION,
    PADDING,
    (re.compile(r"[ \t]+"), " "),  # table columns follow the widest cell
]


@dataclass(frozen=True)
class Quote:
    readme: str  # the README's file name
    label: str  # the run it quotes
    line: int  # where its fence opens, 1-based
    text: str


def quotes(text: str, readme: str = "README.md") -> list[Quote]:
    """The output quotes of a README's text, in order."""
    return [
        Quote(readme, m["label"], text.count("\n", 0, m.start("fence")) + 1, m["body"])
        for m in _QUOTE.finditer(text)
    ]


def quotes_in(path: Path) -> list[Quote]:
    return quotes(path.read_text("utf-8"), path.name)


def quoted_labels(readmes: Iterable[Path] = READMES) -> dict[str, set[str]]:
    """For each README, the labels of the runs it quotes (README.ja.md: Japanese runs)."""
    return {path.name: {q.label for q in quotes_in(path)} for path in readmes}


def mask(text: str, names: Iterable[str] = ()) -> str:
    """``text`` without what changes from run to run: run IDs, names, times, paths, account,
    instance and key IDs, pytest's padding and column widths. ``names`` are replaced first."""
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, "<name>")
    return "\n".join(line.strip() for line in apply(text, _MASKS).splitlines())


def lines_missing(block: str, run_stdout: str, names: Iterable[str] = ()) -> list[str]:
    """The quoted lines (as written) whose masked form is no whole masked line of the run's
    output. Blank lines and ``…`` lines of the quote are not compared; a quoted line that ends in
    ``…`` (or ``...``) needs only to begin a printed line."""
    names = tuple(names)
    printed = mask(run_stdout, names).splitlines()
    missing = []
    for line in block.splitlines():
        masked = mask(line, names)
        if not masked or masked in ELLIPSIS:
            continue
        cut = next((masked[: -len(e)] for e in ELLIPSIS if masked.endswith(e)), None)
        if cut is not None:
            found = any(p.startswith(cut.rstrip()) for p in printed)
        else:
            found = masked in printed
        if not found:
            missing.append(line)
    return missing


def quote_problems(label: str, output: str, names: Iterable[str] = (), readme: str = "") -> str:
    """Each README quote of ``label`` (or only ``readme``'s) whose lines ``output`` lacks, as one
    text for an assertion; "" when every quoted line was printed. No such quote is a problem too:
    the caller's label is a typo, or the README lost its quote."""
    found = [q for path in READMES for q in quotes_in(path) if q.label == label]
    found = [q for q in found if not readme or q.readme == readme]
    if not found:
        return f"no README quotes a run labelled {label!r}"
    problems = [
        f"{q.readme}:{q.line} quotes lines the run did not print: {missing}"
        for q in found
        if (missing := lines_missing(q.text, output, names))
    ]
    return "\n".join(problems)
