"""What every service's part of the build shares: the run's clients, names and cleanup, and one
way to create a named resource and make it the run's (its removal registered the moment it
exists, a lost answer looked up by the run's tag, never adopting another's resource)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from handson.aws import Principal
from handson.environment import AS_THE_HANDS_ON, Built
from handson.i18n import t
from handson.lifecycle import labels
from handson.lifecycle.cleanup import Cleanup
from handson.lifecycle.ledger import Ledger
from handson.lifecycle.order import Stage
from handson.lifecycle.ownership import (
    ALREADY_EXISTS,
    Collision,
    Existing,
    Named,
    Ownership,
    error_code,
    of_account,
)
from handson.names import INSTANCE_TYPE, RunNames
from handson.phases import Phases
from handson.policies import PolicySet
from handson.waiting import Budgets

log = logging.getLogger("handson.lifecycle.provision")


class Provisioning:
    def __init__(
        self,
        admin: Principal,
        names: RunNames,
        policies: PolicySet,
        cleanup: Cleanup,
        budgets: Budgets,
        phases: Phases | None = None,
        *,
        instance_type: str = INSTANCE_TYPE,
        subnet_id: str | None = None,
        permissions_boundary: str | None = None,
        built: Built = AS_THE_HANDS_ON,
    ) -> None:
        self.built = built
        self.boundary = (
            {"PermissionsBoundary": permissions_boundary} if permissions_boundary else {}
        )
        self.phases = phases or Phases()
        self.instance_type = instance_type
        self.subnet_id = subnet_id
        self.admin = admin
        self.names = names
        self.policies = policies
        self.cleanup = cleanup
        self.budgets = budgets
        self.iam = admin.client("iam")
        self.ec2 = admin.client("ec2")
        self.s3 = admin.client("s3")
        self.ssm = admin.client("ssm")
        self.ledger = Ledger(self.ssm, names)
        self._ownership: Ownership | None = None

    @property
    def ownership(self) -> Ownership:
        if self._ownership is None:
            self._ownership = of_account(self.admin, self.names)
        return self._ownership

    def create_owned(
        self,
        kind: str,
        name: str,
        create: Callable[[], str],
        look_up: Callable[[str], Named | None],
        remove: Callable[[str], None],
        stage: Stage,
    ) -> str:
        """Create one named resource and register its removal the moment it exists.

        A call that failed may still have created it: an answer lost on the way, a timeout, or
        botocore's retry of such a call answering "already exists". The name is then looked
        up, and what it finds is this run's only if it carries this run's tag: that is kept
        (and the run goes on with it). Anything else with the name is never adopted.
        """
        try:
            made = create()
        except BaseException as exc:
            found = self._look_up_after_failure(look_up, kind, name)
            if found is not None and self.ownership.is_ours(found[1]):
                self._own(kind, name, found[0], remove, stage)
                if isinstance(exc, Exception):
                    log.warning(t("provision.adopted", label=labels.named(kind, name), error=exc))
                    return found[0]
                raise
            if error_code(exc) in ALREADY_EXISTS:
                tags = found[1] if found is not None else {}
                raise Collision(Existing(kind, name, tags).line(self.ownership.place)) from None
            raise
        self._own(kind, name, made, remove, stage)
        return made

    def _own(
        self, kind: str, name: str, made: str, remove: Callable[[str], None], stage: Stage
    ) -> None:
        shown = name if made == name or made.endswith(f"/{name}") else f"{name} ({made})"
        self.cleanup.register(labels.named(kind, shown), lambda: remove(made), stage)

    @staticmethod
    def _look_up_after_failure(
        look_up: Callable[[str], Named | None], kind: str, name: str
    ) -> Named | None:
        try:
            return look_up(name)
        except Exception as exc:  # noqa: BLE001 - the create's own error is the one to report
            said = t("provision.not_looked_up", label=labels.named(kind, name), error=exc)
            log.warning(said)
            return None

    @staticmethod
    def _on_own_resource(call: Callable[[], object], done_already: str) -> None:
        """A call on one of this run's own resources that a lost answer may have made already:
        ``done_already`` then means this run's earlier attempt did it."""
        try:
            call()
        except Exception as exc:
            if error_code(exc) != done_already:
                raise
