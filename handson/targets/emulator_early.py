"""Importing this module starts the emulator's process, when the command line asks for the
features on an emulator of the run's own: pytest.ini gives it first with ``-p`` (from the
checkout, which its ``pythonpath = .`` puts first on ``sys.path``), and the root conftest imports
it too for another configuration, so that moto imports itself while the suite imports itself and
reads its settings (about half a second of a run's start on two cores).

Only a guess from the command line's words and the environment, read before pytest has parsed
them (pytest calls no hook that early). The run's
settings decide: a run that takes no emulator after all (another target in a settings file, a
usage error) ends the process it did not take (``emulator_process.close_spare``), which has
answered nothing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from handson.run_folder import names_features, option_value
from handson.targets.emulator_process import start_spare

CHECKOUT = Path(__file__).resolve().parents[2]

# What ends a run before any check.
_NO_CHECKS = frozenset({"--cleanup", "--collect-only", "--co", "--help", "-h", "--version"})
# What has a target's checks made elsewhere, as an option and a variable: the emulator's on
# somebody else's server; ``--target existing``'s on the learner's account itself (its replay is
# a run of its own, which starts its own). Its --endpoint-url is the learner's account: the
# replay is on an emulator of the run's own.
_ELSEWHERE = {
    "emulator": ("--endpoint-url", "HANDSON_ENDPOINT_URL"),
    "existing": ("--live", "HANDSON_LIVE"),
}


def wants_own_emulator(
    args: Sequence[str], environ: Mapping[str, str], rootpath: Path, invocation_dir: Path
) -> bool:
    """Whether the command line asks for the features on an emulator that the run starts."""
    target = option_value(args, "--target") or environ.get("HANDSON_TARGET") or "emulator"
    if target not in _ELSEWHERE:
        return False
    option, variable = _ELSEWHERE[target]
    if any(arg.split("=", 1)[0] in _NO_CHECKS | {option} for arg in args):
        return False
    if environ.get(variable) or environ.get("HANDSON_CLEANUP"):
        return False
    given = [i + 1 for i, arg in enumerate(args) if arg == "--target"]  # its value: no path
    paths = [a for i, a in enumerate(args) if not a.startswith("-") and i not in given]
    if not paths:
        return True  # the configured test paths, the features among them
    return names_features(paths, rootpath, invocation_dir)


def start_if_asked() -> None:
    if wants_own_emulator(sys.argv[1:], os.environ, CHECKOUT, Path.cwd()):
        start_spare()


start_if_asked()
