"""Unit tests of handson.waiting: bounded waits and retries."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from handson.waiting import WaitTimeout, retrying_on, until


def counter() -> tuple[list[int], Callable[[], int]]:
    calls: list[int] = []

    def fetch() -> int:
        calls.append(len(calls) + 1)
        return len(calls)

    return calls, fetch


def test_until_returns_at_once_when_done() -> None:
    calls, fetch = counter()
    started = time.monotonic()
    assert until(fetch, lambda n: n >= 1, budget=5, what="one") == 1
    assert calls == [1]
    assert time.monotonic() - started < 0.1


def test_until_returns_the_first_value_that_is_done() -> None:
    calls, fetch = counter()
    assert until(fetch, lambda n: n >= 3, budget=5, what="three", max_interval=0.01) == 3
    assert calls == [1, 2, 3]


def test_until_raises_wait_timeout_naming_what() -> None:
    calls, fetch = counter()
    started = time.monotonic()
    with pytest.raises(WaitTimeout, match="the bucket to exist") as caught:
        until(fetch, lambda n: False, budget=0.2, what="the bucket to exist", max_interval=0.01)
    elapsed = time.monotonic() - started
    assert 0.2 <= elapsed < 1.0
    assert len(calls) > 1
    assert "0.2s" in str(caught.value)


def test_until_lets_exceptions_of_fetch_propagate() -> None:
    calls: list[int] = []

    def fetch() -> int:
        calls.append(1)
        raise KeyError("gone")

    with pytest.raises(KeyError):
        until(fetch, bool, budget=5, what="x", max_interval=0.01)
    assert calls == [1]


def flaky(failures: int, error: BaseException) -> tuple[list[int], Callable[[], str]]:
    calls: list[int] = []

    def call() -> str:
        calls.append(1)
        if len(calls) <= failures:
            raise error
        return "done"

    return calls, call


def test_retrying_on_retries_listed_errors_then_succeeds() -> None:
    calls, call = flaky(1, ConnectionError("not yet"))
    assert retrying_on(call, (ValueError, ConnectionError), budget=5, what="x") == "done"
    assert len(calls) == 2


def test_retrying_on_raises_wait_timeout_after_budget() -> None:
    calls, call = flaky(1000, ConnectionError("still propagating"))
    with pytest.raises(WaitTimeout) as caught:
        retrying_on(call, (ConnectionError,), budget=0.15, what="the new key")
    message = str(caught.value)
    assert "the new key" in message
    assert "still propagating" in message
    assert isinstance(caught.value.__cause__, ConnectionError)
    assert len(calls) > 1


def test_retrying_on_lets_other_errors_propagate_at_once() -> None:
    calls, call = flaky(1000, KeyError("other"))
    started = time.monotonic()
    with pytest.raises(KeyError):
        retrying_on(call, (ConnectionError,), budget=5, what="x")
    assert len(calls) == 1
    assert time.monotonic() - started < 0.1
