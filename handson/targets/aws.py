"""The real-AWS target: a real account (or any AWS-compatible endpoint), with the host's
credentials; the instance is reached through SSM RunCommand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from handson.aws import Credentials, Principal
from handson.instance import Instance
from handson.names import AUTO_TYPE
from handson.phases import Phases
from handson.policy_match import Policies
from handson.settings import AWS_SESSION, Settings, budgets_for
from handson.targets import simulation
from handson.targets.account import aws_preflight
from handson.targets.registry import Opening, TargetKind, register
from handson.targets.ssm import NotOnline, SsmInstance, SsmObservation
from handson.waiting import AWS_BUDGETS, Budgets


class AwsTarget:
    """A real account (or any AWS-compatible endpoint), with the host's credentials."""

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
        self.empty_at_start = False  # an account holds whatever it holds
        # A code is used once on AWS: the session's would be the next step's, waited for. Not
        # built (handson/mfa_session.py): the checks held to MFA are not decided.
        self.mfa_sessions = False
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

    def undecidable(self, documents: Policies, action: str, resource: str) -> str | None:
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

    def ssm_online(self, instance: Instance) -> SsmObservation:
        assert isinstance(instance, SsmInstance)
        try:
            instance.wait_online()
        except NotOnline as never:
            return SsmObservation.never_online(never)
        return SsmObservation(instance.instance_id, online=True)

    def gone(self) -> str | None:
        return None  # AWS: an unreachable endpoint is a fault, retried within its budget

    def close(self) -> None:
        pass


def preflight(config: pytest.Config, settings: Settings, say: Callable[[str], None]) -> Settings:
    """Who and where, and allowed, before anything is made (handson/targets/account.py)."""
    config.stash[AWS_SESSION] = aws_preflight(settings, say=say)
    return settings


def open_aws(opening: Opening) -> AwsTarget:
    session, account = opening.config.stash[AWS_SESSION]
    return AwsTarget(
        session,
        opening.settings.region,
        opening.settings.endpoint_url,
        account.principal_arn,
        opening.progress,
        opening.phases,
        budgets_for(opening.settings),
    )


AWS = register(
    TargetKind(
        name="aws",
        decided_on="aws",
        emulated=False,
        budgets=AWS_BUDGETS,
        instance_type=AUTO_TYPE,
        account=None,
        open=open_aws,
        preflight=preflight,
        no_account=None,
    ),
    __name__,
)
