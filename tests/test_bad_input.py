"""Bad input gets one clear line and a non-zero exit before anything is created."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from types import SimpleNamespace

import pytest

from handson.errors import SuiteUsageError
from handson.policies import ROLE_POLICY_FILE, SEED_DIR, USER_POLICY_FILE
from handson.run_folder import check_outputs
from handson.settings import resolve
from handson.targets.emulator_server import MotoEmulator, free_port
from tests.helpers.estate import snapshot
from tests.helpers.fakes import http_server
from tests.helpers.readme_quotes import quote_problems
from tests.helpers.refusing import refusing_writes
from tests.helpers.suite_runner import ROOT, SuiteRun, run_as_typed, run_suite
from tests.test_aws_guard import as_admin

pytestmark = pytest.mark.slow


def _bad_policies(tmp_path: Path) -> str:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "handson-iam-user-policy.json").write_text('{"Version": "2012-10-17",', "utf-8")
    (folder / "handson-iam-role-policy.json").write_text("{}", "utf-8")
    return str(folder)


def _huge_policies(tmp_path: Path) -> str:
    """A 10 MB user policy: refused before it is read, let alone sent to IAM."""
    folder = tmp_path / "huge"
    shutil.copytree(SEED_DIR, folder)
    statement = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::x/" + "a" * 10_000_000,
    }
    (folder / USER_POLICY_FILE).write_text(
        json.dumps({"Version": "2012-10-17", "Statement": [statement]}), "utf-8"
    )
    return str(folder)


def _long_policies(tmp_path: Path) -> str:
    """Valid JSON, but over the 6,144 characters IAM allows in a managed policy."""
    folder = tmp_path / "long"
    shutil.copytree(SEED_DIR, folder)
    actions = [f"s3:GetObject{i:04d}" for i in range(400)]
    statement = {"Effect": "Allow", "Action": actions, "Resource": "*"}
    (folder / ROLE_POLICY_FILE).write_text(
        json.dumps({"Version": "2012-10-17", "Statement": [statement]}), "utf-8"
    )
    return str(folder)


def _one_role_statement(**statement: object) -> Callable[[Path], str]:
    """The seed's files with a role policy IAM refuses (MalformedPolicyDocument) although it is
    valid JSON: these used to go through to IAM and fail every checkpoint with botocore's words."""

    def make(tmp_path: Path) -> str:
        folder = tmp_path / "refused"
        shutil.copytree(SEED_DIR, folder)
        base = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
        document = {"Version": "2012-10-17", "Statement": [{**base, **statement}]}
        (folder / ROLE_POLICY_FILE).write_text(json.dumps(document), "utf-8")
        return str(folder)

    return make


FOLDERS = {
    "bad": _bad_policies,
    "huge": _huge_policies,
    "long": _long_policies,
    "emptyaction": _one_role_statement(Action=[]),
    "emptyresource": _one_role_statement(Resource=[]),
    "noprefix": _one_role_statement(Action="s3GetObject"),
    "operator": _one_role_statement(Condition={"StringLikes": {"s3:prefix": ["open/*"]}}),
}

NO_SUCH_BOUNDARY = "arn:aws:iam::123456789012:policy/handson-no-such-boundary"
CASES = {
    "bad name": (["--name=Bad_Name"], "--name 'Bad_Name'"),
    "name too long": (["--name=" + "a" * 41], "--name"),
    "malformed policy": (["--policies={bad}"], "handson-iam-user-policy.json: not valid JSON"),
    "missing policy dir": (["--policies={tmp}/nowhere"], "not a directory"),
    "unknown target": (["--target=mars"], "--target 'mars'"),
    "pytest-xdist's workers": (["-n", "2"], "-n (pytest-xdist) cannot run the checkpoints"),
    "a subnet the account does not have": (
        ["--subnet-id=subnet-0123abcd"],
        "--subnet-id subnet-0123abcd: InvalidSubnetID.NotFound",
    ),
    "bad region": (["--region=tokyo"], "--region 'tokyo'"),
    "a region AWS does not have": (["--region=ap-northeast-9"], "AWS has no such region"),
    "empty region": (["--region="], "--region: given empty"),
    "empty name": (["--name="], "--name: given empty"),
    "10 MB policy": (["--policies={huge}"], "too large for a policy file"),
    "policy over IAM's size limit": (["--policies={long}"], "IAM allows 6,144"),
    "empty Action": (["--policies={emptyaction}"], 'statement 1: "Action" is an empty list'),
    "empty Resource": (["--policies={emptyresource}"], 'statement 1: "Resource" is an empty list'),
    "action without its service": (["--policies={noprefix}"], '"s3GetObject", which must be'),
    "unknown condition operator": (["--policies={operator}"], '"StringLikes", which is not a'),
    "a permissions boundary the account does not have": (
        [f"--permissions-boundary={NO_SUCH_BOUNDARY}"],
        f"--permissions-boundary {NO_SUCH_BOUNDARY}: the account has no such managed policy",
    ),
}

