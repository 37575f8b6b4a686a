"""What the hands-on's own policy says of a call a check failed on, in the run's language: the
sentence a failure's hint ends with, so that "narrow its Resource" says to what, and a missing
grant shows how the hands-on writes it.

    R6, s3:GetObject allowed on close/   The hands-on's policy has Allow statement ForS32OpenGet:
    by the learner's ForS32OpenGet:      Action ["s3:GetObject"] on Resource [".../open/*"]
    the same, by a statement "Mine":     In the hands-on's policy, ForS32OpenGet allows
                                         s3:GetObject on arn:aws:s3:::handson-s3-2-taro/open/*
    U4, ec2:RunInstances allowed by      The hands-on's policy does not allow ec2:RunInstances (of
    a statement "Mine":                  ec2, it allows only ec2:DescribeInstances, ...)
    R3, s3:DeleteBucket allowed by       AmazonS3FullAccess / #1 allows s3:DeleteBucket. The
    AmazonS3FullAccess, attached to the  hands-on does not use AmazonS3FullAccess: taken off,
    role besides the hands-on's policy:  the call is denied as in the hands-on (the whole hint)

Decided by the same engine as the checks (handson.iam_engine), against the seed's policy file of
the check's principal, with the run's name in it. Nothing is said where the hands-on's policy
would have decided the call as it was decided (a check whose expectation is not the seed's), or
where the hint already names every Resource the sentence would."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from handson.i18n import listed, t
from handson.iam_engine import (
    ALLOW,
    DENY,
    NamedPolicy,
    Request,
    Statement,
    decide,
    statement_applies,
    statements,
    wildcard_match,
)
from handson.names import CONSOLE_ROLE_POLICY, CONSOLE_USER, CONSOLE_USER_POLICY, RunNames
from handson.policies import ROLE_POLICY_FILE, USER_POLICY_FILE, load_policy_set
from handson.policy_match import (
    HeldPolicy,
    Policies,
    ResourceHint,
    covering,
    deciding,
    describe,
    element_patterns,
    named,
)
from handson.statement_entries import in_json

# Of a service the hands-on's policy allows only a few actions of, the sentence lists them; of
# more (the role's six grants of S3, say), it names the call alone.
LISTED_AT_MOST = 3

# The name the hands-on gives the policy of each of its files, as the console shows it.
CONSOLE_NAMES = {USER_POLICY_FILE: CONSOLE_USER_POLICY, ROLE_POLICY_FILE: CONSOLE_ROLE_POLICY}


@functools.lru_cache(maxsize=8)
def seed_policy(file: str, suffix: str) -> NamedPolicy | None:
    """The hands-on's policy ``file`` (handson-iam-user-policy.json, ...), with ``suffix`` for
    its placeholder; None for a file that is none of the hands-on's."""
    seed = {policy.path.name: policy for policy in load_policy_set().files()}
    if file not in seed:
        return None
    return NamedPolicy("", dict(seed[file].document(RunNames(suffix).render)))


class Intended(NamedTuple):
    """What the hands-on's policy says, and for a call that was denied the Resource patterns of
    the statement that allows it, so that a hint that gives them as its fix already is not told
    again. Of a call allowed too far, it is said whatever the hint says: the hint names what
    allowed it (``.../open/*`` with an Action too many, even), not how the hands-on writes it."""

    words: str
    patterns: tuple[str, ...] = ()
    # Of a call denied where the learner's file lacks the hands-on's statement that allows it
    # (ForS32OpenGet left out): the learner's statements of the hands-on's other Sids that the
    # hands-on keeps from the call (ForS31, bucket 1's). A hint to widen one of them is no fix:
    # ``instead`` is said in its place, that the statement is missing and how it is written.
    astray: tuple[str, ...] = ()
    instead: str = ""
    whole: bool = False  # the words are the whole hint (a policy held besides, to take off)


