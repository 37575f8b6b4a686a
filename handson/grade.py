"""Grade a class: every learner's hand-built environment, each with ``--target existing``.

    python -m handson.grade --accounts class.csv [--parallel 2] [--out reports/class]

``class.csv`` has a header and one row per learner:

- ``account``: an AWS profile name, or the ARN of a role to assume in the learner's account;
- ``account_id``: the learner's 12-digit account ID: the only account that row may read (the
  account guard of ``--target existing``, one account per row);
- ``label`` (optional): how the learner is named in the table (default: the account);
- ``name`` (optional): the learner's ``<自分の名前>``, when their account holds several pairs;
- ``endpoint_url`` (optional): an AWS-compatible endpoint instead of AWS (the suite's tests).

Each learner gets a folder of their own under ``--out`` (allure results, ``checkpoints.json``,
the run's output); the class table (learner x checkpoint: passed / failed / not decided) is shown
in the terminal and written as ``class.csv`` and ``class.html``. ``--matrix`` prints the rows as a
GitHub Actions job matrix instead (grade-class.yml), and ``--table-from DIR`` builds the table
from folders graded elsewhere. Nothing is written to a learner's account: the grading is
read-only (handson/targets/existing.py).
"""

from __future__ import annotations

import argparse
import csv
import html
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from handson.catalogue import CATALOGUE
from handson.errors import SuiteUsageError
from handson.i18n import display_width, language, set_language, t
from handson.names import validate_name
from handson.report import tally, why_it_stopped
from handson.secrets import redact, register_host_secrets, register_secret
from handson.settings import language_of

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ("account", "account_id", "label", "name", "endpoint_url")
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/[\w+=,.@/-]+$")
PROFILE = re.compile(r"^[\w+=,.@-]{1,64}$")
LABEL = re.compile(r"^[\w.@-]{1,64}$")
STATUSES = ("passed", "failed", "not decided")
GRADED_EXITS = (0, 1, 6)  # the run decided what it could: passed, failed, or some not decided


@dataclass(frozen=True)
class Learner:
    account: str  # a profile name or a role ARN
    account_id: str
    label: str
    name: str | None = None
    endpoint_url: str | None = None

    @property
    def role_arn(self) -> str | None:
        return self.account if self.account.startswith("arn:") else None


@dataclass
class Graded:
    """One learner's result: each checkpoint's status, and why a run decided nothing."""

    learner: Learner
    exit_code: int
    statuses: dict[str, str] = field(default_factory=dict)  # checkpoint -> one of STATUSES
    reason: str = ""
    folder: Path | None = None


def read_class(path: Path) -> list[Learner]:
    """The class's rows, each checked; a one-line error for the first bad one."""
    try:
        text = path.read_text("utf-8-sig")
    except OSError as exc:
        raise SuiteUsageError(t("class.unreadable", path=path, error=exc.strerror)) from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in ("account", "account_id") if c not in (reader.fieldnames or [])]
    unknown = [c for c in reader.fieldnames or [] if c not in COLUMNS]
    if missing or unknown:
        raise SuiteUsageError(
            t(
                "class.columns",
                path=path,
                columns=", ".join(COLUMNS),
                wrong=", ".join(missing or unknown),
            )
        )
    learners: list[Learner] = []
    for line, row in enumerate(reader, start=2):
        learners.append(_learner(path, line, {k: (v or "").strip() for k, v in row.items()}))
    if not learners:
        raise SuiteUsageError(t("class.empty", path=path))
    labels = [learner.label for learner in learners]
    twice = sorted({label for label in labels if labels.count(label) > 1})
    if twice:
        raise SuiteUsageError(t("class.twice", path=path, labels=", ".join(twice)))
    return learners


def _learner(path: Path, line: int, row: dict[str, str]) -> Learner:
    where = f"{path}:{line}"
    account, account_id = row.get("account", ""), row.get("account_id", "")
    if not (ROLE_ARN.match(account) or PROFILE.match(account)):
        raise SuiteUsageError(t("class.account", where=where, value=repr(account)))
    if not re.fullmatch(r"\d{12}", account_id):
        raise SuiteUsageError(t("class.account_id", where=where, value=repr(account_id)))
    arn = ROLE_ARN.match(account)
    if arn and arn[1] != account_id:
        raise SuiteUsageError(t("class.role_account", where=where, arn=account, id=account_id))
    label = row.get("label") or account.rsplit("/", 1)[-1]
    if not LABEL.match(label):
        raise SuiteUsageError(t("class.label", where=where, value=repr(label)))
    name = row.get("name") or None
    if name:
        validate_name(name, where=f"{where} name {name!r}")
    endpoint = row.get("endpoint_url") or None
    if endpoint and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", endpoint):
        raise SuiteUsageError(t("opt.endpoint", value=repr(endpoint)))
    return Learner(account, account_id, label, name, endpoint)


