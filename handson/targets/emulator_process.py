"""The emulator's process: a moto server that imports itself first and takes its orders after.

moto spends most of its start importing itself. So the run starts the process as early as it can
(:func:`spare`, when pytest has read its command line and before the suite's own imports), and
says what the server is for only when the run's settings are known (:meth:`ServerProcess.order`:
the account, the region and the AWS managed policies the run names). The server then builds the
backends the run uses and starts answering. A process that never gets its orders ends with the
run that started it (handson.targets.orphans), having answered nothing.

    python -m handson.targets.emulator_process -H 127.0.0.1 -p PORT   # orders on standard input
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from handson.console import child_environment
from handson.run_temp import run_temp
from handson.targets.moto_reads import from_what_is_built, read_once, share_botocore_models
from handson.targets.orphans import exit_with_parent, leave_interrupts_to_the_run, python_path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_taken(port: int) -> bool:
    """Whether something holds the port on the loopback (the same on every system: werkzeug's
    own words for it are not, as Windows words the error in the system's language)."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
        return False


@dataclass(frozen=True)
class Orders:
    """What the server is for: known once the run's settings are."""

    account_id: str
    region: str
    # AWS managed policies (their names) that moto builds IAM with: moto's full set is 1,582
    # policies (0.3 s to build, and again for each account), of which a run uses a handful.
    managed_policies: tuple[str, ...]
    # The IDs the first instances get, in order (a replay's: the learner's own), then moto's.
    instance_ids: tuple[str, ...] = ()


# The server's own name for itself, which it answers on server_paths.SERVER_PATH: the port is
# chosen here and bound by the server a second later, and in that moment another server (of
# another run, or of the same tests) may take it. Only the token tells the two apart (a
# process ID would not: on Windows a virtual environment's python.exe starts the real one).
SERVER_TOKEN = "HANDSON_EMULATOR_TOKEN"


def server_command(port: int) -> list[str]:
    return [sys.executable, "-m", __name__, "-H", "127.0.0.1", "-p", str(port)]


class ServerProcess:
    """The parent's side: the process, its port, its token and its log."""

    def __init__(self) -> None:
        self.port = free_port()
        self.token = secrets.token_hex(8)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env["PYTHONPATH"] = python_path(env)
        env[SERVER_TOKEN] = self.token
        fd, log_path = tempfile.mkstemp(prefix="moto-", suffix=".log", dir=run_temp())
        self.log = Path(log_path)
        self.process = subprocess.Popen(
            server_command(self.port),
            env=child_environment(env),
            stdout=fd,
            stderr=subprocess.STDOUT,
            # The orders, then nothing: the server ends when this pipe closes, however the run ends.
            stdin=subprocess.PIPE,
        )
        os.close(fd)

    def order(self, orders: Orders) -> None:
        assert self.process.stdin is not None
        # A server that has already ended is told nothing: waiting for it says how it ended.
        with contextlib.suppress(BrokenPipeError):
            self.process.stdin.write(json.dumps(asdict(orders)).encode() + b"\n")
            self.process.stdin.flush()

    def close(self) -> None:
        # Nothing of the emulator's state is meant to outlive the run: no graceful stop needed.
        self.process.kill()
        self.process.wait()
        if self.process.stdin is not None:
            # Orders it never read are still in the pipe's buffer: a dead server refuses them.
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        self.log.unlink(missing_ok=True)


_spare: ServerProcess | None = None
_spare_lock = threading.Lock()


def start_spare() -> None:
    """Start a server for this process's run to take (:func:`spare`), if none is waiting."""
    global _spare
    with _spare_lock:
        if _spare is None:
            _spare = ServerProcess()


def spare() -> ServerProcess:
    """The server started early for this run, or a new one."""
    global _spare
    with _spare_lock:
        taken, _spare = _spare, None
    return taken or ServerProcess()


def close_spare() -> None:
    """A server started early that the run did not take (it turned out to need none)."""
    global _spare
    with _spare_lock:
        left, _spare = _spare, None
    if left is not None:
        left.close()


# -- the server's side ---------------------------------------------------------------------------


def keep_only(names: Iterable[str]) -> None:
    """moto builds each account's IAM with these AWS managed policies only."""
    import moto.iam.models

    wanted = set(names)
    every = json.loads(moto.iam.models.aws_managed_policies_data)
    kept = {name: data for name, data in every.items() if name in wanted}
    moto.iam.models.aws_managed_policies_data = json.dumps(kept)


def give_instance_ids(ids: Iterable[str]) -> None:
    """The next instances moto launches get these IDs, in order; the rest, moto's own."""
    import moto.ec2.models.instances

    given = iter(ids)
    own = moto.ec2.models.instances.random_instance_id
    moto.ec2.models.instances.random_instance_id = lambda: next(given, None) or own()  # type: ignore[assignment]


def build_backends(orders: Orders) -> None:
    """The backends the run uses, built before the first request rather than during it."""
    from moto.backends import get_backend
    from moto.utilities.utils import get_partition

    account, region = orders.account_id, orders.region
    partition = get_partition(region)
    get_backend("iam")[account][partition]
    get_backend("sts")[account][partition]
    get_backend("s3")[account][partition]
    get_backend("ec2")[account][region]
    get_backend("ssm")[account][region]


def bind_alone(platform: str = sys.platform) -> None:
    """The server binds its port alone, on Windows too.

    werkzeug asks for ``SO_REUSEADDR``, which on Linux and macOS only lets a port be bound again
    while old connections to it wait to close, but on Windows lets a second server bind a port
    another is listening on: both answer, and which one gets a connection is not said. werkzeug
    keeps it (pallets/werkzeug#1597); tornado, urllib3 and gevent leave it out on Windows. Bound
    alone, a held port is refused, and the run tries another (emulator_server).
    """
    if platform == "win32":
        import werkzeug.serving

        werkzeug.serving.BaseWSGIServer.allow_reuse_address = False


def serve(argv: list[str]) -> None:
    leave_interrupts_to_the_run()
    bind_alone()
    share_botocore_models()
    import moto.server
    from moto.server import main

    # moto's main() sets its own handler for SIGINT and SIGTERM, which exits: both stay the
    # run's (leave_interrupts_to_the_run), and the server ends with its pipe or is killed.
    def on_signal(signum: int, frame: Any) -> None:
        pass

    moto.server.signal_handler = on_signal

    from handson.targets.moto_engine import install

    install(os.environ.get(SERVER_TOKEN, ""))
    read_once()
    for service in ("ec2", "s3", "sts"):  # what moto imports at the service's first request
        importlib.import_module(f"moto.{service}.urls")

    line = sys.stdin.buffer.readline()
    if not line:
        return  # the run ended, or needed no emulator after all
    orders = Orders(**json.loads(line))
    os.environ["MOTO_ACCOUNT_ID"] = orders.account_id
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    keep_only(orders.managed_policies)
    give_instance_ids(orders.instance_ids)
    build_backends(orders)
    from_what_is_built()
    # moto, its models and the backends' own data (AMIs, instance types, regions) stay for the
    # whole run: out of the collector's reach, which walked all of it now and then in the
    # middle of a request.
    gc.freeze()
    exit_with_parent()
    # A line for each request in a log nobody reads (ServerProcess removes it unread): werkzeug's
    # warnings and errors, such as a request's traceback, are still written.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    main(argv)


if __name__ == "__main__":
    serve(sys.argv[1:])
