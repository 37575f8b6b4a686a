"""The run's options, from the command line or the environment, checked before anything is made."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from handson.environment import AS_THE_HANDS_ON, Built
from handson.errors import SuiteUsageError
from handson.i18n import DEFAULT_LANGUAGE, LANGUAGES, has, listed, t
from handson.names import AUTO_TYPE, INSTANCE_TYPE, RunNames, default_name, validate_name
from handson.old_runs import DEFAULT_KEPT
from handson.policies import PolicySet, load_policy_set, name_from_policies
from handson.regions import DEFAULT_REGION, checked_endpoint, checked_region, not_full_width
from handson.targets import registry
from handson.targets.account import parse_allowed
from handson.waiting import Budgets

if TYPE_CHECKING:
    from handson.targets.registry import TargetKind

DEFAULT_TARGET = "emulator"

# Each option of a run and its environment variable; what each does is in the catalogue
# (handson/messages: option.<name>), in the run's language.
OPTIONS: dict[str, str] = {
    "target": "HANDSON_TARGET",
    "name": "HANDSON_NAME",
    "region": "HANDSON_REGION",
    "policies": "HANDSON_POLICIES",
    "lang": "HANDSON_LANG",
    "keep": "HANDSON_KEEP",
    "keep_reports": "HANDSON_KEEP_REPORTS",
    "allow_undecided": "HANDSON_ALLOW_UNDECIDED",
    "endpoint_url": "HANDSON_ENDPOINT_URL",
    "instance_type": "HANDSON_INSTANCE_TYPE",
    "subnet_id": "HANDSON_SUBNET_ID",
    "permissions_boundary": "HANDSON_PERMISSIONS_BOUNDARY",
    "propagation_budget": "HANDSON_PROPAGATION_BUDGET",
    "live": "HANDSON_LIVE",
    "user_profile": "HANDSON_USER_PROFILE",
    "temporary_user_key": "HANDSON_TEMPORARY_USER_KEY",
    "cleanup": "HANDSON_CLEANUP",
    "practices": "HANDSON_PRACTICES",
    "record_calls": "HANDSON_RECORD_CALLS",
    "allowed_account": "HANDSON_ALLOWED_ACCOUNTS",
}


@dataclass(frozen=True)
class Settings:
    target: str
    names: RunNames
    region: str
    policies: PolicySet
    policies_dir: Path | None
    keep: bool
    endpoint_url: str | None
    allowed_accounts: frozenset[str] = frozenset()
    instance_type: str = INSTANCE_TYPE
    subnet_id: str | None = None
    permissions_boundary: str | None = None
    propagation_budget: float | None = None
    allow_undecided: bool = False
    lang: str = "ja"
    live: bool = False
    user_profile: str | None = None
    temporary_user_key: bool = False
    built: Built = AS_THE_HANDS_ON  # what the run builds differently from the hands-on (a replay)
    name_given: bool = False  # --name (or HANDSON_NAME) given, not made up or read from policies
    cleanup: bool = False  # --cleanup: only C1-C5, read-only, on the account (existing target)
    practices: str = "advisory"  # --practices: "strict" makes a P1-P6 finding fail the run
    keep_reports: int = DEFAULT_KEPT  # --keep-reports: the newest finished runs' reports kept

    @property
    def kind(self) -> TargetKind:
        """What the run's target is and does (handson/targets/registry.py)."""
        return registry.kind_of(self)

    @property
    def emulated(self) -> bool:
        return self.kind.emulated

    @property
    def decided_on(self) -> str:
        """Where the checks were decided, as the checkpoint table says."""
        return self.kind.decided_on

    @property
    def emulator_url(self) -> str | None:
        """A running emulator to attach to; another target's endpoint is the account's."""
        return self.endpoint_url if self.kind.endpoint_is_emulator else None


# What leaving an option out means, for the message that refuses the option given empty: a value
# as it is typed, else the catalogue's words (default.<name>).
_DEFAULT_VALUES: dict[str, str] = {
    "target": DEFAULT_TARGET,
    "region": DEFAULT_REGION,
    "lang": "ja",
    "practices": "advisory",
}
PRACTICES = ("advisory", "strict")  # --practices
# Options given without a value (on or off).
FLAGS = ("keep", "allow_undecided", "live", "temporary_user_key", "cleanup")
# Flags and a repeatable option: none is a single value that can be given empty.
_NOT_SINGLE_VALUES = (*FLAGS, "allowed_account")


def budgets_for(settings: Settings) -> Budgets:
    """Every budget of the run: the target's, with what the options changed."""
    base = settings.kind.budgets
    if settings.live and settings.propagation_budget is None:
        # Nothing is attached or changed in the learner's IAM: nothing to wait for. (A key the
        # run makes waits for itself, fixtures/principals.py.)
        return dataclasses.replace(base, propagation=0)
    if settings.propagation_budget is None:
        return base
    return dataclasses.replace(base, propagation=settings.propagation_budget)