def learner_env(
    learner: Learner, base: dict[str, str], assume: Callable[..., Any] | None
) -> dict[str, str]:
    """The environment of one learner's run: their profile, or the role's temporary keys; with
    ``assume`` None, the credentials as they are (a job that already assumed the role).

    The grader's own keys never reach a learner's run through a profile row: the profile alone
    names the credentials."""
    env = {k: v for k, v in base.items() if not k.startswith("HANDSON_") or k == "HANDSON_LANG"}
    if assume is None:
        return env
    if learner.role_arn is None:
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            env.pop(key, None)
        env["AWS_PROFILE"] = learner.account
        return env
    credentials = assume(
        RoleArn=learner.role_arn, RoleSessionName=f"handson-grade-{learner.label}"[:64]
    )["Credentials"]
    register_secret(credentials["SecretAccessKey"])  # never in a table, a file or the terminal
    register_secret(credentials["SessionToken"])
    env.pop("AWS_PROFILE", None)
    env.update(
        AWS_ACCESS_KEY_ID=credentials["AccessKeyId"],
        AWS_SECRET_ACCESS_KEY=credentials["SecretAccessKey"],
        AWS_SESSION_TOKEN=credentials["SessionToken"],
    )
    return env


def suite_command(learner: Learner, folder: Path, region: str | None) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "features/",
        "-p",
        "no:cacheprovider",
        "--target=existing",
        f"--allowed-account={learner.account_id}",
        f"--alluredir={folder / 'allure-results'}",
        f"--checkpoints-json={folder / 'checkpoints.json'}",
    ]
    if learner.name:
        command.append(f"--name={learner.name}")
    if learner.endpoint_url:
        command.append(f"--endpoint-url={learner.endpoint_url}")
    if region:
        command.append(f"--region={region}")
    return command


def grade_one(learner: Learner, out: Path, env: dict[str, str], region: str | None) -> Graded:
    folder = out / learner.label
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        suite_command(learner, folder, region),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=1800,
    )
    (folder / "output.txt").write_text(redact(done.stdout + done.stderr), "utf-8")
    (folder / "exit_code").write_text(f"{done.returncode}\n", "utf-8")
    return read_graded(learner, folder, done.returncode, done.stderr)


def read_graded(learner: Learner, folder: Path, exit_code: int, stderr: str = "") -> Graded:
    """A learner's statuses from their ``checkpoints.json``; a run that decided nothing says why."""
    graded = Graded(learner, exit_code, folder=folder)
    path = folder / "checkpoints.json"
    entries = json.loads(path.read_text("utf-8")).get("checkpoints", []) if path.exists() else []
    counted = tally(entries)
    for status, ids in zip(
        STATUSES, (counted.passed, counted.failed, counted.undecided), strict=True
    ):
        graded.statuses.update(dict.fromkeys(ids, status))
    if not entries:
        graded.reason = why_it_stopped(stderr) or t("class.no_result", code=exit_code)
    return graded


# -- the class table ---------------------------------------------------------------------------


def _cell(status: str | None) -> str:
    return t(f"class.status.{status}") if status else t("class.status.not decided")


