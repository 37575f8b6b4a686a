"""The nightly workflow and the sandbox bootstrap template: valid, and saying what they must."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts import check_steps as check
from scripts import checklist_steps as checklist

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "nightly.yml"
TEMPLATE = ROOT / "ci" / "sandbox-bootstrap.yaml"


def workflow() -> dict[Any, Any]:
    return yaml.safe_load(WORKFLOW.read_text("utf-8"))


@pytest.mark.parametrize(
    "path", [TEMPLATE, ROOT / "ci" / "grading-role.yaml"], ids=lambda p: p.name
)
def test_template_passes_cfn_lint(path: Path) -> None:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    done = subprocess.run([str(cfn_lint), str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_workflow_is_scheduled_and_manual() -> None:
    triggers = workflow()[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["schedule"][0]["cron"]
    assert "workflow_dispatch" in triggers


def test_workflow_uses_oidc_not_long_lived_keys() -> None:
    flow = workflow()
    assert flow["permissions"] == {}  # each job names its own
    assert flow["jobs"]["hands-on"]["permissions"] == {"id-token": "write", "contents": "read"}
    text = WORKFLOW.read_text("utf-8")
    assert "aws-access-key-id" not in text and "secrets.AWS" not in text
    steps = flow["jobs"]["hands-on"]["steps"]
    credentials = next(s for s in steps if "configure-aws-credentials" in s.get("uses", ""))
    assert "role-to-assume" in credentials["with"]


def test_workflow_runs_the_suite_uploads_and_sweeps() -> None:
    steps = workflow()["jobs"]["hands-on"]["steps"]
    runs = [s.get("run", "") for s in steps]
    assert any(
        "pip install -r requirements.txt && pip install --no-deps -r requirements-engine.txt" in r
        for r in runs
    )
    suite = next(i for i, r in enumerate(runs) if "pytest features/ --target aws" in r)
    upload = next(i for i, s in enumerate(steps) if "upload-artifact" in s.get("uses", ""))
    sweep = next(i for i, r in enumerate(runs) if "python -m handson.sweep --delete" in r)
    report = next(i for i, r in enumerate(runs) if "npm run report:single-file" in r)
    assert suite < report < upload < sweep
    assert all(steps[i]["if"] == "always()" for i in (report, upload, sweep))
    assert steps[upload]["with"]["path"] == "reports/"  # results and the single-file HTML


def template() -> dict[str, Any]:
    class Loader(yaml.SafeLoader):
        pass

    def tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_mapping(node)  # type: ignore[arg-type]

    Loader.add_multi_constructor("!", tag)
    return yaml.load(TEMPLATE.read_text("utf-8"), Loader=Loader)


def statements() -> dict[str, dict[str, Any]]:
    role = template()["Resources"]["NightlyRole"]["Properties"]
    return {s["Sid"]: s for s in role["Policies"][0]["PolicyDocument"]["Statement"]}


def test_role_trusts_only_the_repository_branch_through_oidc() -> None:
    trust = template()["Resources"]["NightlyRole"]["Properties"]["AssumeRolePolicyDocument"]
    (statement,) = trust["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    condition = statement["Condition"]["StringEquals"]
    assert condition["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    assert "ref:refs/heads/" in condition["token.actions.githubusercontent.com:sub"]


def test_role_cannot_make_a_principal_stronger_than_the_hands_on() -> None:
    found = statements()
    for sid in ("UsersOnlyWithTheBoundary", "RolesOnlyWithTheBoundary"):
        assert "iam:PermissionsBoundary" in found[sid]["Condition"]["StringEquals"]
    attach = found["AttachOnlyTheHandsOnsPolicies"]["Condition"]["ArnLike"]["iam:PolicyARN"]
    assert all("handson-iam-" in arn or "AmazonSSMManagedInstanceCore" in arn for arn in attach)
    every_action = [
        a
        for s in found.values()
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    ]
    assert not any(a.endswith(":*") or a == "*" for a in every_action)
    assert "iam:PutUserPolicy" not in every_action and "iam:PutRolePolicy" not in every_action
    assert (
        found["PassOnlyTheSuitesRoleToEc2"]["Condition"]["StringEquals"]["iam:PassedToService"]
        == "ec2.amazonaws.com"
    )
    boundary = template()["Resources"]["HandsonBoundary"]["Properties"]["PolicyDocument"]
    allowed = boundary["Statement"][0]["Action"]
    assert not any(a.startswith("iam:") for a in allowed)
    assert "ec2:RunInstances" not in allowed and "ec2:StopInstances" not in allowed


def test_role_may_simulate_only_the_suites_user_and_role() -> None:
    (simulating,) = [
        s for s in statements().values() if "iam:SimulatePrincipalPolicy" in str(s["Action"])
    ]
    assert simulating["Action"] == "iam:SimulatePrincipalPolicy"
    assert simulating["Resource"] == [
        "arn:${AWS::Partition}:iam::${AWS::AccountId}:user/handson-iam-user-*",
        "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/handson-iam-role-*",
    ]
    assert "Condition" not in simulating


def test_role_keeps_run_records_only_under_the_suites_path() -> None:
    records = statements()["TheSuitesRunRecords"]
    assert "ssm:PutParameter" in records["Action"] and "ssm:DeleteParameter" in records["Action"]
    assert records["Resource"] and all(
        ":parameter/handson-iam-acceptance" in resource for resource in records["Resource"]
    )
    assert not any(
        "ssm:PutParameter" in str(s["Action"])
        for sid, s in statements().items()
        if sid != "TheSuitesRunRecords"
    )


def test_users_install_only_what_runs_the_suite() -> None:
    root = Path(__file__).resolve().parents[2]

    def pinned(name: str) -> set[str]:
        lines = (root / name).read_text("utf-8").splitlines()
        return {line.split("==")[0].split("[")[0] for line in lines if "==" in line}

    for_tests = {"ruff", "pytest-xdist", "cfn-lint", "PyYAML", "playwright"}
    for_tests |= {"check-jsonschema", "zizmor", "mypy"}
    assert pinned("requirements.txt") & for_tests == set()
    assert for_tests <= pinned("requirements-dev.txt")
    assert "-r requirements.txt" in (root / "requirements-dev.txt").read_text("utf-8")
    # The checklist's install is the README's; the tests' comes after it (scripts/check.py).
    assert [i.pip_args for i in checklist.CHECKLIST] == [
        ("-r", "requirements.txt"),
        ("--no-deps", "-r", "requirements-engine.txt"),
    ]
    assert [i.pip_args for i in checklist.TESTS] == [("-r", "requirements-dev.txt")]
    # The contributors' commands moved from the README to docs/testing.md (issue 17): the
    # README is the learner's page now, and scripts/check.py (.ci/run) follows both.
    assert "pip install -r requirements-dev.txt" in (root / "docs" / "testing.md").read_text(
        "utf-8"
    )


GRADE_CLASS = ROOT / ".github" / "workflows" / "grade-class.yml"


def grade_class() -> dict[Any, Any]:
    return yaml.safe_load(GRADE_CLASS.read_text("utf-8"))


def test_grade_class_is_manual_and_uses_oidc_roles_only() -> None:
    flow = grade_class()
    assert "accounts" in flow[True]["workflow_dispatch"]["inputs"]
    assert flow["permissions"] == {"contents": "read"}
    assert flow["jobs"]["grade"]["permissions"] == {"id-token": "write", "contents": "read"}
    text = GRADE_CLASS.read_text("utf-8")
    assert "aws-access-key-id" not in text and "secrets." not in text
    steps = flow["jobs"]["grade"]["steps"]
    credentials = next(s for s in steps if "configure-aws-credentials" in s.get("uses", ""))
    assert credentials["with"]["role-to-assume"] == "${{ matrix.account }}"


def test_grade_class_spreads_learners_over_jobs_then_makes_one_table() -> None:
    jobs = grade_class()["jobs"]
    rows = next(s for s in jobs["learners"]["steps"] if s.get("id") == "rows")
    assert 'python -m handson.grade --accounts "$ACCOUNTS" --matrix' in rows["run"]
    matrix = jobs["grade"]["strategy"]
    assert matrix["matrix"] == "${{ fromJSON(needs.learners.outputs.matrix) }}"
    assert matrix["fail-fast"] is False
    runs = [s.get("run", "") for s in jobs["grade"]["steps"]]
    assert any('--only "$LABEL" --out graded' in r for r in runs)
    upload = next(s for s in jobs["grade"]["steps"] if "upload-artifact" in s.get("uses", ""))
    assert upload["if"] == "always()" and upload["with"]["path"] == "graded/${{ matrix.label }}/"
    table = jobs["table"]
    assert table["needs"] == "grade" and table["if"] == "always()"
    assert any("--table-from graded" in s.get("run", "") for s in table["steps"])
    for job in jobs.values():
        installs = [s.get("run", "") for s in job["steps"] if s.get("name") == "Install"]
        assert installs == [
            "python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements.txt"
            " && pip install --no-deps -r requirements-engine.txt"
        ]
    # Matrix values reach the shell through the environment, never pasted into a script.
    assert all("${{" not in s.get("run", "") for j in jobs.values() for s in j["steps"])


def test_the_matrix_is_what_the_workflow_reads(tmp_path: Path) -> None:
    roster = tmp_path / "class.csv"
    roster.write_text(
        "account,account_id,label\narn:aws:iam::111122223333:role/grade,111122223333,hanako\n"
    )

    def matrix() -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "handson.grade", f"--accounts={roster}", "--matrix"]
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)

    done = matrix()
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)["include"]
    assert row["label"] == "hanako" and row["account"].endswith(":role/grade")
    roster.write_text("account,account_id,label\nmy-profile,111122223333,hanako\n")
    refused = matrix()
    assert refused.returncode == 4 and "hanako" in refused.stderr


OS_MATRIX = ROOT / ".github" / "workflows" / "os-matrix.yml"
ODD_FOLDER = "山田 の作業"
# The README's Linux and macOS quick start, and the same four steps in Windows PowerShell.
WINDOWS_FOR = {
    "python3 -m venv .venv": "py -m venv .venv",
    ". .venv/bin/activate": r".venv\Scripts\Activate.ps1",
}
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
# Each action at a full commit of its own repository, the tag it carries in a comment (read from
# the action's git mirror: git rev-parse <tag>^{commit}).
PINNED = {
    "actions/checkout": ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "actions/setup-python": ("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "actions/upload-artifact": ("bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"),
    "actions/download-artifact": ("3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1"),
    "actions/setup-node": ("820762786026740c76f36085b0efc47a31fe5020", "v7.0.0"),
    "aws-actions/configure-aws-credentials": ("e6de054238d6b7531b4efff3b6587d9aade6a06c", "v6.2.3"),
}


def os_matrix() -> dict[Any, Any]:
    return yaml.safe_load(OS_MATRIX.read_text("utf-8"))


def readme_install() -> list[str]:
    """The README's quick-start install line, one command a step."""
    readme = (ROOT / "README.md").read_text("utf-8").splitlines()
    (line,) = [x for x in readme if x.startswith("python3 -m venv .venv && ")]
    return line.split(" && ")


