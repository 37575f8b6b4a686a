"""A bucket policy on one of the hands-on's buckets, found in a learner's account (the hands-on
sets none). The replay decides with the principal's own policies only (the engine has no
resource-based policies), so its answer may not be AWS's: where a statement of the bucket's
policy may allow what the replay denied, or deny what it allowed, the check is not decided
(verdict rules 1 and 7), and says why. A statement of the answer's own effect leaves it as it is.

A statement may apply to a call when its Principal may be the caller (anyone, or anything of the
learner's account: a role or user ARN, the account's root, its ID; a NotPrincipal, whatever it
names) and its Action and Resource cover the call. Its Condition is read only where it names
nothing but ``aws:SecureTransport`` (every call of the hands-on is HTTPS, so the usual "deny
requests without TLS" decides none); any other Condition counts as met: a check is left
undecided rather than decided without a statement that may apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handson.i18n import listed, t
from handson.iam_engine import (
    NamedPolicy,
    Request,
    condition_names,
    statement_applies,
    statements,
    unconditioned,
)

# The request context the hands-on's calls carry that a bucket policy's Condition may name.
KNOWN = {"aws:SecureTransport": "true"}


def replay_lines(
    policies: Mapping[str, Mapping[str, Any] | None], grading: bool = False
) -> list[str]:
    """What a replay says first of the bucket policies found: one line a bucket. ``grading``:
    a grading run's (--target existing), which --live would have AWS decide instead."""
    found = "existing.bucket_policy" if grading else "discovery.bucket_policy"
    return [
        t(found if policy is not None else "discovery.bucket_policy_unread", bucket=bucket)
        for bucket, policy in policies.items()
    ]


def bucket_of(resource: str) -> str | None:
    """The bucket an S3 ARN names (``arn:aws:s3:::handson-s3-2-taro/open/a.txt``), else None."""
    if not resource.startswith("arn:") or resource.split(":")[2:3] != ["s3"]:
        return None
    return resource.split(":", 5)[5].split("/", 1)[0] or None


def undecided_by(
    policies: Mapping[str, Mapping[str, Any] | None],
    account: str,
    action: str,
    resource: str,
    allowed: bool,
) -> str | None:
    """Why the replay's answer to ``action`` on ``resource`` (``allowed`` or not) may not be
    AWS's (the reason its check is not decided): the bucket's policy has a statement that may
    apply of the other effect, an Allow where the replay denied, a Deny where it allowed (one of
    the same effect leaves the answer as it is). None otherwise. ``policies``: bucket name ->
    its policy (None: it could not be read, and may say either)."""
    bucket = bucket_of(resource)
    if bucket is None or bucket not in policies:
        return None
    policy = policies[bucket]
    if policy is None:
        return t("gap.bucket_policy_unread", bucket=bucket)
    other = "Deny" if allowed else "Allow"
    deciding = may_decide(policy, account, action, resource, other)
    if not deciding:
        return None
    key = "gap.bucket_policy_denies" if allowed else "gap.bucket_policy_allows"
    return t(key, bucket=bucket, statements=listed(deciding), action=action)


def may_decide(
    policy: Mapping[str, Any], account: str, action: str, resource: str, effect: str | None = None
) -> list[str]:
    """The statements of a bucket policy (of that ``effect``, where given) that may apply to a
    call of the learner's account, by their Sid (else their place, ``#2``)."""
    found = statements(NamedPolicy("", {"Statement": _without_principal(policy)}))
    raw = policy.get("Statement")
    bodies = raw if isinstance(raw, list) else [raw]
    request = Request(action=action, resource=resource, context=dict(KNOWN))
    deciding = []
    for statement, body in zip(found, bodies, strict=True):
        if not (isinstance(body, Mapping) and _may_be(body, account)):
            continue
        if effect is not None and statement.effect != effect:
            continue
        known = {key.lower() for key in condition_names(body)} <= {k.lower() for k in KNOWN}
        read = statement if known else unconditioned(statement)
        if statement_applies(read, request):
            deciding.append(statement.label)
    return deciding


def _without_principal(policy: Mapping[str, Any]) -> list[Any]:
    """The statements as an identity policy's, which the engine reads: without a Principal."""
    raw = policy.get("Statement")
    bodies = raw if isinstance(raw, list) else [raw]
    return [
        {k: v for k, v in b.items() if k not in ("Principal", "NotPrincipal")}
        if isinstance(b, Mapping)
        else b
        for b in bodies
    ]


def _may_be(body: Mapping[str, Any], account: str) -> bool:
    """Whether the statement's Principal may be an identity of the learner's ``account``: "*",
    an ARN or ID of the account, a canonical user (the account's own is one); any NotPrincipal."""
    if "NotPrincipal" in body:
        return True
    principal = body.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    if "CanonicalUser" in principal:
        return True
    named = principal.get("AWS")
    return any(
        str(v) == "*" or account in str(v)
        for v in (named if isinstance(named, list) else [named])
        if v
    )
