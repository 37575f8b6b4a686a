"""The one IAM policy evaluation engine of the suite: every offline decision and every explanation.

The evaluation itself is ministack's (``ministack.core.iam_evaluator``, MIT): explicit Deny in any
policy or boundary, then an Allow in an identity policy that every boundary also allows, else the
implicit deny; Action/NotAction (case-insensitive) and Resource/NotResource (case-sensitive) with
``*``/``?`` wildcards; every condition operator with ``...IfExists``, ``ForAnyValue:``,
``ForAllValues:`` and ``Null``, negated operators as NOR. It is installed without its own
dependencies (requirements-engine.txt): this module is all the suite imports of it, and it needs
only the standard library.

This module gives it the request as data (:class:`Request`), keeps condition keys
case-insensitive as IAM does, and names the statement that decided, for reports. The emulator's
request path (``handson.targets.moto_engine``) and the failure explanations both call
:func:`decide`, so what a report explains is what decided.

Two corrections to the engine, each proved by the decision corpus (tests/corpus): an absent or
empty multi-valued key (``aws:TagKeys``) is absent, and the ARN operators match an ARN segment by
segment, as AWS documents ("ArnLike ... matches elements between colons"), not as one string.

Not modelled (declared in the README): policy variables such as ``${aws:username}``, resource
policies (bucket policies, ACLs), service control and session policies.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

try:
    from ministack.core import iam_evaluator as _engine
except ModuleNotFoundError:  # pragma: no cover - depends on the installation
    raise ModuleNotFoundError(
        "the IAM policy engine is not installed: pip install --no-deps -r requirements-engine.txt"
    ) from None

DecisionKind = Literal["Allow", "Deny", "ImplicitDeny"]
ALLOW: DecisionKind = "Allow"
DENY: DecisionKind = "Deny"
IMPLICIT_DENY: DecisionKind = "ImplicitDeny"

# Context keys the engine reads from its own fields rather than from the context mapping.
_SOURCE_IP = "aws:sourceip"
_SECURE_TRANSPORT = "aws:securetransport"


@dataclass(frozen=True)
class NamedPolicy:
    """A policy document with the name a person knows it by (policy name or ARN).

    The engine's reading of the document, and its statements, are made once per object: the
    P1/P2 measure decides tens of thousands of requests under the same policies (a policy of
    ``"Action": "*"``: 22,139 actions). A document is not changed once it is a NamedPolicy's;
    a new document is a new NamedPolicy."""

    name: str
    document: Mapping[str, Any]
    # AWS's own (arn:aws:iam::aws:policy/...): a learner attaches it, never writes it.
    aws_managed: bool = field(default=False, kw_only=True)

    @cached_property
    def parsed(self) -> list[_engine.ParsedStatement]:
        return _parse(self.document)

    @cached_property
    def statements(self) -> tuple[Statement, ...]:
        return tuple(
            Statement(self.name, statement_label(body, index), str(body.get("Effect")), body)
            for index, body in enumerate(_as_list(self.document.get("Statement")), start=1)
            if isinstance(body, Mapping)
        )


@dataclass(frozen=True)
class Request:
    """One authorization question: who asks to do what, on which resource, in which context."""

    action: str
    resource: str
    principal_arn: str = "arn:aws:iam::123456789012:user/someone"
    principal_type: str = "User"  # User, AssumedRole, FederatedUser, Root
    account: str = "123456789012"
    region: str = "us-east-1"
    # Condition keys with their values: a string, or a list for a multi-valued key.
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Statement:
    policy: str
    sid: str  # the statement's Sid, or "#n" (its position, from 1) when it has none
    effect: str
    body: Mapping[str, Any]

    @property
    def label(self) -> str:
        return statement_in(self.policy, self.sid)

    @cached_property
    def parsed(self) -> list[_engine.ParsedStatement]:
        """The engine's reading of this statement alone, made once (as NamedPolicy.parsed)."""
        return _parse({"Statement": [dict(self.body)]})


def statement_in(policy: str, sid: str) -> str:
    """How a person finds a statement: in its policy, where the policy has a name (a hand-built
    environment's, a lesson's file): ``see-users / #1``; by its Sid alone in the one file a
    check reads, which its scenario names."""
    return f"{policy} / {sid}" if policy else sid


@dataclass(frozen=True)
class Decision:
    decision: DecisionKind
    # The statement that decided: the explicit Deny, or the identity policy's Allow; None for an
    # implicit deny. ``boundary`` is True when it comes from the permissions boundary.
    statement: Statement | None = None
    boundary: bool = False

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOW


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def statement_label(body: Mapping[str, Any], index: int) -> str:
    """What a statement is called where a person reads it: its Sid, else its place in the policy
    ('#3')."""
    sid = body.get("Sid")
    return str(sid) if sid else f"#{index}"


