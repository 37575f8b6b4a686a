"""An AWS-like layer in front of the emulator: what AWS answers about a resource made moments ago.

``AwsLikeProxy`` is a ``FaultProxy`` (tests/helpers/fault_proxy.py) with behaviours of AWS that
the emulator does not have. AWS's eventual consistency about keys, policies, instance profiles,
instances, bucket names and roles, each for a number of seconds, comes from
tests/helpers/aws_young.py (``young=Young(...)``, counted in ``met``); the SSM service's own
(a late agent, commands that pass through Pending, InProgress and Delayed, truncated output)
from tests/helpers/fake_ssm.py. Two more, each set up by a test:

- ``answer_once(service, action, make, when)``: the next request of ``action`` that ``when``
  picks is not forwarded; its client hears ``make(request)``, an answer in the service's own
  shape. ``instance_not_found`` is EC2's ``InvalidInstanceID.NotFound`` (EC2's XML error, HTTP
  400), as EC2 may answer about an instance launched moments ago (eventual consistency);
  ``organization_denies(service, explicit=...)`` is the service's authorization error where
  the account's organization denies the call (an SCP, in AWS's words), ``dry_run`` and
  ``by_a_role`` pick the user's dry runs and the instance's calls.
- ``agent_registers(after=N)`` / ``agent_registers(after=None)``: the emulated SSM agent's
  registration (``ssm:UpdateInstanceInformation``, the call that makes SSM list the instance,
  handson/targets/ssm_agent.py and moto_agent.py) is answered 200 at once, as the agent's calls
  are, but reaches the emulator ``N`` seconds later, or never: SSM lists the instance late, or
  never, and none of the agent's calls is refused. The agent's other calls go through.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from handson.targets.moto_agent import AGENT_TARGET_HEADER, REGISTRATION_ACTION
from tests.helpers import aws_errors
from tests.helpers.aws_requests import access_key, form, operation_name, signing_service
from tests.helpers.aws_young import Young, YoungState
from tests.helpers.fault_proxy import Answer, FaultProxy, Request

NOTHING_YOUNG = Young()  # every behaviour of aws_young.py off
__all__ = [
    "AwsLikeProxy",
    "always",
    "by_a_role",
    "dry_run",
    "instance_not_found",
    "not_dry_run",
    "organization_denies",
]


def always(request: Request) -> bool:
    return True


def not_dry_run(request: Request) -> bool:
    """A call that acts: U4's TerminateInstances is a DryRun probe, the teardown's is not."""
    return form(request).get("DryRun", ["false"])[0].lower() != "true"


def dry_run(request: Request) -> bool:
    """A DryRun call: the user's U3 and U4 probes and its positive control (verdict rule 6)."""
    return not not_dry_run(request)


def by_a_role(request: Request) -> bool:
    """A call signed with a role session's key (the instance's), not with a user's."""
    return (access_key(request) or "").startswith("ASIA")


def into_bucket1(request: Request) -> bool:
    """An upload into the hands-on's bucket 1 by a role (R2's, through the instance's CLI)."""
    return by_a_role(request) and request.method == "PUT" and "/handson-s3-1-" in request.path


def key_denies(request: Request) -> Answer:
    """S3's answer where bucket 1's default encryption is a KMS key the role may not use."""
    role = "arn:aws:sts::123456789012:assumed-role/handson-iam-role/i-0123456789abcdef0"
    key = "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    return aws_errors.denied_for_key("s3", request, role, key)  # the words only


def organization_denies(service: str, *, explicit: bool) -> Callable[[Request], Answer]:
    """The service's answer where the account's organization (its SCPs) denies the caller the
    request's action: an SCP's explicit deny, or none of them allowing it."""

    def make(request: Request) -> Answer:
        action = f"{service}:{operation_name(service, request)}"
        caller = "arn:aws:iam::123456789012:user/handson-iam-user"  # the words only
        return aws_errors.denied_by_organization(
            service, request, caller, action, explicit=explicit
        )

    return make


def instance_not_found(request: Request) -> Answer:
    """EC2's answer about an instance it does not know (yet), naming the request's instances."""
    params = form(request)
    ids = [
        value for key, values in params.items() if key.startswith("InstanceId") for value in values
    ]
    return aws_errors.instance_not_found(ids)


@dataclass
class _Once:
    service: str
    action: str
    make: Callable[[Request], Answer]
    when: Callable[[Request], bool]
    spent: bool = False


