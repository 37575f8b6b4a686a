"""What the allure report shows beyond each probe's evidence: labels and links per checkpoint,
the run's environment, and the categories failures are sorted into."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from handson import SUITE
from handson.catalogue import CATALOGUE, EPIC
from handson.findings import CATEGORIES
from handson.secrets import redact

# Allure sorts a result into the first category whose statuses and message pattern match. The
# same file configures Allure 3's HTML report (allurerc.mjs); its patterns are written so that
# Allure 2 (whole-message match) and Allure 3 (search) read them alike. The suite's own matrix
# and checkpoints.json take the category from the check's finding (handson/findings.py).

# A scenario's outcome when it has no verdict of its own (fixtures/checkpoints.py).
NOT_RUN = "not run"
INTERRUPTED = "interrupted"
UNDECIDED = frozenset({"skipped", NOT_RUN, INTERRUPTED})


def labels(checkpoint_id: str, scenario: str) -> dict[str, object]:
    """epic, story, severity, the checkpoint ID and documentation links of a scenario."""
    checkpoint = CATALOGUE[checkpoint_id]
    return {
        "epic": EPIC,
        "story": f"{checkpoint_id}: {scenario}",
        "severity": checkpoint.severity,
        "checkpoint": checkpoint_id,
        "links": list(checkpoint.docs),
    }


def mask_account(account_id: str | None) -> str:
    return f"********{account_id[-4:]}" if account_id and len(account_id) >= 4 else "n/a"


def environment(target: str, region: str, run: str, account_id: str | None) -> dict[str, str]:
    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {
        "target": target,
        "region": region,
        "account": mask_account(account_id) if target == "aws" else "emulator (123456789012)",
        "run": run,
        "suite": f"{SUITE} {version(SUITE) if version(SUITE) != 'not installed' else '0.1.0'}",
        "boto3": version("boto3"),
        "moto": version("moto"),
        "awscli": version("awscli"),
    }


def write_report_files(alluredir: Path, env: dict[str, str]) -> None:
    alluredir.mkdir(parents=True, exist_ok=True)
    lines = [f"{key}={value}" for key, value in env.items()]
    (alluredir / "environment.properties").write_text(redact("\n".join(lines)) + "\n", "utf-8")
    (alluredir / "categories.json").write_text(json.dumps(CATEGORIES, indent=2), "utf-8")


# The run's exit code when every decided checkpoint passed but some were not decided: never 0, so
# that such a run never looks like a full pass (unless --allow-undecided is given).
UNDECIDED_EXIT = 6


@dataclass(frozen=True)
class Tally:
    """The run's checkpoints, each counted once: passed, failed, or not decided."""

    passed: tuple[str, ...]
    failed: tuple[str, ...]
    undecided: tuple[str, ...]

    def line(self) -> str:
        text = (
            f"checkpoints: {len(self.passed)} passed, {len(self.failed)} failed, "
            f"{len(self.undecided)} not decided"
        )
        if self.failed:
            text += f" (failed: {', '.join(self.failed)})"
        if self.undecided:
            text += f" (not decided: {', '.join(self.undecided)}): not a full pass"
        return text


def tally(results: list[dict[str, object]]) -> Tally:
    """A checkpoint failed if any of its scenarios failed or erred; else it is not decided if any
    scenario was skipped, not run or interrupted; else it passed."""
    passed, failed, undecided = [], [], []
    for checkpoint_id in CATALOGUE:
        outcomes = {str(e["outcome"]) for e in results if checkpoint_id in e["checkpoints"]}  # type: ignore[operator]
        if not outcomes:
            continue
        if outcomes & {"failed", "error"}:
            failed.append(checkpoint_id)
        elif outcomes & UNDECIDED:
            undecided.append(checkpoint_id)
        else:
            passed.append(checkpoint_id)
    return Tally(tuple(passed), tuple(failed), tuple(undecided))


def matrix(results: list[dict[str, object]], target: str) -> list[str]:
    """One line per checkpoint: ID, what it checks, expected, observed, where it was decided."""
    rows = []
    for checkpoint_id, checkpoint in CATALOGUE.items():
        entries = [e for e in results if checkpoint_id in e["checkpoints"]]  # type: ignore[operator]
        if not entries:
            continue
        outcomes = {str(e["outcome"]) for e in entries}
        failed = [e for e in entries if e["outcome"] in ("failed", "error")]
        skipped = [e for e in entries if e["outcome"] == "skipped"]
        cut_off = [e for e in entries if e["outcome"] in (NOT_RUN, INTERRUPTED)]
        if failed:
            observed = "FAILED: " + str(failed[0].get("headline") or failed[0]["outcome"])[:40]
        elif cut_off:
            observed = f"not decided: {cut_off[0]['outcome']}"
        elif outcomes == {"skipped"}:
            observed = "not decided"
        elif outcomes & UNDECIDED:
            observed = "partly decided"
        else:
            observed = "as expected"
        if cut_off and not failed:
            where = f"{target}, {len(cut_off)}/{len(entries)} {cut_off[0]['outcome']}"
        elif skipped and not failed:
            where = f"{target}, {len(skipped)}/{len(entries)} skipped: " + _cut(skipped[0])
        else:
            where = target
        rows.append((checkpoint_id, checkpoint.summary, checkpoint.expected, observed, where))
    widths = [max(len(r[i]) for r in rows) for i in range(4)] if rows else [0] * 4
    header = ("ID", "checks", "expected", "observed", "decided on")
    widths = [max(w, len(h)) for w, h in zip(widths, header[:4], strict=True)]
    lines = [
        "  ".join(f"{h:<{w}}" for h, w in zip(header[:4], widths, strict=True)) + "  " + header[4]
    ]
    for row in rows:
        lines.append(
            "  ".join(f"{c:<{w}}" for c, w in zip(row[:4], widths, strict=True)) + "  " + row[4]
        )
    return [redact(line) for line in lines]


def _cut(entry: dict[str, object], width: int = 60) -> str:
    headline = str(entry.get("headline") or entry.get("reason", ""))
    return headline if len(headline) <= width else headline[:width] + "..."
