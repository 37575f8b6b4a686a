"""Where a run acts, behind one interface: one module per target.

- ``emulator``: the embedded moto server (started here, or attached), with its warm AWS CLI
  (``warm_cli``) and the instance as a local shell (``local_shell``); ``endpoint_lock`` and
  ``orphans`` keep runs and helper processes apart;
- ``aws``: a real account, with the account guard (``account``), IAM's policy simulator
  (``simulation``) and the instance reached through SSM RunCommand (``ssm``);
- ``existing``: a hand-built environment, replayed on the emulator (or ``--live``).

Each of them registers one descriptor (``registry.TargetKind``): its name, its word in the
checkpoint table, whether it is emulated, its budgets, instance type and preflight, and how it
opens. A target gives the provisioning identity, the budgets its waits may take, the instance
the role checks run on, the checks it cannot decide (the emulator's gaps; none on AWS), IAM's
policy simulator's answer for a failing check (on AWS only), and what it saw of the instance in
SSM (a step judges it). Another target is one more module registering one more descriptor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

# Only for the annotations: the warm AWS CLI (handson.targets.warm_cli) starts inside this
# package, and must import awscli's own botocore before anything imports boto3's.
if TYPE_CHECKING:
    from handson.aws import Principal
    from handson.instance import Instance
    from handson.policy_match import Policies
    from handson.targets.ssm import SsmObservation
    from handson.waiting import Budgets


class Target(Protocol):
    region: str
    endpoint_url: str | None
    admin: Principal
    budgets: Budgets
    # The run made the account itself, empty but for its admin (an emulator of its own): no
    # name the run would create can be taken, and the look-up before the build is skipped.
    empty_at_start: bool
    # It checks MFA codes and gives a user's GetSessionToken session its MFA keys, as IAM does:
    # where the user's policies ask for MFA, its checks sign with such a session
    # (handson/mfa_session.py); elsewhere they are not decided (policy_match.console_gap).
    mfa_sessions: bool

    def undecidable(self, documents: Policies, action: str, resource: str) -> str | None: ...

    def simulate(self, source_arn: str, action: str, resource: str) -> str:
        """IAM's policy simulator's answer for the call, shown beside the explanation; or ""."""
        ...

    def open_instance(self, instance_id: str) -> Instance: ...

    def ssm_online(self, instance: Instance) -> SsmObservation:
        """Wait, within the SSM budget, until the instance is Online in SSM; say what was seen
        (never a verdict: handson/ssm_verdict.py judges it)."""
        ...

    def gone(self) -> str | None:
        """Why the target can no longer answer, in the run's language (the run's own emulator
        has ended); None while it can."""
        ...

    def close(self) -> None: ...
