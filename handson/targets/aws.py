"""The real-AWS target: a real account (or any AWS-compatible endpoint), with the host's
credentials; the instance is reached through SSM RunCommand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from handson.aws import Credentials, Principal
from handson.instance import Instance
from handson.phases import Phases
from handson.policies import PolicyDocument
from handson.targets import simulation
from handson.targets.ssm import SsmInstance
from handson.waiting import AWS_BUDGETS, Budgets


class AwsTarget:
    """A real account (or any AWS-compatible endpoint), with the host's credentials."""

    kind = "aws"

    def __init__(
        self,
        session: Any,
        region: str,
        endpoint_url: str | None,
        label: str,
        progress: Callable[[str], None],
        phases: Phases,
        budgets: Budgets = AWS_BUDGETS,
    ) -> None:
        self.budgets = budgets
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
            budgets=self.budgets,
            progress=self._progress,
            on_online=lambda seconds: self._phases.add("SSM online", seconds),
        )

    def ssm_online(self, instance: Instance) -> str | None:
        assert isinstance(instance, SsmInstance)
        instance.wait_online()
        return None

    def close(self) -> None:
        pass
