"""What the emulator still cannot decide as AWS would (its gaps), as data the scenarios consult:
the README's table, and the reason a check is not decided on the emulator."""

from __future__ import annotations

from handson.i18n import listed, t
from handson.iam_engine import concerning, network_conditions, network_keys, policy_variables
from handson.policy_match import Policies, named
from handson.targets.emulator_keys import ungiven


class Gaps:
    """What the emulator still cannot decide as AWS would, as data (README, "What the emulator
    decides, and what it cannot"). Everything else the engine decides (handson.iam_engine)."""

    # (what, why): the README's table lists the same, in this order (tests/unit/test_policy_match).
    NOT_MODELLED: tuple[tuple[str, str], ...] = (
        ("policy variables", "the engine does not substitute them"),
        ("resource-based policies, ACLs, SCPs, session policies", "the engine has none"),
        ("a trust policy with a `Condition`", "EC2's request context is not modelled"),
        ("`aws:SecureTransport`", "always true: the emulator stands for AWS's HTTPS endpoints"),
        (
            "`aws:SourceIp` and the other keys of where a request comes from",
            "every request reaches the emulator from this machine, not from where yours reach AWS",
        ),
        ("`RunInstances`' full resource set", "approximated, without tags"),
        ("IAM's eventual consistency", "a policy applies the moment it is attached"),
        (
            "condition keys AWS gives that the emulator does not",
            "a Condition on one would be decided on the key's absence",
        ),
        ("U1: a real browser sign-in", "not done on any target yet"),
    )

    @staticmethod
    def undecidable(documents: Policies, action: str, resource: str) -> str | None:
        # A statement of the run's one file by its Sid, which the scenario's file makes plain;
        # one of a policy found in the account, with the policy's name (Statement.label).
        policies = named(documents)
        with_variables = policy_variables(policies, action)
        if with_variables:
            labels = listed(s.label for s in with_variables)
            return t("gap.policy_variable", named=labels, action=action)
        by_network = network_conditions(policies, action)
        if by_network:
            labels = listed(s.label for s in by_network)
            keys = sorted({key for s in by_network for key in network_keys(s.body)})
            return t("gap.source_network", named=labels, action=action, keys=listed(keys))
        # Of the statements that cover the resource, where the check names one (an ARN): a
        # Condition of bucket 1's statement does not decide what the role may do in bucket 2.
        arn = resource if resource.startswith("arn:") else None
        by_key = concerning(policies, action, lambda body: bool(ungiven(body, action)), arn)
        if by_key:
            labels = listed(s.label for s in by_key)
            keys = sorted({key for s in by_key for key in ungiven(s.body, action)})
            return t("gap.ungiven_key", named=labels, action=action, keys=listed(keys))
        return None
