"""What moto works out again and again while its server runs, though it cannot change: worked
out once, in the run's own emulator (handson.targets.emulator_process) and in one started to be
attached to (handson.targets.engine_server) alike.

Each function changes moto or botocore in this process only, for the rest of the process, and
only where they read the same thing again: what a request is answered with stays moto's.
"""

from __future__ import annotations

import functools
from typing import Any


def read_once() -> None:
    """What is worked out for every request: after :func:`share_botocore_models`, which goes
    first, before moto imports its services (the run's engine does:
    handson.targets.moto_engine.install)."""
    list_moto_modules_once()
    moto_reads_once()
    callers_in_built_iam()


def from_what_is_built() -> None:
    """What a service's first request makes: from the backends and models the server has
    already, once it has built those it was started for."""
    routes_from_built_backends()
    answers_from_models_read()


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

    def service_name(package: str) -> str:
        return by_package().get(package, package)

    moto.core.utils.service_name_from_moto_package_name = functools.cache(service_name)


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


def callers_in_built_iam() -> None:
    """moto finds the account of a request by its access key in the IAM of every account and
    partition: an IAM it has not built yet is built for it, with AWS's managed policies (1,582
    in a server started to be attached to, 0.15 s each). A key it knows nowhere (the admin's
    test key) built all seven partitions' IAM in the middle of a run's first request, about a
    second. A key is only ever in an IAM that has been built: the others are passed over."""
    import moto.iam.models
    from moto.core import DEFAULT_ACCOUNT_ID

    def get_account_id_from(access_key: str) -> str:
        for account_id, account in list(moto.iam.models.iam_backends.items()):
            for backend in list(dict.values(account)):
                if access_key in backend.access_keys:
                    return str(account_id)
        return DEFAULT_ACCOUNT_ID

    moto.iam.models.get_account_id_from = get_account_id_from
