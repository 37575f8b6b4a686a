"""Why a call was decided as it was, in words, from the policy documents: by the same engine that
decides on the emulator (handson.iam_engine), so that what a report explains is what decided.

Whether a trust policy lets a service assume a role is handson.trust_policy's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from handson.i18n import listed, t
from handson.iam_engine import (
    ALLOW,
    DENY,
    MFA_KEYS,
    Decision,
    NamedPolicy,
    Request,
    Statement,
    any_resource,
    condition_keys,
    condition_names,
    decide,
    mfa_conditions,
    network_keys,
    statement_applies,
    statements,
    unconditioned,
    wildcard_match,
)
from handson.names import placeholder_filled
from handson.permissions import catalogue
from handson.policies import PolicyDocument
from handson.statement_entries import entries, in_json

# A check's identity policies: the documents of the run's own policy file, whose statements a
# failure names by their Sid (the file is the scenario's); or, in an environment built by hand,
# each policy found there under its own name, which a failure names with the statement
# (``see-users / #1``): the names a person sees in the console.
Policies = Sequence[PolicyDocument | NamedPolicy]


@dataclass(frozen=True)
class HeldPolicy(NamedPolicy):
    """A policy found in a hand-built environment, with the group that holds it for the user
    (None: the user or the role holds it itself): what to take off is told where it is."""

    group: str | None = None


def named(documents: Iterable[PolicyDocument | NamedPolicy]) -> list[NamedPolicy]:
    return [d if isinstance(d, NamedPolicy) else NamedPolicy("", d) for d in documents]


@dataclass(frozen=True)
class HeldBack(Statement):
    """An identity policy's Allow that a permissions boundary holds back from a call, which is
    denied (handson.boundary): what decided is the boundary."""

    boundary: str = ""  # the boundary's policy name
    boundary_aws_managed: bool = False  # AWS's own: nothing can be added to it

    @property
    def allowing(self) -> Statement:
        """The statement itself, as its policy holds it."""
        return Statement(self.policy, self.sid, self.effect, self.body)


def describe(statement: Statement, action: str | None = None, resource: str | None = None) -> str:
    """A statement in one line, in the run's language: its effect, Sid, Action, Resource and
    Condition; one a boundary holds back, with the boundary that denied the call. A long list
    is said by the entries that match the call's ``action`` and ``resource`` first."""
    if isinstance(statement, HeldBack):
        allowing = describe(statement.allowing, action, resource)
        return t("statement.held_back", boundary=statement.boundary, statement=allowing)
    body = statement.body
    said = {
        "effect": statement.effect,
        "sid": statement.label,
        "action": _element(body, "Action", action),
        "resource": _element(body, "Resource", resource),
    }
    if body.get("Condition"):
        condition = in_json(body["Condition"])
        return t("statement.described_condition", condition=condition, **said)
    return t("statement.described", **said)


def _element(body: Mapping[str, Any], name: str, about: str | None) -> str:
    """``Action ["s3:*"]``, or ``NotAction [...]`` said as everything but what it lists: a
    statement's NotAction read as Action names the very actions it leaves alone."""
    key = name if name in body or f"Not{name}" not in body else f"Not{name}"
    value = entries(body.get(key), about, case_sensitive=name == "Resource")
    return t(
        "statement.element" if key == name else "statement.element_not", element=key, value=value
    )


def _shown(context: Mapping[str, Any]) -> str:
    if not context:
        return t("explain.no_keys")
    return listed(f"{k} = {in_json(v)}" for k, v in context.items())


def _decided(
    documents: Policies,
    action: str,
    resource: str,
    context: Mapping[str, Any] | None,
) -> tuple[list[NamedPolicy], Request, Decision]:
    """The engine's decision of the call, with the policies and the request it decided."""
    policies = named(documents)
    request = Request(action=action, resource=resource, context=dict(context or {}))
    return policies, request, decide(request, policies)


def deciding(
    documents: Policies,
    action: str,
    resource: str,
    observed_allowed: bool,
    context: Mapping[str, Any] | None = None,
) -> tuple[Statement, ...]:
    """The statements that decide the call, from the engine's decision: the explicit Deny or the
    Allow that decided; for an implicit deny of what was expected allowed, the Allow statements
    whose Condition alone held them back; none where no statement of these policies decides."""
    policies, request, decided = _decided(documents, action, resource, context)
    return _deciding(policies, request, decided, observed_allowed)


def _deciding(
    policies: list[NamedPolicy], request: Request, decided: Decision, observed_allowed: bool
) -> tuple[Statement, ...]:
    if decided.decision in (DENY, ALLOW) and decided.statement is not None:
        return (decided.statement,)
    if observed_allowed:
        return ()
    return tuple(
        s
        for p in policies
        for s in statements(p)
        if s.effect == ALLOW
        and s.body.get("Condition")
        and statement_applies(unconditioned(s), request)
    )


