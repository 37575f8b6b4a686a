"""Unit tests of handson.lifecycle.cleanup and handson.secrets."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

import handson.secrets
from handson.lifecycle.cleanup import Cleanup
from handson.lifecycle.order import Stage
from handson.secrets import MASK, redact, register_host_secrets, register_secret
from handson.snapshot import unless_gone


@pytest.fixture(autouse=True)
def fresh_secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Keep this file's secrets out of the process-wide registry."""
    monkeypatch.setattr(handson.secrets, "_secrets", set())
    yield


def recorder(calls: list[str], label: str) -> Callable[[], None]:
    def undo() -> None:
        calls.append(label)

    return undo


def failing(calls: list[str], label: str, message: str) -> Callable[[], None]:
    def undo() -> None:
        calls.append(label)
        raise RuntimeError(message)

    return undo


# -- cleanup -----------------------------------------------------------------------------------


def test_undo_runs_newest_first() -> None:
    calls: list[str] = []
    cleanup = Cleanup()
    for label in ("user", "bucket", "instance"):
        cleanup.register(label, recorder(calls, label), Stage.USER)
    assert cleanup.pending == ["instance", "bucket", "user"]
    assert cleanup.run() == []
    assert calls == ["instance", "bucket", "user"]
    assert cleanup.pending == []


def test_failing_undo_does_not_stop_the_others() -> None:
    calls: list[str] = []
    cleanup = Cleanup()
    cleanup.register("user", recorder(calls, "user"), Stage.USER)
    cleanup.register("bucket", failing(calls, "bucket", "BucketNotEmpty"), Stage.USER)
    cleanup.register("instance", recorder(calls, "instance"), Stage.USER)
    failures = cleanup.run()
    assert calls == ["instance", "bucket", "user"]
    assert failures == ["bucket: RuntimeError: BucketNotEmpty"]
    assert cleanup.failures == failures


def test_failure_message_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    register_secret(secret)
    cleanup = Cleanup()
    cleanup.register("access key", failing([], "access key", f"cannot delete {secret}"), Stage.USER)
    with caplog.at_level("ERROR", logger="handson.lifecycle.cleanup"):
        failures = cleanup.run()
    assert failures == [f"access key: RuntimeError: cannot delete {MASK}"]
    assert secret not in caplog.text
    assert MASK in caplog.text


def test_run_twice_does_nothing_the_second_time() -> None:
    calls: list[str] = []
    cleanup = Cleanup()
    cleanup.register("ok", recorder(calls, "ok"), Stage.USER)
    cleanup.register("bad", failing(calls, "bad", "boom"), Stage.USER)
    first = cleanup.run()
    second = cleanup.run()
    assert calls == ["bad", "ok"]
    assert second == first == ["bad: RuntimeError: boom"]


def test_run_returns_a_copy_of_the_failures() -> None:
    cleanup = Cleanup()
    cleanup.register("bad", failing([], "bad", "boom"), Stage.USER)
    cleanup.run().clear()
    assert cleanup.failures == ["bad: RuntimeError: boom"]


def test_abandon_returns_pending_labels_and_clears() -> None:
    calls: list[str] = []
    cleanup = Cleanup()
    cleanup.register("user", recorder(calls, "user"), Stage.USER)
    cleanup.register("bucket", recorder(calls, "bucket"), Stage.USER)
    assert cleanup.abandon() == ["bucket", "user"]
    assert cleanup.pending == []
    assert cleanup.run() == []
    assert calls == []
    assert cleanup.abandon() == []


def test_stages_remove_access_first_and_the_user_last() -> None:
    calls: list[str] = []
    cleanup = Cleanup()
    for label, stage in [
        ("user policy", Stage.POLICIES),
        ("user", Stage.USER),
        ("user policy attachment", Stage.ATTACHMENTS),
        ("login profile", Stage.CREDENTIALS),
        ("access key", Stage.CREDENTIALS),
        ("role", Stage.ROLE),
        ("profile", Stage.PROFILE),
        ("role in profile", Stage.PROFILE_MEMBERSHIP),
        ("bucket", Stage.BUCKETS),
        ("group", Stage.SECURITY_GROUP),
        ("instance", Stage.INSTANCE),
    ]:
        cleanup.register(label, recorder(calls, label), stage)
    assert cleanup.run() == []
    assert calls == [
        "access key",
        "login profile",
        "user policy attachment",
        "user policy",
        "instance",
        "group",
        "role in profile",
        "profile",
        "role",
        "bucket",
        "user",
    ]


def conflict(code: str, times: int, calls: list[str]) -> Callable[[], None]:
    def undo() -> None:
        calls.append(code)
        if len(calls) <= times:
            raise ClientError({"Error": {"Code": code, "Message": "try later"}}, "DeleteRole")

    return undo