class AwsLikeProxy(FaultProxy):
    """A FaultProxy (faults at ``rate``, 0 for none) that also answers as AWS does about young
    resources. Counters: ``answered_once`` (by (service, action, code)), ``seen`` (requests of
    an action a rule names that its ``when`` picks, answered or forwarded), ``registrations``
    (the agent's registrations held back) and ``registered_after`` (seconds each was held)."""

    def __init__(
        self, upstream: str, *, rate: float = 0.0, seed: int = 0, young: Young = NOTHING_YOUNG
    ) -> None:
        super().__init__(upstream, rate=rate, seed=seed)
        self.young = YoungState(young)
        self._rules: list[_Once] = []
        self._registration_delay: float | None = 0.0  # 0: as the emulator does; None: never
        self._timers: list[threading.Timer] = []
        self._aws_lock = threading.Lock()
        self._answered: Counter[tuple[str, str, str]] = Counter()
        self._seen: Counter[tuple[str, str]] = Counter()
        self._held = 0
        self._registered_after: list[float] = []

    # -- the behaviours -----------------------------------------------------------------------

    def answer_once(
        self,
        service: str,
        action: str,
        make: Callable[[Request], Answer],
        when: Callable[[Request], bool] = always,
    ) -> None:
        """The next ``action`` of ``service`` that ``when`` picks gets ``make(request)``."""
        with self._aws_lock:
            self._rules.append(_Once(service.lower(), action, make, when))

    def agent_registers(self, *, after: float | None) -> None:
        """The agent's registration reaches the emulator ``after`` seconds late; None: never."""
        with self._aws_lock:
            self._registration_delay = after

    # -- counters -----------------------------------------------------------------------------

    @property
    def answered_once(self) -> Counter[tuple[str, str, str]]:
        with self._aws_lock:
            return self._answered.copy()

    @property
    def seen(self) -> Counter[tuple[str, str]]:
        with self._aws_lock:
            return self._seen.copy()

    @property
    def registrations(self) -> int:
        with self._aws_lock:
            return self._held

    @property
    def registered_after(self) -> list[float]:
        with self._aws_lock:
            return list(self._registered_after)

    # -- one request --------------------------------------------------------------------------

    @property
    def met(self) -> Counter[str]:
        """How many times each of the young resources' behaviours was met (aws_young.py)."""
        with self.young.lock:
            return self.young.met.copy()

    def answer(self, request: Request) -> Answer:
        made = self._registration(request) or self._rule(request) or self.young.refuse(request)
        if made is not None:
            return made
        answered = super().answer(request)
        self.young.saw(request, answered)
        return answered

    def _rule(self, request: Request) -> Answer | None:
        service = signing_service(request)
        with self._aws_lock:
            named = {(r.service, r.action) for r in self._rules}
        if service is None or service not in {s for s, _ in named}:
            return None
        action = operation_name(service, request)
        if (service, action) not in named:
            return None
        with self._aws_lock:
            rules = [r for r in self._rules if (r.service, r.action) == (service, action)]
            picked = [r for r in rules if r.when(request)]
            if picked:
                self._seen[(service, str(action))] += 1
            rule = next((r for r in picked if not r.spent), None)
            if rule is None:
                return None
            rule.spent = True
            made = rule.make(request)
            self._answered[(service, str(action), made.code or str(made.status))] += 1
        return made

    def _registration(self, request: Request) -> Answer | None:
        if request.header(AGENT_TARGET_HEADER) != REGISTRATION_ACTION:
            return None
        with self._aws_lock:
            delay = self._registration_delay
            if delay == 0.0:
                return None  # straight through, as without this layer
            self._held += 1
            if delay is not None:
                timer = threading.Timer(delay, self._register_late, (request, time.monotonic()))
                timer.daemon = True
                self._timers.append(timer)
                timer.start()
        # What the emulator answers an allowed agent call (moto_agent.agent_call).
        return Answer(200, "OK", [("Content-Type", "application/json")], b"{}")

    def _register_late(self, request: Request, held_at: float) -> None:
        forwarded = self._forward(request)
        with self._aws_lock:
            if forwarded.status == 200:
                self._registered_after.append(time.monotonic() - held_at)

    def close(self) -> None:
        with self._aws_lock:
            timers, self._timers = self._timers, []
        for timer in timers:
            timer.cancel()
        super().close()
