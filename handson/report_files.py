"""The report's own files in a run's results folder, beside each scenario's results: the
environment panel instructors read first (target, region, account masked, run, permissions
boundaries, versions), the categories in the run's language, and the checkpoint tally that
names the report."""

from __future__ import annotations

import json
import re
import tomllib
from importlib import metadata
from pathlib import Path

from handson import SUITE
from handson.discovered_files import boundary_policy
from handson.i18n import language, listed, t, word
from handson.names import ACCOUNT_IN_TEXT
from handson.policies import PolicySet
from handson.report import Tally
from handson.results import CATEGORIES
from handson.secrets import redact


def mask_account(account_id: str | None) -> str:
    return f"********{account_id[-4:]}" if account_id and len(account_id) >= 4 else "n/a"


def _masked(account: re.Match[str]) -> str:
    return mask_account(account.group())


def _installed(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def suite_version() -> str:
    """The suite's version: as installed, else as the checkout's pyproject.toml gives it (the
    checklist installs only what the suite needs, not the suite itself)."""
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    return _installed(SUITE) or str(
        tomllib.loads(pyproject.read_text("utf-8"))["project"]["version"]
    )


def environment(
    target: str,
    region: str,
    run: str,
    account_id: str | None,
    emulated: str | None = None,
    boundary: str = "",
) -> dict[str, str]:
    """The report's environment panel, named in the run's language: the target, the region, the
    account (masked to its last four digits; ``emulated``, the account an emulator answered as,
    in full), the run's ID, the permissions boundaries where the run gave any, and the versions
    it ran with (package names as they are)."""
    # Here, not at the top: the registry loads every target module on first use.
    from handson.targets.registry import kind_named

    def version(package: str) -> str:
        return _installed(package) or t("env.not_installed")

    emulated = emulated or kind_named(target).account
    if account_id:
        account = mask_account(account_id)
    elif emulated:
        account = t("env.account_emulated", account=emulated)
    else:
        account = t("env.account_unread")
    return {
        t("env.target"): word("target", target),
        t("env.region"): region,
        t("env.account"): account,
        t("env.run"): run,
        t("env.suite"): f"{SUITE} {suite_version()}",
        # A boundary's ARN names its account: masked as the account is.
        **({t("env.boundary"): ACCOUNT_IN_TEXT.sub(_masked, boundary)} if boundary else {}),
        "boto3": version("boto3"),
        "moto": version("moto"),
        "awscli": version("awscli"),
    }


# What the HTML report shows first (allurerc.mjs reads it from the results folder): the run's
# checkpoint counts, in the run's language, rather than a share of scenario rows.
REPORT_SUMMARY_FILE = "handson-checkpoints.json"


def write_report_files(alluredir: Path, env: dict[str, str], counted: Tally | None = None) -> None:
    alluredir.mkdir(parents=True, exist_ok=True)
    lines = [f"{key}={value}" for key, value in env.items()]
    (alluredir / "environment.properties").write_text(redact("\n".join(lines)) + "\n", "utf-8")
    # The categories under their names in the run's language; what sorts a failure into one
    # (its statuses and message pattern) stays as it is.
    named = [{**c, "name": t(f"category.{c['name']}")} for c in CATEGORIES]
    (alluredir / "categories.json").write_text(
        json.dumps(named, ensure_ascii=False, indent=2), "utf-8"
    )
    if counted is not None:
        summary = {
            "language": language(),
            "title": counted.line(),
            "passed": list(counted.passed),
            "failed": list(counted.failed),
            "undecided": list(counted.undecided),
        }
        (alluredir / REPORT_SUMMARY_FILE).write_text(
            json.dumps(summary, ensure_ascii=False, indent=2), "utf-8"
        )


def boundaries_in_words(policies: PolicySet, arn: str | None) -> str:
    """The permissions boundaries the run gives its user and role, for the report's environment
    panel ("" where none, as the hands-on): a run decided with one is not the hands-on's."""
    if arn:
        return t("env.boundary_both", boundary=arn)
    return listed(
        [
            t(_OF[side], boundary=boundary_policy(policies, side, str).name)
            for side, _ in policies.boundaries
        ]
    )


_OF = {"user": "env.boundary_of_user", "role": "env.boundary_of_role"}