def said(
    file: str,
    suffix: str,
    documents: Policies,
    action: str,
    resource: str,
    observed_allowed: bool,
    context: Mapping[str, Any] | None = None,
) -> Intended:
    """What the hands-on's policy ``file`` says of ``action`` on ``resource``, which the check's
    policies (``documents``) decided otherwise. For a call that was allowed and should not have
    been: the hands-on's statement of the same Sid as the one that allowed it (ForS32OpenGet as
    the hands-on writes it: the fix of every call that statement let through), else the
    statements that allow the action on the same resource (a bucket's objects: the same bucket)
    and how far, else that it does not allow it. For a call that was denied: the statement that
    allows it. Empty where the hands-on's policy decides the call as observed, or where the file
    is none of the hands-on's."""
    policy = seed_policy(file, suffix)
    if policy is None:
        return Intended("")
    request = Request(action=action, resource=resource, context=dict(context or {}))
    decided = decide(request, [policy])
    if (decided.decision == ALLOW) == observed_allowed:
        return Intended("")
    extra = _extra(file, documents, request, observed_allowed)
    if extra:
        # The whole hint: a statement to narrow is no fix of a policy to take off (nor can an
        # AWS managed one be edited).
        policies = list(dict.fromkeys(s.policy for s in extra))
        said = {
            "statements": listed(s.label for s in extra),
            "action": action,
            "policies": listed(policies),
        }
        key = "intended.extra_allows" if observed_allowed else "intended.extra_denies"
        # Held by one group of the user's: taken off the group, or the user out of it.
        groups = {d.name: d.group for d in documents if isinstance(d, HeldPolicy)}
        (group, *others) = {groups.get(p) for p in policies}
        if group is not None and not others:
            key = (
                "intended.extra_allows_group" if observed_allowed else "intended.extra_denies_group"
            )
            said = {**said, "group": group, "user": CONSOLE_USER}
        return Intended(t(key, **said), whole=True)
    managed = _aws_managed_allowing(file, documents, request) if observed_allowed else []
    if managed:
        return Intended(
            t(
                "intended.aws_managed_allows",
                statements=listed(s.label for s in managed),
                action=action,
                policies=listed(dict.fromkeys(s.policy for s in managed)),
                own=CONSOLE_NAMES[file],
            ),
            whole=True,
        )
    seeds = {s.sid: s for s in statements(policy)}
    if not observed_allowed:
        assert decided.statement is not None  # an ALLOW names the statement that allowed
        # The Resource that allows it is the fix a hint of a Resource without /* gives.
        granted = _granting([decided.statement], action)
        patterns = tuple(_patterns(decided.statement, "Resource"))
        astray = _astray(seeds, documents, decided.statement, request)
        instead = t("intended.missing", sid=decided.statement.sid, granted=granted.words)
        return granted._replace(patterns=patterns, astray=astray, instead=instead)
    allowing = deciding(documents, action, resource, True, context)
    same = [seeds[s.sid] for s in allowing if s.sid in seeds]
    if same:
        sentences = [t("intended.statement", statement=describe(s)) for s in same]
        return Intended(t("hint.intended_join").join(sentences))
    allows = [s for s in statements(policy) if s.effect == ALLOW and _acts(s, action)]
    near = [s for s in allows if any(_near(p, resource) for p in _patterns(s, "Resource"))]
    if near:
        return _granting(near, action)
    if allows:
        return Intended(t("intended.not_here", action=action, resource=resource))
    service = action.split(":")[0].lower()
    of_service = [
        a
        for s in statements(policy)
        if s.effect == ALLOW
        for a in _patterns(s, "Action")
        if a.split(":")[0].lower() == service
    ]
    if of_service and len(of_service) <= LISTED_AT_MOST:
        return Intended(
            t("intended.never_service", action=action, service=service, actions=listed(of_service))
        )
    return Intended(t("intended.never", action=action))


def _astray(
    seeds: Mapping[str, Statement], documents: Policies, wanted: Statement, request: Request
) -> tuple[str, ...]:
    """Where the learner's policies have none of the Sid of the hands-on's statement that allows
    the call (``wanted``), their statements of the hands-on's other Sids that the hands-on's
    own do not let make the call: a hint naming one of them (ForS31's Resource does not cover
    bucket 2's open/ ...) would have it widened past the hands-on's, and a statement is what
    is missing. None where a statement of that Sid is there (its Resource is the slip), or
    where the learner's Sids are their own (ForS32Open: the hint's nearest is theirs).
    ``seeds``: the hands-on's statements by Sid."""
    if wanted.sid.startswith("#"):
        return ()
    learners = [s for p in named(documents) for s in statements(p)]
    if any(s.sid == wanted.sid for s in learners):
        return ()
    return tuple(
        s.label for s in learners if s.sid in seeds and not statement_applies(seeds[s.sid], request)
    )


