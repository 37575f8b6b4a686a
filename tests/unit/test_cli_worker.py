"""The warm AWS CLI's worker (handson/targets/cli_worker.py): what it works out once for every
command is what each command would have worked out itself. In a process of its own, as the
worker changes botocore for the whole process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import functools, inspect
import awscli.clidriver  # first, as in the worker: botocore is then awscli's own
import botocore.hooks as hooks
assert "awscli" in hooks.__file__, hooks.__file__
original = hooks.accepts_kwargs
from handson.targets import cli_worker
import botocore.client
_build_class = botocore.client.ClientCreator._create_client_class
whole_copy = hooks._PrefixTrie.__copy__  # botocore's: every node copied
cli_worker.share_between_commands()

class Handler:
    def with_kwargs(self, **kwargs): pass
    def without(self, a): pass
    def __call__(self, **kwargs): pass

def plain(a, **kwargs): pass
def positional(a, b): pass
def wrapper(*args, **kwargs): pass
def signed(**kwargs): pass
signed.__signature__ = inspect.Signature()  # what getfullargspec reads first
wrapped = functools.wraps(positional)(wrapper)  # getfullargspec follows no __wrapped__
def made(): return lambda **kw: None

handlers = (plain, Handler().with_kwargs, Handler().without, Handler(), print, positional,
            signed, wrapped, made(), made(), Handler, functools.partial(positional, 1),
            functools.partial(Handler().with_kwargs, a=1), functools.partial(plain, 1))
def each_handler(node):
    for value in node.values():
        if isinstance(value, hooks.NodeList):
            yield from (*value.first, *value.middle, *value.last)
        elif isinstance(value, dict):
            yield from each_handler(value)
driver = awscli.clidriver.create_clidriver()
clients = [driver.session.create_client(s, region_name="us-east-1") for s in ("s3", "sts")]
registered = [h for e in (driver.session.get_component("event_emitter")._emitter,
                          *(c.meta.events._emitter for c in clients))
              for h in each_handler(e._handlers._root)]
assert len(registered) > 300, len(registered)
for handler in (*handlers, *registered):
    try:
        expected = original(handler)
    except TypeError:
        expected = "TypeError"
    try:
        got = hooks.accepts_kwargs(handler)
    except TypeError:
        got = "TypeError"
    assert bool(got) == bool(expected) if expected != "TypeError" else got == expected, handler
first, second = (awscli.clidriver.create_clidriver() for _ in range(2))
caches = [d.session.get_component("event_emitter")._alias_name_cache for d in (first, second)]
assert caches[0] is caches[1], "one cache for botocore's own renames"
own = hooks.EventAliaser(hooks.HierarchicalEmitter(), {"x": "y"})
assert own._alias_name_cache is not caches[0], "renames of one's own keep their own cache"
assert own._alias_name_cache == {}
names = dict(caches[0])
fresh = hooks.EventAliaser(hooks.HierarchicalEmitter(), hooks.EVENT_ALIASES)  # a cache of its own
assert names and all(fresh._alias_event_name(name) == v for name, v in names.items())
import copy
emitter = first.session.get_component("event_emitter")._emitter
copied = copy.copy(emitter)
assert copied._handlers._root == emitter._handlers._root, "the same handlers, in the same order"
copied.register("before-call.s3.PutObject", plain)
assert copied._handlers._root != emitter._handlers._root, "a client's own handlers are its own"
import botocore.regions as regions
from botocore.endpoint_provider import EndpointProvider
one, other = (awscli.clidriver.create_clidriver().session for _ in range(2))
other.register_component("data_loader", one.get_component("data_loader"))  # as the worker does
tokyo = one.create_client("s3", region_name="ap-northeast-1")
local = other.create_client("s3", region_name="us-east-1", endpoint_url="http://127.0.0.1:1")
shared = tokyo._ruleset_resolver._provider
assert local._ruleset_resolver._provider is shared, "one rule tree for every session's S3"
assert tokyo.meta.endpoint_url == "https://s3.ap-northeast-1.amazonaws.com", tokyo.meta.endpoint_url
assert local.meta.endpoint_url == "http://127.0.0.1:1", local.meta.endpoint_url
ec2 = one.create_client("ec2", region_name="eu-west-1")
assert ec2._ruleset_resolver._provider is not shared, "each service its own rules"
assert ec2.meta.endpoint_url == "https://ec2.eu-west-1.amazonaws.com", ec2.meta.endpoint_url
loader = one.get_component("data_loader")
fresh = EndpointProvider(
    loader.load_service_model("s3", "endpoint-rule-set-1"), loader.load_data("partitions")
)
for params in (
    {"Region": "ap-northeast-1", "Bucket": "handson-s3-1-x", "UseFIPS": False},
    {"Region": "us-east-1", "Endpoint": "http://127.0.0.1:1", "ForcePathStyle": True},
    {"Region": "cn-north-1", "Bucket": "b", "UseDualStack": True},
):
    assert shared.resolve_endpoint(**params).url == fresh.resolve_endpoint(**params).url, params
assert local.meta.service_model is tokyo.meta.service_model, "one S3 model for every session"
from botocore.model import ServiceModel
own_model = ServiceModel(loader.load_service_model("s3", "service-2"), service_name="s3")
assert tokyo.meta.service_model.operation_names == own_model.operation_names
assert tokyo.meta.service_model.endpoint_discovery_operation is None
assert ec2.meta.service_model.service_name == "ec2"
assert type(local) is type(tokyo), "one S3 client class for every session"
assert type(ec2) is not type(tokyo)
assert hasattr(local, "generate_presigned_post") and hasattr(ec2, "generate_presigned_url")
def own_method(class_attributes, **kwargs):
    class_attributes["handson_own"] = lambda self: "own"
third = awscli.clidriver.create_clidriver().session
third.register_component("data_loader", loader)
third.register("creating-client-class.s3", own_method)
mine = third.create_client("s3", region_name="ap-northeast-1")
assert type(mine) is not type(tokyo) and mine.handson_own() == "own", "another handler, a class"
assert not hasattr(tokyo, "handson_own")
methods = lambda cls: sorted(n for n in vars(cls) if not n.startswith("__"))
shared_build = botocore.client.ClientCreator._create_client_class
botocore.client.ClientCreator._create_client_class = _build_class  # as botocore makes it
plain = awscli.clidriver.create_clidriver().session
plain.register_component("data_loader", loader)
reference = type(plain.create_client("s3", region_name="ap-northeast-1"))
botocore.client.ClientCreator._create_client_class = shared_build
assert reference is not type(tokyo)
assert methods(type(tokyo)) == methods(reference), "the methods a class of its own would have"
import random
rng = random.Random(20)
base = awscli.clidriver.create_clidriver().session.get_component("event_emitter")._emitter._handlers
events = sorted({".".join(k) for k in (("before-call", s, o) for s in ("s3", "ec2", "*")
                 for o in ("PutObject", "ListBuckets", "*"))} | {"creating-client-class.s3",
                 "before-parameter-build.s3.ListObjectsV2", "needs-retry.s3", "new.event.x"})
def same(one, other):
    for event in events:
        assert list(one.prefix_search(event)) == list(other.prefix_search(event)), event
def change(one, other, n):
    added = []
    for _ in range(n):
        if added and rng.random() < 0.3:
            event, handler = added.pop(rng.randrange(len(added)))
            one.remove_item(event, handler); other.remove_item(event, handler)
        else:
            event, handler, section = rng.choice(events), object(), rng.choice((0, 1, 2))
            one.append_item(event, handler, section); other.append_item(event, handler, section)
            added.append((event, handler))
reference = whole_copy(base)
shared_copies = []
for round_ in range(6):
    cow, whole = copy.copy(base), whole_copy(base)
    same(cow, whole)
    change(cow, whole, 30)  # the client's own handlers
    same(cow, whole)
    change(base, reference, 5)  # the session's, after the copy: the copy must not see them
    same(cow, whole)
    same(base, reference)
    shared_copies.append((cow, whole))
    twice, twice_whole = copy.copy(cow), whole_copy(whole)  # a copy of a copy
    change(twice, twice_whole, 10)
    same(twice, twice_whole)
    same(cow, whole)
for cow, whole in shared_copies:
    same(cow, whole)
print("ok")
"""


