"""R1's verdict on what a target saw of its instance in SSM (``SsmObservation``).

Verdict rule 1: only an authorization error is a denial. An agent without role credentials, or
a call the role denied, fails R1; a call that got no verdict, or an instance that never came
Online with nothing denied, is an error of the test (not decided), never a failed verdict.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from handson.boundary import keeps_from
from handson.findings import (
    DENIED_BUT_ALLOWED,
    TEST_ERROR,
    CheckError,
    CheckFailed,
    Finding,
    undecidable,
)
from handson.i18n import t
from handson.iam_engine import NamedPolicy
from handson.instance_network import cause
from handson.targets.ssm import NotOnline, SsmObservation
from handson.verdict import DENIAL_CODES

if TYPE_CHECKING:
    from handson.discovery import Discovery


def judge_online(
    seen: SsmObservation, boundary: NamedPolicy | None = None, network: str | None = None
) -> None:
    """Pass when the instance was Online; else raise R1's verdict, or why it is not decided.
    ``boundary``: the role's permissions boundary, named where it is what denied the agent;
    ``network``: what of the instance's network keeps its agent out, said where it never came
    Online (a hand-built account's, --live: handson.instance_network)."""
    if seen.gap:
        raise undecidable(seen.gap)
    instance_id = seen.instance_id
    if seen.no_credentials is not None:
        why = seen.no_credentials
        raise CheckFailed(
            f"{instance_id} has no role credentials, so its SSM agent cannot register: {why}",
            Finding(DENIED_BUT_ALLOWED, t("no_agent_credentials", why=why)),
        )
    denied = [c for c in seen.agent_calls if c.code in DENIAL_CODES]
    if denied:
        named = ", ".join(f"{c.action} ({c.code})" for c in denied)
        said: tuple[tuple[str, object], ...] = (("calls", named),)
        key = "agent_denied"
        if boundary is not None and keeps_from(boundary, [c.action for c in denied]):
            key, said = "agent_denied_boundary", (*said, ("boundary", boundary.name))
        raise CheckFailed(
            f"the role denied the SSM agent of {instance_id} its calls {named}; "
            "AmazonSSMManagedInstanceCore grants them",
            Finding(DENIED_BUT_ALLOWED, key, params=said),
        )
    unanswered = [c for c in seen.agent_calls if not c.allowed]  # no answer, a fault, another
    if unanswered:
        named = ", ".join(f"{c.action} ({c.code})" for c in unanswered)
        raise CheckError(
            f"the SSM agent of {instance_id} got no verdict on {named}",
            Finding(TEST_ERROR, t("agent_no_verdict", calls=named)),
        )
    if not seen.online:
        never = NotOnline(instance_id, seen.budget, seen.status)
        status = seen.status or t("ssm_not_registered")
        words = t("ssm_not_online", instance=instance_id, seconds=f"{seen.budget:g}", status=status)
        if network is not None:
            words = t("ssm_not_online_because", said=words, cause=network)
        raise CheckError(str(never), Finding(TEST_ERROR, words))


def in_the_account(found: Discovery) -> str | None:
    """Why R1 is not decided in a hand-built account, where the replay of its role passed: its
    instance is not Online in SSM there, so Session Manager cannot connect to it now (or that
    could not be read). None where it is Online, or where there is no instance with a role to
    speak of (the run's first lines say what is missing)."""
    instance = found.instance_id
    if instance is None or found.role is None:
        return None
    if found.instance_state in ("stopping", "stopped"):
        return t("existing.r1_stopped", instance=instance)
    if found.ssm_unread is not None:
        return t("existing.ssm_unread", code=found.ssm_unread)
    if found.ssm_status == "Online":
        return None
    status = found.ssm_status or t("ssm_not_registered")
    why = cause(found.network, found.placement)
    if why is None:
        return t("existing.ssm_offline", instance=instance, status=status)
    return t("existing.ssm_offline_because", instance=instance, status=status, cause=why)