def readme_windows_install() -> list[str]:
    """The same steps in PowerShell, as every README's PowerShell block shows them."""
    expected = [WINDOWS_FOR.get(step, step) for step in readme_install()]
    blocks = [
        block.split("```", 1)[0]
        for name in ("README.md", "README.ja.md")
        for block in (ROOT / name).read_text("utf-8").split("```powershell")[1:]
    ]
    assert blocks  # README.ja.md's quick start has one
    for block in blocks:
        commands = [c.strip() for line in block.splitlines() for c in line.split(";")]
        assert [c for c in commands if c in expected] == expected, block
        assert "pytest features/" in commands, block
    return expected


def run_lines(step: dict[str, Any]) -> list[str]:
    lines = [x.strip() for x in step.get("run", "").splitlines() if x.strip()]
    return [x for x in lines if x != "$PSNativeCommandUseErrorActionPreference = $true"]


def test_os_matrix_runs_on_every_push_and_pull_request_read_only() -> None:
    flow = os_matrix()
    assert set(flow[True]) == {"push", "pull_request"}
    assert flow["permissions"] == {"contents": "read"}
    assert flow["concurrency"]["group"]
    for job in flow["jobs"].values():
        assert "permissions" not in job
        assert 0 < job["timeout-minutes"] <= 60
        assert job["strategy"]["fail-fast"] is False
        assert job["env"]["PY_PYTHON"] == "${{ matrix.python }}"  # Windows' `py` takes it
        steps = job["steps"]
        assert steps[0]["uses"].startswith("actions/checkout@")
        assert steps[0]["with"]["persist-credentials"] is False