# Every problem of every policy file is a line of its own: the user policy is not JSON, the role
# policy ({}) has neither "Version" nor "Statement".
LINES = {"malformed policy": 3}
# The cases given to a whole run. Every case but the boundary's is refused by handson.settings's
# resolve, and the root conftest.py makes each line of its SuiteUsageError an "ERROR: " line of
# pytest's usage error, before anything is created: the same few lines for all, which these
# prove whole (several lines; a name; a region, which is checked against AWS's list). The others
# are resolve's, in as many lines, in test_the_others_are_refused_by_the_same_resolve below. The
# boundary is looked up in the account, after resolve (the target's preflight).
WHOLE = (
    "malformed policy",
    "bad name",
    "a region AWS does not have",
    "a permissions boundary the account does not have",
    "pytest-xdist's workers",  # refused after resolve, as the run's
    "a subnet the account does not have",  # looked up in the account, as the boundary
)


def given(case: str, tmp_path: Path) -> list[str]:
    """The case's options, with the folders it names made in ``tmp_path``."""
    return [
        a.format(
            **{k: make(tmp_path) for k, make in FOLDERS.items() if "{" + k + "}" in a}, tmp=tmp_path
        )
        for a in CASES[case][0]
    ]


@pytest.mark.parametrize("case", WHOLE)
def test_one_line_error_and_nothing_created(
    case: str, tmp_path: Path, test_emulator: MotoEmulator
) -> None:
    args, expected = given(case, tmp_path), CASES[case][1]
    before = snapshot(test_emulator.admin)
    run = run_suite(tmp_path, f"--endpoint-url={test_emulator.endpoint_url}", *args)
    assert run.exit_code == 4, run.describe()  # pytest's usage error
    errors = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(errors) == LINES.get(case, 1), run.stderr
    assert all(line.startswith("ERROR: ") for line in errors), run.stderr
    assert expected in errors[0], errors[0]
    assert "Traceback" not in run.stdout + run.stderr
    assert run.checkpoints == []
    assert snapshot(test_emulator.admin) == before  # nothing created, changed or removed


@pytest.mark.parametrize("case", [case for case in CASES if case not in WHOLE])
def test_the_others_are_refused_by_the_same_resolve(case: str, tmp_path: Path) -> None:
    """What a whole run of the case would say, a line for each of resolve's (the run's lines are
    the whole runs' above)."""
    cli = {}
    for arg in given(case, tmp_path):
        option, _, value = arg.removeprefix("--").partition("=")
        cli[option.replace("-", "_")] = value
    with pytest.raises(SuiteUsageError) as refused:
        resolve(cli, {})
    lines = str(refused.value).splitlines()
    assert len(lines) == LINES.get(case, 1), lines
    assert CASES[case][1] in lines[0], lines


@pytest.mark.parametrize(
    ("args", "japanese"),
    [
        (["--targt=aws"], "エラー: 不明な引数です: --targt=aws（使い方は "),
        (["--target"], "エラー: --target: 値をひとつ指定してください（使い方は "),
    ],
    ids=["a mistyped option", "an option without its value"],
)
def test_a_command_line_pytest_cannot_parse_is_one_japanese_line(
    tmp_path: Path, args: list[str], japanese: str
) -> None:
    """pytest's own refusal (its argparse), in the run's language: Japanese by default."""
    run = run_suite(tmp_path, *args, env={"HANDSON_LANG": None})
    one_line(run, japanese)
    assert "usage" not in run.stderr and "rootdir" not in run.stderr, run.stderr


def test_a_command_line_pytest_cannot_parse_stays_pytest_s_own_in_english(tmp_path: Path) -> None:
    run = run_suite(tmp_path, "--targt=aws")
    assert run.exit_code == 4, run.describe()
    assert "error: unrecognized arguments: --targt=aws" in run.stderr, run.stderr
    assert run.checkpoints == []


