"""The measure behind P1 (the user) and P2 (the role): each action decided under the learner's
policies and under the intent (handson.permissions.effective turns the differences into findings).

A principal's effective permissions are decided by the engine that decides the checkpoints
(handson.iam_engine.decide): every action of every service its statements name (all of them
when a statement has ``*`` or NotAction), each on the hands-on's own resources of the action's
resource types, one representative ARN of each other type, and ``*`` for an action that takes
no resource. Each request is decided in three readings of its context:

1. the context the hands-on's own requests carry (handson_world.hands_on_contexts);
2. no optional context at all (the principal's own keys only);
3. one key at a time set to a value a request could carry, taken from the policies' conditions
   (inside and outside each IP range, each pattern's match, true and false, ...).

The same requests are decided under the intent (the seed's policies). An over-grant is a request
the learner's policies allow and the intent does not, in any reading (``conditional`` when only
readings 2 or 3 open it); an under-grant is a request of reading 1 the intent allows and the
learner's policies do not, from any address (``aws:SourceIp`` and the other network keys: the
hands-on's requests come from wherever the learner is) and, for the user, with or without MFA
(the console may carry it), on a resource the hands-on acts on (a
representative ARN of another type is not one: the hands-on needs nothing there, and narrowing a
grant to its own resources is the lesson, not a fault).

Only the statements whose Action element reaches an action take part in its decision, so an
action whose reaching statements are the same in both sets is decided alike, and skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache, cached_property
from typing import Any

import handson.permissions.catalogue as catalogue
from handson.iam_engine import (
    ALLOW,
    IMPLICIT_DENY,
    MFA_KEYS,
    NETWORK_KEYS,
    Decision,
    NamedPolicy,
    Request,
    decide,
    statement_label,
    wildcard_match,
)
from handson.permissions.conditions import other_contexts
from handson.permissions.findings import Principal
from handson.permissions.handson_world import OFFLINE, Site, Subject, hands_on_contexts

HANDS_ON, NO_CONTEXT, OTHER_CONTEXT = 1, 2, 3
_NONE = Decision(IMPLICIT_DENY)  # what policies without an Allow for the action decide
# One context to decide in: its reading, the context, and the keys that reading 3 set.
Context = tuple[int, dict[str, Any], dict[str, Any]]


@dataclass(frozen=True)
class Entry:
    policy: str
    sid: str
    body: Mapping[str, Any]

    @property
    def allows(self) -> bool:
        return self.body.get("Effect") == ALLOW

    @cached_property
    def actions(self) -> re.Pattern[str]:
        """The Action (or NotAction) element as one pattern, matched as IAM matches actions:
        ``*`` and ``?`` wildcards, in any case."""
        patterns = as_list(self.body.get("Action", self.body.get("NotAction")))
        alternatives = [re.escape(p).replace(r"\*", ".*").replace(r"\?", ".") for p in patterns]
        return re.compile("|".join(alternatives) or "(?!)", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Hit:
    """One request decided differently under the learner's policies and the intent."""

    resource: str
    reading: int
    opened_by: Mapping[str, Any]  # the context keys of reading 3 that open it; {} otherwise
    decision: Decision  # the learner's
    intent: Decision


def as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _entries(policies: Sequence[NamedPolicy]) -> list[Entry]:
    found = []
    for policy in policies:
        body_list = policy.document.get("Statement")
        bodies = body_list if isinstance(body_list, list) else [body_list]
        for index, body in enumerate(bodies, start=1):
            if isinstance(body, Mapping):
                found.append(Entry(policy.name, statement_label(body, index), body))
    return found


def reaches(entry: Entry, action: str) -> bool:
    """Whether the statement's Action (or NotAction) element reaches the action. Only to choose
    the statements the engine is given: the engine itself matches them again."""
    matched = entry.actions.fullmatch(action) is not None
    return matched if "Action" in entry.body else not matched


