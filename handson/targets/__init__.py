"""Where a run acts, behind one interface: one module per target.

- ``emulator``: the embedded moto server (started here, or attached), with its warm AWS CLI
  (``warm_cli``) and the instance as a local shell (``local_shell``); ``endpoint_lock`` and
  ``orphans`` keep runs and helper processes apart;
- ``aws``: a real account, with the account guard (``account``), IAM's policy simulator
  (``simulation``) and the instance reached through SSM RunCommand (``ssm``).

A target gives the provisioning identity, the budgets its waits may take, the instance the role
checks run on, the checks it cannot decide (the emulator's gaps; none on AWS), and IAM's policy
simulator's answer for a failing check (on AWS only). A third target is one more module here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

# Only for the annotations: the warm AWS CLI (handson.targets.warm_cli) starts inside this
# package, and must import awscli's own botocore before anything imports boto3's.
if TYPE_CHECKING:
    from handson.aws import Principal
    from handson.instance import Instance
    from handson.policies import PolicyDocument
    from handson.waiting import Budgets


class Target(Protocol):
    kind: str
    region: str
    endpoint_url: str | None
    admin: Principal
    budgets: Budgets

    def undecidable(
        self, documents: list[PolicyDocument], action: str, resource: str
    ) -> str | None: ...

    def simulate(self, source_arn: str, action: str, resource: str) -> str:
        """IAM's policy simulator's answer for the call, shown beside the explanation; or ""."""
        ...

    def open_instance(self, instance_id: str) -> Instance: ...

    def ssm_online(self, instance: Instance) -> str | None:
        """Wait until the instance is Online in SSM; or say why this target cannot tell."""
        ...

    def close(self) -> None: ...
