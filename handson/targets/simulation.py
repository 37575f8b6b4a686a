"""AWS's own answer for a call, from IAM's policy simulator.

``iam:SimulatePrincipalPolicy`` evaluates the principal's identity policies and permissions
boundary; it sees no bucket policy unless one is passed, and decides a Condition only from the
context keys it is given. It serves twice:

- beside the suite's explanation of a failure (``simulate``): evidence for a person, never a
  verdict; when it cannot be had the report says so in one line instead of failing the run;
- as the verdict itself, labelled so, for the user's checks of ``--target existing --live``
  without the user's credentials (``simulated``): the call is not sent, the simulator is asked
  with the request's context entries (``s3:prefix`` ...). A decision that needed a context value
  it was not given is no verdict; nor is a denial that the simulator says the account's
  organization makes (its SCPs: ``OrganizationsDecisionDetail``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from handson.denied_by import PolicyType
from handson.i18n import listed, t
from handson.probes import Answer, Probe
from handson.verdict import Outcome, Verdict, denied_by_another

SIMULATOR = "SimulatePrincipalPolicy"


def simulate(iam: Any, source_arn: str, action: str, resource: str) -> str:
    """What the simulator decides for ``source_arn`` calling ``action`` on ``resource``."""
    try:
        results = list(_evaluation_results(iam, source_arn, action, resource))
    except ClientError as exc:
        # The code only: a message may quote the caller's ARN or request details.
        code = exc.response.get("Error", {}).get("Code") or "unknown error"
        return t("simulation.no_answer", simulator=SIMULATOR, why=code)
    except (BotoCoreError, ResponseParserError) as exc:
        # ResponseParserError is no BotoCoreError: an endpoint without the operation (moto, a
        # proxy) may answer with an HTML error page.
        return t("simulation.no_answer", simulator=SIMULATOR, why=type(exc).__name__)
    if not results:
        return t("simulation.no_answer", simulator=SIMULATOR, why=t("simulation.no_result"))
    return "\n".join(_describe(result) for result in results)


def simulated(
    probe: Probe, iam: Any, source_arn: str, extra: Sequence[Mapping[str, Any]] = ()
) -> Probe:
    """``probe`` decided by the simulator for ``source_arn`` instead of being sent; ``extra``:
    context entries of how the caller signed in (handson.mfa_session.MFA_CONTEXT)."""

    def execute() -> Answer:
        entries = [
            {"ContextKeyName": key, "ContextKeyValues": [value], "ContextKeyType": "string"}
            for key, value in probe.context.items()
        ] + [dict(entry) for entry in extra]
        try:
            page = iam.simulate_principal_policy(
                PolicySourceArn=source_arn,
                ActionNames=[probe.action],
                ResourceArns=[probe.resource],
                **({"ContextEntries": entries} if entries else {}),
            )
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code") or "unknown error")
            return Answer(
                Verdict(Outcome.ERROR, "rule.simulator_no_answer", code, params=_SAID), {}
            )
        except (BotoCoreError, ResponseParserError) as exc:
            name = type(exc).__name__
            return Answer(
                Verdict(Outcome.ERROR, "rule.simulator_no_answer", name, params=_SAID), {}
            )
        return _decision(page.get("EvaluationResults", []), probe.resource)

    return Probe(f"{SIMULATOR}: {probe.call}", probe.action, probe.resource, execute, probe.context)


# The rules' words name the simulator's API.
_SAID: tuple[tuple[str, object], ...] = (("simulator", SIMULATOR),)


def _decision(results: list[dict[str, Any]], resource: str) -> Answer:
    if len(results) != 1:
        said = (*_SAID, ("count", len(results)))
        verdict = Verdict(Outcome.ERROR, "rule.simulator_results", "NoResult", params=said)
        return Answer(verdict, {})
    (result,) = results
    # With ResourceArns given, AWS may decide per resource (ResourceSpecificResults).
    specific = [
        r
        for r in result.get("ResourceSpecificResults", [])
        if r.get("EvalResourceName") == resource
    ]
    decision = specific[0]["EvalResourceDecision"] if specific else result["EvalDecision"]
    missing = sorted(
        {k for part in [result, *specific] for k in part.get("MissingContextValues", [])}
    )
    details = {"simulator": _describe(result), "decision": decision}
    if missing:
        said = (*_SAID, ("keys", listed(missing)))
        verdict = Verdict(
            Outcome.ERROR, "rule.simulator_missing", "MissingContextValues", params=said
        )
        return Answer(verdict, details)
    outcome = Outcome.ALLOWED if decision == "allowed" else Outcome.DENIED
    if outcome is Outcome.DENIED and not _organization_allows(result):
        # The account's organization denies it (its SCPs): that says nothing of the principal's
        # own policies, whatever they would decide (handson.denied_by).
        return Answer(denied_by_another(decision, PolicyType.SCP), details)
    return Answer(
        Verdict(outcome, "rule.simulator", decision, params=(*_SAID, ("decision", decision))),
        details,
    )


def _organization_allows(result: dict[str, Any]) -> bool:
    """False where the simulator says the organization's SCPs do not allow the call; the field
    is there only for an account in an organization (API_EvaluationResult)."""
    detail = result.get("OrganizationsDecisionDetail") or {}
    return detail.get("AllowedByOrganizations") is not False


def available(iam: Any, source_arn: str) -> str | None:
    """Why the simulator cannot decide for ``source_arn`` here, or None when it answers."""
    probe = Probe(
        "s3.list_buckets()",
        "s3:ListAllMyBuckets",
        "*",
        lambda: Answer(Verdict(Outcome.ERROR, ""), {}),
    )
    answer = simulated(probe, iam, source_arn).execute()
    if answer.verdict.outcome is Outcome.ERROR:
        return f"{answer.verdict.text} ({answer.verdict.code})"
    return None


def explain_with_simulation(
    explain: Callable[[str, str, bool, Mapping[str, str]], str],
    simulator: Callable[[str, str], str],
    action: str,
    resource: str,
    observed_allowed: bool,
    context: Mapping[str, str] | None = None,
) -> str:
    """The policy documents' explanation, then the simulator's answer when the target has one."""
    parts = (
        explain(action, resource, observed_allowed, context or {}),
        simulator(action, resource),
    )
    return "\n".join(part for part in parts if part)


def _evaluation_results(
    iam: Any, source_arn: str, action: str, resource: str
) -> Iterator[dict[str, Any]]:
    pages = iam.get_paginator("simulate_principal_policy").paginate(
        PolicySourceArn=source_arn, ActionNames=[action], ResourceArns=[resource]
    )
    for page in pages:
        yield from page.get("EvaluationResults", [])


def _describe(result: dict[str, Any]) -> str:
    # With ResourceArns given, AWS may put the details under ResourceSpecificResults instead.
    parts = [result, *result.get("ResourceSpecificResults", [])]
    lines = [
        t(
            "simulation.decided",
            simulator=SIMULATOR,
            action=result.get("EvalActionName"),
            resource=result.get("EvalResourceName"),
            decision=result.get("EvalDecision"),
        )
    ]
    seen: set[str] = set()
    for part in parts:
        for statement in part.get("MatchedStatements", []):
            line = "  " + t("simulation.matched", statement=_statement(statement))
            if line not in seen:
                seen.add(line)
                lines.append(line)
    missing = sorted({key for part in parts for key in part.get("MissingContextValues", [])})
    if missing:
        lines.append("  " + t("simulation.missing", keys=listed(missing)))
    boundary = next(
        (
            part["PermissionsBoundaryDecisionDetail"]
            for part in parts
            if "AllowedByPermissionsBoundary" in part.get("PermissionsBoundaryDecisionDetail", {})
        ),
        None,
    )
    if boundary is not None:
        allowed = boundary["AllowedByPermissionsBoundary"]
        lines.append(
            "  " + t("simulation.boundary_allows" if allowed else "simulation.boundary_denies")
        )
    return "\n".join(lines)


def _statement(statement: dict[str, Any]) -> str:
    kind = statement.get("SourcePolicyType", "unknown")
    text = t("simulation.policy", kind=kind, policy=statement.get("SourcePolicyId"))
    start = statement.get("StartPosition", {}).get("Line")
    end = statement.get("EndPosition", {}).get("Line")
    if start is not None and end is not None and start != end:
        text += t("simulation.lines", start=start, end=end)
    elif start is not None:
        text += t("simulation.line", start=start)
    return text
