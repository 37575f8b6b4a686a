"""What moto works out again and again, worked out once in the emulator's server
(handson/targets/moto_reads.py): each of them the same as moto's own, and not worked out again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest


def test_moto_s_modules_are_listed_once_and_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    import moto.backends

    from handson.targets.moto_reads import list_moto_modules_once

    listed = list(moto.backends.list_of_moto_modules())
    monkeypatch.setattr(moto.backends, "list_of_moto_modules", moto.backends.list_of_moto_modules)
    list_moto_modules_once()

    def no_look(path: str) -> bool:
        raise AssertionError(f"the folder was listed again: {path}")

    monkeypatch.setattr(os.path, "isdir", no_look)
    assert "s3" in listed and "iam" in listed
    assert list(moto.backends.list_of_moto_modules()) == listed
    assert list(moto.backends.list_of_moto_modules()) == listed  # each call a whole listing


def test_moto_works_out_methods_models_and_error_codes_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import inspect

    import botocore.session
    import moto.core.errors
    import moto.core.responses
    import moto.core.utils
    from moto.s3.responses import S3Response

    from handson.targets.moto_reads import moto_reads_once

    names = moto.core.utils.method_names_from_class(S3Response)
    monkeypatch.setattr(
        moto.core.responses, "method_names_from_class", moto.core.responses.method_names_from_class
    )
    monkeypatch.setattr(moto.core.utils, "create_loader", moto.core.utils.create_loader)
    monkeypatch.setattr(moto.core.errors, "ErrorLookupFactory", moto.core.errors.ErrorLookupFactory)
    named = moto.core.utils.service_name_from_moto_package_name
    monkeypatch.setattr(moto.core.utils, "service_name_from_moto_package_name", named)
    packages = ("iam", "s3", "ec2", "ssm", "sts", "core", "resourcegroupstaggingapi", "elbv2")
    package_names = {p: named.__wrapped__(p) for p in packages}  # moto's own, uncached
    assert package_names["resourcegroupstaggingapi"] == "resourcegroupstaggingapi"
    iam_model = moto.core.utils.get_service_model("iam")
    shape = moto.core.errors.ErrorLookupFactory().for_service(iam_model).from_code("NoSuchEntity")
    moto_reads_once()
    assert moto.core.responses.method_names_from_class(S3Response) == names
    assert "bucket_response" in names and "key_response" in names

    def no_look(*args: object, **kwargs: object) -> None:
        raise AssertionError("the class's members were listed again")

    monkeypatch.setattr(inspect, "getmembers", no_look)
    assert moto.core.responses.method_names_from_class(S3Response) == names
    # One table of error codes for each service, the same shapes as a table of its own.
    factory = moto.core.errors.ErrorLookupFactory()
    assert moto.core.errors.ErrorLookupFactory() is factory
    found = factory.for_service(iam_model).from_code("NoSuchEntity")
    assert shape is not None and found is not None and found.name == shape.name
    assert factory.for_service(iam_model) is factory.for_service(iam_model)
    loader = moto.core.utils.create_loader()
    assert moto.core.utils.create_loader() is loader
    # A moto package's botocore service name, as moto's own gives it, with no botocore session
    # made for it (one for each package's first error, in the middle of a request).
    monkeypatch.setattr(botocore.session.Session, "__init__", no_look)
    for package, name in package_names.items():
        assert moto.core.utils.service_name_from_moto_package_name(package) == name
    # The one loader reads a model as a loader of its own does, moto's extras included.
    own = moto.core.loaders.create_loader()
    for service in ("iam", "s3"):
        assert loader.load_service_model(service, "service-2") == own.load_service_model(
            service, "service-2"
        )


def test_a_caller_is_found_without_building_an_iam_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """moto's own lookup builds the IAM of each of the seven partitions for a key it does not
    know (each with AWS's managed policies in a server started to be attached to)."""
    import moto.iam.models
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.core.base_backend import BackendDict
    from moto.utilities.utils import PARTITION_NAMES

    from handson.targets.moto_reads import callers_in_built_iam

    def iam_with_a_user(account: str) -> tuple[BackendDict, str]:
        backends = BackendDict(
            moto.iam.models.IAMBackend,
            "iam",
            use_boto3_regions=False,
            additional_regions=PARTITION_NAMES,
        )
        monkeypatch.setattr(moto.iam.models, "iam_backends", backends)
        user = backends[account]["aws"].create_user("us-east-1", "taro")
        return backends, backends[account]["aws"].create_access_key(user.name).access_key_id

    def built(backends: BackendDict) -> dict[str, list[str]]:
        return {account: sorted(dict.keys(each)) for account, each in backends.items()}

    monkeypatch.setattr(moto.iam.models, "aws_managed_policies_data", "{}")
    lookup = moto.iam.models.get_account_id_from
    monkeypatch.setattr(moto.iam.models, "get_account_id_from", lookup)
    other = "210987654321"
    # moto's own: the right account, and an IAM built in every partition to find it.
    backends, key = iam_with_a_user(other)
    assert lookup("AKIAUNKNOWN") == DEFAULT_ACCOUNT_ID
    assert built(backends) == {other: sorted(PARTITION_NAMES)}
    backends, key = iam_with_a_user(other)
    callers_in_built_iam()
    assert moto.iam.models.get_account_id_from("AKIAUNKNOWN") == DEFAULT_ACCOUNT_ID
    assert moto.iam.models.get_account_id_from(key) == other
    assert built(backends) == {other: ["aws"]}


SERVICES: tuple[Any, ...] = ("ec2", "iam", "s3", "ssm", "sts", "moto_api")  # moto's Literal names


@pytest.fixture
def moto_backends_as_found() -> Iterator[None]:
    """moto's backends of the services below as this process had them: what a test builds (a
    backend of moto's default account without the AWS managed policies, which a later in-process
    server would then use) is gone afterwards."""
    from moto.backends import get_backend
    from moto.core.base_backend import BackendDict

    dicts = [get_backend(service) for service in SERVICES]  # type: ignore[call-overload]
    found = [
        (
            backends,
            {account: dict(dict.items(regional)) for account, regional in dict.items(backends)},
        )
        for backends in dicts
        if isinstance(backends, BackendDict)
    ]
    yield
    for backends, accounts in found:
        for account in [a for a in dict.keys(backends) if a not in accounts]:
            dict.__delitem__(backends, account)
        for account, regions in accounts.items():
            regional = dict.__getitem__(backends, account)
            dict.clear(regional)
            dict.update(regional, regions)


def test_routes_come_from_a_backend_already_built_and_are_moto_s_own(
    monkeypatch: pytest.MonkeyPatch, moto_backends_as_found: None
) -> None:
    import moto.ec2.models
    import moto.moto_server.werkzeug_app
    import moto.server
    from moto.backends import get_backend
    from moto.core import DEFAULT_ACCOUNT_ID

    from handson.targets.moto_reads import routes_from_built_backends

    original = moto.moto_server.werkzeug_app.create_backend_app
    monkeypatch.setattr(moto.moto_server.werkzeug_app, "create_backend_app", original)
    monkeypatch.setattr(moto.server, "create_backend_app", original)
    monkeypatch.delitem(get_backend("ec2"), DEFAULT_ACCOUNT_ID, raising=False)
    get_backend("ec2")["210987654321"]["ap-northeast-1"]  # the run's, built before serving
    routes_from_built_backends()
    made: list[str] = []
    init = moto.ec2.models.EC2Backend.__init__

    def counted(self: Any, region_name: str, account_id: str) -> None:
        made.append(f"{account_id}/{region_name}")
        init(self, region_name, account_id)

    monkeypatch.setattr(moto.ec2.models.EC2Backend, "__init__", counted)

    def rules(app: object) -> list[tuple[str, str, tuple[str, ...]]]:
        return sorted(
            (rule.rule, rule.endpoint, tuple(sorted(rule.methods or ())))
            for rule in app.url_map.iter_rules()  # type: ignore[attr-defined]
        )

    ours = {service: rules(moto.server.create_backend_app(service)) for service in SERVICES}
    assert made == []  # no backend built to make the routes (moto built us-east-1's)
    assert ours == {service: rules(original(service)) for service in SERVICES}
    assert made == [f"{DEFAULT_ACCOUNT_ID}/us-east-1"]  # moto's own: the backend it builds


def test_moto_s_models_for_its_answers_are_made_from_what_botocore_has_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import botocore.loaders
    import botocore.session
    import moto.core.loaders
    import moto.core.utils

    from handson.targets.moto_reads import answers_from_models_read, share_botocore_models

    monkeypatch.setattr(botocore.session, "create_loader", botocore.session.create_loader)
    monkeypatch.setattr(moto.core.utils, "_load_service_model", moto.core.utils._load_service_model)
    share_botocore_models()
    read = botocore.session.Session().get_component("data_loader")
    botocores = read.load_service_model("ec2", "service-2")  # as moto's EC2 backend reads it
    before = json.dumps(botocores, sort_keys=True)
    answers_from_models_read()
    opened: list[str] = []
    load_file = botocore.loaders.JSONFileLoader.load_file

    def watched(self: object, file_path: str) -> object:
        opened.append(file_path)
        return load_file(self, file_path)  # type: ignore[arg-type]

    monkeypatch.setattr(botocore.loaders.JSONFileLoader, "load_file", watched)
    model = moto.core.utils._load_service_model("ec2", "service-2")
    # EC2's model is not read again (moto's extras for it are), and botocore's is unchanged.
    assert not [path for path in opened if path.endswith("service-2")]
    assert any(path.endswith("service-2.moto-extras") for path in opened)
    assert json.dumps(botocores, sort_keys=True) == before
    own = moto.core.loaders.create_loader()
    assert model == own.load_service_model("ec2", "service-2")
    for service in ("iam", "s3", "ssm", "sts"):  # s3: botocore's extras, so moto's own reading
        assert moto.core.utils._load_service_model(service, "service-2") == (
            own.load_service_model(service, "service-2")
        )


def test_merged_is_botocore_s_deep_merge_without_changing_the_base() -> None:
    import copy

    from botocore.utils import deep_merge

    from handson.targets.moto_reads import merged

    base = {"a": {"b": 1, "c": {"d": [1]}}, "e": 2, "f": {"g": 3}}
    extra = {"a": {"c": {"d": [2], "h": 4}, "i": 5}, "e": {"j": 6}, "k": 7}
    kept = copy.deepcopy(base)
    expected = copy.deepcopy(base)
    deep_merge(expected, extra)
    made = merged(base, extra)
    assert made == expected
    assert base == kept
    assert made["f"] is base["f"]  # what the extras leave alone is shared, not copied
