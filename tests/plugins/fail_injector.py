"""Test-only plugin: break a run on purpose.

HANDSON_FAIL_AFTER=<Provisioner method>: the method does its work, then raises (provisioning fails
halfway, with resources already made). HANDSON_LEAK=<label prefix>: the teardown of resources whose
label (in the run's language: handson/lifecycle/labels.py) starts with it does nothing (to prove
the leak check notices). HANDSON_DETACH=<policy ARN>: the role is made as the hands-on makes it,
then the policy is detached from it again (a learner who forgot to attach it).
HANDSON_FAIL_ANALYSIS=1: the least-privilege analysis of P1 and P2 raises (an error of the test in
an advisory lesson). HANDSON_FILES_GONE=1: bucket 2's files are deleted as soon as the build puts
them there (someone else's hand, a lifecycle rule), while the run still counts on them.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from handson.lifecycle.cleanup import Cleanup
from handson.lifecycle.provision import Provisioner


class InjectedFailure(RuntimeError):
    pass


def pytest_configure(config: pytest.Config) -> None:
    method = os.environ.get("HANDSON_FAIL_AFTER")
    if method:
        original = getattr(Provisioner, method)

        def failing(self: Provisioner, *args: Any, **kwargs: Any) -> Any:
            original(self, *args, **kwargs)
            raise InjectedFailure(f"injected failure after Provisioner.{method}")

        setattr(Provisioner, method, failing)
    detach = os.environ.get("HANDSON_DETACH")
    if detach:
        create_role = Provisioner.create_role

        def without(self: Provisioner, *args: Any, **kwargs: Any) -> Any:
            arn = create_role(self, *args, **kwargs)
            self.iam.detach_role_policy(RoleName=self.names.role, PolicyArn=detach)
            return arn

        Provisioner.create_role = without  # type: ignore[method-assign,assignment]
    if os.environ.get("HANDSON_FAIL_ANALYSIS"):
        import fixtures.practices

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise InjectedFailure("injected failure in the least-privilege analysis")

        fixtures.practices.analyse = broken  # type: ignore[assignment]
    if os.environ.get("HANDSON_FILES_GONE"):
        create_buckets = Provisioner.create_buckets

        def emptied(self: Provisioner) -> dict[str, bytes]:
            objects = create_buckets(self)
            for key in objects:
                self.s3.delete_object(Bucket=self.names.bucket2, Key=key)
            return objects

        Provisioner.create_buckets = emptied  # type: ignore[method-assign,assignment]
    leak = os.environ.get("HANDSON_LEAK")
    if leak:
        register = Cleanup.register

        def leaky(self: Cleanup, label: str, action: Any, stage: Any) -> None:
            register(self, label, (lambda: None) if label.startswith(leak) else action, stage)

        Cleanup.register = leaky  # type: ignore[method-assign]
