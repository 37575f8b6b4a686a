#!/usr/bin/env python3
"""Measure what one AWS CLI command of the emulated instance costs: the warm CLI
(handson.targets.warm_cli) against an emulator of its own, the same five commands the role's
checks use, over and over; the wall time of each command, and the CPU time the warm CLI's worker
and the emulator's process spent on it (read from /proc, on Linux; elsewhere the wall time only).

    python scripts/benchmark_cli.py              # 30 rounds of the five commands
    python scripts/benchmark_cli.py --rounds 60

Exit code 1 when a command does not succeed. What the worker shares between commands, and why,
is in handson/targets/cli_worker.py (share_between_commands).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handson.targets import emulator_server, warm_cli  # noqa: E402 - the checkout's package

BUCKET = "handson-benchmark-cli"
COMMANDS = (
    ["sts", "get-caller-identity"],
    ["s3", "ls", f"s3://{BUCKET}"],
    ["s3", "cp", "sample.txt", f"s3://{BUCKET}/open/sample.txt"],
    ["s3", "rm", f"s3://{BUCKET}/open/sample.txt"],
    ["ec2", "describe-instances"],
)


def cpu_seconds(pid: int | None) -> float | None:
    """A process's user and system CPU time so far, where the system says it (Linux's /proc)."""
    stat = Path(f"/proc/{pid}/stat")
    if pid is None or not stat.exists():
        return None
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    options = parser.parse_args(argv)
    emulator = emulator_server.MotoEmulator.start("ap-northeast-1", "handson-benchmark-cli")
    cli = warm_cli.WarmCli()
    try:
        with tempfile.TemporaryDirectory(prefix="handson-benchmark-cli-") as folder:
            home = Path(folder)
            env = warm_cli.process_environment(
                home,
                {
                    **emulator.admin.credentials.as_env(),
                    "AWS_DEFAULT_REGION": emulator.region,
                    "AWS_ENDPOINT_URL": emulator.endpoint_url,
                },
            )
            (home / "sample.txt").write_text("handson\n", "utf-8")
            cli.run(["s3", "mb", f"s3://{BUCKET}"], env, home, 60)
            for command in COMMANDS:  # the first of each: the worker's start, moto's first call
                cli.run(command, env, home, 60)
            server = emulator._server.process.pid if emulator._server else None
            before = (cpu_seconds(cli.pid), cpu_seconds(server))
            walls: list[float] = []
            for _ in range(options.rounds):
                for command in COMMANDS:
                    started = time.perf_counter()
                    result = cli.run(command, env, home, 60)
                    walls.append(time.perf_counter() - started)
                    if result.exit_code != 0:
                        print(f"aws {' '.join(command)}: exit {result.exit_code}: {result.stderr}")
                        return 1
            after = (cpu_seconds(cli.pid), cpu_seconds(server))
    finally:
        cli.close()
        emulator.close()
    count = len(walls)
    print(f"{count} commands ({options.rounds} rounds of {len(COMMANDS)})")
    print(f"wall time a command: median {statistics.median(walls) * 1000:.1f} ms")
    for name, start, end in zip(("warm CLI worker", "emulator"), before, after, strict=True):
        if start is None or end is None:
            print(f"{name} CPU: not measured on this system (no /proc)")
        else:
            print(f"{name} CPU a command: {(end - start) / count * 1000:.1f} ms (mean)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
