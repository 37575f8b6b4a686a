"""``--target emulator``: the embedded moto server (handson/targets/emulator_server.py), started
here or attached, with the instance as a local shell and its warm AWS CLI.

``emulator_kind`` makes the descriptor; a test-only target can make another one (the same
emulator under another account ID, tests/plugins/other_target.py).
"""

from __future__ import annotations

import hashlib
import json
import threading
from functools import partial

from handson.call_record import recording_to
from handson.errors import EmulatorGap
from handson.i18n import t
from handson.instance import Instance
from handson.names import INSTANCE_TYPE
from handson.policy_match import Policies
from handson.settings import Settings, budgets_for
from handson.signals import interrupt_for
from handson.targets import ssm_agent
from handson.targets.emulator_server import DEFAULT_ACCOUNT_ID, Emulator, MotoEmulator
from handson.targets.endpoint_lock import EndpointLock
from handson.targets.hosted_cli import hosted
from handson.targets.local_shell import LocalShellInstance
from handson.targets.registry import Opening, TargetKind, register
from handson.targets.server_identity import away
from handson.targets.ssm import NotOnline, SsmObservation, wait_online
from handson.targets.warm_cli import Cli, WarmCli
from handson.waiting import EMULATOR_BUDGETS, Budgets

# How often a server somebody else started is looked at (server_identity.away), in seconds.
ATTACHED_LOOK = 1.0


def gone_words(code: int | None) -> str | None:
    """Why the run's own emulator can no longer answer, from its exit code (None: it lives)."""
    return None if code is None else t("emulator.gone", code=code)


class EmulatorTarget:
    """The emulator as the run's target: its admin, its gaps, the instance as a local shell."""

    def __init__(
        self,
        emulator: Emulator,
        warm_cli: Cli | None = None,
        budgets: Budgets = EMULATOR_BUDGETS,
    ) -> None:
        self.budgets = budgets
        self.emulator = emulator
        self._warm_cli = warm_cli  # the caller's, started early; None: each instance starts one
        self.region = emulator.region
        self.endpoint_url: str | None = emulator.endpoint_url
        self.admin = emulator.admin
        self.empty_at_start = emulator.started_by_run
        self.mfa_sessions = True  # handson/targets/moto_sessions.py
        # What the run's lines name (the command that removes what a run left): the server's own.
        self.account_id = emulator.account_id
        self._agent_calls: dict[str, list[ssm_agent.AgentCall]] = {}

    def undecidable(self, documents: Policies, action: str, resource: str) -> str | None:
        return self.emulator.gaps.undecidable(documents, action, resource)

    def simulate(self, source_arn: str, action: str, resource: str) -> str:
        # The emulator's SimulatePrincipalPolicy (moto_simulator) is the engine that decided the
        # check: its answer would only repeat the verdict, so a failure shows none.
        return ""

    def open_instance(self, instance_id: str) -> LocalShellInstance:
        return LocalShellInstance(
            instance_id,
            partial(self.emulator.instance_credentials, instance_id),
            endpoint_url=self.emulator.endpoint_url,
            region=self.region,
            shared_cli=self._warm_cli,
        )

    def ssm_online(self, instance: Instance) -> SsmObservation:
        """The emulated SSM agent starts with the instance's role credentials; SSM lists the
        instance Online only if the engine allowed every call the agent made. A call refused or
        unanswered is seen at once; else SSM is given its budget to list the instance Online,
        as on AWS (``wait_online``)."""
        assert isinstance(instance, LocalShellInstance)
        instance_id = instance.instance_id
        try:
            issued = instance.issued
        except EmulatorGap as gap:
            return SsmObservation(instance_id, gap=str(gap))
        if issued.credentials is None:
            return SsmObservation(instance_id, no_credentials=issued.reason)
        if instance_id not in self._agent_calls:
            self._agent_calls[instance_id] = ssm_agent.start(
                self.emulator.endpoint_url,
                self.region,
                issued.credentials,
                instance_id,
                self.budgets.transient,
            )
        calls = tuple(self._agent_calls[instance_id])
        if not all(c.allowed for c in calls):
            return SsmObservation(instance_id, agent_calls=calls)
        try:
            wait_online(self.admin.client("ssm"), instance_id, self.budgets)
        except NotOnline as never:
            return SsmObservation.never_online(never, agent_calls=calls)
        return SsmObservation(instance_id, online=True, agent_calls=calls)

    def gone(self) -> str | None:
        return gone_words(self.emulator.ended()) or self.emulator.gone_reason

    def close(self) -> None:
        self.emulator.close()


