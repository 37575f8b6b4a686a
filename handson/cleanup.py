"""The hands-on's 片付け, guided: list what the hands-on left in your account; delete it if asked.

    handson cleanup --allowed-account 111122223333                  # list (changes nothing)
    handson cleanup --allowed-account 111122223333 --delete         # asks for yes, then deletes
    handson cleanup --allowed-account 111122223333 --delete --yes   # without asking
    handson cleanup ... --name taro                                 # when several bucket pairs

Uses the standard AWS credential chain and the account guard of ``--target existing``. Finds the
instance tagged Name=handson-instance, the buckets handson-s3-1-<name> / handson-s3-2-<name>,
the role handson-iam-role and its instance profile, the user handson-iam-user and the policies
handson-iam-user-policy / handson-iam-role-policy, and nothing else. Deletes them in the suite's
one deletion order (every object version and policy version included), then checks C1-C5.
Anything ambiguous deletes nothing. Run again after an interruption: it finishes the job.
Exit codes: 0 done (or listed), 1 something is left, 2 bad input or account refused,
3 refused (ambiguous, nothing deleted).
"""

from __future__ import annotations

import os
import shutil
import sys
import unicodedata
from collections.abc import Callable

from handson import next_command
from handson.aws import Principal, principal_from_session
from handson.catalogue import CATALOGUE
from handson.cleanup_checks import instances_in, instances_left, left_over
from handson.cleanup_plan import Plan, changed_since, delete, find
from handson.cli_parser import Parser, refusal, speak_first
from handson.errors import SuiteUsageError
from handson.i18n import listed, t
from handson.names import validate_name
from handson.next_command import Place
from handson.targets.account import parse_allowed, reach_account

REFUSED_EXIT = 3


def checks(
    admin: Principal, name: str | None, say: Callable[[str], None]
) -> tuple[bool, list[str]]:
    """C1-C5, one line each and one per thing left (C1 in every region); whether all passed in
    the run's region, and the other regions that hold an instance of the hands-on."""
    iam, ec2, s3 = (admin.client(s) for s in ("iam", "ec2", "s3"))
    instances, elsewhere = instances_left(ec2, admin.ec2_in)
    found = left_over(iam, s3, name, instances)
    here = not any(found.values())
    found["C1"] = instances + instances_in(elsewhere)
    for checkpoint, left in found.items():
        title = CATALOGUE[checkpoint].short_title()
        verdict = t("cleanup.check_passed") if not left else t("cleanup.check_failed")
        say(f"  {checkpoint} {verdict}: {title}")
        for line in left:
            say(f"      {line}")
    return here, list(elsewhere)


def confirmed(yes: bool, ask: Callable[[str], str], interactive: bool) -> bool | None:
    """True to go on, False when the person said no, None when nobody can be asked."""
    if yes:
        return True
    if not interactive:
        return None
    return said_yes(ask(t("cleanup.ask")))


# What confirms a deletion. Typed with a Japanese input method left on, "yes" comes out in full
# width (ｙｅｓ: the same word, once normalised) or as kana (いぇｓ: not a yes); so the Japanese
# prompt offers はい as well. "y" is not enough for what cannot be undone.
YES = frozenset({"yes", "はい"})


def said_yes(answer: str) -> bool:
    return unicodedata.normalize("NFKC", answer).strip().casefold() in YES


def show(
    plan: Plan,
    say: Callable[[str], None],
    columns: int | None = None,
    there: Callable[[str], str] | None = None,
) -> None:
    """The plan as a person reads it; its listing wrapped to ``columns`` (a terminal's). An
    instance in another region is named with ``there(region)``: the command that cleans up in
    that region."""
    if plan.refusals:
        for line in plan.refusals:
            say(t("cleanup.refused", why=line))
        return
    if not plan.items:
        say(t("cleanup.nothing_here" if plan.elsewhere else "cleanup.nothing"))
    else:
        say(t("cleanup.listing", count=len(plan.items)))
        for line in plan.lines(columns):
            say(line)
    regions: dict[str, list[str]] = {}
    for instance in plan.elsewhere:
        regions.setdefault(instance.region, []).append(
            t("cleanup.elsewhere_instance", id=instance.instance_id, state=instance.state)
        )
    for region, instances in regions.items():
        command = there(region) if there else ""
        say(t("cleanup.elsewhere", region=region, instances=listed(instances), command=command))


