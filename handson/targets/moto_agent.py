"""The SSM agent's server side on the emulator: its own calls, and what SSM lists from them.

The agent (:mod:`handson.targets.ssm_agent`) signs its calls (``ssm:UpdateInstanceInformation``,
``ec2messages:*``, ``ssmmessages:*``) with the instance role's credentials; :func:`agent_call`
authorizes each one as the request path authorizes any call
(:class:`handson.targets.moto_caller.Caller`) and remembers the answer, and
:func:`describe_instance_information` (SSM's ``DescribeInstanceInformation``, put in place by
:func:`handson.targets.moto_engine.install`) lists an instance as Online only when all were
allowed.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

from handson.targets.moto_caller import Caller, global_context

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

# instance ID -> {action: allowed?}, as the agent's calls were decided.
_agent_calls: dict[str, dict[str, bool]] = {}
_agent_lock = threading.Lock()


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
            # The emulator's one account: moto's own default unless its process was told
            # another (MOTO_ACCOUNT_ID, as moto's own responses read it).
            account_id=os.environ.get("MOTO_ACCOUNT_ID", DEFAULT_ACCOUNT_ID),
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
        decided = caller.decide(
            action, "*" if service in AGENT_SERVICES else resource, region, context
        )
        record_agent_call(instance_id, action, decided.allowed)
        if not decided.allowed:
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
