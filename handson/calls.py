"""Compare a real run's calls with the offline run's.

    handson calls reports/runs/<run ID>/calls.jsonl docs/reference/offline-calls.jsonl

Both files are ``--record-calls`` records (handson/call_record.py); the second may be the
committed reference. What is compared and what is normalised away: handson/call_compare.py.
Prints each difference, one line each, in the run's language (``--lang`` or ``HANDSON_LANG``).
Exit code 0 when there is none, 1 when there are differences, 2 on bad input.
"""

from __future__ import annotations

import sys
from pathlib import Path

from handson.call_compare import CallRecordError, Comparison, OutcomeChange, compare, read_record
from handson.cli_parser import Parser, speak_first
from handson.i18n import t


def _answers(outcomes: tuple[str, ...]) -> str:
    return ", ".join(outcomes) or "-"


def _change_line(change: OutcomeChange) -> str:
    line = t(
        "calls.changed",
        call=change.key.describe(),
        first=_answers(change.first),
        second=_answers(change.second),
    )
    if change.denied_only_in_first:
        hint = "calls.role_lacks" if change.key.who == "provisioning" else "calls.policy_differs"
        line += "\n    " + t(hint, action=change.key.action)
    return line


def render(comparison: Comparison, first: Path, second: Path) -> list[str]:
    """The lines a person reads, first the summary."""
    if comparison.same:
        return [t("calls.same", first=first, second=second)]
    lines = [
        t(
            "calls.summary",
            only_first=len(comparison.only_in_first),
            only_second=len(comparison.only_in_second),
            changed=len(comparison.changed),
        )
    ]
    for title, only in (
        (t("calls.only_in", path=first), comparison.only_in_first),
        (t("calls.only_in", path=second), comparison.only_in_second),
    ):
        if only:
            lines.append(title)
            lines += [t("calls.count", call=o.key.describe(), count=o.count) for o in only]
    if comparison.changed:
        lines.append(t("calls.changed_title", first=first, second=second))
        lines += [_change_line(c) for c in comparison.changed]
    return lines


def main(argv: list[str] | None = None, prog: str = "python -m handson.calls") -> int:
    args_in = speak_first(argv)
    if args_in is None:
        return 2
    parser = Parser(prog, "calls")
    parser.add_argument("first", type=Path, metavar="REAL.jsonl", help=t("calls.help_first"))
    parser.add_argument("second", type=Path, metavar="OFFLINE.jsonl", help=t("calls.help_second"))
    args = parser.parse_args(args_in)
    try:
        first, second = read_record(args.first), read_record(args.second)
    except CallRecordError as error:
        key = {"unreadable": "calls.unreadable", "empty": "calls.empty"}.get(
            error.reason, "calls.malformed"
        )
        said = t(key, path=error.path, line=error.line, why=error.why)
        print(t("cli.error", message=said), file=sys.stderr)
        return 2
    comparison = compare(first, second)
    print("\n".join(render(comparison, args.first, args.second)))
    return 0 if comparison.same else 1


if __name__ == "__main__":
    from handson.cli import command

    sys.exit(command("calls"))
