#!/usr/bin/env python3
"""Run a command against an emulator of its own, started before it and stopped after it, on any
system (no shell: ``&``, ``sleep`` and ``kill`` differ between bash and PowerShell).

    python scripts/with_emulator.py pytest features/ --endpoint-url={url}

``{url}`` in the command's words becomes the emulator's address. The emulator is the suite's own
(``python -m handson.targets.engine_server``) on a free loopback port; the exit code is the
command's, or 4 when the emulator never answers.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handson import loopback  # noqa: E402 - the checkout's package, whatever the folder
from handson.targets.emulator_server import free_port  # noqa: E402
from handson.waiting import WaitTimeout, until  # noqa: E402


def answers(url: str) -> bool:
    try:
        with loopback.urlopen(f"{url}/moto-api/", timeout=2):
            return True
    except OSError:
        return False


def main(command: list[str]) -> int:
    if not command:
        print(__doc__, file=sys.stderr)
        return 2
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "handson.targets.engine_server", "-H", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        try:
            until(lambda: answers(url), bool, budget=60, what=f"the emulator at {url}")
        except WaitTimeout as exc:
            print(f"with_emulator: {exc}", file=sys.stderr)
            return 4
        print(f"with_emulator: emulator at {url}", flush=True)
        return subprocess.run([word.replace("{url}", url) for word in command]).returncode
    finally:
        server.kill()
        server.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
