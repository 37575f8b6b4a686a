"""Where a run acts, behind one interface: the embedded emulator, or a real AWS account.

A target gives the provisioning identity, the budgets its waits may take, the instance the role
checks run on, the checks it cannot decide (the emulator's gaps; none on AWS), and IAM's policy
simulator's answer for a failing check (on AWS only).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, Protocol

from handson import simulation
from handson.aws import Credentials, Principal
from handson.emulator import Emulator
from handson.instance import Instance, LocalShellInstance
from handson.phases import Phases
from handson.policies import PolicyDocument
from handson.ssm_instance import SsmInstance
from handson.waiting import EMULATOR_BUDGETS, Budgets
from handson.warm_cli import WarmCli

# IAM is eventually consistent (CHECKPOINTS.md): a new key or role session may be refused for a
# while; a new instance takes minutes to come Online in SSM (SsmBudgets).
AWS_BUDGETS = Budgets(propagation=120, instance_ready=300, resource_gone=600)


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


class EmulatorTarget:
    kind = "emulator"
    budgets = EMULATOR_BUDGETS

    def __init__(self, emulator: Emulator, warm_cli: WarmCli | None = None) -> None:
        self.emulator = emulator
        self._warm_cli = warm_cli  # the caller's, started early; None: each instance starts one
        self.region = emulator.region
        self.endpoint_url: str | None = emulator.endpoint_url
        self.admin = emulator.admin

    def undecidable(
        self, documents: list[PolicyDocument], action: str, resource: str
    ) -> str | None:
        return self.emulator.gaps.undecidable(documents, action, resource)

    def simulate(self, source_arn: str, action: str, resource: str) -> str:
        return ""  # moto does not implement iam:SimulatePrincipalPolicy

    def open_instance(self, instance_id: str) -> LocalShellInstance:
        return LocalShellInstance(
            instance_id,
            partial(self.emulator.instance_credentials, instance_id),
            endpoint_url=self.emulator.endpoint_url,
            region=self.region,
            shared_cli=self._warm_cli,
        )

    def ssm_online(self, instance: Instance) -> str | None:
        return self.emulator.gaps.ssm_registration

    def close(self) -> None:
        self.emulator.close()


class AwsTarget:
    """A real account (or any AWS-compatible endpoint), with the host's credentials."""

    kind = "aws"
    budgets = AWS_BUDGETS

    def __init__(
        self,
        session: Any,
        region: str,
        endpoint_url: str | None,
        label: str,
        progress: Callable[[str], None],
        phases: Phases,
    ) -> None:
        frozen = session.get_credentials().get_frozen_credentials()
        self.region = region
        self.endpoint_url = endpoint_url
        self.admin = Principal(
            label,
            Credentials(frozen.access_key, frozen.secret_key, frozen.token),
            region,
            endpoint_url,
        )
        self._progress = progress
        self._phases = phases

    def undecidable(
        self, documents: list[PolicyDocument], action: str, resource: str
    ) -> str | None:
        return None

    def simulate(self, source_arn: str, action: str, resource: str) -> str:
        # Principal.client makes the IAM client on first use and keeps it.
        return simulation.simulate(self.admin.client("iam"), source_arn, action, resource)

    def open_instance(self, instance_id: str) -> SsmInstance:
        return SsmInstance(
            self.admin.client("ssm"),
            instance_id,
            progress=self._progress,
            on_online=lambda seconds: self._phases.add("SSM online", seconds),
        )

    def ssm_online(self, instance: Instance) -> str | None:
        assert isinstance(instance, SsmInstance)
        instance.wait_online()
        return None

    def close(self) -> None:
        pass