@pytest.mark.parametrize(
    ("args", "env", "said", "not_said"),
    [
        (
            [],
            {"HANDSON_LANG": None},
            "どこで実行するか: 'emulator'（既定。オフライン）",
            "where to run",
        ),
        (["--lang=en"], {"HANDSON_LANG": None}, "where to run: 'emulator' (default", "どこで"),
        ([], {"HANDSON_LANG": "en"}, "where to run: 'emulator'", "環境変数"),
    ],
    ids=["japanese by default", "--lang en", "HANDSON_LANG=en"],
)
def test_the_runs_options_are_described_in_its_language(
    tmp_path: Path, args: list[str], env: dict[str, str | None], said: str, not_said: str
) -> None:
    run = run_suite(tmp_path, "--help", *args, env=env)
    assert run.exit_code == 0, run.describe()
    ours = run.stdout.split("handson-iam-acceptance:", 1)[1]
    assert said in ours and not_said not in ours, ours[:1500]
    # Said first, in the same language: where the suite's options are in pytest's long help,
    # and they are there, right after pytest's general options.
    first = run.stdout.splitlines()[0]
    assert first.startswith("handson-iam-acceptance") and not_said not in first, first
    sections = [line for line in run.stdout.splitlines() if line.endswith(":") and line[0] != " "]
    assert sections[sections.index("general:") + 1] == "handson-iam-acceptance:", sections


def test_environment_variables_are_checked_too(tmp_path: Path) -> None:
    """Named as they were set: the learner typed no --name, and looks for HANDSON_NAME."""
    run = run_suite(tmp_path, env={"HANDSON_NAME": "UPPER"})
    assert run.exit_code == 4
    assert run.stderr.strip() == (
        "ERROR: HANDSON_NAME 'UPPER': use only lowercase letters (a-z), digits, hyphens and "
        "periods, starting and ending with a letter or digit (S3 bucket naming rules); 'upper' "
        "would do"
    )


def test_an_option_given_is_named_as_the_option_where_a_variable_is_set_too(
    tmp_path: Path,
) -> None:
    with pytest.raises(SuiteUsageError) as refused:
        resolve({"name": "UPPER"}, {"HANDSON_POLICIES": str(tmp_path / "nowhere")})
    assert str(refused.value).startswith("HANDSON_POLICIES "), refused.value
    with pytest.raises(SuiteUsageError) as refused:
        resolve({"name": "UPPER"}, {"HANDSON_REGION": "ap-northeast-1"})
    assert str(refused.value).startswith("--name 'UPPER'"), refused.value


class _NotAws(BaseHTTPRequestHandler):
    """A web server that is not AWS: every request gets a small HTML page."""

    def _page(self) -> None:
        body = b"<html><body>It works!</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _page

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def not_aws() -> Iterator[str]:
    with http_server(_NotAws) as url:
        yield url


def one_line(run: SuiteRun, expected: str) -> None:
    assert run.exit_code == 4, run.describe()
    errors = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, run.stderr
    assert errors[0].startswith("ERROR: ") and expected in errors[0], errors[0]
    assert "Traceback" not in run.stdout + run.stderr
    assert run.checkpoints == []


def test_an_endpoint_where_nothing_listens(tmp_path: Path) -> None:
    run = run_suite(tmp_path, f"--endpoint-url=http://127.0.0.1:{free_port()}", timeout=60)
    one_line(run, "no moto server answers there")


def test_an_endpoint_that_is_not_an_emulator(tmp_path: Path, not_aws: str) -> None:
    run = run_suite(tmp_path, f"--endpoint-url={not_aws}", timeout=60)
    one_line(run, "does not answer as a moto server does")


def test_an_aws_endpoint_that_is_not_aws(
    tmp_path: Path, not_aws: str, test_emulator: MotoEmulator
) -> None:
    run = run_suite(
        tmp_path,
        "--target=aws",
        f"--endpoint-url={not_aws}",
        "--allowed-account=123456789012",
        env=as_admin(test_emulator, tmp_path),
        timeout=60,
    )
    one_line(run, "does not answer as AWS STS does")


def test_the_readmes_broken_example_prints_what_it_quotes(tmp_path: Path) -> None:
    """README.md's example of refused files: the user policy's ForEC2 lost the colon of
    ec2:StartInstances, the role policy lost the comma after its first Action list."""
    folder = tmp_path / "my-handson-policies"
    folder.mkdir()
    user = (SEED_DIR / USER_POLICY_FILE).read_text("utf-8")
    role = (SEED_DIR / ROLE_POLICY_FILE).read_text("utf-8")
    assert "ec2:StartInstances" in user and '            ],\n            "Resource"' in role
    (folder / USER_POLICY_FILE).write_text(user.replace("ec2:StartInstances", "ec2StartInstances"))
    comma = '            ],\n            "Resource"'
    (folder / ROLE_POLICY_FILE).write_text(role.replace(comma, comma.replace(",", "", 1), 1))
    run = run_suite(tmp_path / "run", f"--policies={folder}")
    assert run.exit_code == 4, run.describe()
    assert quote_problems("bad-input", run.stderr, readme="README.md") == ""


