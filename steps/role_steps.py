"""Steps of the instance role: the hands-on's AWS CLI commands, run on the instance."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest
from pytest_bdd import given, parsers, then, when

from fixtures.principals import fail_on
from handson.attempts import Attempt, Watched, there_before
from handson.aws import Principal
from handson.environment import HandsonEnvironment
from handson.errors import EmulatorGap
from handson.evidence import attach_text
from handson.findings import (
    NOT_BUILT,
    TEST_ERROR,
    CheckError,
    CheckFailed,
    Finding,
    undecidable,
)
from handson.i18n import t
from handson.iam_engine import NamedPolicy
from handson.instance import Instance
from handson.names import SSM_CORE_POLICY_ARN, HandsonBucket
from handson.probes import Checker
from handson.role_actions import ObjectOperation, OtherResource, Place, RoleCommands, location_key
from handson.snapshot import attached_role_policies, bucket_state, instance_profile, object_state
from handson.ssm_verdict import judge_online
from handson.targets import Target
from handson.verdict import Outcome
from steps.common import attach_control
from steps.words import BUCKETS, OBJECT_OPERATIONS, OTHER_RESOURCES, PLACES, word

log = logging.getLogger("handson.steps")


@pytest.fixture
def role_commands(instance: Instance) -> RoleCommands:
    return RoleCommands(instance)


@pytest.fixture
def put_back(target: Target) -> Iterator[list[Watched]]:
    """Targets of the run a scenario's probes may change; put back as provisioned after it, so
    that a wrongly allowed write fails its own checkpoint and no later one. Not where the run's
    target is gone (its emulator ended, and all in it): no check follows, and a read of it would
    fail the run's ending."""
    watched: list[Watched] = []
    yield watched
    if target.gone():
        return
    for one in watched:
        if one.put_back():
            # In the run's language: a failed check's captured log is in its allure result.
            log.warning(t("watched.put_back", label=one.label))


# ## Given


@given("ロールに AWS管理ポリシー AmazonSSMManagedInstanceCore がアタッチされている")
def role_has_ssm_core(admin: Principal, handson_env: HandsonEnvironment) -> None:
    arns = attached_role_policies(admin.client("iam"), handson_env.role_name)
    attach_text(t("evidence.role_policies"), "\n".join(arns))
    if SSM_CORE_POLICY_ARN not in arns:
        missing = t("ssm_core_missing", role=handson_env.role_name)
        raise CheckFailed(missing, Finding(NOT_BUILT, missing))


@given("handson-instance にロールのインスタンスプロファイルが付いている")
def instance_has_profile(admin: Principal, handson_env: HandsonEnvironment) -> None:
    profile = instance_profile(admin.client("ec2"), admin.client("iam"), handson_env.instance_id)
    assert profile.arn == handson_env.instance_profile_arn, profile
    assert profile.roles == (handson_env.role_name,)


@given(
    "インスタンスから handson-s3-2 の open/ のファイルか "
    "handson-s3-1 の一覧が取得できることを確かめてある"
)
def role_passed_control(role_control: Checker) -> None:
    attach_control(role_control)


# ## When


@when(
    "インスタンスで test.txt を handson-s3-1 にアップロードし、取得して、削除する",
    target_fixture="attempt",
)
def role_round_trip(
    role_checker: Checker, role_commands: RoleCommands, handson_env: HandsonEnvironment
) -> Attempt:
    content = f"test from {handson_env.instance_id}"
    probes = role_commands.round_trip(handson_env.names.bucket1, handson_env.test_file, content)
    results = [role_checker.expect(p, Outcome.ALLOWED) for p in probes]
    return Attempt(results, expected_content=content)


# Probed live (--target existing --live), this could delete a learner's empty bucket: the replay
# decides it instead (fixtures/existing.py reads this).
DELETES_A_BUCKET = parsers.parse("インスタンスで {bucket} バケットを削除しようとする")


@when(DELETES_A_BUCKET, converters={"bucket": word(BUCKETS)}, target_fixture="attempt")
def role_deletes_bucket(
    bucket: HandsonBucket,
    role_control: Checker,
    role_commands: RoleCommands,
    admin: Principal,
    handson_env: HandsonEnvironment,
) -> Attempt:
    name = handson_env.names.bucket(bucket)
    s3 = admin.client("s3")
    watched = Watched.now(t("watched.bucket", bucket=name), lambda: bucket_state(s3, name))
    probe = role_commands.remove_bucket(name)
    return Attempt([role_control.expect(probe, Outcome.DENIED)], watched)


@when("インスタンスで handson-s3-2 の open/ のファイルをダウンロードする", target_fixture="attempt")
def role_reads_open(
    role_checker: Checker,
    role_commands: RoleCommands,
    admin: Principal,
    handson_env: HandsonEnvironment,
) -> Attempt:
    bucket = handson_env.names.bucket2
    key = location_key(Place.OPEN, handson_env.sample_file)
    there_before(f"s3://{bucket}/{key}", object_state(admin.client("s3"), bucket, key).exists)
    result = role_checker.expect(role_commands.download(bucket, key), Outcome.ALLOWED)
    expected = handson_env.objects[key].decode().strip()
    return Attempt([result], expected_content=expected)


