"""Least privilege, measured (P1 for the user, P2 for the role): the differences the measure
(handson.permissions.measure) found, as findings: one per action, or one for many actions where one
statement's wildcard (``iam:List*``) or a whole service (``lambda:*``) decided them all, or one
for the whole services of many that one statement grants (``"Action": "*"``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import handson.permissions.catalogue as catalogue
from handson.i18n import listed, listed_first
from handson.iam_engine import Statement, wildcard_match
from handson.permissions.escalation import Escalation, escalations, of_group
from handson.permissions.findings import CHECK_IDS, SEVERITY, Kind, PermissionFinding, Where
from handson.permissions.handson_world import SEED_PREFIX, Subject, folder_beside
from handson.permissions.measure import (
    HANDS_ON,
    ActionResult,
    Entry,
    Hit,
    allows,
    as_list,
    measure_actions,
    reaches,
)


def _where(statement: Statement | None) -> Where | None:
    return Where(statement.policy, statement.sid) if statement else None


def _said(statement: Statement | None) -> str:
    """A statement as the learner reads it: its file and Sid, the hands-on's own named as its
    file, not by the suite's "seed: " prefix."""
    return str(_where(statement)).removeprefix(SEED_PREFIX) if statement else "-"


def findings(subject: Subject) -> list[PermissionFinding]:
    """P1 (user) or P2 (role): the over-grants, then the under-grants."""
    results = measure_actions(subject)
    over = [r for r in results if r.over is not None]
    under = [r for r in results if r.under is not None]

    def allowed(name: str) -> bool:
        action = catalogue.action(name)
        return action is not None and allows(subject, action)

    risky = escalations((r.action.full for r in over), allowed)
    over_grants = [_with_risk(f, risky) for f in grouped(subject, over, Kind.OVER_GRANT)]
    return [*over_grants, *grouped(subject, under, Kind.UNDER_GRANT)]


def _with_risk(finding: PermissionFinding, risky: dict[str, Escalation]) -> PermissionFinding:
    """The over-grant with its risks: escalation (or a step towards it) and exposure."""
    actions = finding.actions or (finding.action,)
    risks = []
    escalation = of_group(risky, actions)
    if escalation is not None:
        risks.append(escalation.risk)
    if any((a := catalogue.action(name)) is not None and a.exposes for name in actions):
        risks.append(catalogue.EXPOSURE)
    lacking = escalation.lacking if escalation else ()
    fields = finding.fields
    if finding.message == "permissions.over_grant_service":
        # The few actions named: the most dangerous of them, not the first in the alphabet.
        named = sorted(actions, key=lambda name: _severity(name, risky))
        fields = {**fields, "named": listed_first(named)}
    return replace(finding, risk=tuple(risks), lacking=lacking, fields=fields)


def _severity(name: str, risky: dict[str, Escalation]) -> tuple[int, int, str]:
    """Where an over-granted action comes among others: of an open escalation method first,
    then by access level (Permissions management first), then by name."""
    escalation = risky.get(name.lower())
    action = catalogue.action(name)
    level = action.access_level if action else ""
    rank = SEVERITY.index(level) if level in SEVERITY else len(SEVERITY)
    return (0 if escalation and escalation.risk == catalogue.ESCALATION else 1, rank, name)


# A statement that grants whole services beyond the hands-on in more than this many services
# ("Action": "*", AdministratorAccess) is one finding, not a line per service (456 lines).
SPREAD = 5
# The services a learner knows from the hands-on, named first in such a finding.
KNOWN_SERVICES = ("iam", "ec2", "s3", "ssm", "sts")
# The key of the over-grants on another learner's resources, grouped by statement (_by_pattern).
NEIGHBOURS = "<neighbours>"


def grouped(subject: Subject, results: list[ActionResult], kind: Kind) -> list[PermissionFinding]:
    by_service: dict[str, list[ActionResult]] = {}
    for result in results:
        by_service.setdefault(result.action.service, []).append(result)
    whole: dict[str, tuple[list[ActionResult], list[Hit], str]] = {}  # service: ..., statement
    for service, group in by_service.items():
        hits = [_hit(r, kind) for r in group]
        if _whole_service(service, group, hits, kind):
            statement = _deciding(hits[0], kind)
            whole[service] = (group, hits, statement.label if statement else "")
    by_statement = Counter(label for _, _, label in whole.values())
    spread = {label for label, n in by_statement.items() if n > SPREAD and kind is Kind.OVER_GRANT}
    # The findings in the order of the services; a spread statement's, where its first is.
    found: list[PermissionFinding | str] = []
    merged: dict[str, tuple[list[ActionResult], list[Hit]]] = {}
    for service, group in by_service.items():
        if service in whole and whole[service][2] in spread:
            label = whole[service][2]
            if label not in merged:
                merged[label] = ([], [])
                found.append(label)
            merged[label][0].extend(group)
            merged[label][1].extend(whole[service][1])
        elif service in whole and len(group) > 1:
            found.append(_grouped_finding(subject, f"{service}:*", group, whole[service][1], kind))
        else:
            found.extend(_by_pattern(subject, group, [_hit(r, kind) for r in group], kind))
    return [f if isinstance(f, PermissionFinding) else _spread(subject, *merged[f]) for f in found]


def _spread(subject: Subject, group: list[ActionResult], hits: list[Hit]) -> PermissionFinding:
    """One over-grant for the whole services that one statement grants in many services."""
    services = list(dict.fromkeys(r.action.service for r in group))
    named = [s for s in KNOWN_SERVICES if s in services]
    named += [s for s in sorted(services) if s not in named]
    found = _grouped_finding(subject, "*", group, hits, Kind.OVER_GRANT)
    fields = {
        **found.fields,
        "services": len(services),
        "named": listed(named[:3]),
        "count": f"{len(group):,}",
    }
    return replace(found, message="permissions.over_grant_services", fields=fields)


