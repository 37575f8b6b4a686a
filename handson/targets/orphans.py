"""Helper processes that end with the run that started them, even when it was killed.

The emulator (a moto server) and the warm AWS CLI are child processes of the run. A run stopped
with SIGKILL cannot stop them, and they would live on. Each watches its parent instead and
exits when the parent is gone (it is then re-parented, and its parent process ID changes).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

# Where the handson package lives, for helper processes started with ``python -m handson....``
# from whatever folder the run was started in.
PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


def python_path(environ: dict[str, str]) -> str:
    """PYTHONPATH for a helper process: the package first, then what the caller had."""
    return os.pathsep.join(p for p in (PACKAGE_ROOT, environ.get("PYTHONPATH", "")) if p)


def exit_with_parent(interval: float = 0.5) -> None:
    """Start a daemon thread that ends this process once its parent has gone."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def moto_server(argv: list[str]) -> None:
    """moto's server, as ``python -m moto.server``, ending with the run, deciding IAM with the
    suite's engine (``handson.targets.moto_engine``)."""
    exit_with_parent()
    from moto.server import main

    from handson.targets.moto_engine import install

    install()

    main(argv)


if __name__ == "__main__":
    moto_server(sys.argv[1:])
