"""Grade a class: every learner's hand-built environment, each with ``--target existing``.

    python -m handson.grade --accounts class.csv [--parallel 2] [--out reports/class]

``class.csv`` has a header and one row per learner:

- ``account``: an AWS profile name, or the ARN of a role to assume in the learner's account;
- ``account_id``: the learner's 12-digit account ID: the only account that row may read (the
  account guard of ``--target existing``, one account per row);
- ``label`` (optional): how the learner is named in the table (default: the account);
- ``name`` (optional): the learner's ``<自分の名前>``, when their account holds several pairs;
- ``endpoint_url`` (optional): an AWS-compatible endpoint instead of AWS (the suite's tests).

Each learner gets a folder of their own under ``--out`` (allure results, ``checkpoints.json``,
the run's output); the class table (learner x checkpoint: passed / failed / not decided) is shown
in the terminal and written as ``class.csv`` and ``class.html``. ``--matrix`` prints the rows as a
GitHub Actions job matrix instead (grade-class.yml), and ``--table-from DIR`` builds the table
from folders graded elsewhere. Nothing is written to a learner's account: the grading is
read-only (handson/targets/existing.py).
"""

from __future__ import annotations

import json
import os
import sys
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from handson.class_roster import Learner, read_class
from handson.class_runs import (
    GRADED_MARK,
    OUTPUT,
    ROOT,
    Graded,
    grade_one,
    learner_env,
    read_graded,
)
from handson.class_table import all_passed, not_a_table, table_lines, write_csv, write_html
from handson.cli_parser import Parser, refusal, speak_first
from handson.console import typed_command
from handson.errors import SuiteUsageError
from handson.file_words import can_write, unwritable_folder
from handson.i18n import listed, t
from handson.run_folder import reports_dir
from handson.secrets import register_host_secrets
from handson.settings import DEFAULT_REGION
from handson.signals import INTERRUPTED_EXIT
from handson.transient import retry_answers_not_aws

__all__ = ["Graded", "Learner", "exit_code", "learner_env", "main", "read_class", "read_graded"]


def grade_class(
    learners: list[Learner],
    out: Path,
    parallel: int,
    region: str | None,
    base: dict[str, str],
    ambient: bool = False,
    record: bool = False,
    say: Callable[[str], None] = lambda line: None,
) -> list[Graded]:
    """Every learner in turn, at most ``parallel`` at once; in the CSV's order. ``ambient``: with
    the credentials as they are, for one learner whose role the job already assumed. ``say``
    hears a line as each learner's grading ends (a class takes minutes)."""
    import boto3

    def one(learner: Learner) -> Graded:
        sts = retry_answers_not_aws(
            boto3.session.Session().client("sts", endpoint_url=learner.endpoint_url)
        )
        try:
            env = learner_env(learner, base, None if ambient else sts.assume_role)
        except Exception as exc:  # noqa: BLE001 - one learner's refusal is their row's reason
            reason = t("class.assume_failed", role=learner.role_arn, error=type(exc).__name__)
            return Graded(learner, 4, reason=reason)
        return grade_one(learner, out, env, region, record)

    say(t("class.grading", count=len(learners), parallel=min(parallel, len(learners))))
    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        futures = {pool.submit(one, learner): learner for learner in learners}
        try:
            for done, future in enumerate(as_completed(futures), start=1):
                label = futures[future].label
                say(t("class.graded_one", done=done, count=len(futures), label=label))
        except BaseException:
            for future in futures:  # Ctrl-C: no learner not started yet is graded
                future.cancel()
            raise
        return [future.result() for future in futures]


def exit_code(graded: list[Graded]) -> int:
    """1 if any learner failed a checkpoint; 6 if any checkpoint was not decided; else 0."""
    if any("failed" in g.statuses.values() for g in graded):
        return 1
    if any(not all_passed(g) for g in graded):
        return 6
    return 0