@pytest.mark.parametrize("where", ["a file", "a folder under a file"])
def test_results_that_cannot_be_written_where_they_go_are_one_line(
    tmp_path: Path, where: str
) -> None:
    """HANDSON_REPORTS or --alluredir naming a file (or a folder under one): one line before
    anything is made, where allure stopped the run with an INTERNALERROR; the file unchanged."""
    taken = tmp_path / "results.txt"
    taken.write_text("mine", "utf-8")
    folder = taken if where == "a file" else taken / "runs"
    typed = run_as_typed(folder, "features/")
    said = [line for line in typed.stderr.splitlines() if line.strip()]
    assert (typed.returncode, len(said)) == (4, 1), typed.stdout + typed.stderr
    assert said[0].startswith(f"ERROR: HANDSON_REPORTS={folder}: "), said
    assert "is a file" in said[0] and "INTERNALERROR" not in typed.stdout + typed.stderr
    option = run_suite(tmp_path / "run", f"--alluredir={folder}")
    one_line(option, f"--alluredir {folder}: ")
    assert taken.read_text("utf-8") == "mine"


def outputs_refused(tmp_path: Path, option_name: str, path: Path) -> str:
    """What the run's check of its outputs (handson.run_folder.check_outputs, before anything
    is made) says of ``path`` given for ``option_name``, its results going to ``tmp_path``."""
    given = {"checkpoints_json": str(path)} if option_name == "--checkpoints-json" else {}
    config = SimpleNamespace(
        option=SimpleNamespace(allure_report_dir=str(tmp_path / "results")),
        getoption=lambda name, default=None: given.get(name, default),
        invocation_params=SimpleNamespace(dir=tmp_path),
        rootpath=ROOT,
    )
    record = path if option_name == "--record-calls" else None
    with pytest.raises(SuiteUsageError) as refused:
        check_outputs(config, record)  # type: ignore[arg-type]
    return str(refused.value)


def test_files_a_run_writes_that_cannot_be_written_are_one_line(tmp_path: Path) -> None:
    """The files a run writes: checkpoints.json was lost at the end of a whole run; a folder
    given for one is named as a folder. (Once, not for each folder of the test above.) A
    learner's own file given for either is never written over (it was, at the run's end). A
    whole run for one case of each option; the others are the same check's answers."""
    taken = tmp_path / "results.txt"
    taken.write_text("mine", "utf-8")
    mine = tmp_path / USER_POLICY_FILE
    shutil.copy(SEED_DIR / USER_POLICY_FILE, mine)
    cases = (
        (taken / "x.json", "is a file"),
        (tmp_path, "a folder, not a file"),
        (mine, "it is not a file handson wrote"),
    )
    for option_name in ("--checkpoints-json", "--record-calls"):
        for path, why in cases:
            said = outputs_refused(tmp_path, option_name, path)
            assert said.startswith(f"{option_name} {path}: ") and why in said, said
            assert "\n" not in said
    for option_name, path in (("--checkpoints-json", mine), ("--record-calls", tmp_path)):
        run = run_suite(tmp_path / "run", f"{option_name}={path}")
        one_line(run, outputs_refused(tmp_path, option_name, path))
    assert taken.read_text("utf-8") == "mine"
    assert mine.read_bytes() == (SEED_DIR / USER_POLICY_FILE).read_bytes()


def test_results_in_a_folder_that_refuses_writes_are_one_line(tmp_path: Path) -> None:
    """A folder the system refuses, with os.access saying yes as it does on Windows (its
    permissions, Controlled folder access): one line before anything is made, where allure
    stopped the run with an INTERNALERROR at the first result, after the build; nothing left."""
    locked = tmp_path / "locked"
    locked.mkdir()
    windows = "-p", "tests.helpers.windows_like"
    with refusing_writes(locked):
        option = run_suite(tmp_path / "run", *windows, f"--alluredir={locked}")
        under = run_suite(tmp_path / "run", *windows, f"--checkpoints-json={locked / 'c.json'}")
    one_line(option, f"--alluredir {locked}: ")
    assert "INTERNALERROR" not in option.stdout + option.stderr
    one_line(under, f"--checkpoints-json {locked / 'c.json'}: ")
    assert not any(locked.iterdir())