def run_program(program: str, given: str = "") -> subprocess.CompletedProcess[str]:
    """A check in a Python of its own (the worker's changes to botocore are for a whole
    process), ``given`` on its standard input."""
    return subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        input=given,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_what_is_shared_between_commands_is_what_each_would_work_out() -> None:
    done = run_program(CHECK)
    assert done.stdout.strip() == "ok", done.stderr[-3000:]


WARM_UP = """
import socket, sys, tempfile
from pathlib import Path

import pytest
tried = []
def connect(self, *address):
    tried.append(address)
    raise OSError("no connection in a warm-up")
socket.socket.connect = connect
import awscli.clidriver
from handson.targets import cli_worker
cli_worker.share_between_commands()
loader = awscli.clidriver.create_clidriver().session.get_component("data_loader")
with tempfile.TemporaryDirectory() as folder:  # its file, and nothing left of it
    answers = cli_worker.warm_up(loader, Path(folder))
assert len(answers) == len(cli_worker.WARM_UP) == 6
for argv, answer in zip(cli_worker.WARM_UP, answers):
    assert answer["code"] != 0 and cli_worker.NOT_SENT in answer["stderr"], (argv, answer)
assert tried == [], tried
print("ok")
"""


def test_the_warm_up_runs_the_hands_on_s_commands_and_sends_nothing() -> None:
    done = run_program(WARM_UP)
    assert done.stdout.strip() == "ok", done.stderr[-3000:]