def explain(
    documents: Policies,
    action: str,
    resource: str,
    observed_allowed: bool,
    context: Mapping[str, Any] | None = None,
) -> str:
    """Which statements decide ``action`` on ``resource`` in this request's context."""
    policies, request, decided = _decided(documents, action, resource, context)
    found = _deciding(policies, request, decided, observed_allowed)
    if decided.decision == DENY and decided.statement is not None:
        return t("explain.denied_by", statement=describe(decided.statement, action, resource))
    if decided.decision == ALLOW and decided.statement is not None:
        return t("explain.allowed_by", statement=describe(decided.statement, action, resource))
    if observed_allowed:
        return t("explain.allowed_elsewhere", action=action, resource=resource)
    # Implicit deny: name the statements whose condition alone kept them from allowing.
    if found:
        return t(
            "explain.condition_blocks",
            context=_shown(request.context),
            statements="\n  ".join(describe(s) for s in found),
        )
    return t("explain.implicit", action=action, resource=resource)


def element_patterns(body: Mapping[str, Any], element: str) -> list[str]:
    """A statement's Action or Resource (or another element) as a list of its patterns."""
    found = body.get(element)
    return [str(p) for p in (found if isinstance(found, list) else [found]) if p is not None]


def covering(patterns: list[str], value: str, *, case_sensitive: bool) -> str | None:
    """The first of ``patterns`` that matches ``value`` as IAM matches (actions regardless of
    case, resources with it), or None."""
    return next(
        (p for p in patterns if wildcard_match(p, value, case_sensitive=case_sensitive)), None
    )


def _under(pattern: str) -> str:
    """The pattern of what lies under ``pattern``: 'arn:aws:s3:::b/open' -> 'arn:aws:s3:::b/open/*'
    (a pattern that ends in * already takes in what follows it)."""
    return pattern if pattern.endswith("*") else pattern.rstrip("/") + "/*"


def meant_for(patterns: list[str], resource: str) -> bool:
    """Whether a statement whose Resource is ``patterns`` may have been meant for ``resource``:
    one of them, with what lies under it, covers it (ForS31 on bucket 1's ARN alone, for an
    object of bucket 1), or names another service's resources (what it was meant for is not
    to be told). A resource that is no ARN (an action's "*") may be any statement's."""
    service = resource.split(":")[2:3] if resource.startswith("arn:") else []
    if not service:
        return True
    return any(
        p.split(":")[2:3] != service or covering([_under(p)], resource, case_sensitive=True)
        for p in patterns
    )


def resource_keys(body: Mapping[str, Any], action: str) -> list[str]:
    """The keys a statement's Condition names, as it spells them, that AWS takes from a resource
    ``action`` acts on (the catalogue's keys of its resource types)."""
    known = catalogue.action(action)
    return [key for key in condition_names(body) if known is not None and known.of_resource(key)]


def _unspaced(pattern: str) -> str:
    """``pattern`` without its spaces, tabs and line breaks."""
    return "".join(pattern.split())


# The slips of one ARN that, mended, would cover the request, with the words that name them: a
# space in it, which no ARN holds ("arn:aws:s3:::b/* "); the hands-on's <自分の名前> left as it
# is (in a policy as the account holds it), which AWS compares as written.
_MENDS: tuple[tuple[str, Callable[[str, str], str | None]], ...] = (
    ("hint.resource_space", lambda pattern, _: _unspaced(pattern)),
    ("hint.resource_placeholder", placeholder_filled),
)


def _slip(resources: Sequence[str], resource: str) -> tuple[str, str, str] | None:
    """The first slip of ``_MENDS`` in ``resources``: its words' key, the ARN, the ARN mended."""
    for key, mend in _MENDS:
        for pattern in resources:
            fixed = mend(pattern, resource)
            if fixed and fixed != pattern and covering([fixed], resource, case_sensitive=True):
                return key, pattern, fixed
    return None


# How near a statement's Resource comes to a request's: it covers it, nearer than any that does not.
COVERS = (1 << 30, 0)


def _nearness(pattern: str, resource: str) -> tuple[int, int]:
    """How near ``pattern`` comes to ``resource``: the characters they share from the start,
    then those their paths (what follows the bucket) share. Of ForS31 on bucket 1 and a
    ForS32OpenGet written with bucket 1's ARN, for bucket 2's open/ file, both share up to
    the bucket's number; ForS32OpenGet's open/ makes it the nearer."""
    path = pattern.partition("/")[2], resource.partition("/")[2]
    return _shared_prefix(pattern, resource), _shared_prefix(*path)


def _shared_prefix(one: str, other: str) -> int:
    """How many leading characters two strings share."""
    return next(
        (i for i, (a, b) in enumerate(zip(one, other, strict=False)) if a != b),
        min(len(one), len(other)),
    )


def console_gap(documents: Policies, action: str, resource: str) -> str | None:
    """Why the user's check of ``action`` cannot stand for the console: a statement concerning it
    is conditioned on MFA (:data:`MFA_KEYS`), which the console with an MFA device carries and the
    user's access key, which the checks sign with, does not. On every target: the same key."""
    found = mfa_conditions(named(documents), action)
    if not found:
        return None
    keys = sorted({key for s in found for key in condition_keys(s.body, MFA_KEYS)})
    return t("gap.mfa", named=listed(s.label for s in found), action=action, keys=listed(keys))


