"""What a When step did: its probes' results, and the target a denied write is watched on
(verdict rule 5: read before the probe, compared after it, put back for the checks after it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from handson.findings import ALLOWED_BUT_DENIED, TEST_ERROR, CheckError, Finding
from handson.probes import ProbeFailed, ProbeResult


@dataclass(frozen=True)
class Watched:
    """A target read with the provisioning identity before a probe, to compare afterwards."""

    label: str
    read: Callable[[], object] = field(repr=False, compare=False)
    before: object
    # Puts the run's own target back as it was, so that the checks after this one find it.
    restore: Callable[[], object] | None = field(default=None, repr=False, compare=False)
    # What the last assert_unchanged found: [] none yet, [True] as before, [False] changed.
    _verdict: list[bool] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def now(
        cls, label: str, read: Callable[[], object], restore: Callable[[], object] | None = None
    ) -> Watched:
        return cls(label, read, read(), restore)

    def assert_unchanged(self) -> object:
        """Raise unless the target reads as before; return what it reads now."""
        after = self.read()
        self._verdict[:] = [after == self.before]
        if after != self.before:
            raise ProbeFailed(
                f"{self.label} changed (verdict rule 5): before {self.before}, after {after}",
                Finding(ALLOWED_BUT_DENIED, "watched.changed", params=(("label", self.label),)),
            )
        return after

    def put_back(self) -> bool:
        """After the scenario: restore the run's own target if a probe changed it, so that the
        checks after it find it as provisioned. Returns whether it had to.

        Read again unless the scenario's own check found it as it was: that check is the
        scenario's last step (tests/unit/test_features_spec.py holds the feature files to it), so
        nothing has changed it since."""
        if self.restore is None or self._verdict == [True] or self.read() == self.before:
            return False
        self.restore()
        return True


def there_before(label: str, exists: bool) -> None:
    """Verdict rule 4: S3 denies a read of a file that is not there to a caller who may not list
    the bucket, so a probe of a file says something of the policies only where the provisioning
    identity found the file before it. Else the check is not decided (an error of the test, never
    a verdict), naming the file."""
    if not exists:
        raise CheckError(
            f"{label} should exist before the probe (verdict rule 4)",
            Finding(TEST_ERROR, "watched.missing", params=(("label", label),)),
        )


@dataclass(frozen=True)
class Attempt:
    """What a When step did: its probes, the target it watched, and the content a download
    should show, if any."""

    results: list[ProbeResult]
    watched: Watched | None = None
    expected_content: str | None = None

    def __repr__(self) -> str:
        """Its calls and what each got, as the report shows a step's arguments (allure-pytest-bdd
        writes each one's repr): the whole of it, with a deciding statement's every action,
        was 52,160 characters for each step of a policy such as ReadOnlyAccess."""
        said = ", ".join(f"{r.probe.call}: {r.answer.verdict.outcome.value}" for r in self.results)
        return f"Attempt({said})"