FAILED_WARM_UP = """
from handson.targets import cli_worker
def cannot_write(loader, folder):
    raise PermissionError("read-only folder")
cli_worker.warm_up = cannot_write
cli_worker.serve()
"""


def test_a_warm_up_that_cannot_write_its_file_still_leaves_a_worker_that_answers(
    tmp_path: Path,
) -> None:
    request = {"argv": ["--version"], "env": {"PATH": ""}, "cwd": str(tmp_path)}
    done = run_program(FAILED_WARM_UP, json.dumps(request) + "\n")
    ready, answer = done.stdout.splitlines()
    assert ready == "ready", done.stderr[-3000:]
    assert json.loads(answer)["code"] == 0 and "aws-cli/" in json.loads(answer)["stdout"]


def test_a_worker_that_ends_as_it_starts_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The instance's AWS CLI (the warm worker) ending before it is ready: every role check said
    'aws: the warm AWS CLI did not start' and no more, its standard error thrown away. Now with
    the worker's last line (a traceback's error), which is what a first run on another system
    needs to be mended."""
    from handson.secrets import MASK
    from handson.targets import warm_cli

    # Its last words quote a secret it held: never shown (handson.secrets).
    broken = (
        "import sys; sys.exit('ModuleNotFoundError: No module named awscli_stand_in"
        " aws_secret_access_key=wJalrXUtnFEMIexample')"
    )
    monkeypatch.setattr(warm_cli, "worker_command", lambda: [sys.executable, "-c", broken])
    cli = warm_cli.WarmCli()
    try:
        result = cli.run(["sts", "get-caller-identity"], {}, tmp_path, timeout=30)
    finally:
        cli.close()
    assert result.exit_code == 255
    assert result.stderr.startswith(
        "aws: the warm AWS CLI did not start: ModuleNotFoundError: No module named awscli_stand_in"
    ), result.stderr
    # Masked, whatever else this process has registered as secret (another test's "secret").
    assert "wJalrXUtnFEMIexample" not in result.stderr and MASK in result.stderr
