"""The SSM agent of the emulated instance: its registration and message-channel calls.

On a real instance the SSM agent registers with ``ssm:UpdateInstanceInformation`` and opens its
message channels (``ec2messages:*``, ``ssmmessages:*``), all with the instance role's credentials;
AmazonSSMManagedInstanceCore grants exactly these. The emulated instance makes one call of each
kind, signed with the role's credentials (SigV4, as the agent signs), to the emulator, whose
engine decides each one (``handson.targets.moto_agent.agent_call``). SSM then lists the instance
as Online only when every call was allowed.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as SigningCredentials

from handson import loopback
from handson.aws import Credentials
from handson.targets.moto_agent import (
    AGENT_CHANNEL_ACTIONS,
    AGENT_TARGET_HEADER,
    REGISTRATION_ACTION,
)
from handson.transient import NOT_AWS_CODE, is_transient_answer
from handson.waiting import EMULATOR_BUDGETS, poll

AGENT_ACTIONS = (REGISTRATION_ACTION, *AGENT_CHANNEL_ACTIONS)


@dataclass(frozen=True)
class AgentCall:
    action: str
    status: int  # 0: no answer at all
    code: str  # the error code of a refused call (NOT_AWS_CODE: none readable); "" if allowed

    @property
    def allowed(self) -> bool:
        return self.status == 200

    @property
    def transient(self) -> bool:
        """No answer, a server error, throttling or an answer that is not AWS's (an HTML page, a
        400 without a code): the agent sends it again, as it would. Never a denial."""
        return is_transient_answer(self.status, self.code)


def call(
    endpoint_url: str,
    region: str,
    credentials: Credentials,
    instance_id: str,
    action: str,
    budget: float = EMULATOR_BUDGETS.transient,
) -> AgentCall:
    """One call, sent again while it gets no answer or a transient one, within ``budget`` s
    (the run's Budgets.transient)."""
    answer, _ = poll(
        lambda: _call_once(endpoint_url, region, credentials, instance_id, action),
        lambda answer: not answer.transient,
        budget=budget,
        interval=lambda n: min(2.0**n * 0.1, 2.0),
    )
    return answer


def _call_once(
    endpoint_url: str, region: str, credentials: Credentials, instance_id: str, action: str
) -> AgentCall:
    service = action.split(":", 1)[0]
    body = json.dumps({"InstanceId": instance_id}).encode()
    request = AWSRequest(
        method="POST",
        url=endpoint_url.rstrip("/") + "/",
        data=body,
        headers={"Content-Type": "application/x-amz-json-1.1", AGENT_TARGET_HEADER: action},
    )
    SigV4Auth(
        SigningCredentials(
            credentials.access_key_id, credentials.secret_access_key, credentials.session_token
        ),
        service,
        region,
    ).add_auth(request)
    prepared = urllib.request.Request(
        request.url, data=body, headers=dict(request.headers.items()), method="POST"
    )
    try:
        with loopback.urlopen(prepared, timeout=30) as answer:
            return AgentCall(action, answer.status, "")
    except urllib.error.HTTPError as refused:
        try:
            code = str(json.loads(refused.read() or b"{}").get("__type", ""))
        except (ValueError, AttributeError):  # an HTML page, a body cut short, not an object
            code = ""
        return AgentCall(action, refused.code, code or NOT_AWS_CODE)
    except (urllib.error.URLError, OSError) as lost:
        return AgentCall(action, 0, f"no answer: {type(lost).__name__}")


def start(
    endpoint_url: str,
    region: str,
    credentials: Credentials,
    instance_id: str,
    budget: float = EMULATOR_BUDGETS.transient,
) -> list[AgentCall]:
    """What the agent does when the instance boots: register, then open its channels, each
    call sent again within ``budget`` s while it gets no answer of AWS's."""
    return [call(endpoint_url, region, credentials, instance_id, a, budget) for a in AGENT_ACTIONS]
