"""Steps of the IAM user: every call with the user's own access key."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from handson import user_actions
from handson.attempts import Attempt, Watched
from handson.aws import Principal
from handson.environment import HandsonEnvironment
from handson.evidence import attach_text
from handson.findings import NOT_BUILT, CheckFailed, Finding
from handson.i18n import t
from handson.passwords import policy_problems
from handson.probes import Checker, ProbeResult
from handson.snapshot import (
    LoginProfileState,
    bucket_state,
    instance_heading,
    login_profile,
    password_policy,
)
from handson.user_actions import BucketOwner, Ec2Operation, IamListing
from handson.verdict import Outcome
from steps.common import attach_control
from steps.words import EC2_OPERATIONS, IAM_LISTINGS, word

# ## Given


@given("IAMユーザーに許された操作が通ることを確かめてある")
def user_passed_control(user_control: Checker) -> None:
    attach_control(user_control)


@given("IAMユーザーにコンソールのパスワードが設定されている", target_fixture="login_profile")
def user_has_login_profile(admin: Principal, handson_env: HandsonEnvironment) -> LoginProfileState:
    if handson_env.login is None:  # a hand-built user without one (--target existing)
        missing = t("existing.no_login")
        raise CheckFailed(missing, Finding(NOT_BUILT, missing))
    profile = login_profile(admin.client("iam"), handson_env.login.user_name)
    attach_text(
        t("evidence.login_profile"),
        t(
            "evidence.login_profile_body",
            user=profile.user_name,
            created=profile.created,
            reset=t(f"evidence.flag.{str(profile.reset_required).lower()}"),
        ),
    )
    return profile


# ## When


@when(
    "IAMユーザーがS3バケットを作成し、ファイルをアップロード・削除して、バケットを削除する",
    target_fixture="attempt",
)
def user_s3_round_trip(
    user: Principal,
    user_checker: Checker,
    handson_env: HandsonEnvironment,
    provisioner: BucketOwner,
) -> Attempt:
    results: list[ProbeResult] = []
    places = (handson_env.scratch_bucket, handson_env.sample_file)
    for probe, after in user_actions.s3_round_trip(user, *places, provisioner):
        results.append(user_checker.expect(probe, Outcome.ALLOWED))
        if after:
            after(results[-1])
    return Attempt(results)


def _watch_instance(admin: Principal, env: HandsonEnvironment) -> Watched:
    ec2 = admin.client("ec2")
    label = t("watched.instance", instance=env.instance_id)
    return Watched.now(label, lambda: instance_heading(ec2, env.instance_id))


@when(
    "IAMユーザーがインスタンスの一覧を表示し、handson-instance を起動しようとする",
    target_fixture="attempt",
)
def user_starts_instance(
    user: Principal, user_checker: Checker, admin: Principal, handson_env: HandsonEnvironment
) -> Attempt:
    """U3 as in the console: the instance list first (without it there is nothing to start)."""
    watched = _watch_instance(admin, handson_env)
    probes = (
        user_actions.list_instances(user, handson_env),
        user_actions.start_instance(user, handson_env),
    )
    return Attempt([user_checker.expect(p, Outcome.ALLOWED) for p in probes], watched)


@when(
    parsers.parse("IAMユーザーが EC2インスタンスの{operation}をしようとする"),
    converters={"operation": word(EC2_OPERATIONS)},
    target_fixture="attempt",
)
def user_tries_ec2(
    operation: Ec2Operation,
    user: Principal,
    user_control: Checker,
    admin: Principal,
    handson_env: HandsonEnvironment,
) -> Attempt:
    watched = _watch_instance(admin, handson_env)
    probe = user_actions.ec2_operation(user, handson_env, operation)
    return Attempt([user_control.expect(probe, Outcome.DENIED)], watched)


@when(
    parsers.parse("IAMユーザーが IAM の{listing}を見ようとする"),
    converters={"listing": word(IAM_LISTINGS)},
    target_fixture="attempt",
)
def user_lists_iam(listing: IamListing, user: Principal, user_control: Checker) -> Attempt:
    probe = user_actions.iam_listing(user, listing)
    return Attempt([user_control.expect(probe, Outcome.DENIED)])


# ## Then


@then("パスワードはアカウントのパスワードポリシーを満たしている")
def password_meets_policy(admin: Principal, handson_env: HandsonEnvironment) -> None:
    assert handson_env.login is not None, "the user has no console password"
    if handson_env.login.password is None:
        # A learner's own password (--target existing) cannot be read. IAM refuses a password
        # that breaks the policy when it is set; a policy made stricter later is not re-checked.
        attach_text(t("evidence.password"), t("existing.password_unreadable"))
        return
    policy = password_policy(admin.client("iam"))
    problems = policy_problems(handson_env.login.password, policy)
    assert not problems, f"the console password does not meet the password policy: {problems}"


@then("初回サインイン時のパスワード変更は求められない")
def no_password_reset(login_profile: LoginProfileState) -> None:
    if login_profile.reset_required:  # the learner's user as built: the check's own verdict
        missing = t("reset_required", user=login_profile.user_name)
        raise CheckFailed(missing, Finding(NOT_BUILT, missing))


@then("IAMユーザーが作ったバケットは残っていない")
def scratch_bucket_gone(admin: Principal, handson_env: HandsonEnvironment) -> None:
    bucket = handson_env.scratch_bucket
    assert not bucket_state(admin.client("s3"), bucket).exists, f"{bucket} still exists"