def _as_policies(entries: Iterable[Entry]) -> list[NamedPolicy]:
    """The entries as policies of their own names; each statement keeps its Sid or position."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        grouped.setdefault(entry.policy, []).append({**entry.body, "Sid": entry.sid})
    return [NamedPolicy(name, {"Statement": bodies}) for name, bodies in grouped.items()]


def _services(entries: Iterable[Entry]) -> list[str]:
    """The services the Allow statements name (all of them for ``*`` or NotAction)."""
    found: dict[str, None] = {}
    for entry in entries:
        if not entry.allows:
            continue
        if "Action" not in entry.body:
            return list(catalogue.services())
        for pattern in as_list(entry.body["Action"]):
            service = pattern.partition(":")[0] if ":" in pattern else pattern
            for known in catalogue.services():
                if wildcard_match(service, known, case_sensitive=False):
                    found[known] = None
    return list(found)


@cache
def _type_resources(
    kind: catalogue.ResourceType, own: tuple[str, ...], site: Site
) -> tuple[str, ...]:
    mine = tuple(r for r in own if kind.matches(r))
    return mine or (kind.sample(site.account, site.region),)


def resources_for(
    action: catalogue.Action,
    own: tuple[str, ...],
    site: Site = OFFLINE,
    neighbours: tuple[str, ...] = (),
) -> list[str]:
    """The hands-on's resources of the action's types and another learner's copy of them, a
    representative ARN of each other type (in the run's account and region), or ``*`` for an
    action without resource types."""
    if not action.resource_types:
        return ["*"]
    found: dict[str, None] = {}
    for kind in action.resource_types:
        found.update(dict.fromkeys(_type_resources(kind, own + neighbours, site)))
    # The hands-on's own first: a finding names the first resource it holds on.
    return sorted(found, key=lambda arn: arn not in own)


def _canonical(entries: Iterable[Entry]) -> str:
    return json.dumps(
        sorted(
            json.dumps({k: v for k, v in e.body.items() if k != "Sid"}, sort_keys=True)
            for e in entries
        )
    )


def _contexts(
    action: str, reaching: Sequence[Entry], own_keys: Mapping[str, Any], region: str
) -> list[Context]:
    first: list[Context] = [(HANDS_ON, c, {}) for c in hands_on_contexts(action, region)]
    conditions = [
        e.body["Condition"] for e in reaching if isinstance(e.body.get("Condition"), Mapping)
    ]
    if not conditions:
        return first
    more: list[Context] = [(NO_CONTEXT, {}, {})]
    for key, value in other_contexts(conditions, own_keys):
        more.extend((OTHER_CONTEXT, {**c, key: value}, {key: value}) for _, c, _ in first)
    return first + more


def _alternatives(contexts: Sequence[Context], subject: Subject) -> list[dict[str, Any]]:
    """What else the hands-on's own requests may carry, among reading 3's values of the keys the
    hands-on does not fix: where the request comes from (the learner's network, which nothing
    here knows) and, for the user, an MFA sign-in (the console with an MFA device carries it)."""
    free = {key.lower() for key in NETWORK_KEYS}
    if subject.principal is Principal.USER:
        free |= {key.lower() for key in MFA_KEYS}
    return [
        dict(opened_by)
        for reading, _, opened_by in contexts
        if reading == OTHER_CONTEXT and all(k.lower() in free for k in opened_by)
    ]


@dataclass(frozen=True)
class ActionResult:
    action: catalogue.Action
    over: Hit | None
    under: Hit | None


class _Reached:
    """The policies, and the text compared, of each set of statements that reaches an action,
    made once a measure: most actions are reached by the same few statements (a ``*`` by one),
    and policies made once are read by the engine once (NamedPolicy.parsed)."""

    def __init__(self) -> None:
        self._made: dict[tuple[int, ...], tuple[list[NamedPolicy], str]] = {}

    def __call__(self, entries: list[Entry]) -> tuple[list[NamedPolicy], str]:
        # By identity: the entries are the measure's own, alive while it lasts.
        key = tuple(map(id, entries))
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = (_as_policies(entries), _canonical(entries))
        return made


def measure_actions(subject: Subject) -> list[ActionResult]:
    """Every action of the subject's services decided under its policies and the intent, where
    the two differ."""
    mine, intent = _entries(subject.policies), _entries(subject.intent)
    reached = _Reached()
    results = []
    for service in _services([*mine, *intent]):
        for action in catalogue.actions(service).values():
            result = _measure(subject, action, mine, intent, reached)
            if result is not None:
                results.append(result)
    return results


def _measure(
    subject: Subject,
    action: catalogue.Action,
    mine: list[Entry],
    intent: list[Entry],
    reached: _Reached,
) -> ActionResult | None:
    name = action.full
    reach_mine = [e for e in mine if reaches(e, name)]
    reach_intent = [e for e in intent if reaches(e, name)]
    may_mine = any(e.allows for e in reach_mine)
    may_intent = any(e.allows for e in reach_intent)
    if not (may_mine or may_intent):
        return None
    (mine_policies, mine_text), (intent_policies, intent_text) = (
        reached(reach_mine),
        reached(reach_intent),
    )
    if mine_text == intent_text:
        return None
    contexts = _contexts(name, [*reach_mine, *reach_intent], subject.own_keys, subject.site.region)
    over: Hit | None = None
    under: Hit | None = None
    alternatives = _alternatives(contexts, subject)
    for resource in resources_for(action, subject.resources, subject.site, subject.beyond):
        # An under-grant is looked for only where the hands-on acts (see the module's words).
        needed = resource == "*" or resource in subject.resources
        for reading, context, opened_by in contexts:
            settled = under is not None or not needed or reading != HANDS_ON
            if over is not None and over.reading == HANDS_ON and settled:
                break
            request = _request(subject, name, resource, context)
            learner = decide(request, mine_policies) if may_mine else _NONE
            wanted = decide(request, intent_policies) if may_intent else _NONE
            if learner.allowed and not wanted.allowed and (over is None or reading < over.reading):
                over = Hit(resource, reading, opened_by, learner, wanted)
            if needed and reading == HANDS_ON and wanted.allowed and not learner.allowed:
                # Unless the learner's policies allow it as the hands-on may send it otherwise:
                # from another address, or (the user) signed in with MFA.
                other = (replace(request, context={**request.context, **a}) for a in alternatives)
                if not (may_mine and any(decide(r, mine_policies).allowed for r in other)):
                    under = under or Hit(resource, reading, opened_by, learner, wanted)
    if over is None and under is None:
        return None
    return ActionResult(action, over, under)


def _request(subject: Subject, action: str, resource: str, context: Mapping[str, Any]) -> Request:
    """The subject's request for the action on the resource, in the given context."""
    return Request(
        action=action,
        resource=resource,
        principal_arn=subject.arn,
        principal_type=subject.principal_type,
        account=subject.site.account,
        region=subject.site.region,
        context={**context, **subject.resource_keys.get(resource, {}), **subject.own_keys},
    )


def allows(subject: Subject, action: catalogue.Action) -> bool:
    """Whether the subject's own policies allow the action at all: on any of the resources and
    in any of the readings the measure decides it in."""
    reaching = [e for e in _entries(subject.policies) if reaches(e, action.full)]
    if not any(e.allows for e in reaching):
        return False
    policies = _as_policies(reaching)
    contexts = _contexts(action.full, reaching, subject.own_keys, subject.site.region)
    return any(
        decide(_request(subject, action.full, resource, context), policies).allowed
        for resource in resources_for(action, subject.resources, subject.site, subject.beyond)
        for _, context, _ in contexts
    )
