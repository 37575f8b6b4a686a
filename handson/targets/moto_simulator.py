"""IAM's SimulatePrincipalPolicy on the emulator, decided by the suite's engine.

Replaces moto's ``IamResponse.simulate_principal_policy`` (put in place by
:func:`handson.targets.moto_engine.install`): the user or role named by ``PolicySourceArn`` is
read as the request path reads a caller (:class:`handson.targets.moto_caller.Caller`) and each
action on each resource is decided by :func:`handson.iam_engine.decide`.
"""

from __future__ import annotations

from typing import Any

from handson.iam_engine import ALLOW, DENY, IMPLICIT_DENY
from handson.targets.moto_caller import Caller

_DECISIONS = {ALLOW: "allowed", DENY: "explicitDeny", IMPLICIT_DENY: "implicitDeny"}


def simulate_principal_policy(self: Any) -> Any:
    """IAM's SimulatePrincipalPolicy, decided by the engine for a user or role of the emulator:
    its identity policies (a role's boundary too) and the context entries given; no resource
    policy, as AWS without ``ResourcePolicy``. Unlike AWS it never lists missing context values
    (the engine reads an absent key as absent). One result per action, each resource's decision
    under ``ResourceSpecificResults``, the most restrictive on top, as AWS answers now."""
    from moto.core.responses import ActionResult

    caller = Caller.of_arn(self.backend, self.current_account, self._get_param("PolicySourceArn"))
    context: dict[str, Any] = {}
    for entry in self._get_param("ContextEntries", []) or []:
        values = list(entry.get("ContextKeyValues", []))
        context[entry["ContextKeyName"]] = values[0] if len(values) == 1 else values
    resources = self._get_param("ResourceArns", []) or ["*"]
    results = []
    for action in self._get_param("ActionNames", []):
        specific = []
        for resource in resources:
            decided = caller.decide(action, resource, self.region, context)
            matched = (
                [{"SourcePolicyId": decided.statement.policy, "SourcePolicyType": "IAM Policy"}]
                if decided.statement is not None
                else []
            )
            specific.append(
                {
                    "EvalResourceName": resource,
                    "EvalResourceDecision": _DECISIONS[decided.decision],
                    "MatchedStatements": matched,
                    "MissingContextValues": [],
                }
            )
        decisions = [s["EvalResourceDecision"] for s in specific]
        top = next((d for d in ("explicitDeny", "implicitDeny") if d in decisions), "allowed")
        results.append(
            {
                "EvalActionName": action,
                "EvalResourceName": resources[0],
                "EvalDecision": top,
                "MatchedStatements": [m for s in specific for m in s["MatchedStatements"]],
                "MissingContextValues": [],
                "ResourceSpecificResults": specific,
            }
        )
    return ActionResult({"EvaluationResults": results, "IsTruncated": False})
