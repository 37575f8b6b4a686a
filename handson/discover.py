"""Find a hand-built hands-on environment, read-only, and write its policies for an offline replay.

    python -m handson.discover --allowed-account 111122223333 --out my-env
    pytest features/ --policies my-env          # the replay, on the embedded emulator

Uses the standard AWS credential chain and the same account guard as ``--target aws``; makes only
Get/List/Describe calls (handson/discovery.py). Writes the three policy files the suite reads,
each the union of the statements of every policy the learner attached (managed, inline, group;
AmazonSSMManagedInstanceCore aside, which the replay attaches as the hands-on does), and
``discovered.json``: where each statement came from (policy ARN and default version). The name
comes from the bucket pair, so the replay uses it. Exit code 1 when something could not be found
(each finding on its own line), 2 on bad input.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from handson.aws import principal_from_session
from handson.bucket_keys import bucket_lines
from handson.cli_parser import Parser, refusal, speak_first
from handson.discovery import Discovery, FoundPolicy, discover, replayed_role_policies
from handson.errors import SuiteUsageError
from handson.file_words import unwritable_folder
from handson.i18n import listed, t
from handson.names import CONSOLE_ROLE_POLICY, CONSOLE_USER_POLICY, SSM_CORE_POLICY_ARN
from handson.next_command import checklist
from handson.policies import (
    BOUNDARY_FILES,
    DISCOVERED_MANIFEST,
    READ_FILES,
    ROLE_POLICY_FILE,
    SEED_DIR,
    TRUST_POLICY_FILE,
    USER_POLICY_FILE,
)
from handson.targets.account import parse_allowed, reach_account


def merged(policies: list[FoundPolicy]) -> dict[str, Any]:
    """One identity policy with every statement of ``policies``: IAM evaluates the union of a
    principal's policies, so the decision is the same. Sids stay unique, as IAM requires.

    A statement without a Sid (AWS managed policies have none) is given its policy's name, as
    far as a Sid can hold it (letters and digits): a failure of a replay of these files
    (``--policies``) then names AmazonS3FullAccess, where it would name the statement's place in
    the merged document (#4). (``--target existing`` names the policies as found instead.)"""
    statements = [s for each in _merged_by_policy(policies) for s in each]
    return {"Version": "2012-10-17", "Statement": statements}


def _merged_by_policy(policies: list[FoundPolicy]) -> list[list[dict[str, Any]]]:
    """Each policy's statements as ``merged`` writes them (their Sids made unique), in order."""
    seen: set[str] = set()
    found: list[list[dict[str, Any]]] = []
    for policy in policies:
        found.append([])
        for statement in _statements(policy):
            statement = dict(statement)
            sid = statement.get("Sid") or _sid_of(policy.name)
            if sid:
                unique, n = str(sid), 2
                while unique in seen:
                    unique, n = f"{sid}{n}", n + 1
                seen.add(unique)
                statement["Sid"] = unique
            found[-1].append(statement)
    return found


def _sid_of(name: str) -> str | None:
    """A policy's name as a Sid holds it (IAM: letters and digits only), or None."""
    return "".join(c for c in name if c.isascii() and c.isalnum()) or None


# What the replay attaches where the account has no user or no role (with the hands-on's own
# trust policy): its checks are not decided (fixtures/existing.py) before any probe, and this
# denies everything should one ever run.
NOT_FOUND = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "NotFoundInTheAccount", "Effect": "Deny", "Action": "*", "Resource": "*"}
    ],
}


# What the replay attaches where the user or the role holds no policy of its own (IAM keeps no
# policy without a statement): a statement that applies to no action ("every action but every
# action"), so that every call is denied implicitly, as AWS denies it, and nothing is granted or
# measured. The run's first lines say that nothing is attached.
NOTHING_ATTACHED = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "NothingAttached", "Effect": "Deny", "NotAction": "*", "Resource": "*"}],
}


# Where a policy is held, as the run's line names it (the group's name in it where it has one).
PLACES = {
    "managed": "existing.place_managed",
    "inline": "existing.place_inline",
    "group-managed": "existing.place_group_managed",
    "group-inline": "existing.place_group_inline",
}


def others_held(found: Discovery) -> list[str]:
    """A line for the user and for the role that holds policies besides the hands-on's own (as
    the console builds it: handson-iam-user-policy for the user; a group's, an AWS managed one,
    the role's policy attached to the user): the checks replay them too, and a failure
    names a statement of one by the policy's name (``see-users / #1``): the line says where
    that policy is (in the group handson-team), which the failure does not. Where the
    hands-on's own policy is not among them (named otherwise: handson-iam-user-polcy), the line
    says that too: the checks grade the policies it holds, whatever their names."""
    lines = []
    for who, policies, own in (
        (found.user, found.user_policies, CONSOLE_USER_POLICY),
        (found.role, replayed_role_policies(found), CONSOLE_ROLE_POLICY),
    ):
        extra = [_place(policy) for policy in policies if policy.name != own]
        if not who or not extra:
            continue
        if any(policy.name == own for policy in policies):
            lines.append(t("existing.others", who=who, policies=listed(extra)))
        else:
            lines.append(t("existing.others_only", who=who, own=own, policies=listed(extra)))
    return lines


def _place(policy: FoundPolicy) -> str:
    key = PLACES.get(policy.kind, "existing.place_managed")
    return t(key, name=policy.name, group=policy.group)


def written_over(out: Path) -> bool:
    """Whether writing the replay into ``out`` would replace policy files that discover did not
    write: a learner's own folder of policies, or the checkout's policies/ (the hands-on's). A
    folder discover wrote has its discovered.json."""
    mine = (out / DISCOVERED_MANIFEST).is_file()
    return not mine and any((out / name).exists() for name in READ_FILES)


