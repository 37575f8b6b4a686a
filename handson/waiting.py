"""The one place for waiting: named budgets and the tenacity policies built from them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    retry_if_result,
    stop_after_delay,
    wait_exponential,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Budgets:
    """Seconds each kind of wait may take before the run gives up."""

    propagation: float  # a new key or role session, and its policies, taking effect
    instance_ready: float  # an instance reaching "running"
    resource_gone: float  # a terminated instance, a deleted resource


EMULATOR_BUDGETS = Budgets(propagation=5, instance_ready=30, resource_gone=30)


class WaitTimeout(Exception):
    """A wait ran out of its budget."""


def until(
    fetch: Callable[[], T],
    done: Callable[[T], bool],
    *,
    budget: float,
    what: str,
    max_interval: float = 2.0,
) -> T:
    """Call ``fetch`` until ``done`` holds for its result, within ``budget`` seconds."""
    retrying = Retrying(
        stop=stop_after_delay(budget),
        wait=wait_exponential(multiplier=0.1, max=max_interval),
        retry=retry_if_result(lambda value: not done(value)),
    )
    try:
        return retrying(fetch)
    except RetryError as exc:
        raise WaitTimeout(f"gave up after {budget:g}s waiting for {what}") from exc


def retrying_on(
    call: Callable[[], T],
    errors: tuple[type[BaseException], ...],
    *,
    budget: float,
    what: str,
) -> T:
    """Call ``call`` again while it raises one of ``errors``, within ``budget`` seconds."""
    retrying = Retrying(
        stop=stop_after_delay(budget),
        wait=wait_exponential(multiplier=0.1, max=2.0),
        retry=retry_if_exception_type(errors),
        reraise=True,
    )
    try:
        return retrying(call)
    except errors as exc:
        raise WaitTimeout(f"gave up after {budget:g}s on {what}: {exc}") from exc