class EmulatorLaunch:
    """Starts (or attaches to) the emulator in the background as soon as options are checked,
    so that moto builds its backends while pytest is still importing and collecting.

    An emulator somebody else started is locked for this run first (one run at a time per
    server: its IAM switch is shared) and left as it was found.
    """

    def __init__(self, settings: Settings, account_id: str = DEFAULT_ACCOUNT_ID) -> None:
        self._settings = settings
        self._account_id = account_id
        self._emulator: MotoEmulator | None = None
        self._error: BaseException | None = None
        self._lock: EndpointLock | None = None
        self.warm_cli: Cli | None = None  # started once the emulator answers
        self._closing = threading.Event()  # the run closes its emulator: its end is expected
        self._thread = threading.Thread(target=self._launch, name="emulator-launch", daemon=True)
        self._thread.start()

    def _launch(self) -> None:
        settings = self._settings
        names = settings.names
        try:
            if settings.emulator_url:
                self._lock = EndpointLock(settings.emulator_url, names.run_id)
                self._lock.acquire()
                self._emulator = MotoEmulator.attach(
                    settings.emulator_url, settings.region, names.admin_user, names.tag_list()
                )
            else:
                self._emulator = MotoEmulator.start(
                    settings.region,
                    names.admin_user,
                    admin_tags=names.tag_list(),
                    account_id=settings.built.account_id or self._account_id,
                    instance_ids=tuple(filter(None, [first_instance_id(settings)])),
                    managed_policies=named_policies(settings),
                )
            # The emulated instance's AWS CLI imports itself while the run builds and checks the
            # user: the run then waits on the emulator or itself, one core at a time, and the
            # other core is free. Started with the emulator, the CLI's half second of start-up
            # took a core from the emulator's and the run's start-up instead (the emulator then
            # answered about a quarter of a second later: 1.8 s into a run instead of 1.55 s).
            self.warm_cli = instance_cli(settings)
        except BaseException as exc:  # noqa: BLE001 - handed to whoever needs the emulator
            self._error = exc
            return
        self._watch(self._emulator)

    def _watch(self, emulator: MotoEmulator) -> None:
        """The run's own server ending before the run closes it (killed on its own, a crash)
        ends the run as SIGTERM would, saying so: every call to it would otherwise be retried
        as a fault, for minutes. What the run made was in it and is gone with it. So does a
        server somebody else started, once it is seen twice in a row not to be there
        (server_identity.away: stopped, or another server in its place); the run's teardown
        then removes nothing there (EmulatorTarget.gone), nor does it remove its admin."""

        def watch() -> None:
            code = emulator.wait_ended()
            said = gone_words(code)
            if said and not self._closing.is_set():
                interrupt_for(said)

        def look() -> None:
            misses = 0
            while not self._closing.wait(ATTACHED_LOOK):
                misses = misses + 1 if away(emulator.endpoint_url, emulator.identity) else 0
                if misses == 2 and not self._closing.is_set():
                    emulator.gone_reason = t("emulator.attached_gone", url=emulator.endpoint_url)
                    interrupt_for(emulator.gone_reason)
                    return

        watching = watch if emulator.started_by_run else look
        threading.Thread(target=watching, name="emulator-watch", daemon=True).start()

    def get(self) -> MotoEmulator:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._emulator is not None
        return self._emulator

    def close(self) -> None:
        self._closing.set()
        self._thread.join()
        if self.warm_cli is not None:
            self.warm_cli.close()
            self.warm_cli = None
        try:
            if self._emulator is not None:
                self._emulator.close()
                self._emulator = None
        finally:
            if self._lock is not None:
                self._lock.release()
                self._lock = None


def instance_cli(settings: Settings) -> Cli:
    """The warm AWS CLI of the run's instances: that of the server the run attached to, where
    the server keeps one for it (handson.targets.hosted_cli: the CLI's start-up is paid once per
    server, not once per run), else one of the run's own, starting now. A run that records its
    calls has its own: the worker records the calls of the run that started it."""
    if settings.emulator_url and recording_to() is None:
        return hosted(settings.emulator_url) or WarmCli()
    return WarmCli()


def first_instance_id(settings: Settings) -> str | None:
    """The ID the run's own emulator gives the first instance it launches: the learner's in a
    replay (``Settings.built``), else one made from the run's ID (moto's form: ``i-`` and 17 hex
    digits), so that what the run says before its instance exists (the lessons, measured while
    pytest collects) names the instance it builds. None: a server somebody else started, which
    takes no orders (the lessons then name a sample instance)."""
    if settings.built.instance_id:
        return settings.built.instance_id
    if settings.emulator_url:
        return None
    return "i-" + hashlib.sha256(settings.names.run_id.encode()).hexdigest()[:17]


def named_policies(settings: Settings) -> list[str]:
    """What names a policy in the run's settings: its permissions boundary and its policy files
    (a learner's file may name an AWS managed policy that the emulator then has to know)."""
    policies = settings.policies
    texts = [json.dumps(f.document(settings.names.render)) for f in policies.files()]
    return [*texts, settings.permissions_boundary or ""]


def open_emulator(opening: Opening) -> EmulatorTarget:
    launch = opening.launch
    assert isinstance(launch, EmulatorLaunch)
    with opening.phases.timing("waiting for the emulator"):
        return EmulatorTarget(launch.get(), launch.warm_cli, budgets_for(opening.settings))


def emulator_kind(
    name: str, account_id: str = DEFAULT_ACCOUNT_ID, decided_on: str | None = None
) -> TargetKind:
    """The embedded emulator under ``name``, answering as account ``account_id``."""
    return TargetKind(
        name=name,
        decided_on=decided_on or name,
        emulated=True,
        budgets=EMULATOR_BUDGETS,
        instance_type=INSTANCE_TYPE,
        account=account_id,
        open=open_emulator,
        launch=partial(EmulatorLaunch, account_id=account_id),
        endpoint_is_emulator=True,
    )


EMULATOR = register(emulator_kind("emulator"), __name__)
