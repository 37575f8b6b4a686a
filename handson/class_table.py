"""The class table (learner x checkpoint: passed / failed / not decided): for the terminal, as
``class.csv``, and as ``class.html`` (rendered from handson/templates/class.html.j2).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import NamedTuple

from jinja2 import Environment, FileSystemLoader, select_autoescape

from handson.catalogue import CATALOGUE, TALLIED, id_ranges
from handson.class_runs import OUTPUT, Graded
from handson.i18n import display_width, language, listed, listed_first, pad, t
from handson.names import ACCOUNT_IN_TEXT, PLACEHOLDER
from handson.practices import ADVISORY
from handson.secrets import redact

TEMPLATES = Path(__file__).with_name("templates")
LEARNER_PAGE = "output.html"  # a learner's output.txt as a page, linked from the class's
_COLOURS = {
    "passed": "#d9f2d9",
    "failed": "#f8d0d0",
    "not decided": "#eeeeee",
    # The security lessons' outcomes (handson.practices.PracticeOutcome), advisory.
    "findings": "#fff0c0",
    "clear": "#e8f4e8",
    "not applicable": "#eeeeee",
    "not checked": "#eeeeee",
}


# The table's columns: the checkpoints every grading run decides, then the security lessons
# (advisory, never in "passed every checkpoint"); the clean-up's C1-C5 run only with --cleanup,
# never in a grading run.
COLUMNS: tuple[str, ...] = TALLIED + ADVISORY


def _cell(status: str | None) -> str:
    return t(f"class.status.{status}") if status else t("class.status.not decided")


def table_lines(graded: list[Graded]) -> list[str]:
    """The class table for the terminal: one row per learner, saying what to look at (how many
    checkpoints passed, which failed, which were not decided, which lessons have findings), so
    that a class fits a terminal of 80 columns; the cell-per-checkpoint table is the CSV's and
    the HTML page's. A learner whose run decided nothing has why on the line below."""
    header = [
        t("class.learner"),
        t("class.terminal.passed"),
        t("class.terminal.failed"),
        t("class.terminal.undecided"),
        t("class.terminal.findings"),
    ]
    rows = [header, *(_row(g) for g in graded)]
    widths = [max(display_width(r[c]) for r in rows) for c in range(len(header))]
    lines = []
    for row, g in zip(rows, [None, *graded], strict=True):
        cells = [pad(c, w) for c, w in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
        if g is not None and g.reason:
            lines.append("    " + g.reason)
    lines.append(t("class.summary", **_counts(graded)))
    most = [t("class.failed_count", id=i, count=n) for i, n in failed_most(graded)]
    if most:
        lines.append(t("class.failed_most", counts=listed_first(most)))
    return lines


def _how_many(graded: list[Graded], column: str, status: str) -> int:
    return sum(1 for g in graded if g.statuses.get(column) == status)


def failed_most(graded: list[Graded]) -> list[tuple[str, int]]:
    """The checkpoints that learners failed, with how many, the most failed first (of as many,
    in the catalogue's order): what to go over again with the class."""
    counts = [(i, _how_many(graded, i, "failed")) for i in TALLIED]
    return sorted(((i, n) for i, n in counts if n), key=lambda found: -found[1])


class Cause(NamedTuple):
    """Learners who failed a checkpoint with the same hint, their own names made the same."""

    hint: str  # empty: their failure has no hint (each learner's page says what was seen)
    learners: tuple[str, ...]


# What differs between learners' hints of one cause besides their name (in their buckets) and
# their account's ID (names.ACCOUNT_IN_TEXT): their instance's ID (in an ARN).
_INSTANCE = re.compile(r"\bi-[0-9a-f]{8,17}\b")


def causes(graded: list[Graded]) -> list[tuple[str, int, list[Cause]]]:
    """Of each checkpoint learners failed (the most failed first): the learners grouped by the
    hint of their failure, with each one's name, account and instance said alike, so that the
    same mistake is one group; the commonest first. What to go over again, and with whom."""
    found = []
    for checkpoint, count in failed_most(graded):
        groups: dict[str, list[str]] = {}
        for g in graded:
            if g.statuses.get(checkpoint) == "failed":
                hint = _alike(g.hints.get(checkpoint, ""), g.name)
                groups.setdefault(hint, []).append(g.learner.label)
        ordered = sorted(groups.items(), key=lambda group: (-len(group[1]), not group[0]))
        found.append((checkpoint, count, [Cause(h, tuple(who)) for h, who in ordered]))
    return found


def _alike(hint: str, name: str) -> str:
    if name:
        edge = r"[a-z0-9.]"
        hint = re.sub(f"(?<!{edge}){re.escape(name)}(?!{edge})", PLACEHOLDER, hint)
    hint = ACCOUNT_IN_TEXT.sub(t("class.any_account"), hint)
    return _INSTANCE.sub(t("class.any_instance"), hint)


def _footer(graded: list[Graded]) -> list[dict[str, str]]:
    """Under each column, how many learners failed the checkpoint (or have findings of the
    lesson), coloured as such where any did."""
    cells = []
    for i in COLUMNS:
        status = "failed" if i in TALLIED else "findings"
        count = _how_many(graded, i, status)
        cells.append({"text": str(count), "colour": _COLOURS[status] if count else "#ffffff"})
    return cells


def _row(graded: Graded) -> list[str]:
    statuses = graded.statuses
    passed = sum(1 for i in TALLIED if statuses.get(i) == "passed")
    failed = [i for i in TALLIED if statuses.get(i) == "failed"]
    undecided = [i for i in TALLIED if statuses.get(i, "not decided") == "not decided"]
    findings = [i for i in ADVISORY if statuses.get(i) == "findings"]
    return [
        graded.learner.label,
        f"{passed} / {len(TALLIED)}",
        _ids(failed),
        _ids(undecided),
        _ids(findings),
    ]


def _ids(ids: list[str]) -> str:
    """Checkpoint IDs in a cell: ``U1 U5``; three or more in a row of one family as a range,
    ``R2〜R8`` (as the hands-on's own C1〜C5); ``-`` for none; every one of the 13, in a word."""
    if not ids:
        return "-"
    if len(ids) == len(TALLIED):
        return t("class.terminal.all")
    return id_ranges(ids)


def _counts(graded: list[Graded]) -> dict[str, int]:
    full = sum(1 for g in graded if all_passed(g))
    failed = sum(1 for g in graded if "failed" in g.statuses.values())
    return {
        "learners": len(graded),
        "full": full,
        "failed": failed,
        "other": len(graded) - full - failed,
    }


def all_passed(graded: Graded) -> bool:
    """Every checkpoint a grading run decides passed; the security lessons are advisory and never
    count here, nor does the clean-up (run only with --cleanup)."""
    return all(graded.statuses.get(i) == "passed" for i in TALLIED)


TABLE_FILES = ("class.csv", "class.html")
CSV_HEADER = ("learner", "account_id")  # how the table's CSV begins (write_csv)
# How grade's class.html is told from another file: its generator (and, in pages written before
# it said so, the reason column's style, the template's own).
HTML_MARKS = ('<meta name="generator" content="handson grade">', "td.reason{")


def not_a_table(folder: Path) -> Path | None:
    """The first of ``folder``'s class.csv and class.html that handson grade did not write (the
    class list itself, kept as class.csv beside the results; a folder of that name): writing
    the table would replace it."""
    for name in TABLE_FILES:
        path = folder / name
        if not path.exists():
            continue
        try:
            text = path.read_text(CSV_ENCODING, errors="replace")  # a mark or none, both read
        except OSError:
            return path
        first = text.partition("\n")[0]
        ours = (
            first.startswith(",".join(CSV_HEADER) + ",")
            if name.endswith(".csv")
            else any(mark in text for mark in HTML_MARKS)
        )
        if not ours:
            return path
    return None


# The table's CSV begins with UTF-8's byte order mark: Excel opens a CSV by double-click in the
# system's encoding unless it begins so (Shift_JIS on a Japanese Windows: a learner's label in
# Japanese, and the reasons in the run's language, came out garbled).
CSV_ENCODING = "utf-8-sig"


def write_csv(graded: list[Graded], path: Path) -> None:
    with path.open("w", newline="", encoding=CSV_ENCODING) as handle:
        writer = csv.writer(handle)
        writer.writerow([*CSV_HEADER, *COLUMNS, "exit_code", "reason"])
        for g in graded:
            statuses = [g.statuses.get(i, "not decided") for i in COLUMNS]
            writer.writerow(
                [g.learner.label, g.learner.account_id, *statuses, g.exit_code, g.reason]
            )


def write_html(graded: list[Graded], path: Path, when: str) -> None:
    """One static page: the table, each cell coloured, each learner linking to a page of what
    their run showed (written beside their output.txt, in their folder), else to their
    checkpoints.json."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    rows = [
        {
            "label": g.learner.label,
            "page": _learner_page(environment, g),
            "cells": [_html_cell(g, i) for i in COLUMNS],
            "reason": g.reason,
        }
        for g in graded
    ]
    page = environment.get_template("class.html.j2").render(
        lang=language(),
        title=t("class.title"),
        summary=t("class.summary_when", summary=t("class.summary", **_counts(graded)), when=when),
        learner=t("class.learner"),
        reason=t("class.reason"),
        checkpoints=[{"id": i, "title": CATALOGUE[i].short_title()} for i in COLUMNS],
        rows=rows,
        footer=t("class.footer"),
        totals=_footer(graded),
        causes_title=t("class.causes"),
        causes=[
            {
                "heading": t(
                    "class.cause_heading",
                    id=checkpoint,
                    title=CATALOGUE[checkpoint].short_title(),
                    count=count,
                ),
                "causes": [
                    {
                        "count": t("class.cause_count", count=len(c.learners)),
                        "hint": c.hint or t("class.no_hint"),
                        "learners": listed(c.learners),
                    }
                    for c in found
                ],
            }
            for checkpoint, count, found in causes(graded)
        ],
    )
    path.write_text(redact(page), "utf-8")


def _html_cell(graded: Graded, column: str) -> dict[str, str]:
    """A learner's cell of the page: its status, coloured, and a failed one's hint, shown where
    the pointer rests on it."""
    status = graded.statuses.get(column, "not decided")
    return {
        "class": status.replace(" ", "-"),
        "colour": _COLOURS[status],
        "text": _cell(status),
        "title": graded.hints.get(column, ""),
    }


def _learner_page(environment: Environment, graded: Graded) -> str:
    """The learner's page (``output.html`` in their folder) made from their run's output, and
    its name; ``checkpoints.json`` where there is no output (a run that never started)."""
    output = graded.folder / OUTPUT if graded.folder is not None else None
    if output is None or not output.is_file():
        return "checkpoints.json"
    page = environment.get_template("learner.html.j2").render(
        lang=language(),
        title=t("class.learner_title", label=graded.learner.label),
        back=t("class.back"),
        output=output.read_text("utf-8"),
    )
    (output.parent / LEARNER_PAGE).write_text(redact(page), "utf-8")
    return LEARNER_PAGE
