"""The emulator's authorization: each IAM-checked request to moto, decided by the engine.

Runs inside the moto server process (``python -m handson.targets.orphans``), where
:func:`install` replaces moto's own policy check (``ActionAuthenticatorMixin.
_authenticate_and_authorize_action``), which ignores conditions, matches action names
case-sensitively and reads a statement without ``Resource`` as a grant. What stays moto's: its
switch for unchecked requests (``/moto-api/reset-auth``), finding the caller by access key, and
the signature check. What is new:

- the decision is :func:`handson.iam_engine.decide` on the caller's identity policies (inline,
  attached managed, group) and its permissions boundary (a user's: moto_user_boundary);
- the context comes from the request as it arrived: ``s3:prefix``, ``s3:delimiter`` and
  ``s3:max-keys`` from the listing's query (an empty ``prefix=`` is the empty string, an absent
  one is absent), the caller's address, region, ARN, user name and ID, the time, and for EC2
  instance calls each instance's ARN with its tags (``aws:ResourceTag/...`` and
  ``ec2:ResourceTag/...``), its ``ec2:InstanceType`` and ``ec2:Region`` (the keys it gives, and
  those AWS gives that it does not: :mod:`handson.targets.emulator_keys`);
- AWS's error shapes: EC2 ``UnauthorizedOperation`` with an encoded authorization message, S3
  ``AccessDenied`` (403) on a missing key unless the caller may ``s3:ListBucket``, and
  ``AccessDeniedException`` for JSON services;
- the caller and its policies are :class:`handson.targets.moto_caller.Caller`, which also
  decides IAM's SimulatePrincipalPolicy (:mod:`handson.targets.moto_simulator`) and the SSM
  agent's own calls (:mod:`handson.targets.moto_agent`); :func:`install` puts all three into moto.

``aws:SecureTransport`` is ``true``: the emulator stands for AWS's public endpoints, which every
client of the suite reaches over HTTPS there; only the loopback hop to it is plain HTTP.
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs, urlparse

from handson.iam_engine import Decision
from handson.targets import moto_fixes, moto_sessions, moto_user_boundary
from handson.targets.emulator_keys import INSTANCE_ACTIONS
from handson.targets.moto_agent import agent_call, describe_instance_information
from handson.targets.moto_caller import Caller, global_context
from handson.targets.moto_simulator import simulate_principal_policy
from handson.targets.server_paths import CLI_PATH, ENGINE_PATH, SERVER_PATH

# moto's names for S3 requests that IAM names otherwise.
_S3_ACTION_NAMES = {"HeadBucket": "ListBucket", "ListObjectsV2": "ListBucket"}
# No policy can refuse them (STS API reference: GetCallerIdentity; GetSessionToken, "You cannot
# use policies to control authentication operations").
_ALWAYS_ALLOWED = frozenset({"sts:getcalleridentity", "sts:getsessiontoken"})


# -- the request's own context ------------------------------------------------------------------


def request_context(response: Any, region: str) -> dict[str, Any]:
    """Global keys every request carries."""
    request = getattr(response, "normalized_request", None)
    return global_context(getattr(request, "remote_addr", None), region)


def s3_listing_context(uri: str) -> dict[str, Any]:
    """``s3:prefix``, ``s3:delimiter`` and ``s3:max-keys`` from a listing's query, as sent."""
    query = parse_qs(urlparse(uri).query, keep_blank_values=True)
    keys = {"prefix": "s3:prefix", "delimiter": "s3:delimiter", "max-keys": "s3:max-keys"}
    return {key: query[name][0] for name, key in keys.items() if name in query}


def _query_values(data: dict[str, Any], prefix: str) -> list[str]:
    found = []
    for key, value in data.items():
        if key == prefix or key.startswith(prefix + "."):
            found += value if isinstance(value, list) else [value]
    return [str(v) for v in found]


def ec2_resources(
    response: Any, action: str, region: str, account: str
) -> list[tuple[str, dict[str, Any]]]:
    """The ARNs an EC2 call acts on, each with the context keys of that resource."""
    data = dict(response.querystring)
    base = f"arn:aws:ec2:{region}:{account}"
    regional = {"ec2:Region": region}
    if action.lower() in INSTANCE_ACTIONS:
        found = []
        for instance_id in _query_values(data, "InstanceId"):
            found.append(
                (
                    f"{base}:instance/{instance_id}",
                    {**regional, **_instance_keys(response, instance_id)},
                )
            )
        return found or [("*", regional)]
    if action.lower() == "ec2:runinstances":
        image = (_query_values(data, "ImageId") or ["*"])[0]
        groups = _query_values(data, "SecurityGroupId") or ["*"]
        return [
            (f"{base}:instance/*", regional),
            (f"arn:aws:ec2:{region}::image/{image}", regional),
            (f"{base}:network-interface/*", regional),
            (f"{base}:subnet/*", regional),
            (f"{base}:volume/*", regional),
            *[(f"{base}:security-group/{g}", regional) for g in groups],
        ]
    return [("*", regional)]