SETTINGS = pytest.StashKey[Settings]()
AWS_SESSION = pytest.StashKey[tuple[Any, Any]]()  # (boto3 session, Account) once the guard passed


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def default_of(option: str) -> str:
    """What leaving ``option`` out means, in the run's language."""
    if option in _DEFAULT_VALUES:
        return _DEFAULT_VALUES[option]
    key = f"default.{option}"
    return t(key) if has(key) else t("default.see_help")


def _refuse_empty_options(cli: dict[str, Any]) -> None:
    """An option given empty on the command line (``--region=``) is refused, not read as
    "not given": running with the default would test somewhere the person did not ask for,
    and the likely cause is an unset shell variable (``--region=$REGION``)."""
    for option in OPTIONS:
        if option not in _NOT_SINGLE_VALUES and cli.get(option) == "":
            flag = "--" + option.replace("_", "-")
            raise SuiteUsageError(t("opt.empty", flag=flag, default=default_of(option)))
    # parse_allowed drops empty entries silently, which would hide the same mistake.
    if any(not str(value).strip() for value in cli.get("allowed_account") or []):
        raise SuiteUsageError(t("opt.empty_account"))


# Options whose values are ASCII words, numbers or addresses (not folders, files or profiles,
# which may be named in Japanese; --name has a hint of its own, handson.names).
_ASCII_VALUES = (
    "target",
    "region",
    "practices",
    "keep_reports",
    "instance_type",
    "subnet_id",
    "permissions_boundary",
    "propagation_budget",
    "endpoint_url",
)


def _refuse_full_width(pick: Any) -> None:
    """A value typed with a Japanese input method on (ａｐ－ｎｏｒｔｈｅａｓｔ－１, １０) is one
    line that shows it in ASCII, rather than "no such region" for a region that is right."""
    for option in _ASCII_VALUES:
        value = pick(option)
        if isinstance(value, str):
            not_full_width(option, value)


def _instance_type(value: str | None, kind: TargetKind) -> str:
    chosen = value or kind.instance_type
    if chosen != AUTO_TYPE and not re.fullmatch(r"[a-z][a-z0-9-]*\.[a-z0-9]+", chosen):
        raise SuiteUsageError(t("opt.instance_type", value=repr(chosen)))
    return chosen


def _policy_arn(value: str | None) -> str | None:
    # A customer managed policy, or an AWS managed one (arn:aws:iam::aws:policy/...), which AWS
    # takes as a boundary too.
    if value and not re.fullmatch(r"arn:aws[a-z-]*:iam::(\d{12}|aws):policy/[\w+=,.@/-]+", value):
        raise SuiteUsageError(t("opt.boundary", value=repr(value)))
    return value or None


def _seconds(value: str | None) -> float | None:
    if value in (None, ""):
        return None
    try:
        seconds = float(str(value))
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise SuiteUsageError(t("opt.budget", value=repr(value)))
    return seconds


def _runs_kept(value: str | None) -> int:
    if value in (None, ""):
        return DEFAULT_KEPT
    text = str(value).strip()
    if not text.isascii() or not text.isdigit():  # isdigit alone takes "²" and "１"
        raise SuiteUsageError(t("opt.keep_reports", value=repr(value)))
    return int(text)


def _subnet(value: str | None) -> str | None:
    if value and not re.fullmatch(r"subnet-[0-9a-f]{8,17}", value):
        raise SuiteUsageError(t("opt.subnet", value=repr(value)))
    return value or None


def _existing_options(kind: TargetKind, pick: Any) -> dict[str, Any]:
    """What only a target that grades what it finds takes (``--live`` and its user credentials,
    one way at a time), and what it refuses (anything that would replay other than what the
    account holds)."""
    live = _flag(pick("live") or False)
    profile = pick("user_profile") or None
    temporary = _flag(pick("temporary_user_key") or False)
    if (live or profile or temporary) and kind.live is None:
        raise SuiteUsageError(t("opt.live_target"))
    if kind.live is not None:
        # What would change the replay away from what the account holds.
        for option in ("policies", "permissions_boundary"):
            if pick(option):
                flag = "--" + option.replace("_", "-")
                raise SuiteUsageError(t("opt.not_with_existing", flag=flag))
    cleanup = _flag(pick("cleanup") or False)
    if cleanup and (kind.live is None or live):
        raise SuiteUsageError(t("cleanup.no_account"))
    if (profile or temporary) and not live:
        raise SuiteUsageError(t("opt.live_needed"))
    if profile and temporary:
        raise SuiteUsageError(t("opt.user_key_twice"))
    return {
        "live": live,
        "user_profile": profile,
        "temporary_user_key": temporary,
        "cleanup": cleanup,
    }


