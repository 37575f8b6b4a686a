"""``--target existing``: grade an environment a learner built by hand, without changing it.

Before anything else: the account guard of ``--target aws`` (standard credential chain,
allowlist, no ``prod`` alias), then discovery (handson/discovery.py, read-only), then a snapshot
of everything found (handson/snapshot.py). The checks run on the embedded emulator, on a replay
of exactly the documents found (policies, trust, attachments), and each scenario names the
documents it replays (fixtures/existing.py). After the last check the account is read again:
any difference fails the run and is named.

Refused in one line, before anything: no bucket pair, or two of them (``--name`` chooses). A
missing user or instance is one line, and the checks that need it are not decided.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from handson.aws import Credentials, Principal, principal_from_session
from handson.bucket_keys import bucket_lines
from handson.discover import others_held, write_replay
from handson.discovery import Discovery, FoundPolicy, discover, replayed_role_policies
from handson.environment import Built
from handson.errors import SuiteUsageError
from handson.i18n import t
from handson.iam_engine import NamedPolicy
from handson.names import INSTANCE_TYPE, RunNames, aws_managed
from handson.policies import load_policy_set
from handson.policy_match import HeldPolicy
from handson.run_folder import DISCOVERED_VARIABLE, reports_dir
from handson.settings import Settings, budgets_for
from handson.snapshot import Snapshot, differences, take
from handson.targets import simulation
from handson.targets.account import Account, reach_account
from handson.targets.aws import AwsTarget
from handson.targets.emulator import EmulatorLaunch, open_emulator
from handson.targets.emulator_server import DEFAULT_ACCOUNT_ID
from handson.targets.registry import Opening, TargetKind, register
from handson.waiting import AWS_BUDGETS, EMULATOR_BUDGETS

ACCOUNT_CHANGED_EXIT = 7  # the account differs after the run from before it


@dataclass
class Existing:
    """The hand-built environment a run grades: who read it, what was found, as it was."""

    account: Account
    reader: Principal
    found: Discovery
    before: Snapshot
    replay_dir: Path
    session: Any = None  # the learner's boto3 session (--live reaches the instance through it)
    user_credentials: Credentials | None = None  # --user-profile's, checked before the run
    own_marker: str | None = None  # what every name the run writes carries (--live)
    own_keys: set[str] = field(default_factory=set)  # access keys the run made (--live)
    # --live: how the user's checks are decided: "live" (the user's own key), "simulator" (IAM's
    # policy simulator, without a key) or "replay" (the simulator gave no answer).
    user_decided_by: str = "live"

    def sources(self, side: str | None) -> list[str]:
        """The discovered documents a user or role check replays, each with where it came from."""
        found = self.found
        if side == "user":
            return [_source(p) for p in found.user_policies] or [t("existing.no_policies")]
        if side == "role":
            lines = [_source(p) for p in found.role_policies] or [t("existing.no_policies")]
            if found.role:
                lines.append(t("existing.trust", role=found.role))
            return lines
        return []

    def policies(self, side: str) -> list[NamedPolicy]:
        """The user's or the role's policies as found, each under its own name, for the
        security lessons to name the policy a statement is in (the replay's file holds them
        all, merged); the role's as the replay gives them."""
        found = self.found
        held = found.user_policies if side == "user" else replayed_role_policies(found)
        return [
            HeldPolicy(p.name, p.document, p.group, aws_managed=aws_managed(p.arn)) for p in held
        ]

    def trust(self) -> NamedPolicy | None:
        """The role's trust policy as found, named for the role (None without a role)."""
        found = self.found
        if not found.role or found.trust is None:
            return None
        return NamedPolicy(t("permissions.trust_of", role=found.role), found.trust)

    def missing(self, side: str | None) -> str | None:
        """Why a user or role check cannot be decided here: the piece it needs was not found."""
        piece = {"user": "user", "role": "instance"}.get(side or "")
        return self.found.missing.get(piece) if piece else None

    def changes(self) -> list[str]:
        """Every difference between the account now and before the first probe."""
        own = frozenset(self.own_keys)
        return differences(self.before, take(self.reader, self.found, self.own_marker, own))

    def summary(self, live: bool = False) -> str:
        """What was found, and what the user and the role hold besides the hands-on's policies."""
        found = self.found
        said = t(
            "existing.found_live" if live else "existing.found",
            account=self.account.account_id,
            user=found.user or "-",
            instance=found.instance_id or "-",
            role=found.role or "-",
            name=found.name,
        )
        return "\n".join([said, *others_held(found)])