def _instance_keys(response: Any, instance_id: str) -> dict[str, str]:
    """The instance's keys (emulator_keys.INSTANCE): its tags as both keys AWS sets for an EC2
    resource, the global ``aws:ResourceTag/...`` and EC2's own ``ec2:ResourceTag/...`` (the
    Service Authorization Reference lists both for the instance), and ``ec2:InstanceType``. An
    ID EC2 does not know has none: moto answers it as EC2 does."""
    from moto.ec2.exceptions import InvalidInstanceIdError

    backend = response.ec2_backend
    tags = backend.tags.get(instance_id, {})
    keys = {
        f"{prefix}:ResourceTag/{key}": value
        for key, value in tags.items()
        for prefix in ("aws", "ec2")
    }
    with contextlib.suppress(InvalidInstanceIdError):
        keys["ec2:InstanceType"] = backend.get_instance(instance_id).instance_type
    return keys


# -- denials in AWS's shapes ---------------------------------------------------------------------


def _encoded_message(caller: Caller, action: str, resource: str, decided: Decision) -> str:
    """What sts:DecodeAuthorizationMessage would reveal, base64-encoded as EC2 sends it."""
    decoded = {
        "allowed": False,
        "explicitDeny": decided.decision == "Deny",
        "matchedStatements": (
            {"items": [{"statementId": decided.statement.sid, "effect": decided.statement.effect}]}
            if decided.statement is not None
            else {"items": []}
        ),
        "context": {"principal": {"arn": caller.arn}, "action": action, "resource": resource},
    }
    return base64.urlsafe_b64encode(json.dumps(decoded).encode()).decode().rstrip("=")


def _deny(iam_request: Any, caller: Caller, action: str, resource: str, decided: Decision) -> None:
    from moto.core.exceptions import AccessDeniedError, JsonRESTError, _RESTError

    service = action.split(":", 1)[0]
    if service == "ec2":
        error = _RESTError(
            "UnauthorizedOperation",
            "You are not authorized to perform this operation. User: "
            f"{caller.arn} is not authorized to perform: {action} on resource: {resource} "
            f"because no identity-based policy allows the {action} action. Encoded "
            f"authorization failure message: {_encoded_message(caller, action, resource, decided)}",
        )
        error.code = 403
        raise error
    if service == "s3":
        iam_request._raise_access_denied()
    if _json_protocol(iam_request):
        error = JsonRESTError(
            "AccessDeniedException",
            f"User: {caller.arn} is not authorized to perform: {action} on resource: {resource}",
        )
        error.code = 400
        raise error
    raise AccessDeniedError(user_arn=caller.arn, action=action)


def _json_protocol(iam_request: Any) -> bool:
    return "X-Amz-Target" in iam_request._headers or "x-amz-target" in iam_request._headers


# -- the request path ----------------------------------------------------------------------------


def _iam_action(iam_request: Any) -> str:
    service, _, name = iam_request._action.partition(":")
    if service == "s3":
        name = _S3_ACTION_NAMES.get(name, name)
    return f"{service}:{name}"


def authorize(response: Any, iam_request: Any, resource: str) -> None:
    """Decide one request with the engine; raise the service's denial if IAM would deny it."""
    action = _iam_action(iam_request)
    if action.lower() in _ALWAYS_ALLOWED:
        return
    caller = Caller(iam_request._access_key)
    region = iam_request._region
    context = request_context(response, region)
    if action.startswith("s3:"):
        targets = [
            (resource, s3_listing_context(response.uri) if action == "s3:ListBucket" else {})
        ]
    elif action.startswith("ec2:"):
        targets = ec2_resources(response, action, region, caller.account)
    else:
        targets = [(resource, {})]
    for arn, extra in targets:
        decided = caller.decide(action, arn, region, {**context, **extra})
        if not decided.allowed:
            _deny(iam_request, caller, action, arn, decided)
    if action == "s3:GetObject":
        _missing_key_needs_list(response, iam_request, caller, resource, region, context)


