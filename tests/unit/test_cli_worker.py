"""The warm AWS CLI's worker (handson/targets/cli_worker.py): what it works out once for every
command is what each command would have worked out itself. In a process of its own, as the
worker changes botocore for the whole process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import functools, inspect
import awscli.clidriver  # first, as in the worker: botocore is then awscli's own
import botocore.hooks as hooks
assert "awscli" in hooks.__file__, hooks.__file__
original = hooks.accepts_kwargs
from handson.targets import cli_worker
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
print("ok")
"""


def test_what_is_shared_between_commands_is_what_each_would_work_out() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.stdout.strip() == "ok", done.stderr[-3000:]
