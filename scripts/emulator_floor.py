#!/usr/bin/env python3
"""The emulator's floor: what any run on the emulator waits for, and nothing of the suite's own.

The suite's emulator is started as a run starts it (``MotoEmulator.start``: moto with its
engine, the AWS managed policies a run needs, each backend the run uses touched once, the run's
admin made), the AWS CLI makes one call (``aws sts get-caller-identity``, in a process of its
own, after the emulator answers), and the emulator stops.

    python scripts/emulator_floor.py                      # exit 0 when the CLI call was answered
    python scripts/emulator_floor.py --checkout /tmp/before --phases

scripts/benchmark.py times this script's whole process as it times a run of ``pytest features/``
(run it from the checkout it measures). ``--checkout`` measures another checkout's emulator
(the default: this one's); ``--phases`` prints where the time went, on standard error.
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

START = time.monotonic()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--phases", action="store_true")
    options = parser.parse_args(argv)
    say: Callable[[str], None] = lambda what: None  # noqa: E731
    if options.phases:
        say = lambda what: print(f"{time.monotonic() - START:6.2f} s  {what}", file=sys.stderr)  # noqa: E731
    sys.path.insert(0, str(options.checkout.resolve()))
    emulator_server = importlib.import_module("handson.targets.emulator_server")
    warm_cli = importlib.import_module("handson.targets.warm_cli")
    say("imports done")
    emulator = emulator_server.MotoEmulator.start("ap-northeast-1", "handson-floor-admin")
    try:
        say("emulator started, backends touched, admin made")
        with tempfile.TemporaryDirectory(prefix="handson-floor-") as home:
            env = warm_cli.process_environment(
                Path(home),
                {
                    **emulator.admin.credentials.as_env(),
                    "AWS_DEFAULT_REGION": emulator.region,
                    "AWS_ENDPOINT_URL": emulator.endpoint_url,
                },
            )
            call = [*warm_cli.aws_command(), "sts", "get-caller-identity", "--output", "json"]
            done = subprocess.run(call, env=env, cwd=home, capture_output=True, timeout=60)
        say(f"one AWS CLI call, exit {done.returncode}")
    finally:
        emulator.close()
        say("emulator stopped")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