def statements(policy: NamedPolicy) -> list[Statement]:
    return list(policy.statements)


def _context(request: Request) -> _engine.EvalContext:
    # A multi-valued key with no values is a key that is not there, for Null as for the set
    # operators (reference_policies_condition-single-vs-multi-valued-context-keys).
    keys = {str(k).lower(): v for k, v in request.context.items() if v != []}
    secure = str(keys.pop(_SECURE_TRANSPORT, "true")).lower() == "true"
    source_ip = str(keys.pop(_SOURCE_IP, "127.0.0.1"))
    principal_arn = str(keys.get("aws:principalarn", request.principal_arn))
    return _engine.EvalContext(
        principal_arn=principal_arn,
        principal_type=request.principal_type,
        principal_account=request.account,
        action=request.action,
        resource_arn=request.resource,
        region=request.region,
        source_ip=source_ip,
        secure_transport=secure,
        service_context=keys,
        principal_keys=keys,
        # The engine reads an absent aws:TagKeys as an empty list, i.e. as present; None keeps
        # it absent, so that Null and ForAllValues see a missing key as AWS does.
        tag_keys=None,  # type: ignore[arg-type]
    )


def _arn_like(actual: str, expected: str) -> bool:
    """ArnLike/ArnEquals: each of the six colon-separated parts matched on its own (the resource
    part may itself hold colons)."""
    have, want = actual.split(":", 5), expected.split(":", 5)
    if len(have) != len(want):
        return False
    return all(_engine.fnmatch_iam_cs(h, w) for h, w in zip(have, want, strict=True))


_engine._CONDITION_OPS.update(
    {
        "arnequals": _arn_like,
        "arnlike": _arn_like,
        "arnnotequals": lambda actual, expected: not _arn_like(actual, expected),
        "arnnotlike": lambda actual, expected: not _arn_like(actual, expected),
    }
)


# A statement's Action list this long is looked up by its service first. ministack matches a
# request's action against each pattern in turn, and keeps at most 4,096 compiled patterns:
# ReadOnlyAccess lists about 1,600 in one statement, and P1's measure of a user holding it (22,139
# actions, each read more than once) took 8.3 s of a run, most of it compiling the patterns again.
INDEXED_FROM = 32


def _action_matches(action: str, actions: list[str], not_actions: list[str]) -> bool:
    """ministack's ``_action_matches``, the same answers: a long list by the action's service."""
    if actions:
        return _matches_any(action, actions)
    if not_actions:
        return not _matches_any(action, not_actions)
    return True


def _matches_any(action: str, patterns: list[str]) -> bool:
    if len(patterns) < INDEXED_FROM:
        return any(_engine.fnmatch_iam(action, p) for p in patterns)
    by_service, any_service = _by_service(tuple(patterns))
    service = action.partition(":")[0].lower()
    return any(p.match(action) for p in (*by_service.get(service, ()), *any_service))


@functools.lru_cache(maxsize=256)
def _by_service(
    patterns: tuple[str, ...],
) -> tuple[dict[str, list[re.Pattern[str]]], list[re.Pattern[str]]]:
    """The patterns compiled, by the service they name; those whose service part has a wildcard
    (``*``, ``i?m:List*``) or none apply to every service."""
    by_service: dict[str, list[re.Pattern[str]]] = {}
    any_service: list[re.Pattern[str]] = []
    for pattern in patterns:
        compiled = _engine._fnmatch_compile(pattern, True)
        service, colon, _ = pattern.partition(":")
        if not colon or "*" in service or "?" in service:
            any_service.append(compiled)
        else:
            by_service.setdefault(service.lower(), []).append(compiled)
    return by_service, any_service


MINISTACK_ACTION_MATCHES = _engine._action_matches  # the original, which tests compare with
_engine._action_matches = _action_matches


def _parse(document: Mapping[str, Any]) -> list[_engine.ParsedStatement]:
    """The engine's statements, less any without an action or a resource element: IAM refuses
    such a policy, and the engine would read the missing element as "everything"."""
    return [
        s
        for s in _engine.parse_policy_document(dict(document))
        if (s.actions or s.not_actions) and (s.resources or s.not_resources)
    ]


def statement_applies(statement: Statement, request: Request) -> bool:
    """Whether the statement covers the request: action, resource and every condition."""
    return _applies(statement, _context(request))


def _applies(statement: Statement, ctx: _engine.EvalContext) -> bool:
    parsed = statement.parsed
    return bool(parsed) and _engine.evaluate(ctx, [parsed]).decision != IMPLICIT_DENY


def applying(policies: Iterable[NamedPolicy], request: Request) -> list[Statement]:
    """Every statement of the policies that covers the request, in order."""
    return _applying(policies, _context(request))


