"""The warm AWS CLI's worker process (``python -m handson.targets.cli_worker``).

It imports awscli (and with it awscli's own botocore, which must come before anything imports
boto3's: so this module imports nothing of the suite), parses the service models the hands-on's
commands use, says ``ready``, and then answers one JSON line on stdout for each JSON line on
stdin until stdin closes: when the run has ended, however it ended. ``handson.targets.warm_cli``
is the run's side.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import inspect
import io
import json
import os
import sys
import types
from pathlib import Path
from typing import Any

from handson.targets.orphans import leave_interrupts_to_the_run

READY = "ready"
# The hands-on's commands (handson.role_actions), each run once before the worker says it is
# ready, with nothing sent (warm_up): what a command imports and makes the first time of its
# kind (awscli's customizations, a service's client class and rules) is made before the run's
# first command, not during it.
WARM_UP = (
    ("sts", "get-caller-identity"),
    ("s3", "ls", "s3://handson-warm-up"),
    ("s3", "cp", "warm-up.txt", "s3://handson-warm-up/open/warm-up.txt"),
    ("s3", "rm", "s3://handson-warm-up/open/warm-up.txt"),
    ("ec2", "describe-instances"),
    ("iam", "list-users"),
)
NOT_SENT = "warm-up: not sent"
# Set by the run when it records its calls (--record-calls): the commands' calls go there too.
RECORD_VARIABLE = "HANDSON_RECORD_CALLS"
# The service models that the hands-on's commands use, parsed before the first command.
SERVICES = ("s3", "sts", "ec2", "iam")


def share_between_commands() -> None:
    """What botocore works out anew for each command's session, and is the same for all of them,
    worked out once (about a quarter of a warm command's time): the name an event has after
    botocore's renames (one cache for every session with botocore's own renames, instead of one
    each), and whether a handler takes ``**kwargs`` (a fact of its function's signature); the
    copy of a session's event handlers that every client starts with, shared until changed; and
    each service's endpoint rules, model and client class. botocore and awscli are pinned
    (requirements.txt); tests/unit/test_cli_worker.py compares each with what botocore makes."""
    import botocore.hooks

    share_handler_tries()

    aliaser = botocore.hooks.EventAliaser
    init, shared_names = aliaser.__init__, dict[str, str]()

    def sharing_init(self: Any, event_emitter: Any, event_aliases: Any = None) -> None:
        init(self, event_emitter, event_aliases)
        if event_aliases is None:  # botocore's own renames, the same in every session
            self._alias_name_cache = shared_names

    accepts = botocore.hooks.accepts_kwargs
    by_function = functools.cache(accepts)

    def accepts_kwargs(handler: Any) -> bool:
        function = getattr(handler, "__func__", handler)  # a bound method's: the same **kwargs
        while type(function) in (functools.partial, types.MethodType):  # their function's too
            function = function.func if type(function) is functools.partial else function.__func__
        if type(function) is types.FunctionType and "__signature__" not in function.__dict__:
            # What getfullargspec reads of a plain function (it follows no __wrapped__): its
            # code's flags. Handlers made anew for each session share their code.
            return bool(function.__code__.co_flags & inspect.CO_VARKEYWORDS)
        try:
            return bool(by_function(function))
        except TypeError:  # not hashable: asked as before
            return bool(accepts(handler))

    aliaser.__init__ = sharing_init  # type: ignore[method-assign]
    botocore.hooks.accepts_kwargs = accepts_kwargs
    share_endpoint_rules()
    share_service_models()
    share_client_classes()


def share_handler_tries() -> None:
    """A copy of a session's event handlers (every client starts with one: three clients for an
    ``aws s3`` command, each a trie of a thousand nodes) that shares the nodes with the session's
    until one side changes them: a change copies the nodes on its path first, in the side that
    makes it. What each side finds for an event is what it would find in a whole copy."""
    import botocore.hooks

    trie, node_list = botocore.hooks._PrefixTrie, botocore.hooks.NodeList
    append, remove = trie.append_item, trie.remove_item

    def copy(self: Any) -> Any:
        self._owned = {}  # every node is shared from now on, until this side copies it
        copied = trie.__new__(trie)
        copied._root, copied._owned = self._root, {}
        return copied

    def owned(self: Any, node: dict[str, Any]) -> dict[str, Any]:
        if id(node) in self._owned:
            return node
        values = node["values"]
        made = {
            **node,
            "children": dict(node["children"]),
            "values": None if values is None else node_list(*(list(v) for v in values)),
        }
        self._owned[id(made)] = made  # kept, so that no other node takes its id
        return made

    def own_path(self: Any, key: str) -> None:
        """The nodes on the key's path (those that exist) made this side's own."""
        self._root = current = owned(self, self._root)
        for part in key.split("."):
            child = current["children"].get(part)
            if child is None:
                return
            current["children"][part] = current = owned(self, child)

    def append_item(self: Any, key: str, value: Any, section: int = botocore.hooks._MIDDLE) -> None:
        if getattr(self, "_owned", None) is not None:
            own_path(self, key)
        append(self, key, value, section)

    def remove_item(self: Any, key: str, value: Any) -> None:
        if getattr(self, "_owned", None) is not None:
            own_path(self, key)
        remove(self, key, value)

    trie.__copy__ = copy  # type: ignore[method-assign]
    trie.append_item = append_item  # type: ignore[method-assign]
    trie.remove_item = remove_item  # type: ignore[method-assign]


def share_service_models() -> None:
    """One service model object for every client of a service, not one each: what it works out
    and keeps (its operations' models, whether it has endpoint discovery: EC2's 700 operations
    looked at for each client) is then worked out once. Made from the shared loader's parsed
    model, as botocore makes it; read-only."""
    import botocore.client
    import botocore.model

    made: dict[tuple[str, int], tuple[Any, Any]] = {}

    def service_model(self: Any, service_name: str, api_version: Any = None) -> Any:
        description = self._loader.load_service_model(service_name, "service-2", api_version)
        key = (service_name, id(description))
        found = made.get(key)
        if found is None or found[0] is not description:  # the same parsed model, kept here
            model = botocore.model.ServiceModel(description, service_name=service_name)
            found = made[key] = (description, model)
        return found[1]

    botocore.client.ClientCreator._load_service_model = service_model  # type: ignore[method-assign]


def share_client_classes() -> None:
    """A service's client class built once, not for each client: botocore makes a method, and
    its docstring object, for each of the service's operations (EC2 has 700) every time it makes
    a client, about a sixth of a warm command's time. The class is the same while what it is
    made from is: the service's model (the shared loader's), and the functions that awscli's
    handlers of ``creating-client-class`` add to it (module functions, the same in every
    session). A client's own state is its instance's, never its class's."""
    import botocore.client

    build = botocore.client.ClientCreator._create_client_class
    built: dict[tuple[Any, ...], tuple[Any, tuple[Any, ...], type]] = {}

    def client_class(self: Any, service_name: str, service_model: Any) -> type:
        service_id = service_model.service_id.hyphenize()
        emitter = getattr(self._event_emitter, "_emitter", self._event_emitter)  # unaliased
        handlers = tuple(emitter._handlers.prefix_search(f"creating-client-class.{service_id}"))
        description = service_model._service_description
        key = (service_name, id(description), tuple(id(h) for h in handlers))
        found = built.get(key)
        # The same model and handlers (kept here), not others that took their place in memory.
        if found is None or found[0] is not description or found[1] != handlers:
            found = built[key] = (description, handlers, build(self, service_name, service_model))
        return found[2]

    botocore.client.ClientCreator._create_client_class = client_class  # type: ignore[method-assign]