def _refuse_boundary_files(policies: PolicySet, kind: TargetKind, flag: bool) -> None:
    """A boundary file of the folder (BOUNDARY_FILES) is made a policy of the run's own and given
    to its user or role, which only the embedded emulator lets a run delete as it does (AWS
    refuses to delete a policy that is a boundary in use); and it is one boundary too many
    beside --permissions-boundary."""
    if not policies.boundaries:
        return
    files = listed([file.path.name for _, file in policies.boundaries])
    if not kind.emulated:
        raise SuiteUsageError(t("policy.boundary_not_here", files=files, target=kind.name))
    if flag:
        raise SuiteUsageError(t("policy.boundary_twice", files=files))


def target_kind(name: str) -> TargetKind:
    """The registered target of that name; any other name is one line naming the choices."""
    try:
        return registry.kind_named(name)
    except KeyError:
        choices = listed(registry.names())
        raise SuiteUsageError(t("opt.target", value=repr(name), choices=choices)) from None


def language_of(cli: dict[str, Any], environ: Mapping[str, str] | None = None) -> str:
    """The run's language, first of all settings: every other message is written in it."""
    env = os.environ if environ is None else environ
    given = cli.get("lang") or env.get(OPTIONS["lang"]) or DEFAULT_LANGUAGE
    lang = str(given).strip().lower()  # EN, Ja: the same
    if lang not in LANGUAGES:
        # Before a language is chosen: in both, each named (jp is the country's code, not the
        # language's).
        raise SuiteUsageError(
            f"--lang {given!r}: ja（日本語）か en（英語）を選んでください"
            " / choose one of ja (Japanese), en (English)"
        )
    return lang


def resolve(cli: dict[str, Any], environ: dict[str, str] | None = None) -> Settings:
    """Options win over environment variables; every value is checked here, in one line each.
    A value refused that came from an environment variable is named by the variable, where the
    line would name the option: the person typed no ``--name``, and looks for HANDSON_NAME."""
    env = os.environ if environ is None else environ
    from_env: set[str] = set()
    try:
        return _resolved(cli, env, from_env)
    except SuiteUsageError as refused:
        lines = [_named_as_set(line, from_env) for line in str(refused).splitlines()]
        raise SuiteUsageError("\n".join(lines)) from None


def _named_as_set(line: str, from_env: set[str]) -> str:
    for option in from_env:
        flag = "--" + option.replace("_", "-")
        if line.startswith(flag) and not line[len(flag) : len(flag) + 1].isalnum():
            return OPTIONS[option] + line[len(flag) :]
    return line


def _resolved(cli: dict[str, Any], env: Mapping[str, str], from_env: set[str]) -> Settings:
    _refuse_empty_options(cli)

    def pick(option: str) -> Any:
        value = cli.get(option)
        if value in (None, False, ""):
            # An empty environment variable means "not set", unlike an empty option: CI systems
            # expand a variable that was never defined to "".
            if env.get(OPTIONS[option]):
                from_env.add(option)
            value = env.get(OPTIONS[option]) or value
        return value

    lang = language_of(cli, env)
    _refuse_full_width(pick)
    target = (pick("target") or DEFAULT_TARGET).strip().lower()  # AWS, Existing: the same
    kind = target_kind(target)
    live = _existing_options(kind, pick)
    region = checked_region(pick("region") or DEFAULT_REGION)
    policies_dir = pick("policies")
    policies = load_policy_set(Path(policies_dir) if policies_dir else None)
    _refuse_boundary_files(policies, kind, bool(pick("permissions_boundary")))
    given = pick("name")
    if given:
        validate_name(given)
    names = RunNames(name_from_policies(policies, given) or given or default_name())
    policies.check_sizes(names.render, unions_as_found=target == DEFAULT_TARGET)
    practices = pick("practices") or "advisory"
    if practices not in PRACTICES:
        raise SuiteUsageError(t("opt.practices", value=repr(practices)))
    endpoint_url = pick("endpoint_url")
    if endpoint_url:
        checked_endpoint(endpoint_url)
    return Settings(
        target=target,
        names=names,
        region=region,
        policies=policies,
        policies_dir=Path(policies_dir) if policies_dir else None,
        keep=_flag(pick("keep") or False),
        allow_undecided=_flag(pick("allow_undecided") or False),
        lang=lang,
        endpoint_url=endpoint_url or None,
        instance_type=_instance_type(pick("instance_type"), kind),
        subnet_id=_subnet(pick("subnet_id")),
        permissions_boundary=_policy_arn(pick("permissions_boundary")),
        propagation_budget=_seconds(pick("propagation_budget")),
        name_given=bool(given),
        practices=practices,
        keep_reports=_runs_kept(pick("keep_reports")),
        **live,
        allowed_accounts=parse_allowed(
            cli.get("allowed_account"), env.get("HANDSON_ALLOWED_ACCOUNTS")
        ),
    )