def _applying(policies: Iterable[NamedPolicy], ctx: _engine.EvalContext) -> list[Statement]:
    # One context for every statement (the engine only reads it).
    return [s for p in policies for s in p.statements if _applies(s, ctx)]


def decide(
    request: Request,
    identity: Sequence[NamedPolicy],
    boundary: NamedPolicy | None = None,
) -> Decision:
    """IAM's decision for the request under the identity policies and an optional boundary."""
    ctx = _context(request)
    layers = [[p.parsed for p in identity]]
    if boundary is not None:
        layers.append([boundary.parsed])
    decision: DecisionKind = _engine.evaluate(ctx, *layers).decision  # type: ignore[assignment]
    if decision == IMPLICIT_DENY:
        return Decision(IMPLICIT_DENY)  # no statement decided: none to look for
    found = _applying(identity, ctx)
    if decision == DENY:
        deny = next((s for s in found if s.effect == DENY), None)
        if deny is not None:
            return Decision(DENY, deny)
        bounded = _applying([boundary], ctx) if boundary is not None else []
        return Decision(DENY, next((s for s in bounded if s.effect == DENY), None), boundary=True)
    return Decision(ALLOW, next(s for s in found if s.effect == ALLOW))


def policy_variables(policies: Iterable[NamedPolicy], action: str) -> list[Statement]:
    """Statements concerning the action that use a policy variable (``${...}``), which the engine
    does not substitute: where it could decide differently from IAM."""
    return concerning(policies, action, lambda body: "${" in json.dumps(body))


# The condition keys whose value is where a request comes from on the network: AWS sets them
# from the caller's address or VPC, which only AWS sees (global condition context keys).
NETWORK_KEYS = ("aws:SourceIp", "aws:SourceVpc", "aws:SourceVpce", "aws:VpcSourceIp")


# The condition keys of how the caller signed in with MFA: a console user with an MFA device
# carries them, an access key's requests do not.
MFA_KEYS = ("aws:MultiFactorAuthPresent", "aws:MultiFactorAuthAge")


def network_keys(body: Mapping[str, Any]) -> list[str]:
    """The keys of :data:`NETWORK_KEYS` a statement's Condition names, as it spells them."""
    return condition_keys(body, NETWORK_KEYS)


def condition_names(body: Mapping[str, Any]) -> list[str]:
    """Every key a statement's Condition names, as it spells them."""
    blocks = body.get("Condition")
    if not isinstance(blocks, Mapping):
        return []
    return sorted(
        {str(key) for block in blocks.values() if isinstance(block, Mapping) for key in block}
    )


def condition_keys(body: Mapping[str, Any], keys: Iterable[str]) -> list[str]:
    """Which of ``keys`` a statement's Condition names, as it spells them."""
    wanted = {key.lower() for key in keys}
    return [key for key in condition_names(body) if key.lower() in wanted]


def network_conditions(policies: Iterable[NamedPolicy], action: str) -> list[Statement]:
    """Statements concerning the action whose Condition names where the request comes from
    (:data:`NETWORK_KEYS`): decided by the caller's address, which an emulator cannot give."""
    return concerning(policies, action, lambda body: bool(network_keys(body)))


def mfa_conditions(policies: Iterable[NamedPolicy], action: str) -> list[Statement]:
    """Statements concerning the action whose Condition names how the caller signed in
    (:data:`MFA_KEYS`)."""
    return concerning(policies, action, lambda body: bool(condition_keys(body, MFA_KEYS)))


def concerning(
    policies: Iterable[NamedPolicy],
    action: str,
    chosen: Callable[[Mapping[str, Any]], bool],
    resource: str | None = None,
) -> list[Statement]:
    """The chosen statements that concern the action, whatever their condition; whatever their
    resource too, unless ``resource`` is given: then those whose Resource covers it."""
    probe = Request(action=action, resource=resource or "*")
    found = []
    for policy in policies:
        for statement in statements(policy):
            widened = unconditioned(statement)
            if chosen(statement.body) and statement_applies(
                widened if resource else any_resource(widened), probe
            ):
                found.append(statement)
    return found


def unconditioned(statement: Statement) -> Statement:
    """The statement without its Condition."""
    body = {k: v for k, v in statement.body.items() if k != "Condition"}
    return Statement(statement.policy, statement.sid, statement.effect, body)


def any_resource(statement: Statement) -> Statement:
    body = {k: v for k, v in statement.body.items() if k not in ("Resource", "NotResource")}
    return Statement(statement.policy, statement.sid, statement.effect, {**body, "Resource": "*"})


def wildcard_match(pattern: str, value: str, *, case_sensitive: bool) -> bool:
    """IAM's ``*``/``?`` wildcard match, as the engine matches actions (case-insensitive) and
    resources (case-sensitive)."""
    if case_sensitive:
        return _engine.fnmatch_iam_cs(value, pattern)
    return _engine.fnmatch_iam(value, pattern)