def test_os_matrix_covers_three_systems_and_the_oldest_and_newest_python() -> None:
    jobs = os_matrix()["jobs"]
    systems = {"windows-latest", "macos-latest", "ubuntu-latest"}
    for job in jobs.values():
        assert job["runs-on"] == "${{ matrix.os }}"
        assert set(job["strategy"]["matrix"]["os"]) == systems
    # The oldest the README names, one between, and the newest a learner downloads today.
    assert jobs["checklist"]["strategy"]["matrix"]["python"] == ["3.11", "3.13", "3.15"]
    assert jobs["odd-path"]["strategy"]["matrix"]["python"] == ["3.13"]


def test_os_matrix_installs_and_runs_as_the_readme_says() -> None:
    for job in os_matrix()["jobs"].values():
        steps = job["steps"]
        unix = [s for s in steps if s.get("if") == "runner.os != 'Windows'"]
        windows = [s for s in steps if s.get("if") == "runner.os == 'Windows'"]
        assert all(s["shell"] == "bash" for s in unix)
        assert all(s["shell"] == "pwsh" for s in windows)
        assert [s["run"] for s in unix] == [
            " && ".join(readme_install()),
            ". .venv/bin/activate && pytest features/",
        ]
        install, activate = readme_windows_install(), WINDOWS_FOR[". .venv/bin/activate"]
        assert [run_lines(s) for s in windows] == [install, [activate, "pytest features/"]]
        assert all(
            s["run"].startswith("$PSNativeCommandUseErrorActionPreference = $true\n")
            for s in windows
        )  # a failing pip stops the step
        assert all("${{" not in s.get("run", "") for s in steps)
        upload = steps[-1]
        assert upload["uses"].startswith("actions/upload-artifact@")
        assert upload["if"] == "always()"
        assert upload["with"]["path"].endswith("reports/")


