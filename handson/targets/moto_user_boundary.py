"""A permissions boundary on an IAM user, which moto 5.2.5 does not keep, kept as AWS keeps it.

moto keeps a role's boundary (CreateRole's ``PermissionsBoundary``, Put/DeleteRolePermissions
Boundary, GetRole) and :class:`handson.targets.moto_caller.Caller` decides a role's requests with
it. For a user, moto's CreateUser drops the parameter, PutUserPermissionsBoundary and
DeleteUserPermissionsBoundary are not implemented (its server answers them with an HTML page),
and GetUser shows none. So the user's requests were decided without the boundary: a run with
``--permissions-boundary`` whose boundary does not allow ``ec2:StartInstances`` passed U3, where
AWS denies the call.

Here, as AWS's IAM API reference says of each call: CreateUser keeps the boundary it is given,
PutUserPermissionsBoundary sets or replaces it and DeleteUserPermissionsBoundary removes it (a
user or policy that does not exist is ``NoSuchEntity``; a value that is not a policy ARN is
refused as moto refuses one for a role); GetUser shows it (``PermissionsBoundaryType``
``PermissionsBoundaryPolicy`` and the ARN) and ListUsers does not, as AWS's listing leaves it
out. The caller's boundary is then the user's, as it is a role's (moto_caller).

:func:`install` runs in the moto server process, from
:func:`handson.targets.moto_engine.install`.
"""

from __future__ import annotations

from typing import Any

ATTRIBUTE = "permissions_boundary_arn"  # the attribute moto's Role keeps its boundary in
_installed = False


def boundary_of(user: Any) -> str | None:
    """The ARN of the user's permissions boundary, or None."""
    return getattr(user, ATTRIBUTE, None) or None


def install() -> None:
    """Once per process."""
    global _installed
    if _installed:
        return
    _installed = True
    from moto.core.responses import ActionResult, EmptyResult
    from moto.core.serialize import never_return, return_if_not_empty
    from moto.iam.exceptions import IAMException
    from moto.iam.models import IAMBackend, User
    from moto.iam.responses import IamResponse

    def permissions_boundary(user: Any) -> dict[str, str] | None:
        arn = boundary_of(user)
        if arn is None:
            return None
        return {
            "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
            "PermissionsBoundaryArn": arn,
        }

    def checked(backend: IAMBackend, arn: str | None) -> str:
        """``arn`` if it names a policy of the account, else IAM's refusal."""
        if not backend.policy_arn_regex.match(arn or ""):
            message = f"Value ({arn}) for parameter PermissionsBoundary is invalid."
            raise IAMException("InvalidParameterValue", message)  # as moto refuses a role's
        backend.get_policy(str(arn))  # NoSuchEntity for a policy that does not exist
        return str(arn)

    def put_user_permissions_boundary(self: IamResponse) -> ActionResult:
        user = self.backend.get_user(self._get_param("UserName"))  # NoSuchEntity if none
        setattr(user, ATTRIBUTE, checked(self.backend, self._get_param("PermissionsBoundary")))
        return EmptyResult()

    def delete_user_permissions_boundary(self: IamResponse) -> ActionResult:
        setattr(self.backend.get_user(self._get_param("UserName")), ATTRIBUTE, None)
        return EmptyResult()

    original_create = IamResponse.create_user

    def create_user(self: IamResponse) -> ActionResult:
        given = self._get_param("PermissionsBoundary")
        arn = checked(self.backend, given) if given else None  # refused before the user is made
        result = original_create(self)
        if arn:
            setattr(self.backend.get_user(self._get_param("UserName")), ATTRIBUTE, arn)
        return result

    User.permissions_boundary = property(permissions_boundary)  # type: ignore[attr-defined]
    IamResponse.put_user_permissions_boundary = put_user_permissions_boundary  # type: ignore[attr-defined]
    IamResponse.delete_user_permissions_boundary = delete_user_permissions_boundary  # type: ignore[attr-defined]
    IamResponse.create_user = create_user  # type: ignore[method-assign]
    shown = IamResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER
    shown["CreateUserResponse.User.PermissionsBoundary"] = return_if_not_empty
    shown["GetUserResponse.User.PermissionsBoundary"] = return_if_not_empty
    shown["ListUsersResponse.Users.User.PermissionsBoundary"] = never_return
