"""Sweep what earlier runs left behind.

    python -m handson.sweep --allowed-account 111122223333            # list (dry run)
    python -m handson.sweep --allowed-account 111122223333 --delete   # delete the expired
    python -m handson.sweep --run 20261130-011500-k3x9qa --delete     # one run, at once
    python -m handson.sweep --older-than 30m --delete                 # runs started 30 min ago
    python -m handson.sweep --delete --record-calls calls.jsonl      # and write every AWS call
    python -m handson.sweep --record reports/runs/<run ID>/live-record.json --delete
                                  # what a killed --target existing --live run wrote

Uses the standard AWS credential chain and the same account guard as ``--target aws``. Lists every
resource a run of the suite marked as its own, with its run and expiry; deletes, only with
--delete, those whose expiry has passed, or those of the run named with --run (expired or not),
or those of runs that started longer ago than --older-than. Exit code 1 when a deletion failed,
2 on bad input.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from handson.aws import principal_from_session
from handson.call_record import a_call_record, start_recording
from handson.cli_parser import Parser, refusal, speak_first
from handson.errors import SuiteUsageError
from handson.file_words import unwritable_file
from handson.i18n import t
from handson.lifecycle.live import LiveRecord, sweep_record
from handson.lifecycle.sweeper import Sweeper, parse_duration
from handson.names import validate_run_id
from handson.targets.account import parse_allowed, reach_account


def main(argv: list[str] | None = None, prog: str = "python -m handson.sweep") -> int:
    args_in = speak_first(argv)  # --lang or HANDSON_LANG, as for a run
    if args_in is None:
        return 2
    parser = Parser(prog, "sweep")
    parser.add_argument("--delete", action="store_true", help=t("sweep.help_delete"))
    parser.add_account_options()
    parser.add_argument(
        "--record-calls",
        type=Path,
        metavar="FILE",
        default=os.environ.get("HANDSON_RECORD_CALLS"),
        help=t("sweep.help_record_calls"),
    )
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument("--run", metavar="RUN_ID", help=t("sweep.help_run"))
    chosen.add_argument("--record", type=Path, metavar="FILE", help=t("sweep.help_record"))
    chosen.add_argument("--older-than", metavar="DURATION", help=t("sweep.help_older_than"))
    args = parser.parse_args(args_in)
    try:
        if args.record_calls is not None:
            why = unwritable_file(args.record_calls.resolve(), a_call_record)
            if why is not None:
                raise SuiteUsageError(f"--record-calls {args.record_calls}: {why}")
            start_recording(args.record_calls, append=True)  # before the guard's first client
        run = validate_run_id(args.run) if args.run is not None else None
        older_than = parse_duration(args.older_than) if args.older_than is not None else None
        record = LiveRecord.read(args.record) if args.record is not None else None
        allowed = parse_allowed(args.allowed_account, os.environ.get("HANDSON_ALLOWED_ACCOUNTS"))
        dry_run = "" if args.delete else t("sweep.dry_run")
        session, account = reach_account(
            None,
            args.region,
            args.endpoint_url,
            allowed,
            lambda account: print(
                t("sweep.start", account=account.describe(), region=args.region) + dry_run
            ),
        )
        if record is not None and record.account != account.account_id:
            raise SuiteUsageError(
                t("live.record_account", path=args.record, recorded=record.account)
            )
    except SuiteUsageError as exc:
        print(refusal(exc), file=sys.stderr)
        return 2
    admin = principal_from_session(session, account.principal_arn, args.region, args.endpoint_url)
    if record is not None:
        failures = sweep_record(admin, record, delete=args.delete)
    else:
        failures = Sweeper(admin).sweep(delete=args.delete, run=run, older_than=older_than)
    for failure in failures:
        print(t("sweep.failed", what=failure), file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    from handson.cli import command

    sys.exit(command("sweep"))