def parser(prog: str) -> Parser:
    made = Parser(prog, "cleanup")
    made.add_argument("--delete", action="store_true", help=t("cleanup.help_delete"))
    made.add_argument("--yes", action="store_true", help=t("cleanup.help_yes"))
    made.add_argument("--name", help=t("cli.name"))
    made.add_account_options()
    return made


def main(
    argv: list[str] | None = None,
    prog: str = "python -m handson.cleanup",
    ask: Callable[[str], str] = input,
    interactive: bool | None = None,
) -> int:
    args_in = speak_first(argv)
    if args_in is None:
        return 2
    args = parser(prog).parse_args(args_in)
    say: Callable[[str], None] = print
    try:
        if args.name is not None:
            validate_name(args.name)
        if args.yes and not args.delete:
            raise SuiteUsageError(t("cleanup.yes_without_delete"))
        allowed = parse_allowed(args.allowed_account, os.environ.get("HANDSON_ALLOWED_ACCOUNTS"))
        session, account = reach_account(
            "handson cleanup",
            args.region,
            args.endpoint_url,
            allowed,
            lambda account: say(
                t("cleanup.account", account=account.describe(), region=args.region)
            ),
        )
    except SuiteUsageError as exc:
        print(refusal(exc), file=sys.stderr)
        return 2
    admin = principal_from_session(session, account.principal_arn, args.region, args.endpoint_url)
    iam, ec2, s3 = (admin.client(s) for s in ("iam", "ec2", "s3"))
    plan = find(iam, ec2, s3, account.account_id, account.principal_arn, args.name, admin.ec2_in)

    def there(region: str) -> str:
        """This command, for the hands-on's instance in ``region``."""
        place = Place(account.account_id, region, args.endpoint_url)
        return next_command.cleanup(place, plan.name or args.name, delete=args.delete)

    columns = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    show(plan, say, columns, there)
    if plan.refusals:
        say(t("cleanup.nothing_deleted"))
        return REFUSED_EXIT
    if not args.delete:
        if plan.items:
            say(t("cleanup.dry_run"))
        return 0
    if plan.items:
        answer = confirmed(
            args.yes, ask, sys.stdin.isatty() if interactive is None else interactive
        )
        if answer is None:
            print(t("cleanup.not_a_terminal"), file=sys.stderr)
            return 2
        if not answer:
            say(t("cleanup.cancelled"))
            return 0
        if not args.yes:  # while the person read and answered, the account may have changed
            again = find(iam, ec2, s3, account.account_id, account.principal_arn, args.name)
            changed = changed_since(plan, again)
            if changed:
                say(t("cleanup.changed", what=listed(changed)))
                return REFUSED_EXIT
            plan.items = again.items  # what was confirmed, less what went meanwhile
    failures = delete(plan, iam, ec2, s3, say)
    for failure in failures:
        print(t("cleanup.failed", what=failure), file=sys.stderr)
    say(t("cleanup.checks"))
    here, elsewhere = checks(admin, plan.name or args.name, say)
    if here and not failures and not elsewhere:
        say(t("cleanup.done"))
        return 0
    if not here or failures:
        say(t("cleanup.run_again"))
    for region in elsewhere:  # not this command's to delete: typed again, it would not
        say(t("cleanup.left_elsewhere", region=region, command=there(region)))
    return 1


if __name__ == "__main__":
    from handson.cli import command

    sys.exit(command("cleanup"))