@pytest.mark.parametrize(
    "code",
    ["DeleteConflict", "Throttling", "DependencyViolation", "ServiceFailure", "SlowDown", "503"],
)
def test_transient_refusals_are_retried(code: str) -> None:
    calls: list[str] = []
    cleanup = Cleanup(retry_budget=10)
    cleanup.register("role", conflict(code, 2, calls), Stage.ROLE)
    assert cleanup.run() == []
    assert calls == [code] * 3


def test_other_refusals_are_not_retried() -> None:
    calls: list[str] = []
    cleanup = Cleanup(retry_budget=10)
    cleanup.register("role", conflict("AccessDenied", 5, calls), Stage.ROLE)
    assert cleanup.run() == [
        "role: ClientError: An error occurred (AccessDenied) when calling "
        "the DeleteRole operation: try later"
    ]
    assert calls == ["AccessDenied"]


def test_a_broken_connection_is_retried_too() -> None:
    calls: list[str] = []

    def undo() -> None:
        calls.append("call")
        if len(calls) < 3:
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")

    cleanup = Cleanup(retry_budget=10)
    cleanup.register("bucket", undo, Stage.BUCKETS)
    assert cleanup.run() == [] and len(calls) == 3


def test_a_refusal_that_is_not_transient_is_not_retried() -> None:
    calls: list[str] = []
    cleanup = Cleanup(retry_budget=10)
    cleanup.register("role", conflict("AccessDenied", 1000, calls), Stage.ROLE)
    (failure,) = cleanup.run()
    assert calls == ["AccessDenied"] and "AccessDenied" in failure


def test_the_run_record_is_kept_when_something_else_was_left() -> None:
    calls: list[str] = []
    cleanup = Cleanup(retry_budget=0.1)
    cleanup.register("record", recorder(calls, "record"), Stage.RECORD)
    cleanup.register("user", failing(calls, "user", "boom"), Stage.USER)
    failures = cleanup.run()
    assert calls == ["user"]
    assert any(f.startswith("record: kept") for f in failures)


def test_a_conflict_that_never_clears_is_reported_with_its_cause() -> None:
    calls: list[str] = []
    cleanup = Cleanup(retry_budget=0.2)
    cleanup.register("role", conflict("DeleteConflict", 1000, calls), Stage.ROLE)
    (failure,) = cleanup.run()
    assert failure.startswith("role: ClientError: An error occurred (DeleteConflict)")
    assert len(calls) >= 2


# -- secrets -----------------------------------------------------------------------------------


def test_host_secrets_are_registered_from_a_dict() -> None:
    environ = {
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_SESSION_TOKEN": "FwoGZXIvYXdzEXAMPLETOKEN",
    }
    register_host_secrets(environ)
    text = " ".join(environ.values())
    assert redact(text) == f"AKIAIOSFODNN7EXAMPLE {MASK} {MASK}"


def test_host_secrets_with_nothing_set_registers_nothing() -> None:
    register_host_secrets({})
    assert handson.secrets._secrets == set()


def test_redact_masks_longest_first() -> None:
    register_secret("secret")
    register_secret("secret-and-more")
    assert redact("a secret-and-more b secret c") == f"a {MASK} b {MASK} c"


def test_redact_masks_every_occurrence() -> None:
    register_secret("token123")
    assert redact("token123/token123") == f"{MASK}/{MASK}"


@pytest.mark.parametrize("value", ["", "a", "abc", None])
def test_short_or_empty_values_are_not_registered(value: str | None) -> None:
    register_secret(value)
    assert handson.secrets._secrets == set()
    assert redact("abc") == "abc"


def test_four_characters_are_registered() -> None:
    register_secret("abcd")
    assert redact("xabcdx") == f"x{MASK}x"


def test_a_read_of_something_gone_is_none_and_other_errors_are_raised() -> None:
    def refused(code: str) -> Callable[[], str]:
        def read() -> str:
            raise ClientError({"Error": {"Code": code, "Message": "x"}}, "GetRole")

        return read

    assert unless_gone(lambda: "listed") == "listed"
    assert unless_gone(refused("NoSuchEntity")) is None
    with pytest.raises(ClientError, match="AccessDenied"):
        unless_gone(refused("AccessDenied"))


def test_a_target_gone_ends_the_teardown_at_once_with_nothing_to_undo() -> None:
    """The run's own emulator ended, and all the run made with it: the removal that meets that
    stops retrying, and no other is tried (each would be retried to its budget for nothing)."""
    calls: list[str] = []
    ended: list[str] = []

    def bucket() -> None:
        calls.append("bucket")
        ended.append("the emulator stopped during the run (exit code -9)")
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")

    cleanup = Cleanup(retry_budget=60)
    cleanup.register("user", recorder(calls, "user"), Stage.USER)
    cleanup.register("bucket", bucket, Stage.BUCKETS)
    assert cleanup.run(gone=lambda: ended[0] if ended else None) == []
    assert calls == ["bucket"]  # once: asked before the second attempt, gone
    assert cleanup.stopped == "the emulator stopped during the run (exit code -9)"
    assert cleanup.pending == [] and cleanup.failures == []