def _source(policy: FoundPolicy) -> str:
    if policy.arn:
        return t(
            f"existing.{policy.kind.replace('-', '_')}",
            name=policy.name,
            arn=policy.arn,
            version=policy.version,
        )
    return t(f"existing.{policy.kind.replace('-', '_')}", name=policy.name)


def built_as_found(found: Discovery, account_id: str | None = None) -> Built:
    """What the replay builds differently from the hands-on: what the learner left out, and in
    their account with their instance's ID."""
    return Built(
        ssm_core=found.ssm_core or found.role is None,
        login_profile=found.login_profile or found.user is None,
        reset_required=found.reset_required,
        password_known=False,
        account_id=account_id,
        instance_id=found.instance_id,
    )


def preflight(
    settings: Any,
    reports: Path,
    say: Callable[[str], None],
    replay_dir: Path | None = None,
) -> tuple[Any, Existing]:
    """Who, where, allowed; what the account holds; the settings of its replay.

    Returns the run's settings with the discovered name and policies, and the ``Existing``.
    ``replay_dir``: where the replay's documents are written (default: the run's folder's
    ``discovered/``).
    """
    session, account, reader = guarded(settings, say)
    iam, ec2, s3 = (reader.client(s) for s in ("iam", "ec2", "s3"))
    chosen = settings.names.suffix if settings.name_given else None
    found = discover(iam, ec2, s3, chosen, reader.ec2_in, reader.client("ssm"))
    if found.buckets is None:
        # Every check needs the buckets: nothing to grade until the learner says which, or
        # builds them.
        raise SuiteUsageError(found.missing["buckets"])
    for line in found.findings:
        say(line)
    if not settings.live:  # --live: AWS decides, bucket policies and all
        for line in bucket_lines(found.bucket_policies, found.bucket_keys, grading=True):
            say(line)
    if found.instance_state in ("stopping", "stopped"):
        # The replay grades the design, which a stopped instance keeps; the learner could not
        # connect now all the same (the hands-on's step 10 starts it again).
        say(t("existing.instance_stopped", instance=found.instance_id))
    if found.role is not None and not found.ssm_core:
        say(t("existing.no_ssm_core", role=found.role))
    for side, who in (("user", found.user), ("role", found.role)):
        if side in found.boundaries:  # the replay gives its own user or role the same
            say(t("existing.boundary", who=who, boundary=found.boundaries[side].name))
    assert found.name is not None
    names = RunNames(found.name, given_user=found.user, given_role=found.role)
    user_credentials = _live_user(settings, found, reader) if settings.live else None
    user_decided_by = "live"
    if settings.live and user_credentials is None and not settings.temporary_user_key:
        user_decided_by = _without_user_key(reader, found, say)
    own = names.own_mark if settings.live else None
    before = take(reader, found, own)
    replay_dir = replay_dir or reports / "runs" / names.run_id / "discovered"
    write_replay(found, replay_dir)
    replayed = dataclasses.replace(
        settings,
        names=names,
        policies=load_policy_set(replay_dir),
        policies_dir=replay_dir,
        built=built_as_found(found, account.account_id),
        # The replay's instance is of the learner's type: a Condition on ec2:InstanceType,
        # which the emulator gives, is decided on theirs.
        instance_type=found.instance_type or settings.instance_type,
    )
    existing = Existing(
        account,
        reader,
        found,
        before,
        replay_dir,
        session,
        user_credentials,
        own_marker=own,
        user_decided_by=user_decided_by,
    )
    return replayed, existing


def guarded(settings: Any, say: Callable[[str], None]) -> tuple[Any, Account, Principal]:
    """The account guard of ``--target aws``: the learner's session, account and principal."""
    region = settings.region
    session, account = reach_account(
        "--target existing",
        region,
        settings.endpoint_url,
        settings.allowed_accounts,
        lambda account: say(account.line("existing", region)),
    )
    reader = principal_from_session(session, account.principal_arn, region, settings.endpoint_url)
    return session, account, reader