def main(argv: list[str] | None = None, prog: str = "python -m handson.grade") -> int:
    args_in = speak_first(argv)
    if args_in is None:
        return 4
    parser = Parser(prog, "grade")
    parser.add_argument("--accounts", type=Path, required=True, help=t("grade.help_accounts"))
    parser.add_argument("--parallel", type=int, default=2, help=t("grade.help_parallel"))
    parser.add_argument("--out", type=Path, help=t("grade.help_out"))
    parser.add_argument(
        "--region",
        default=os.environ.get("HANDSON_REGION"),
        help=t("cli.region", region=DEFAULT_REGION),
    )
    parser.add_argument("--matrix", action="store_true", help=t("grade.help_matrix"))
    parser.add_argument("--table-from", type=Path, help=t("grade.help_table_from"))
    parser.add_argument("--only", help=t("grade.help_only"))
    parser.add_argument("--record-calls", action="store_true", help=t("grade.help_record_calls"))
    args = parser.parse_args(args_in)
    register_host_secrets()
    try:
        learners = read_class(args.accounts)
        if not 1 <= args.parallel <= 16:
            raise SuiteUsageError(t("class.parallel", value=args.parallel))
        if args.only:
            only = unicodedata.normalize("NFC", args.only)  # as the labels are read
            learners = [x for x in learners if x.label == only]
            if not learners:
                raise SuiteUsageError(t("class.no_label", path=args.accounts, label=args.only))
        if args.matrix:
            profiles = [x.label for x in learners if x.role_arn is None]
            if profiles:
                raise SuiteUsageError(t("class.matrix_roles", labels=listed(profiles)))
        else:
            check_destination(args.table_from, args.out)
    except SuiteUsageError as exc:
        print(refusal(exc), file=sys.stderr)
        return 4
    if args.matrix:
        include = [
            {
                "label": x.label,
                "account": x.account,
                "account_id": x.account_id,
                "name": x.name or "",
            }
            for x in learners
        ]
        print(json.dumps({"include": include}))
        return 0
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if args.table_from:
        out = args.table_from
        graded = [_read_folder(x, out / x.label) for x in learners]
    else:
        # Absolute: each learner's run writes there from the checkout (its working folder),
        # and this process reads it from wherever the instructor typed the command.
        out = (args.out or reports_dir(ROOT) / f"class-{datetime.now(UTC):%Y%m%d-%H%M%S}").resolve()
        out.mkdir(parents=True, exist_ok=True)
        (out / GRADED_MARK).write_text(t("class.mark") + "\n", "utf-8")  # it may be used again
        base = dict(os.environ)
        try:
            graded = grade_class(
                learners,
                out,
                args.parallel,
                args.region,
                base,
                bool(args.only),
                args.record_calls,
                say=lambda line: print(line, file=sys.stderr, flush=True),
            )
        except KeyboardInterrupt:
            # Ctrl-C: the learners not started yet are not; those being graded had the same
            # Ctrl-C, and their runs ended through their own teardown before this line.
            said = t("class.interrupted", out=out, command=table_again(args.accounts, out))
            print(said, file=sys.stderr)
            return INTERRUPTED_EXIT
    for line in table_lines(graded):
        print(line)
    unwritten = []
    writers: tuple[Callable[[list[Graded], Path], None], ...] = (
        write_csv,
        partial(write_html, when=when),
    )
    for table, write in zip(TABLES, writers, strict=True):
        try:
            write(graded, out / table)
        except OSError as refused:  # opened since the check above (Excel), or the disk full
            unwritten.append(t("class.table_not_written", path=out / table, error=refused))
    if unwritten:
        for line in unwritten:
            print(line, file=sys.stderr)
        print(t("class.table_again", command=table_again(args.accounts, out)), file=sys.stderr)
        return exit_code(graded) or 1
    print(t("class.written", csv=out / "class.csv", html=out / "class.html"))
    return exit_code(graded)


def table_again(accounts: Path, out: Path) -> str:
    """The command that makes the class's table again from the results in ``out``."""
    return typed_command(
        ["handson", "grade", "--accounts", str(accounts), "--table-from", str(out)]
    )


# The class's tables, written into the results' folder after everyone is graded.
TABLES = ("class.csv", "class.html")


def check_destination(table_from: Path | None, out: Path | None) -> None:
    """Where the results go, refused in one line before anyone is graded: a --table-from that
    is no folder; an --out (or the reports folder) that cannot be written; an --out that holds
    files of somebody else's (grading writes each learner's folder and the table there: an
    instructor's class list kept as class.csv would be written over); a class.csv or
    class.html that is not grade's."""
    if table_from is not None:
        if not table_from.is_dir():
            raise SuiteUsageError(t("class.table_from", path=table_from))
    else:
        given = out or reports_dir(ROOT)
        why = unwritable_folder(given.resolve())
        if why is not None:
            raise SuiteUsageError(f"{'--out ' if out else ''}{given}: {why}")
        if out is not None and _holds_others(out):
            raise SuiteUsageError(t("class.out_not_ours", path=out))
    table_folder = table_from or out
    other = None if table_folder is None else not_a_table(table_folder)
    if other is not None:
        raise SuiteUsageError(t("class.not_a_table", path=other))
    if table_folder is None:
        return
    for table in TABLES:
        path = table_folder / table
        if path.is_file() and not can_write(path):  # Excel holds the CSV it has open so
            raise SuiteUsageError(t("class.table_held", path=path))


def _holds_others(out: Path) -> bool:
    """Whether ``out`` is a folder with something in it that no grading made (no mark)."""
    return out.is_dir() and not (out / GRADED_MARK).exists() and any(out.iterdir())


def _read_folder(learner: Learner, folder: Path) -> Graded:
    """A learner graded by another job (grade-class.yml): its folder, or why there is none. A
    run that ended without checkpoints.json (refused) has its exit code there, and says why."""
    output, code = folder / OUTPUT, folder / "exit_code"
    if not (folder / "checkpoints.json").exists() and not code.exists():
        return Graded(learner, 4, reason=t("class.no_folder", folder=folder))
    exit_code = int(code.read_text("utf-8")) if code.exists() else -1
    return read_graded(
        learner, folder, exit_code, output.read_text("utf-8") if output.exists() else ""
    )


if __name__ == "__main__":
    from handson.cli import command

    sys.exit(command("grade"))