def share_endpoint_rules() -> None:
    """A service's endpoint rules built once, not for each client: botocore builds a tree of
    rule objects from the service's ruleset (parsed once, kept by the shared loader) every time
    it makes a client, about a tenth of a warm command's time. The tree is read-only data; what
    a client resolves comes from its own parameters (region, endpoint URL, ...)."""
    import botocore.regions

    build = botocore.regions.EndpointProvider
    built: dict[tuple[int, int, Any], tuple[Any, Any, Any]] = {}

    def provider(ruleset_data: Any, partition_data: Any, excluded_params: Any = None) -> Any:
        excluded = frozenset(excluded_params) if excluded_params else None
        key = (id(ruleset_data), id(partition_data), excluded)
        found = built.get(key)
        # The same data objects (the loader's), not others that took their place in memory.
        if found is None or found[0] is not ruleset_data or found[1] is not partition_data:
            made = build(ruleset_data, partition_data, excluded_params)
            found = built[key] = (ruleset_data, partition_data, made)
        return found[2]

    botocore.regions.EndpointProvider = provider  # type: ignore[misc]


def _run_command(
    driver_factory: Any, loader: Any, request: dict[str, Any], recorder: Any = None
) -> dict[str, Any]:
    """One command in this process, as ``aws`` would run it: its own environment, folder,
    standard streams and botocore session; the parsed models shared."""
    keep = os.environ.get("AWS_DATA_PATH", "")  # where awscli's own data lives (set at import)
    saved_environ, saved_cwd = dict(os.environ), os.getcwd()
    stdout, stderr = io.StringIO(), io.StringIO()
    saved_streams, saved_argv = (sys.stdin, sys.stdout, sys.stderr), sys.argv
    code: int
    try:
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in request["env"].items()})
        os.environ["AWS_DATA_PATH"] = keep
        os.chdir(request["cwd"])
        sys.stdin, sys.stdout, sys.stderr = io.StringIO(""), stdout, stderr
        sys.argv = ["aws", *request["argv"]]
        driver = driver_factory()
        driver.session.register_component("data_loader", loader)
        if recorder is not None:
            recorder.watch_session(driver.session, "instance role", "instance CLI")
        code = int(driver.main([str(a) for a in request["argv"]]) or 0)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException as exc:  # noqa: BLE001 - the command's error, never the worker's end
        stderr.write(f"aws (warm CLI): {type(exc).__name__}: {exc}\n")
        code = 255
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        sys.argv = saved_argv
        os.environ.clear()
        os.environ.update(saved_environ)
        os.chdir(saved_cwd)
    return {"code": code & 0xFF, "stdout": stdout.getvalue(), "stderr": stderr.getvalue()}