@dataclass(frozen=True)
class CleanedAccount:
    """``--cleanup``: the account whose clean-up C1-C5 read, and the name C2 looks for."""

    account: Account
    reader: Principal
    name: str | None  # --name, else any handson-s3-1/2-<name>
    # The other regions C1 found an instance of the hands-on in: the next command names each.
    elsewhere: set[str] = field(default_factory=set)


def _live_user(settings: Any, found: Discovery, reader: Principal) -> Credentials | None:
    """The user's credentials for ``--live``, checked now: a one-line refusal before the run."""
    from handson.lifecycle.live import user_from_profile

    if found.user is None or found.instance_id is None:
        raise SuiteUsageError(t("live.nothing_to_probe", found="; ".join(found.findings)))
    if settings.user_profile:
        return user_from_profile(settings.user_profile, settings.region, settings.endpoint_url)
    if settings.temporary_user_key:
        keys = reader.client("iam").list_access_keys(UserName=found.user)["AccessKeyMetadata"]
        if len(keys) >= 2:
            raise SuiteUsageError(t("live.two_keys", user=found.user))
    return None


def _without_user_key(reader: Principal, found: Discovery, say: Callable[[str], None]) -> str:
    """Without the user's key, IAM's policy simulator decides the user's checks; where it gives
    no answer (no permission for it, an endpoint without it), the replay does."""
    iam = reader.client("iam")
    user_arn = iam.get_user(UserName=found.user)["User"]["Arn"]
    why = simulation.available(iam, user_arn)
    if why is None:
        say(t("live.by_simulator"))
        return "simulator"
    say(t("live.simulator_unavailable", why=why))
    return "replay"


class LiveTarget(AwsTarget):
    """The learner's account itself (``--live``): the instance through SSM RunCommand."""


EXISTING = pytest.StashKey[Existing]()  # the environment a run grades (fixtures/existing.py)
CLEANED = pytest.StashKey[CleanedAccount]()  # --cleanup: the account C1-C5 read


def preflight_existing(
    config: pytest.Config, settings: Settings, say: Callable[[str], None]
) -> Settings:
    """Read-only: who and where, then what the account holds, then its replay's settings.
    With --cleanup only who and where: C1-C5 read the account themselves, and nothing is
    replayed (an account whose hands-on is gone has nothing to discover)."""
    if settings.cleanup:
        _, account, reader = guarded(settings, say)
        name = settings.names.suffix if settings.name_given else None
        config.stash[CLEANED] = CleanedAccount(account, reader, name)
        return settings
    checkout = Path(config.rootpath)
    chosen = os.environ.get(DISCOVERED_VARIABLE)
    replay_dir = checkout / chosen if chosen else None  # an absolute one wins
    replayed, config.stash[EXISTING] = preflight(settings, reports_dir(checkout), say, replay_dir)
    return replayed


def open_live(opening: Opening) -> LiveTarget:
    existing = opening.config.stash[EXISTING]
    return LiveTarget(
        existing.session,
        opening.settings.region,
        opening.settings.endpoint_url,
        existing.account.principal_arn,
        opening.progress,
        opening.phases,
        budgets_for(opening.settings),
    )


# What the account holds, replayed on the embedded emulator.
_REPLAY = TargetKind(
    name="existing",
    decided_on="replay",
    emulated=True,
    budgets=EMULATOR_BUDGETS,
    instance_type=INSTANCE_TYPE,
    account=DEFAULT_ACCOUNT_ID,
    open=open_emulator,
    preflight=preflight_existing,
    launch=EmulatorLaunch,
    no_account=None,  # the learner's account is read (the checks are replayed)
)
# The same grading on the learner's account itself (--live, not a --target of its own): AWS's
# waits, nothing to launch, and the account the preflight read on the report's account line.
LIVE = dataclasses.replace(
    _REPLAY,
    name="live",
    decided_on="live",
    emulated=False,
    budgets=AWS_BUDGETS,
    account=None,
    open=open_live,
    launch=None,
)
EXISTING_KIND = register(dataclasses.replace(_REPLAY, live=LIVE), __name__)
