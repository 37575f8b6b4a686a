"""Every target the run can talk to, by name: each module in handson/targets/ registers one
descriptor (``TargetKind``) when it is imported, and the rest of the suite reads them here.

Nothing outside handson/targets/ compares a target's name: settings, ``conftest.py`` and
``fixtures/target.py`` ask the descriptor. A test-only target is one more ``register`` call
(tests/plugins/other_target.py). The built-in target modules are imported on first look-up, not
with this module, so that importing the settings stays cheap.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import pytest

    from handson.phases import Phases
    from handson.settings import Settings
    from handson.targets import Target
    from handson.waiting import Budgets

# Registered in this order, which is the order --target's choices are listed in.
BUILT_IN = ("handson.targets.emulator", "handson.targets.aws", "handson.targets.existing")


class Launch(Protocol):
    """What a target starts in the background while pytest collects; closed with the run."""

    def close(self) -> None: ...


@dataclass(frozen=True)
class Opening:
    """What a target is opened with, once the checks are about to run."""

    config: pytest.Config
    settings: Settings
    phases: Phases
    progress: Callable[[str], None]  # one line that updates in place during long waits
    launch: Any  # what the target's ``launch`` started, or None


# (config, settings, say) -> the run's settings, as the target's preflight leaves them. Runs
# before anything is made; what it learns for later goes into config.stash.
Preflight = Callable[["pytest.Config", "Settings", Callable[[str], None]], "Settings"]


@dataclass(frozen=True)
class TargetKind:
    name: str  # the --target value
    decided_on: str  # its word in the checkpoint table's "decided on" column
    emulated: bool  # the checks run on the embedded emulator
    budgets: Budgets  # every wait's budget, before the options change them
    instance_type: str  # when --instance-type is not given ("auto": chosen by the account)
    # The account the emulator answers as, which the report names when the run read no account
    # of its own. None: a real account, named only once the run has read it.
    account: str | None
    open: Callable[[Opening], Target]
    preflight: Preflight | None = None  # who and where, before anything is made
    launch: Callable[[Settings], Launch] | None = None  # started as soon as options are checked
    # --endpoint-url names an emulator to attach to (else an AWS-compatible endpoint).
    endpoint_is_emulator: bool = False
    # The kind the run is with --live, for a target that grades what it finds in an account
    # (--live and its options are its own; options that would replay other than what the
    # account holds are refused). None: --live is refused.
    live: TargetKind | None = None
    # Why the account's own security lessons (P3-P6) do not apply to this target: a message key
    # (the emulator has no root user, no account of the learner's). None: they are read from the
    # account the run uses.
    no_account: str | None = "practices.no_account.emulator"


_KINDS: dict[str, TargetKind] = {}
_MODULES: dict[str, str] = {}  # target name -> the module that registered it
_loaded = False


def register(kind: TargetKind, module: str) -> TargetKind:
    """Make ``kind`` a choice of --target, as registered by ``module`` (its ``__name__``); a
    name given twice: the last one wins."""
    _KINDS[kind.name] = kind
    _MODULES[kind.name] = module
    return kind


def _listed(name: str) -> int:
    """The built-in targets first, in BUILT_IN's order, whichever module was imported first."""
    module = _MODULES.get(name, "")
    return BUILT_IN.index(module) if module in BUILT_IN else len(BUILT_IN)


def _load_built_in() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in BUILT_IN:
            importlib.import_module(module)


def names() -> tuple[str, ...]:
    """The --target choices, built-in ones first."""
    _load_built_in()
    return tuple(sorted(_KINDS, key=_listed))  # sorted() is stable: then in registration order


def kind_named(name: str) -> TargetKind:
    """The descriptor of ``name``; a name no module registered is a KeyError."""
    _load_built_in()
    return _KINDS[name]


def kind_of(settings: Settings) -> TargetKind:
    """What the run is: its target's kind, or that target's live kind with --live."""
    kind = kind_named(settings.target)
    if settings.live and kind.live is not None:
        return kind.live
    return kind