def _aws_managed_allowing(file: str, documents: Policies, request: Request) -> list[Statement]:
    """Where the hands-on's own policy is not held (an environment built by hand with an AWS
    managed AmazonS3FullAccess in its place), the statements that allowed the call, when every
    one is of an AWS managed policy: AWS keeps it and a learner cannot narrow it, so a hint to
    narrow ``s3:*`` is no fix; taking it off for the hands-on's policy is. None otherwise (with
    the hands-on's policy held, ``_extra`` says what to take off)."""
    held = [d for d in documents if isinstance(d, NamedPolicy)]
    if any(d.name == CONSOLE_NAMES.get(file) for d in held):
        return []
    theirs = {d.name for d in held if d.aws_managed}
    allowing = [d.statement for d in (decide(request, [p]) for p in held) if d.decision == ALLOW]
    found = [s for s in allowing if s is not None]
    return found if found and all(s.policy in theirs for s in found) else []


def _extra(
    file: str, documents: Policies, request: Request, observed_allowed: bool
) -> list[Statement]:
    """In an environment built by hand, the policies held besides the hands-on's own (an AWS
    managed AmazonS3FullAccess, a group's) that alone decided the call otherwise than the
    hands-on does: without them, the rest decides it as the hands-on's policy. Their fix is to
    take them off, not to narrow a statement the learner may not even be able to edit. None
    where the hands-on's own policy is not among those held under its name (the learner's,
    named otherwise, cannot be told from the others) or where the rest decides it wrongly too."""
    own = CONSOLE_NAMES.get(file)
    held = [d for d in documents if isinstance(d, NamedPolicy)]
    if not any(d.name == own for d in held):
        return []
    others = [d for d in held if d.name != own]
    rest = [d for d in documents if not (isinstance(d, NamedPolicy) and d.name != own)]
    if not others or (decide(request, named(rest)).decision == ALLOW) == observed_allowed:
        return []
    # The statements of those that decide it: that allow it, or (a wrong deny) deny it.
    deciding_kind = ALLOW if observed_allowed else DENY
    decisions = [decide(request, [d]) for d in others]
    return [d.statement for d in decisions if d.decision == deciding_kind and d.statement]


def with_intended(hint: str, intended: Intended) -> str:
    """``hint``, then what the hands-on's policy says (``intended``), unless the hint names
    every Resource of the statement that would have allowed the call (ForS32OpenGet's
    ``.../open/*``, which the hint for a Resource without ``/*`` gives as the fix). A hint to
    widen a statement the hands-on keeps from the call, where the one that allows it is
    missing, is not said: that it is missing is."""
    if not intended.words:
        return hint
    if intended.whole:
        return intended.words
    if isinstance(hint, ResourceHint) and hint.label in intended.astray:
        return intended.instead
    if not hint:
        return intended.words
    if intended.patterns and all(_names(hint, p) for p in intended.patterns):
        return hint
    return t("hint.intended", hint=hint, intended=intended.words)


def _names(hint: str, pattern: str) -> bool:
    """Whether ``hint`` names ``pattern`` whole: not inside a longer ARN (bucket 1's ARN in its
    object's), and not as the ``*`` of any pattern (``ec2:*``, ``handson-*``)."""
    if pattern == "*":
        return False
    edge = r"[\w/*?:.-]"
    return re.search(f"(?<!{edge}){re.escape(pattern)}(?!{edge})", hint) is not None


def _granting(granting: list[Statement], action: str) -> Intended:
    """The statements' grants of ``action``: their Resource and Condition, one sentence each."""
    sentences = []
    for statement in granting:
        resources = _patterns(statement, "Resource")
        said = {"sid": statement.label, "action": action, "patterns": listed(resources)}
        condition = statement.body.get("Condition")
        if condition:
            sentences.append(t("intended.allows_when", condition=in_json(condition), **said))
        else:
            sentences.append(t("intended.allows", **said))
    return Intended(t("hint.intended_join").join(sentences))


def _acts(statement: Statement, action: str) -> bool:
    return covering(_patterns(statement, "Action"), action, case_sensitive=False) is not None


def _near(pattern: str, resource: str) -> bool:
    """Whether a Resource pattern is about the same thing as ``resource``: any resource ("*"), or
    the same bucket (the ARN up to its first ``/``: an object's bucket, an instance's kind)."""
    return pattern == "*" or wildcard_match(
        pattern.split("/", 1)[0], resource.split("/", 1)[0], case_sensitive=True
    )


def _patterns(statement: Statement, element: str) -> list[str]:
    return element_patterns(statement.body, element)
