"""The caller of a request to the emulator, as IAM sees it: the user or role behind an access key
(or named by ARN), its identity policies and permissions boundary, and the engine's decision on
what it asks (:func:`handson.iam_engine.decide`); with the global condition keys of a request.

Shared by moto's request path (:mod:`handson.targets.moto_engine`), IAM's policy simulator
(:mod:`handson.targets.moto_simulator`) and the SSM agent's calls
(:mod:`handson.targets.moto_agent`).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import unquote

from handson.iam_engine import Decision, NamedPolicy, Request, decide
from handson.targets.moto_sessions import UserSessionKey
from handson.targets.moto_user_boundary import boundary_of


class Caller:
    """The principal behind a request's access key, with its policies, as IAM would see it."""

    def __init__(self, access_key: Any) -> None:
        from moto.iam.access_control import AssumedRoleAccessKey

        backend = access_key.backend
        if isinstance(access_key, AssumedRoleAccessKey):
            role = backend.get_role(access_key._owner_role_name)
            # The session: arn:aws:sts::...:assumed-role/role/session
            self._as_role(backend, access_key.account_id, role, access_key.arn)
            self.session = access_key._session_name
            self.keys = {"aws:userid": f"{role.id}:{self.session}"}
        else:
            user = backend.get_user(access_key._owner_user_name)
            self._as_user(backend, access_key.account_id, user)
            if isinstance(access_key, UserSessionKey):  # GetSessionToken's: with MFA or not
                self.keys.update(access_key.session.mfa_keys())

    @classmethod
    def of_arn(cls, backend: Any, account: str, arn: str) -> Caller:
        """A user or role by its ARN (IAM's policy simulator's ``PolicySourceArn``)."""
        kind, _, path = arn.split(":", 5)[-1].partition("/")
        name = path.rsplit("/", 1)[-1]
        caller = cls.__new__(cls)
        if kind == "role":
            caller._as_role(backend, account, backend.get_role(name), arn)
        else:
            caller._as_user(backend, account, backend.get_user(name))
        return caller

    def _as_user(self, backend: Any, account: str, user: Any) -> None:
        self.account, self.type, self.boundary = account, "User", None
        self.arn = self.principal_arn = user.arn
        self.session = ""
        self.keys = {"aws:userid": user.id, "aws:username": user.name}
        self.policies = _owned_policies(user.policies, user.managed_policies)
        for group in backend.get_groups_for_user(user.name):
            self.policies += _owned_policies(group.policies, group.managed_policies)
        boundary = boundary_of(user)  # kept by moto_user_boundary, which moto does not
        if boundary:
            self.boundary = _managed(backend, boundary)

    def _as_role(self, backend: Any, account: str, role: Any, arn: str) -> None:
        self.account, self.type, self.boundary = account, "AssumedRole", None
        self.arn = arn
        self.principal_arn = role.arn  # aws:PrincipalArn is the role's
        self.session = ""
        self.keys = {"aws:userid": role.id}
        self.policies = _owned_policies(role.policies, role.managed_policies)
        if role.permissions_boundary_arn:
            self.boundary = _managed(backend, role.permissions_boundary_arn)

    def request(self, action: str, resource: str, region: str, context: dict[str, Any]) -> Request:
        return Request(
            action=action,
            resource=resource,
            principal_arn=self.principal_arn,
            principal_type=self.type,
            account=self.account,
            region=region,
            context={
                **self.keys,
                "aws:PrincipalArn": self.principal_arn,
                "aws:PrincipalAccount": self.account,
                **context,
            },
        )

    def decide(self, action: str, resource: str, region: str, context: dict[str, Any]) -> Decision:
        return decide(self.request(action, resource, region, context), self.policies, self.boundary)


def _document(text: Any) -> dict[str, Any]:
    if isinstance(text, dict):
        return text
    return json.loads(unquote(text) if str(text).lstrip().startswith("%") else text)


def _default_document(policy: Any) -> dict[str, Any]:
    version = next(v for v in policy.versions if v.is_default)
    return _document(version.document)


def _managed(backend: Any, arn: str) -> NamedPolicy:
    return NamedPolicy(arn, _default_document(backend.get_policy(arn)))


def _owned_policies(inline: dict[str, Any], managed: dict[str, Any]) -> list[NamedPolicy]:
    return [NamedPolicy(name, _document(doc)) for name, doc in inline.items()] + [
        NamedPolicy(arn, _default_document(policy)) for arn, policy in managed.items()
    ]


def global_context(remote_addr: str | None, region: str) -> dict[str, Any]:
    """The global condition keys of a request from ``remote_addr`` to ``region``, now."""
    now = dt.datetime.now(dt.UTC)
    return {
        "aws:SourceIp": remote_addr or "127.0.0.1",
        "aws:SecureTransport": "true",
        "aws:RequestedRegion": region,
        "aws:CurrentTime": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "aws:EpochTime": str(int(now.timestamp())),
    }