def _by_pattern(
    subject: Subject, group: list[ActionResult], hits: list[Hit], kind: Kind
) -> list[PermissionFinding]:
    """One finding per wildcard entry (``iam:List*``) that decided two or more of the actions
    in reading 1; one per action otherwise."""
    buckets: dict[tuple[str, str], list[int]] = {}
    for index, (result, hit) in enumerate(zip(group, hits, strict=True)):
        statement = _deciding(hit, kind)
        pattern = None
        if statement is not None and hit.reading == HANDS_ON:
            pattern = _wildcard_reaching(statement, result.action.full)
            if kind is Kind.OVER_GRANT and hit.resource in subject.neighbours:
                pattern = NEIGHBOURS  # what reaches another learner's, one finding a statement
        key = (statement.label, pattern) if statement and pattern else ("", str(index))
        buckets.setdefault(key, []).append(index)
    found = []
    for (label, pattern), indexes in buckets.items():
        if label and len(indexes) > 1:
            chosen, chosen_hits = [group[i] for i in indexes], [hits[i] for i in indexes]
            if pattern == NEIGHBOURS:
                found.append(_neighbours_finding(subject, chosen, chosen_hits))
                continue
            found.append(_grouped_finding(subject, pattern, chosen, chosen_hits, kind))
        else:
            found.extend(_finding(subject, group[i], hits[i], kind) for i in indexes)
    return found


def _neighbours_finding(
    subject: Subject, group: list[ActionResult], hits: list[Hit]
) -> PermissionFinding:
    """One over-grant for the actions a statement allows on another learner's resources."""
    names = [r.action.full for r in group]
    found = _grouped_finding(subject, ", ".join(names), group, hits, Kind.OVER_GRANT)
    fields = {**found.fields, "named": listed(names), "resource": found.resource}
    return replace(found, message="permissions.over_grant_neighbours", fields=fields)


def _wildcard_reaching(statement: Statement, action: str) -> str | None:
    for pattern in as_list(statement.body.get("Action")):
        wild = "*" in pattern or "?" in pattern
        if wild and pattern != "*" and wildcard_match(pattern, action, case_sensitive=False):
            return pattern
    return None


def _whole_service(service: str, group: list[ActionResult], hits: list[Hit], kind: Kind) -> bool:
    """Whether the differences are one service-wide grant: every action of the service, or one
    statement that reaches every action of the service and decided them all, in reading 1."""
    if any(h.reading != HANDS_ON for h in hits):
        return False
    if len(group) == catalogue.service_size(service):
        return True
    statement = _deciding(hits[0], kind)
    if statement is None or any(_deciding(h, kind) != statement for h in hits):
        return False
    entry = Entry(statement.policy, statement.sid, statement.body)
    return all(reaches(entry, a.full) for a in catalogue.actions(service).values())


def _deciding(hit: Hit, kind: Kind) -> Statement | None:
    return hit.decision.statement if kind is Kind.OVER_GRANT else hit.intent.statement


def _hit(result: ActionResult, kind: Kind) -> Hit:
    hit = result.over if kind is Kind.OVER_GRANT else result.under
    assert hit is not None
    return hit


def _finding(subject: Subject, result: ActionResult, hit: Hit, kind: Kind) -> PermissionFinding:
    over = kind is Kind.OVER_GRANT
    statement = hit.decision.statement if over else hit.intent.statement
    conditional = over and hit.reading != HANDS_ON
    condition = statement.body.get("Condition") if (conditional and statement) else None
    message = "permissions.under_grant"
    if conditional:
        message = "permissions.over_grant_conditional"
    elif over and hit.resource in subject.beside:
        message = "permissions.over_grant_beside"
    elif over:
        neighbour = hit.resource in subject.neighbours
        message = "permissions.over_grant_neighbour" if neighbour else "permissions.over_grant"
    fields = {
        "action": result.action.full,
        "resource": hit.resource,
        "statement": _said(statement),
        "context": _shown(hit.opened_by),
    }
    if message == "permissions.over_grant_beside":
        fields["folder"] = folder_beside(hit.resource)
    return PermissionFinding(
        id=CHECK_IDS[subject.principal],
        principal=subject.principal,
        kind=kind,
        action=result.action.full,
        resource=hit.resource,
        statement=_where(statement),
        message=message,
        fields=fields,
        access_level=result.action.access_level,
        conditional=conditional,
        condition=condition,
        context=dict(hit.opened_by) if conditional else None,
    )


def _grouped_finding(
    subject: Subject, action: str, group: list[ActionResult], hits: list[Hit], kind: Kind
) -> PermissionFinding:
    """One finding for many actions: a service wildcard (``lambda:*``) or the statement's own
    wildcard entry (``iam:List*``)."""
    over = kind is Kind.OVER_GRANT
    first = next((h for h in hits if h.resource in subject.resources), hits[0])
    statement = first.decision.statement if over else first.intent.statement
    levels = [r.action.access_level for r in group]
    level = next((lv for lv in SEVERITY if lv in levels), "")
    message = "permissions.over_grant_service" if over else "permissions.under_grant_service"
    return PermissionFinding(
        id=CHECK_IDS[subject.principal],
        principal=subject.principal,
        kind=kind,
        action=action,
        resource=first.resource,
        statement=_where(statement),
        message=message,
        fields={
            "action": action,
            "count": len(group),
            "named": listed_first(sorted(r.action.full for r in group)),
            "statement": _said(statement),
        },
        access_level=level,
        actions=tuple(r.action.full for r in group),
    )


def _shown(context: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} = {v!r}" for k, v in context.items()) or "-"
