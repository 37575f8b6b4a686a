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
import functools
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


# The server's own name for itself, which it answers on moto_engine.SERVER_PATH: the port is
# chosen here and bound by the server a second later, and in that moment another server (of
# another run, or of the same tests) may take it. Only the token tells the two apart (a
# process ID would not: on Windows a virtual environment's python.exe starts the real one).
SERVER_TOKEN = "HANDSON_EMULATOR_TOKEN"


class ServerProcess:
    """The parent's side: the process, its port, its token and its log."""

    def __init__(self) -> None:
        self.port = free_port()
        self.token = secrets.token_hex(8)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env["PYTHONPATH"] = python_path(env)
        env[SERVER_TOKEN] = self.token
        fd, log_path = tempfile.mkstemp(prefix="handson-moto-", suffix=".log")
        self.log = Path(log_path)
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__, "-H", "127.0.0.1", "-p", str(self.port)],
            env=env,
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


def share_botocore_models() -> None:
    """Every botocore session in this process reads the models once, with one loader.

    moto makes a session for each list of regions it needs (three as EC2 imports itself, one
    for each service's backends), and each session of its own reads botocore's endpoint data
    again: about 0.3 s of the server's start. Nothing in moto writes to that data.
    """
    import botocore.loaders
    import botocore.session

    botocore.session.create_loader = functools.cache(botocore.loaders.create_loader)  # type: ignore[attr-defined]


def list_moto_modules_once() -> None:
    """moto's dispatcher lists moto's package folder (an ``isdir`` for each of its 150 entries)
    for every request it routes, a fifth of a request's time in the server; the folder does not
    change while the server runs."""
    import moto.backends

    modules = tuple(moto.backends.list_of_moto_modules())
    moto.backends.list_of_moto_modules = lambda: iter(modules)  # type: ignore[assignment]


def moto_reads_once() -> None:
    """What moto works out again for every request, or for each model it reads, though it
    cannot change while the server runs:

    - the names of a response class's methods (``inspect.getmembers`` of the whole class, for
      each request it answers: about a tenth of a request's time);
    - a loader of botocore's models for each model it reads, which lists botocore's data folder
      again (400 services, an ``isfile`` each) before reading the model;
    - the table of a service's error codes, for each error it answers (a denial among them);
    - the services botocore knows, for the first error of each moto package: listed by a new
      botocore session each time (its 600 handlers registered anew, 2 to 10 ms, in the middle
      of a request), where the loader every session shares (share_botocore_models) has them.
    """
    import botocore.session
    import moto.core.errors
    import moto.core.responses
    import moto.core.utils

    moto.core.responses.method_names_from_class = functools.cache(  # type: ignore[attr-defined]
        moto.core.utils.method_names_from_class
    )
    moto.core.utils.create_loader = functools.cache(moto.core.utils.create_loader)  # type: ignore[attr-defined]
    # Its table of a service's error codes, which it makes again for each error it answers (a
    # new ErrorLookupFactory each time, whose cache is its own): one factory keeps them.
    shared = moto.core.errors.ErrorLookupFactory()
    moto.core.errors.ErrorLookupFactory = lambda: shared  # type: ignore[assignment,misc]

    # moto's own: the botocore name of a moto package's service (moto drops the hyphens).
    @functools.cache
    def by_package() -> dict[str, str]:
        # What Session().get_available_services() lists, from the loader a session would use.
        listed = botocore.session.create_loader(None).list_available_services("service-2")
        return {name.replace("-", ""): name for name in listed}

    moto.core.utils.service_name_from_moto_package_name = functools.cache(  # type: ignore[assignment]
        lambda package: by_package().get(package, package)
    )


def routes_from_built_backends() -> None:
    """moto makes a service's routes (a Flask app, at the service's first request) from a
    backend of account 123456789012 in us-east-1, built for that alone: the URL paths it reads
    are the service's module's, the same in every region and account. For EC2 and SSM in any
    other region that was a second backend of each, built in the middle of the service's first
    request (EC2's with its 1,300 AMIs, each with a volume and a snapshot: 30 ms and 4 MiB).
    The routes are made from a backend the server has built already, where the service has
    one; moto's own choice otherwise."""
    import types

    import moto.moto_server.werkzeug_app
    import moto.server
    from moto.backends import get_backend
    from moto.core.base_backend import BackendDict

    original = moto.moto_server.werkzeug_app.create_backend_app

    def built(service: str) -> Any:
        backends = get_backend(service)  # type: ignore[call-overload]
        if not isinstance(backends, BackendDict):
            return None  # moto's own API and the like: no accounts, no regions
        for regional in dict.values(backends):
            for backend in dict.values(regional):
                return backend
        return None

    def create_backend_app(service: Any) -> Any:
        backend = built(service)
        if backend is None:
            return original(service)
        # moto's own function, with globals of its own whose ``backends.get_backend`` gives
        # the backend found: nothing else in the process sees a change.
        shim = types.SimpleNamespace(get_backend=lambda name: {"global": backend})
        routed = types.FunctionType(
            original.__code__, {**original.__globals__, "backends": shim}, original.__name__
        )
        return routed(service)

    moto.moto_server.werkzeug_app.create_backend_app = create_backend_app
    moto.server.create_backend_app = create_backend_app  # type: ignore[attr-defined]


def answers_from_models_read() -> None:
    """moto reads a service's model to write its answers, at the service's first request, with
    a loader of its own; botocore's loader has read EC2's and SSM's already (botocore reads a
    whole model to list a service's regions, as moto's backends do when they are built), so
    the server's first EC2 request read EC2's 3 MB of JSON a second time (40 ms). moto's model is
    botocore's with moto's own extras merged in: made here from the model botocore's loader
    has read, with the extras merged into copies of the parts they change, so botocore's stays
    as it was. moto's own reading where botocore's loader would give something else (another
    API version, extras of botocore's own)."""
    import botocore.session
    import moto.core.utils

    original = moto.core.utils._load_service_model
    models = moto.core.utils.create_loader()  # moto's loader (one for all, moto_reads_once)
    read = botocore.session.Session().get_component("data_loader")  # every session's

    def load(service_name: str, model_name: str) -> dict[str, Any]:
        if model_name != "service-2":
            return original(service_name, model_name)
        version = models.determine_latest_version(service_name, model_name)
        if read.determine_latest_version(service_name, model_name) != version or any(
            True for _ in read._find_extras(service_name, model_name, version)
        ):
            return original(service_name, model_name)
        model: dict[str, Any] = read.load_service_model(service_name, model_name)
        for extras in models._find_extras(service_name, model_name, version):
            if "merge" in extras:
                model = merged(model, extras["merge"])
        return model

    moto.core.utils._load_service_model = load


def merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """botocore's ``deep_merge(base, extra)`` as a new dictionary: ``base`` is not changed, and
    the new one shares every part of it that ``extra`` does not change."""
    made = dict(base)
    for key, value in extra.items():
        if isinstance(made.get(key), dict) and isinstance(value, dict):
            made[key] = merged(made[key], value)
        else:
            made[key] = value
    return made


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
    list_moto_modules_once()
    moto_reads_once()
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
    routes_from_built_backends()
    answers_from_models_read()
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