class ResourceHint(str):
    """A hint about a statement's Resource: its words, and the statement (its ``label``), so
    that a note saying the same of that Resource is not added to it (practices/hints.py)."""

    label: str

    def __new__(cls, words: str, label: str) -> ResourceHint:
        said = super().__new__(cls, words)
        said.label = label
        return said


def hint(
    documents: Policies,
    action: str,
    resource: str,
    observed_allowed: bool,
    context: Mapping[str, Any] | None = None,
) -> str:
    """What to change, in the run's language, where it follows from the statements: the
    statement that allows too much, or the one that comes closest to allowing what it should."""
    policies, request, decided = _decided(documents, action, resource, context)
    chosen = decided.statement
    if observed_allowed:
        if decided.decision != ALLOW or chosen is None:
            return ""
        by_action = covering(element_patterns(chosen.body, "Action"), action, case_sensitive=False)
        if by_action is not None and any(c in by_action for c in "*?"):
            return t("hint.allow_wildcard", sid=chosen.label, pattern=by_action, action=action)
        by_resource = covering(
            element_patterns(chosen.body, "Resource"), resource, case_sensitive=True
        )
        if by_action is not None and by_resource is not None and "*" in by_resource:
            return t("hint.allows", sid=chosen.label, action=action, pattern=by_resource)
        if by_action is not None and request.context and not chosen.body.get("Condition"):
            # The request carries keys a Condition could narrow on (a listing's s3:prefix):
            # what allows too much is the statement's lack of one, not its Action.
            keys = _shown(request.context)
            return t("hint.allow_unconditioned", sid=chosen.label, action=action, context=keys)
        if by_action is not None:
            return t("hint.allow_action", sid=chosen.label, action=action)
        # NotAction: everything but what it lists, so the resource is what it widens.
        return t("hint.allow_resource", sid=chosen.label, pattern=by_resource, resource=resource)
    if decided.decision == DENY and chosen is not None:
        return t("hint.denied_by", sid=chosen.label)
    allows = [s for p in policies for s in statements(p) if s.effect == ALLOW]
    # Right action, but a condition that does not hold or a resource that is not covered: the
    # commonest slips. Of several, the statement whose resource comes closest to the request's.
    closest: tuple[tuple[int, int], str] | None = None
    for statement in allows:
        body = statement.body
        if "Action" not in body or not covering(
            element_patterns(body, "Action"), action, case_sensitive=False
        ):
            continue
        resources = element_patterns(body, "Resource")
        if "Resource" in body and not covering(resources, resource, case_sensitive=True):
            slip = _slip(resources, resource)
            # Else the commonest of these slips: a folder or a bucket written without the /*
            # that would take in the objects under it.
            stem = covering([_under(p) for p in resources], resource, case_sensitive=True)
            if slip is not None:
                key, pattern, fixed = slip
                words = t(key, sid=statement.label, resource=resource, pattern=pattern, fixed=fixed)
            else:
                words = t(
                    "hint.resource_slash_star" if stem else "hint.resource_missing",
                    sid=statement.label,
                    resource=resource,
                    patterns=listed(resources),
                    pattern=stem.removesuffix("/*") if stem else "",
                )
            text: str = ResourceHint(words, statement.label)
            # Mended, it would cover the request: as near as a statement gets.
            near = COVERS if slip else max(_nearness(p, resource) for p in resources)
        elif body.get("Condition"):
            # Where the request comes from is AWS's to see, not in the request's own keys.
            network = network_keys(body)
            # Keys AWS takes from the resource acted on are none of the request's own: that it
            # carries none of them would not be so.
            of_resource = resource_keys(body, action)
            text = t(
                "hint.condition_network"
                if network
                else "hint.condition"
                if request.context
                else "hint.condition_resource"
                if of_resource
                else "hint.condition_no_keys",
                sid=statement.label,
                condition=in_json(body["Condition"]),
                context=_shown(request.context),
                keys=listed(network or of_resource),
            )
            near = COVERS  # its resource covers the request's
        else:
            continue
        if closest is None or near > closest[0]:
            closest = (near, text)
    for statement in allows:  # right resource, missing action
        body = statement.body
        resources = element_patterns(body, "Resource")
        same_service = any(
            a.split(":", 1)[0].lower() == action.split(":", 1)[0].lower()
            for a in element_patterns(body, "Action")
        )
        if (
            same_service
            and "Resource" in body
            and covering(resources, resource, case_sensitive=True)
            and not statement_applies(any_resource(unconditioned(statement)), request)
        ):
            near = COVERS
            if closest is None or near > closest[0]:
                closest = (near, t("hint.action_missing", sid=statement.label, action=action))
    if closest is not None:
        return closest[1]
    return t("hint.nothing_allows", action=action, resource=resource)
