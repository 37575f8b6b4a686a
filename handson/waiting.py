"""The one place for waiting: named budgets and the tenacity policies built from them."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    retry_if_result,
    stop_after_delay,
    stop_never,
    wait_exponential,
    wait_none,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Budgets:
    """Seconds each kind of wait may take before the run gives up: every budget of a run."""

    propagation: float  # a new key or role session, and its policies, taking effect
    instance_ready: float  # an instance reaching "running"
    resource_gone: float  # a terminated instance, a deleted resource
    # A probe that got no answer of AWS's (throttling, 5xx, a broken connection) is sent again
    # for up to this long; such an answer is never a verdict. So is a removal that AWS answered
    # NotFound about a resource that exists (one the run made moments ago), until a read
    # confirms it (handson/lifecycle/removal.py).
    transient: float = 120
    ssm_online: float = 600  # a new AL2023 instance registers with SSM in one to several minutes
    ssm_command: float = 300  # one SSM command, delivery and execution
    ssm_execution: int = 120  # what AWS-RunShellScript may take on the instance
    ssm_poll: float = 2.0  # between two looks at a command's status


# The emulator applies a policy the moment it is attached: nothing propagates, so an expected
# allow that is denied is judged at once. Faults are still sent again. Its SSM agent registers
# the moment it starts; R1 still waits for it, as on AWS, within a budget that leaves room for
# an agent that is late (tests/helpers/aws_like.py), looking every second (5 x ssm_poll).
EMULATOR_BUDGETS = Budgets(
    propagation=0,
    instance_ready=30,
    resource_gone=30,
    transient=5,
    ssm_online=20,
    ssm_poll=0.2,
)
# IAM is eventually consistent (docs/checkpoints.md): a new key or role session may be refused for a
# while; a new instance takes minutes to come Online in SSM.
AWS_BUDGETS = Budgets(propagation=120, instance_ready=300, resource_gone=600)


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


def poll(
    fetch: Callable[[], T],
    done: Callable[[T], bool],
    *,
    budget: float,
    interval: Callable[[int], float],
    clock: Callable[[], float] = time.monotonic,
    pause: Callable[[float], None] = time.sleep,
) -> tuple[T, int]:
    """Call ``fetch`` until ``done`` holds for its result or ``budget`` seconds have passed.

    Returns the last result and the number of calls: when the budget runs out, the caller judges
    the last answer itself (a verdict, or a status that never came). ``interval(n)`` is the
    pause after the n-th call; ``clock`` and ``pause`` let tests keep time themselves.
    """
    deadline = clock() + budget
    calls = 0

    def counted() -> T:
        nonlocal calls
        calls += 1
        return fetch()

    retrying = Retrying(
        stop=lambda state: clock() >= deadline,
        # Never past the deadline: the last look comes at the budget's end, not after it.
        wait=lambda state: max(0.0, min(interval(state.attempt_number), deadline - clock())),
        sleep=pause,
        retry=retry_if_result(lambda value: not done(value)),
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
    )
    return retrying(counted), calls


class _StillRunning(Exception):
    """A look at a future that found its work still running."""


def result_of(future: Future[T], step: float = 0.2) -> T:
    """``future``'s result, as long as it takes (its work has timeouts of its own), looked for
    every ``step`` seconds at most: a Ctrl-C reaches the wait between two looks, on Windows too,
    where a wait without a timeout is not interrupted. Its work's own TimeoutError is raised.

    A look that timed out while the work ended meanwhile (a loaded machine) takes the work's
    outcome: a TimeoutError is the wait's only while the future is not done."""

    def look() -> T:
        try:
            return future.result(timeout=step)
        except TimeoutError:
            if not future.done():
                raise _StillRunning from None
        return future.result()  # done: its value, or its work's own exception

    retrying = Retrying(
        retry=retry_if_exception_type(_StillRunning), wait=wait_none(), stop=stop_never
    )
    return retrying(look)