class NotSent(Exception):
    """A warm-up command's request, stopped before it leaves the worker."""


def _not_sent(**kwargs: Any) -> None:
    raise NotSent(NOT_SENT)


def warm_up(loader: Any, folder: Path) -> list[dict[str, Any]]:
    """Each of WARM_UP run as a command is, except that botocore's ``before-send`` stops its
    request once it is made and signed: no connection is opened, nothing reaches the emulator or
    AWS, and nothing is recorded. The commands' answers (each a failure that says NOT_SENT)."""
    import awscli.clidriver

    def driver() -> Any:
        made = awscli.clidriver.create_clidriver()
        made.session.register("before-send", _not_sent)
        return made

    (folder / "warm-up.txt").write_text("warm-up\n", "utf-8")
    env = {
        "AWS_ACCESS_KEY_ID": "warm-up",
        "AWS_SECRET_ACCESS_KEY": "warm-up",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    request = {"env": env, "cwd": str(folder)}
    return [_run_command(driver, loader, {**request, "argv": list(argv)}) for argv in WARM_UP]


def serve() -> None:
    """The worker: answers one JSON line on stdout for each JSON line on stdin, until stdin
    closes (the run has ended, however it ended). Ctrl-C and SIGTERM are the run's to handle (it
    still needs this worker for its teardown): ignored here, as by the emulator."""
    leave_interrupts_to_the_run()
    # The answers go out on a copy of stdout; anything else that writes to stdout goes nowhere.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    import awscli.clidriver

    share_between_commands()
    recorder = None
    if os.environ.get(RECORD_VARIABLE):
        from handson.call_record import CallRecorder  # no botocore: awscli's comes first

        recorder = CallRecorder(Path(os.environ[RECORD_VARIABLE]), append=True)
    first = awscli.clidriver.create_clidriver()
    loader = first.session.get_component("data_loader")
    for service in SERVICES:
        first.session.get_service_model(service)
    # In a folder it cannot write in, the first commands pay for their start instead.
    with contextlib.suppress(OSError):
        warm_up(loader, Path.cwd())
    # What stays for every command (awscli, the parsed models: hundreds of thousands of
    # objects) out of the collector's reach: a full collection walked all of it, a tenth of a
    # second now and then in the middle of a command.
    gc.freeze()
    answers.write(READY.encode() + b"\n")
    answers.flush()
    for line in sys.stdin.buffer:
        request = json.loads(line)
        answer = _run_command(awscli.clidriver.create_clidriver, loader, request, recorder)
        answers.write(json.dumps(answer).encode("ascii") + b"\n")
        answers.flush()


if __name__ == "__main__":
    serve()
