"""A run's results as values: each scenario's outcome, the category its finding falls in, and one
``ScenarioResult`` per scenario, from which everything shown is computed (the terminal matrix,
the tally, the failure blocks, ``checkpoints.json``, allure's categories and the exit code).

The categories have one definition of their names and of what sorts a result into one in allure,
``handson/categories.json``; ``Category`` names each of them by name, never by its place there,
and the file and the enum are checked against each other when this module is loaded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from handson.findings import Finding


class Outcome(StrEnum):
    """A scenario's outcome, as ``checkpoints.json`` writes it. Only a check's own verdict is
    passed or failed; everything else is not decided."""

    PASSED = "passed"
    FAILED = "failed"  # the check's own verdict: a wrong allow or a wrong deny (不合格)
    # An error of the test or of its environment: a probe without a verdict, a crash of the
    # suite's own code, a build that failed. Never 不合格, never passed (verdict rule 7).
    ERROR = "error"
    SKIPPED = "skipped"
    INTERRUPTED = "interrupted"  # cut off by an interrupt or a fatal error while it ran
    NOT_RUN = "not run"  # never reached
    # Left out of this run by -k, -m or a test ID: never run, and never a verdict. A checkpoint
    # with some of its scenarios left out is not decided; one with all of them is not counted.
    NOT_SELECTED = "not selected"
    # A deny check whose positive control failed: not a verdict on its own checkpoint.
    PRECONDITION_NOT_MET = "precondition not met"

    @property
    def decided(self) -> bool:
        return self in (Outcome.PASSED, Outcome.FAILED)


class Category(StrEnum):
    """What a finding is, by the name ``handson/categories.json`` gives it."""

    ALLOWED_BUT_DENIED = "allowed but should be denied"
    DENIED_BUT_ALLOWED = "denied but should be allowed"
    UNDECIDABLE = "not decidable on the emulator"
    # What the user's access key cannot stand for the console in (MFA), on every target.
    NOT_BY_KEY = "not decidable with an access key"
    INTERRUPTED = "interrupted: not decided"
    PRECONDITION = "precondition not met"  # a deny check whose positive control failed
    TRUST_MISTAKE = "trust policy mistake"  # EC2 cannot assume the role
    NOT_BUILT = "not built as the hands-on says"  # a hand-built environment lacks a piece
    NOT_CLEANED = "not cleaned up as the hands-on says"  # C1-C5: something of it is left
    TEST_ERROR = "infrastructure or test error"

    @property
    def marker(self) -> str:
        """The line allure's categories match (``traceRegex``): the member's name, which no
        translation or rewording of a message changes."""
        return f"{MARKER_PREFIX}{self.name}"


# Allure sorts a result into the first category whose statuses and trace pattern match; the
# reporting layer puts the category's marker as the last line of the result's trace.
MARKER_PREFIX = "handson category: "
CATEGORIES_FILE = Path(__file__).with_name("categories.json")


def load_categories(path: Path = CATEGORIES_FILE) -> list[dict[str, Any]]:
    """The categories in allure's order, each checked against ``Category`` by name: every name a
    member's, every member named once, and each pattern (when there is one) the member's marker.
    """
    categories: list[dict[str, object]] = json.loads(path.read_text("utf-8"))
    names = [str(c["name"]) for c in categories]
    members = {c.value for c in Category}
    if sorted(names) != sorted(members):
        raise ValueError(f"{path}: categories {names} are not those of Category {sorted(members)}")
    for entry in categories:
        category = Category(str(entry["name"]))
        pattern = entry.get("traceRegex")
        if pattern is not None and category.marker not in str(pattern):
            raise ValueError(f"{path}: {category.value!r} does not match {category.marker!r}")
    return categories


CATEGORIES = load_categories()


def marked(trace: str | None, category: Category | None) -> str | None:
    """A result's trace with its category's marker as the last line (once)."""
    if category is None:
        return trace
    lines = [line for line in (trace or "").splitlines() if not line.startswith(MARKER_PREFIX)]
    return "\n".join([*lines, category.marker])


# Keys of checkpoints.json's rows that the suite writes itself; anything else a target adds
# (decided_by, sources, replayed, ...) is kept as it came, in its order.
_OWN_KEYS = ("nodeid", "checkpoints", "title", "outcome", "reason")
_FINDING_KEYS = ("category", "headline", "more", "probe", "hint")


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario's result: its checkpoints and title, its outcome, why, and its finding."""

    nodeid: str
    checkpoints: tuple[str, ...]
    title: str
    outcome: Outcome = Outcome.NOT_RUN
    reason: str = ""
    finding: Finding | None = None
    # What a target adds, in order: where it was decided, the documents it replayed, ...
    facts: tuple[tuple[str, Any], ...] = ()
    # A finding read back from checkpoints.json (a replay's): as written, since its probe is gone.
    recorded: tuple[tuple[str, Any], ...] = ()

    @property
    def category(self) -> Category | None:
        if self.finding is not None:
            return self.finding.category
        found = str(dict(self.recorded).get("category"))
        return Category(found) if found in {c.value for c in Category} else None

    @property
    def headline(self) -> str:
        if self.finding is not None:
            return self.finding.headline
        return str(dict(self.recorded).get("headline") or "")

    @property
    def hint(self) -> str:
        if self.finding is not None:
            return self.finding.hint
        return str(dict(self.recorded).get("hint") or "")

    def fact(self, key: str) -> Any:
        return dict(self.facts).get(key)

    def with_fact(self, key: str, value: Any) -> ScenarioResult:
        facts = dict(self.facts)
        facts[key] = value
        return replace(self, facts=tuple(facts.items()))

    def as_dict(self) -> dict[str, Any]:
        """Its row in checkpoints.json."""
        row: dict[str, Any] = {
            "nodeid": self.nodeid,
            "checkpoints": list(self.checkpoints),
            "title": self.title,
            "outcome": self.outcome.value,
            "reason": self.reason,
        }
        row.update(self.facts)
        row.update(self.finding.as_dict() if self.finding is not None else dict(self.recorded))
        return row

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> ScenarioResult:
        """A row of checkpoints.json (a replay's, or a learner's file) as a value; an outcome this
        suite does not write counts as not run (not decided, never passed)."""
        outcome = str(row.get("outcome", ""))
        known = outcome in Outcome.__members__.values()
        return cls(
            nodeid=str(row.get("nodeid", "")),
            checkpoints=tuple(row.get("checkpoints", ())),
            title=str(row.get("title", "")),
            outcome=Outcome(outcome) if known else Outcome.NOT_RUN,
            reason=str(row.get("reason", "")),
            facts=tuple((k, v) for k, v in row.items() if k not in (*_OWN_KEYS, *_FINDING_KEYS)),
            recorded=tuple((k, row[k]) for k in _FINDING_KEYS if k in row),
        )