def write_replay(found: Discovery, out: Path) -> None:
    """The policy files for ``pytest features/ --policies out``, and where each came from.

    Nothing is written without a bucket pair: every check needs the buckets' name.
    """
    if found.buckets is None:
        return
    role_policies = replayed_role_policies(found)
    out.mkdir(parents=True, exist_ok=True)
    for file, document in (
        (USER_POLICY_FILE, _held(found.user, found.user_policies)),
        (ROLE_POLICY_FILE, _held(found.role, role_policies)),
        (
            TRUST_POLICY_FILE,
            found.trust or json.loads((SEED_DIR / TRUST_POLICY_FILE).read_text("utf-8")),
        ),
        # The learner's permissions boundaries, which the replay gives its user and role.
        *((BOUNDARY_FILES[side], policy.document) for side, policy in found.boundaries.items()),
    ):
        (out / file).write_text(json.dumps(document, ensure_ascii=False, indent=2), "utf-8")
    for side, file in BOUNDARY_FILES.items():
        if side not in found.boundaries:  # a boundary taken off since discover last wrote here
            (out / file).unlink(missing_ok=True)
    (out / DISCOVERED_MANIFEST).write_text(
        json.dumps(manifest(found), ensure_ascii=False, indent=2), "utf-8"
    )


def _held(who: str | None, policies: list[FoundPolicy]) -> dict[str, Any]:
    """The replay's file for a principal: its policies merged; NOT_FOUND without the principal,
    NOTHING_ATTACHED with none."""
    if who is None:
        return NOT_FOUND
    return merged(policies) if policies else NOTHING_ATTACHED


def manifest(found: Discovery) -> dict[str, Any]:
    """Where each replayed statement came from: the policy, its kind, ARN and default version."""
    return {
        "name": found.name,
        "user": found.user,
        "login_profile": found.login_profile,
        "instance": found.instance_id,
        "role": found.role,
        "ssm_core": found.ssm_core,
        "user_policies": _sources(found.user_policies),
        "role_policies": _sources(
            replayed_role_policies(found),
            [p for p in found.role_policies if p.arn == SSM_CORE_POLICY_ARN],
        ),
        "objects": found.objects,
        "findings": found.findings,
        **{f"{side}_boundary": _source(p) for side, p in found.boundaries.items()},
        "bucket_policies": found.bucket_policies,
        "bucket_keys": found.bucket_keys,
    }


def _sources(merged_ones: list[FoundPolicy], also: Sequence[FoundPolicy] = ()) -> list[Any]:
    """Where each policy came from, with the Sids its statements have in the file ``merged``
    makes of ``merged_ones``; then ``also``, held but not merged (the role's SSM core policy,
    which the replay attaches as the hands-on does)."""
    written = _merged_by_policy(merged_ones)
    sids = [[str(s.get("Sid", "")) for s in each] for each in written]
    return [
        *({**_source(p), "sids": each} for p, each in zip(merged_ones, sids, strict=True)),
        *(_source(p) for p in also),
    ]


def _statements(policy: FoundPolicy) -> list[Any]:
    found = policy.document.get("Statement", [])
    return found if isinstance(found, list) else [found]


def _source(policy: FoundPolicy) -> dict[str, Any]:
    source = {
        "name": policy.name,
        "kind": policy.kind,
        "arn": policy.arn,
        "version": policy.version,
    }
    if policy.group:
        source["group"] = policy.group
    return source


def main(argv: list[str] | None = None, prog: str = "python -m handson.discover") -> int:
    args_in = speak_first(argv)
    if args_in is None:
        return 2
    parser = Parser(prog, "discover")
    parser.add_argument("--out", required=True, type=Path, help=t("discover.help_out"))
    parser.add_argument("--name", help=t("cli.name"))
    parser.add_account_options("discover.help_allowed")
    args = parser.parse_args(args_in)
    try:
        why = unwritable_folder(args.out.resolve())
        if why is not None:
            raise SuiteUsageError(f"--out {args.out}: {why}")
        if written_over(args.out):
            raise SuiteUsageError(t("discover.not_ours", out=args.out))
        allowed = parse_allowed(args.allowed_account, os.environ.get("HANDSON_ALLOWED_ACCOUNTS"))
        session, account = reach_account(None, args.region, args.endpoint_url, allowed)
    except SuiteUsageError as exc:
        print(refusal(exc), file=sys.stderr)
        return 2
    reader = principal_from_session(session, account.principal_arn, args.region, args.endpoint_url)
    iam, ec2, s3 = (reader.client(s) for s in ("iam", "ec2", "s3"))
    found = discover(iam, ec2, s3, args.name, reader.ec2_in)
    write_replay(found, args.out)
    # What the replay's files hold besides the hands-on's policies, and where it is held (the
    # files merge them: a group's AdministratorAccess is a statement of the user's file there).
    said = bucket_lines(found.bucket_policies, found.bucket_keys)
    findings = [*found.findings, *said, *others_held(found)]
    if found.role is not None and not found.ssm_core:
        findings = [*findings, t("replay.no_ssm_core", role=found.role)]
    for side, who in (("user", found.user), ("role", found.role)):
        if side in found.boundaries:  # written beside the policies, which the replay gives it
            name = found.boundaries[side].name
            file = BOUNDARY_FILES[side]
            findings = [*findings, t("replay.boundary", who=who, boundary=name, file=file)]
    for line in findings:
        print(line, file=sys.stderr)
    if found.buckets is None or found.user is None or found.role is None:
        return 1
    print(t("replay.written", out=args.out, command=checklist(args.out), name=found.name))
    return 0


if __name__ == "__main__":
    from handson.cli import command

    sys.exit(command("discover"))
