"""The emulator's authorization: each IAM-checked request to moto, decided by the engine.

Runs inside the moto server process (``python -m handson.targets.orphans``), where
:func:`install` replaces moto's own policy check (``ActionAuthenticatorMixin.
_authenticate_and_authorize_action``), which ignores conditions, matches action names
case-sensitively and reads a statement without ``Resource`` as a grant. What stays moto's: its
switch for unchecked requests (``/moto-api/reset-auth``), finding the caller by access key, and
the signature check. What is new:

- the decision is :func:`handson.iam_engine.decide` on the caller's identity policies (inline,
  attached managed, group) and, for a role, its permissions boundary;
- the context comes from the request as it arrived: ``s3:prefix``, ``s3:delimiter`` and
  ``s3:max-keys`` from the listing's query (an empty ``prefix=`` is the empty string, an absent
  one is absent), the caller's address, region, ARN, user name and ID, the time, and for EC2
  instance calls each instance's ARN with its tags (``ec2:ResourceTag/...``) and ``ec2:Region``;
- AWS's error shapes: EC2 ``UnauthorizedOperation`` with an encoded authorization message, S3
  ``AccessDenied`` (403) on a missing key unless the caller may ``s3:ListBucket``, and
  ``AccessDeniedException`` for JSON services;
- the SSM agent's own calls (``ssm:UpdateInstanceInformation``, ``ec2messages:*``,
  ``ssmmessages:*``), signed with the instance role's credentials, are authorized the same way,
  and ``DescribeInstanceInformation`` lists an instance as Online only when all were allowed.

``aws:SecureTransport`` is ``true``: the emulator stands for AWS's public endpoints, which every
client of the suite reaches over HTTPS there; only the loopback hop to it is plain HTTP.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from handson.iam_engine import ALLOW, DENY, IMPLICIT_DENY, NamedPolicy, Request, Verdict, decide
from handson.targets.moto_fixes import forget_deleted_tags

# The agent's calls: what AmazonSSMManagedInstanceCore grants it, one of each kind.
AGENT_CHANNEL_ACTIONS = (
    "ec2messages:GetMessages",
    "ec2messages:AcknowledgeMessage",
    "ec2messages:SendReply",
    "ssmmessages:CreateControlChannel",
    "ssmmessages:OpenControlChannel",
)
REGISTRATION_ACTION = "ssm:UpdateInstanceInformation"
AGENT_SERVICES = frozenset({"ec2messages", "ssmmessages"})
AGENT_TARGET_HEADER = "X-Handson-Agent-Action"
# Answered by a server that decides with the engine; a plain moto server answers it with 404.
ENGINE_PATH = "/handson-engine"

# moto's names for S3 requests that IAM names otherwise.
_S3_ACTION_NAMES = {"HeadBucket": "ListBucket", "ListObjectsV2": "ListBucket"}
_ALWAYS_ALLOWED = frozenset({"sts:getcalleridentity"})
_EC2_INSTANCE_ACTIONS = frozenset(
    {
        "ec2:startinstances",
        "ec2:stopinstances",
        "ec2:terminateinstances",
        "ec2:rebootinstances",
    }
)

# instance ID -> {action: allowed?}, as the agent's calls were decided.
_agent_calls: dict[str, dict[str, bool]] = {}
_agent_lock = threading.Lock()


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

    def decide(self, action: str, resource: str, region: str, context: dict[str, Any]) -> Verdict:
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


# -- the request's own context ------------------------------------------------------------------


def request_context(response: Any, region: str) -> dict[str, Any]:
    """Global keys every request carries."""
    request = getattr(response, "normalized_request", None)
    return global_context(getattr(request, "remote_addr", None), region)


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
    if action.lower() in _EC2_INSTANCE_ACTIONS:
        found = []
        for instance_id in _query_values(data, "InstanceId"):
            found.append(
                (
                    f"{base}:instance/{instance_id}",
                    {**regional, **_instance_tags(response, instance_id)},
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


def _instance_tags(response: Any, instance_id: str) -> dict[str, str]:
    tags = response.ec2_backend.tags.get(instance_id, {})
    return {f"ec2:ResourceTag/{key}": value for key, value in tags.items()}


# -- denials in AWS's shapes ---------------------------------------------------------------------


def _encoded_message(caller: Caller, action: str, resource: str, verdict: Verdict) -> str:
    """What sts:DecodeAuthorizationMessage would reveal, base64-encoded as EC2 sends it."""
    decoded = {
        "allowed": False,
        "explicitDeny": verdict.decision == "Deny",
        "matchedStatements": (
            {"items": [{"statementId": verdict.statement.sid, "effect": verdict.statement.effect}]}
            if verdict.statement is not None
            else {"items": []}
        ),
        "context": {"principal": {"arn": caller.arn}, "action": action, "resource": resource},
    }
    return base64.urlsafe_b64encode(json.dumps(decoded).encode()).decode().rstrip("=")


def _deny(iam_request: Any, caller: Caller, action: str, resource: str, verdict: Verdict) -> None:
    from moto.core.exceptions import AccessDeniedError, JsonRESTError, _RESTError

    service = action.split(":", 1)[0]
    if service == "ec2":
        error = _RESTError(
            "UnauthorizedOperation",
            "You are not authorized to perform this operation. User: "
            f"{caller.arn} is not authorized to perform: {action} on resource: {resource} "
            f"because no identity-based policy allows the {action} action. Encoded "
            f"authorization failure message: {_encoded_message(caller, action, resource, verdict)}",
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
        verdict = caller.decide(action, arn, region, {**context, **extra})
        if not verdict.allowed:
            _deny(iam_request, caller, action, arn, verdict)
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
    verdict = caller.decide("s3:ListBucket", bucket_arn, region, context)
    if not verdict.allowed:
        _deny(iam_request, caller, "s3:GetObject", resource, verdict)


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


# -- IAM's policy simulator --------------------------------------------------------------------

_DECISIONS = {ALLOW: "allowed", DENY: "explicitDeny", IMPLICIT_DENY: "implicitDeny"}


def simulate_principal_policy(self: Any) -> Any:
    """IAM's SimulatePrincipalPolicy, decided by the engine for a user or role of the emulator:
    its identity policies (a role's boundary too) and the context entries given; no resource
    policy, as AWS without ``ResourcePolicy``. Unlike AWS it never lists missing context values
    (the engine reads an absent key as absent). One result per action, each resource's decision
    under ``ResourceSpecificResults``, the most restrictive on top, as AWS answers now."""
    from moto.core.responses import ActionResult

    caller = Caller.of_arn(self.backend, self.current_account, self._get_param("PolicySourceArn"))
    context: dict[str, Any] = {}
    for entry in self._get_param("ContextEntries", []) or []:
        values = list(entry.get("ContextKeyValues", []))
        context[entry["ContextKeyName"]] = values[0] if len(values) == 1 else values
    resources = self._get_param("ResourceArns", []) or ["*"]
    results = []
    for action in self._get_param("ActionNames", []):
        specific = []
        for resource in resources:
            verdict = caller.decide(action, resource, self.region, context)
            matched = (
                [{"SourcePolicyId": verdict.statement.policy, "SourcePolicyType": "IAM Policy"}]
                if verdict.statement is not None
                else []
            )
            specific.append(
                {
                    "EvalResourceName": resource,
                    "EvalResourceDecision": _DECISIONS[verdict.decision],
                    "MatchedStatements": matched,
                    "MissingContextValues": [],
                }
            )
        decisions = [s["EvalResourceDecision"] for s in specific]
        top = next((d for d in ("explicitDeny", "implicitDeny") if d in decisions), "allowed")
        results.append(
            {
                "EvalActionName": action,
                "EvalResourceName": resources[0],
                "EvalDecision": top,
                "MatchedStatements": [m for s in specific for m in s["MatchedStatements"]],
                "MissingContextValues": [],
                "ResourceSpecificResults": specific,
            }
        )
    return ActionResult({"EvaluationResults": results, "IsTruncated": False})


# -- the SSM agent -------------------------------------------------------------------------------


def record_agent_call(instance_id: str, action: str, allowed: bool) -> None:
    with _agent_lock:
        _agent_calls.setdefault(instance_id, {})[action] = allowed


def ping_status(instance_id: str) -> str | None:
    """Online once every call of the agent was allowed; None while it never registered."""
    with _agent_lock:
        calls = dict(_agent_calls.get(instance_id, {}))
    if not calls.get(REGISTRATION_ACTION):
        return None
    if all(calls.get(action) for action in AGENT_CHANNEL_ACTIONS):
        return "Online"
    return "ConnectionLost"


def describe_instance_information(self: Any) -> Any:
    """SSM's DescribeInstanceInformation, from what the agents' calls were allowed to do."""
    from moto.core.responses import ActionResult

    wanted: set[str] = set()
    for entry in self._get_param("Filters", []) or []:
        if entry.get("Key") == "InstanceIds":
            wanted.update(entry.get("Values", []))
    for entry in self._get_param("InstanceInformationFilterList", []) or []:
        if entry.get("key") == "InstanceIds":
            wanted.update(entry.get("valueSet", []))
    with _agent_lock:
        known = sorted(_agent_calls)
    listed = []
    for instance_id in known:
        status = ping_status(instance_id)
        if status is None or (wanted and instance_id not in wanted):
            continue
        listed.append(
            {
                "InstanceId": instance_id,
                "PingStatus": status,
                "AgentVersion": "3.3.0.0",
                "IsLatestVersion": True,
                "PlatformType": "Linux",
                "PlatformName": "Amazon Linux",
                "PlatformVersion": "2023",
                "ResourceType": "EC2Instance",
            }
        )
    return ActionResult({"InstanceInformationList": listed})


def agent_call(environ: dict[str, Any]) -> tuple[int, dict[str, str], bytes] | None:
    """Answer one of the SSM agent's own calls, signed with the role's credentials; or None when
    the request is not one."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.core.exceptions import HTTPException
    from moto.iam.access_control import IAMRequest
    from werkzeug.wrappers import Request as WsgiRequest

    action = environ.get("HTTP_" + AGENT_TARGET_HEADER.upper().replace("-", "_"))
    if not action:
        return None
    request = WsgiRequest(environ)
    body = request.get_data()
    headers = dict(request.headers)
    service, _, name = action.partition(":")
    try:
        iam_request = IAMRequest(
            account_id=DEFAULT_ACCOUNT_ID,  # the emulator's one account
            method=request.method,
            path=request.full_path.rstrip("?"),
            data={},
            body=body,
            headers=headers,
            action=name,
        )
        iam_request._service = service
        iam_request._action = action
        iam_request.check_signature()
        caller = Caller(iam_request._access_key)
        instance_id = json.loads(body or b"{}").get("InstanceId") or caller.session
        region = iam_request._region
        context = global_context(request.remote_addr, region)
        resource = f"arn:aws:ec2:{region}:{caller.account}:instance/{instance_id}"
        verdict = caller.decide(
            action, "*" if service in AGENT_SERVICES else resource, region, context
        )
        record_agent_call(instance_id, action, verdict.allowed)
        if not verdict.allowed:
            message = f"User: {caller.arn} is not authorized to perform: {action}"
            return (
                400,
                {"Content-Type": "application/json"},
                json.dumps({"__type": "AccessDeniedException", "message": message}).encode(),
            )
        return 200, {"Content-Type": "application/json"}, b"{}"
    except HTTPException as error:
        return (
            int(error.code or 400),
            {"Content-Type": "application/json"},
            json.dumps(
                {"__type": type(error).__name__, "message": str(error.description)}
            ).encode(),
        )


def _agent_middleware(dispatch: Any) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == ENGINE_PATH and environ.get("REQUEST_METHOD") == "GET":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps({"engine": engine_name()}).encode()]
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


def install() -> None:
    """Put the engine into moto's request path (before ``moto.server.main``, or before a
    ``ThreadedMotoServer`` starts in this process). Once per process."""
    global _installed
    if _installed:
        return
    _installed = True
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
    forget_deleted_tags()  # moto keeps a deleted bucket's tags (handson.targets.moto_fixes)