def table_lines(graded: list[Graded]) -> list[str]:
    """The class table for the terminal: one row per learner, one column per checkpoint."""
    ids = list(CATALOGUE)
    header = [t("class.learner"), *ids]
    rows = [[g.learner.label, *(_cell(g.statuses.get(i)) for i in ids)] for g in graded]
    widths = [max(display_width(r[c]) for r in [header, *rows]) for c in range(len(header))]
    lines = []
    for row, g in zip([header, *rows], [None, *graded], strict=True):
        cells = [c + " " * (w - display_width(c)) for c, w in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
        if g is not None and g.reason:
            lines.append("    " + g.reason)
    lines.append(t("class.summary", **_counts(graded)))
    return lines


def _counts(graded: list[Graded]) -> dict[str, int]:
    full = sum(1 for g in graded if _all_passed(g))
    failed = sum(1 for g in graded if "failed" in g.statuses.values())
    return {
        "learners": len(graded),
        "full": full,
        "failed": failed,
        "other": len(graded) - full - failed,
    }


def _all_passed(graded: Graded) -> bool:
    return all(graded.statuses.get(i) == "passed" for i in CATALOGUE)


def write_csv(graded: list[Graded], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["learner", "account_id", *CATALOGUE, "exit_code", "reason"])
        for g in graded:
            statuses = [g.statuses.get(i, "not decided") for i in CATALOGUE]
            writer.writerow(
                [g.learner.label, g.learner.account_id, *statuses, g.exit_code, g.reason]
            )


_COLOURS = {"passed": "#d9f2d9", "failed": "#f8d0d0", "not decided": "#eeeeee"}


def write_html(graded: list[Graded], path: Path, when: str) -> None:
    """One static page: the table, each cell coloured, each learner linking to their results."""
    ids = list(CATALOGUE)
    head = "".join(f"<th title='{html.escape(t(f'checkpoint.{i}'))}'>{i}</th>" for i in ids)
    body = []
    for g in graded:
        cells = []
        for i in ids:
            status = g.statuses.get(i, "not decided")
            cells.append(
                f"<td class='{status.replace(' ', '-')}' style='background:{_COLOURS[status]}'>"
                f"{html.escape(_cell(status))}</td>"
            )
        label = html.escape(g.learner.label)
        link = f"<a href='{html.escape(g.learner.label)}/checkpoints.json'>{label}</a>"
        reason = f"<td>{html.escape(g.reason)}</td>"
        body.append(f"<tr><th scope='row'>{link}</th>{''.join(cells)}{reason}</tr>")
    title = html.escape(t("class.title"))
    page = (
        f"<!doctype html><html lang='{language()}'><head><meta charset='utf-8'>"
        f"<title>{title}</title><style>table{{border-collapse:collapse}}"
        "td,th{border:1px solid #999;padding:2px 6px;text-align:center}</style></head><body>"
        f"<h1>{title}</h1><p>{html.escape(t('class.summary', **_counts(graded)))} ({when})</p>"
        f"<table><thead><tr><th>{html.escape(t('class.learner'))}</th>{head}"
        f"<th>{html.escape(t('class.reason'))}</th></tr></thead><tbody>{''.join(body)}</tbody>"
        "</table></body></html>\n"
    )
    path.write_text(redact(page), "utf-8")


# -- the command -------------------------------------------------------------------------------


def grade_class(
    learners: list[Learner],
    out: Path,
    parallel: int,
    region: str | None,
    base: dict[str, str],
    ambient: bool = False,
) -> list[Graded]:
    """Every learner in turn, at most ``parallel`` at once; in the CSV's order. ``ambient``: with
    the credentials as they are, for one learner whose role the job already assumed."""
    import boto3

    def one(learner: Learner) -> Graded:
        sts = boto3.session.Session().client("sts", endpoint_url=learner.endpoint_url)
        try:
            env = learner_env(learner, base, None if ambient else sts.assume_role)
        except Exception as exc:  # noqa: BLE001 - one learner's refusal is their row's reason
            reason = t("class.assume_failed", role=learner.role_arn, error=type(exc).__name__)
            return Graded(learner, 4, reason=reason)
        return grade_one(learner, out, env, region)

    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        return list(pool.map(one, learners))


def exit_code(graded: list[Graded]) -> int:
    """1 if any learner failed a checkpoint; 6 if any checkpoint was not decided; else 0."""
    if any("failed" in g.statuses.values() for g in graded):
        return 1
    if any(not _all_passed(g) for g in graded):
        return 6
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m handson.grade", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--accounts", type=Path, required=True, help="the class's CSV")
    parser.add_argument("--parallel", type=int, default=2, help="learners graded at once (2)")
    parser.add_argument("--out", type=Path, help="folder for the results (reports/class-<time>)")
    parser.add_argument("--region", default=os.environ.get("HANDSON_REGION"))
    parser.add_argument("--matrix", action="store_true", help="print a GitHub Actions matrix")
    parser.add_argument("--table-from", type=Path, help="build the table from graded folders")
    parser.add_argument(
        "--only", help="grade this label's row alone, with the credentials as they are"
    )
    args = parser.parse_args(argv)
    register_host_secrets()
    try:
        set_language(language_of({}, dict(os.environ)))
        learners = read_class(args.accounts)
        if not 1 <= args.parallel <= 16:
            raise SuiteUsageError(t("class.parallel", value=args.parallel))
        if args.only:
            learners = [x for x in learners if x.label == args.only]
            if not learners:
                raise SuiteUsageError(t("class.no_label", path=args.accounts, label=args.only))
        if args.matrix:
            profiles = [x.label for x in learners if x.role_arn is None]
            if profiles:
                raise SuiteUsageError(t("class.matrix_roles", labels=", ".join(profiles)))
    except SuiteUsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 4
    if args.matrix:
        include = [
            {
                "label": x.label,
                "account": x.account,
                "account_id": x.account_id,
                "name": x.name or "",
            }
            for x in learners
        ]
        print(json.dumps({"include": include}))
        return 0
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if args.table_from:
        out = args.table_from
        graded = [_read_folder(x, out / x.label) for x in learners]
    else:
        out = args.out or ROOT / "reports" / f"class-{datetime.now(UTC):%Y%m%d-%H%M%S}"
        out.mkdir(parents=True, exist_ok=True)
        base = dict(os.environ)
        graded = grade_class(learners, out, args.parallel, args.region, base, bool(args.only))
    for line in table_lines(graded):
        print(line)
    write_csv(graded, out / "class.csv")
    write_html(graded, out / "class.html", when)
    print(t("class.written", csv=out / "class.csv", html=out / "class.html"))
    return exit_code(graded)


def _read_folder(learner: Learner, folder: Path) -> Graded:
    """A learner graded by another job (grade-class.yml): its folder, or why there is none."""
    if not (folder / "checkpoints.json").exists():
        return Graded(learner, 4, reason=t("class.no_folder", folder=folder))
    output, code = folder / "output.txt", folder / "exit_code"
    exit_code = int(code.read_text("utf-8")) if code.exists() else -1
    return read_graded(
        learner, folder, exit_code, output.read_text("utf-8") if output.exists() else ""
    )


if __name__ == "__main__":
    sys.exit(main())