@when(
    parsers.parse("インスタンスで handson-s3-2 の {place} のファイルを{operation}しようとする"),
    converters={"place": word(PLACES), "operation": word(OBJECT_OPERATIONS)},
    target_fixture="attempt",
)
def role_tries_object(
    place: Place,
    operation: ObjectOperation,
    role_control: Checker,
    role_commands: RoleCommands,
    admin: Principal,
    handson_env: HandsonEnvironment,
    put_back: list[Watched],
) -> Attempt:
    bucket = handson_env.names.bucket2
    key = location_key(place, handson_env.sample_file)
    s3 = admin.client("s3")
    watched = Watched.now(
        f"s3://{bucket}/{key}",
        lambda: object_state(s3, bucket, key),
        lambda: s3.put_object(Bucket=bucket, Key=key, Body=handson_env.objects[key]),
    )
    put_back.append(watched)
    there_before(watched.label, watched.before.exists)  # type: ignore[attr-defined]
    probe = role_commands.object_operation(
        operation, bucket, key, f"changed by {handson_env.instance_id}"
    )
    return Attempt([role_control.expect(probe, Outcome.DENIED)], watched)


@when(
    parsers.parse("インスタンスで {resource} を見ようとする"),
    converters={"resource": word(OTHER_RESOURCES)},
    target_fixture="attempt",
)
def role_tries_other(
    resource: OtherResource, role_control: Checker, role_commands: RoleCommands
) -> Attempt:
    return Attempt([role_control.expect(role_commands.other_resource(resource), Outcome.DENIED)])


@when(
    parsers.parse("インスタンスで handson-s3-2 の {place} の一覧を見ようとする"),
    converters={"place": word(PLACES)},
    target_fixture="attempt",
)
def role_lists_bucket2(
    place: Place,
    role_control: Checker,
    role_commands: RoleCommands,
    handson_env: HandsonEnvironment,
) -> Attempt:
    """R8: ForS32OpenList lets the role list bucket 2 under open/ only."""
    expected = Outcome.ALLOWED if place is Place.OPEN else Outcome.DENIED
    probe = role_commands.list_bucket(handson_env.names.bucket2, place)
    return Attempt([role_control.expect(probe, expected)])


# ## Then


@then("インスタンスのコマンドはロールの一時的な認証情報で動く")
def instance_runs_as_role(
    instance: Instance, handson_env: HandsonEnvironment, trust_mistake: Finding | None
) -> None:
    fail_on(trust_mistake)
    try:
        identity = instance.identity()
    except EmulatorGap as gap:  # the target cannot say whether EC2 may assume the role
        raise undecidable(str(gap)) from None
    attach_text(t("evidence.instance_identity"), identity)
    pattern = (
        rf"^arn:aws:sts::\d{{12}}:assumed-role/{re.escape(handson_env.role_name)}/"
        rf"{re.escape(handson_env.instance_id)}$"
    )
    assert re.match(pattern, identity), t("role.runs_as", identity=identity)


@then("インスタンスがSSMにオンラインで登録されている")
def instance_online_in_ssm(
    target: Target,
    instance: Instance,
    boundaries: dict[str, NamedPolicy],
    ssm_in_account: str | None,
    network_in_account: str | None,
) -> None:
    """Every target waits for the SSM agent within the SSM budget and says what it saw; an
    instance that never came Online, with none of its agent's calls denied, is no verdict: not
    decided (verdict rule 1, handson/ssm_verdict.py). A hand-built account's replay passed:
    not decided either where the learner's own instance is not Online in SSM."""
    judge_online(target.ssm_online(instance), boundaries.get("role"), network_in_account)
    if ssm_in_account is not None:
        raise undecidable(ssm_in_account)


@then("取得した内容はアップロードした内容と同じである")
@then("ダウンロードした内容はアップロードしておいたファイルと同じである")
def downloaded_content_matches(attempt: Attempt) -> None:
    expected = attempt.expected_content
    assert expected is not None, "this step needs a When step that downloaded a known file"
    downloads = [r for r in attempt.results if r.probe.action == "s3:GetObject"]
    assert downloads, "no download ran"
    output = str(downloads[-1].answer.details.get("stdout", ""))
    last_line = output.strip().splitlines()[-1] if output.strip() else ""
    if last_line != expected:
        # Allowed, as expected: what came back is no authorization verdict (verdict rule 7).
        raise CheckError(
            f"downloaded {last_line!r}, expected {expected!r}",
            Finding(TEST_ERROR, "the download is not the file uploaded"),
        )


@then("handson-s3-1 に test.txt は残っていない")
def test_file_gone(admin: Principal, handson_env: HandsonEnvironment) -> None:
    key = handson_env.test_file
    state = object_state(admin.client("s3"), handson_env.names.bucket1, key)
    assert not state.exists, f"{key} is still in handson-s3-1"
