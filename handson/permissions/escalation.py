"""Privilege escalation as cloudsplaining finds it: one of its methods (escalation.json, such as
``iam:PassRole`` with ``ec2:RunInstances``) is open to a principal when every action it takes is
allowed to it (cloudsplaining's ``allows_privilege_escalation``: the method's actions a subset of
the allowed ones). An over-granted action of an open method is privilege escalation. One that
only methods still closed take is a step towards it, named with what the nearest of them lacks:
``ec2:StopInstances`` alone lets nobody widen their permissions, and a learner told so would
look for the danger in the wrong place."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

import handson.permissions.catalogue as catalogue


@dataclass(frozen=True)
class Escalation:
    risk: str  # catalogue.ESCALATION, or catalogue.ESCALATION_STEP
    lacking: tuple[str, ...] = ()  # for a step: what would open the nearest method


def escalations(over: Iterable[str], allowed: Callable[[str], bool]) -> dict[str, Escalation]:
    """Each over-granted action (``service:Action``, any case) that an escalation method takes,
    by its lower-case name. ``allowed`` says whether the principal may take an action of a method
    that is not over-granted (a lower-case name): the intent's own grants count too."""
    granted = {name.lower() for name in over}
    known: dict[str, bool] = dict.fromkeys(granted, True)

    def may(name: str) -> bool:
        if name not in known:
            known[name] = allowed(name)
        return known[name]

    found: dict[str, Escalation] = {}
    for name in sorted(granted & catalogue.escalation_actions()):
        methods = [m for m in catalogue.escalation_methods().values() if name in m]
        lacks = [tuple(a for a in method if not may(a)) for method in methods]
        if any(not lack for lack in lacks):
            found[name] = Escalation(catalogue.ESCALATION)
        else:
            nearest = min(lacks, key=len)  # the first of the shortest, in cloudsplaining's order
            found[name] = Escalation(catalogue.ESCALATION_STEP, tuple(map(spelled, nearest)))
    return found


def of_group(found: dict[str, Escalation], actions: Iterable[str]) -> Escalation | None:
    """What a finding for many actions carries: escalation if one of them is, else the step
    that lacks the least."""
    mine = [found[a.lower()] for a in actions if a.lower() in found]
    if any(e.risk == catalogue.ESCALATION for e in mine):
        return Escalation(catalogue.ESCALATION)
    return min(mine, key=lambda e: len(e.lacking), default=None)


@cache
def spelled(name: str) -> str:
    """A method's lower-case action as the catalogue spells it (``ec2:RunInstances``)."""
    action = catalogue.action(name)
    return action.full if action else name