def _missing_key_needs_list(
    response: Any,
    iam_request: Any,
    caller: Caller,
    resource: str,
    region: str,
    context: dict[str, Any],
) -> None:
    """S3 answers 403, not 404, for a missing key when the caller may not list the bucket."""
    path = resource.split(":::", 1)[-1]
    bucket_name, _, key = path.partition("/")
    bucket = response.backend.buckets.get(bucket_name)
    if bucket is None or key in bucket.keys:
        return  # NoSuchBucket, or the object is there: S3's own answer
    bucket_arn = f"arn:aws:s3:::{bucket_name}"
    decided = caller.decide("s3:ListBucket", bucket_arn, region, context)
    if not decided.allowed:
        _deny(iam_request, caller, "s3:GetObject", resource, decided)


def _authenticate_and_authorize_action(
    self: Any, iam_request_cls: type, resource: str = "*"
) -> None:
    """moto's ``ActionAuthenticatorMixin._authenticate_and_authorize_action``, deciding with the
    engine instead of moto's ``IAMRequestBase.check_action_permitted``."""
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    if ActionAuthenticatorMixin.request_count < settings.INITIAL_NO_AUTH_ACTION_COUNT:
        ActionAuthenticatorMixin.request_count += 1
        return
    if self.headers.get("X-Amz-Target") in ActionAuthenticatorMixin.PUBLIC_OPERATIONS:
        return
    parsed_url = urlparse(self.uri)
    path = self.raw_path
    if parsed_url.query:
        path += "?" + parsed_url.query
    iam_request = iam_request_cls(
        account_id=self.current_account,
        method=self.method,
        path=path,
        data=self.data,
        body=self.raw_body,
        headers=self.headers,
        action=self._get_action(),
    )
    iam_request.check_signature()
    authorize(self, iam_request, resource)


def _agent_middleware(dispatch: Any) -> Any:
    """In front of moto: the engine's name on :data:`ENGINE_PATH`, the server's own on
    :data:`SERVER_PATH`, its warm AWS CLI on :data:`CLI_PATH`, then the SSM agent's calls."""

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == ENGINE_PATH and environ.get("REQUEST_METHOD") == "GET":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps({"engine": engine_name()}).encode()]
        if environ.get("PATH_INFO") == SERVER_PATH and environ.get("REQUEST_METHOD") == "GET":
            # Which server this is (emulator_process.SERVER_TOKEN): not a secret, a name.
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps({"server": _server_token}).encode()]
        answered: tuple[int, dict[str, str], bytes] | None
        if environ.get("PATH_INFO") == CLI_PATH:
            from handson.targets import hosted_cli  # only once a run asks for it

            answered = hosted_cli.answer(environ)
        else:
            answered = agent_call(environ)
        if answered is None:
            return dispatch(environ, start_response)
        status, headers, body = answered
        start_response(f"{status} {'OK' if status == 200 else 'Error'}", list(headers.items()))
        return [body]

    return app


def engine_name() -> str:
    from importlib.metadata import version

    return f"ministack {version('ministack')} iam_evaluator"


_installed = False
_server_token = ""


def install(server_token: str = "") -> None:
    """Put the engine into moto's request path (before ``moto.server.main``, or before a
    ``ThreadedMotoServer`` starts in this process). Once per process. ``server_token``: what
    the server answers on :data:`SERVER_PATH` as its own name (emulator_process.SERVER_TOKEN)."""
    global _installed, _server_token
    if _installed:
        return
    _installed = True
    _server_token = server_token
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.iam.responses import IamResponse
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from moto.ssm.responses import SimpleSystemManagerResponse

    ActionAuthenticatorMixin._authenticate_and_authorize_action = _authenticate_and_authorize_action  # type: ignore[method-assign]
    SimpleSystemManagerResponse.describe_instance_information = describe_instance_information  # type: ignore[attr-defined]
    IamResponse.simulate_principal_policy = simulate_principal_policy  # type: ignore[attr-defined]
    original_call = DomainDispatcherApplication.__call__

    def call(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        return _agent_middleware(lambda e, s: original_call(self, e, s))(environ, start_response)

    DomainDispatcherApplication.__call__ = call  # type: ignore[method-assign]
    moto_fixes.install()  # where moto deletes otherwise than AWS (tags, DeleteUser)
    moto_user_boundary.install()  # a user's permissions boundary, which moto does not keep
    moto_sessions.install()  # a user's session with MFA (GetSessionToken), which moto lacks