def test_os_matrix_runs_once_from_a_path_with_a_space_and_japanese() -> None:
    job = os_matrix()["jobs"]["odd-path"]
    assert " " in ODD_FOLDER and not ODD_FOLDER.isascii()
    assert job["steps"][0]["with"]["path"] == ODD_FOLDER
    assert job["defaults"]["run"]["working-directory"] == ODD_FOLDER
    assert job["steps"][-1]["with"]["path"] == f"{ODD_FOLDER}/reports/"
    assert ODD_FOLDER in "".join(s.get("run", "") for s in job["steps"])  # checked, not assumed


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit(path: Path) -> None:
    uses = [
        line.split("uses:", 1)[1].strip()
        for line in path.read_text("utf-8").splitlines()
        if line.strip().startswith(("uses:", "- uses:"))
    ]
    assert uses
    for use in uses:
        action, _, rest = use.partition("@")
        sha, tag = PINNED[action]
        assert rest == f"{sha}  # {tag}", use


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_checkout_keeps_the_token_and_only_aws_jobs_get_an_id_token(path: Path) -> None:
    flow = yaml.safe_load(path.read_text("utf-8"))
    assert "id-token" not in (flow.get("permissions") or {})
    for name, job in flow["jobs"].items():
        uses = [s.get("uses", "") for s in job["steps"]]
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, name
        assumes_a_role = any("configure-aws-credentials" in u for u in uses)
        assert ((job.get("permissions") or {}).get("id-token") == "write") is assumes_a_role, name


def test_the_workflows_pass_the_schema_and_zizmor_offline() -> None:
    bin_dir = Path(sys.executable).parent
    for command in (
        [bin_dir / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *WORKFLOWS],
        [bin_dir / "zizmor", "--offline", ROOT / ".github" / "workflows"],
    ):
        done = subprocess.run(
            [str(c) for c in command], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stdout + done.stderr
    ci = [" ".join([Path(c[0]).stem, *c[1:]]) for c in check.checks(Path(sys.executable))]
    assert "zizmor --offline .github/workflows" in ci
    assert any(
        c.startswith("check-jsonschema --builtin-schema vendor.github-workflows ") for c in ci
    )


def test_ci_is_the_readmes_second_command() -> None:
    """.ci/run is scripts/check.py, as the README's first lines give it: they cannot drift."""
    lines = (ROOT / ".ci" / "run").read_text("utf-8").splitlines()
    commands = [line for line in lines if line and not line.startswith("#")]
    assert commands == [
        "set -euo pipefail",
        'cd "$(dirname "$0")/.."',
        "HANDSON_REQUIRE_BROWSER=1 exec python3 scripts/check.py --fresh",
    ]
    top = (ROOT / "README.md").read_text("utf-8").split("\n## ", 1)[0]
    assert "python3 scripts/checklist.py" in top and "python3 scripts/check.py" in top
