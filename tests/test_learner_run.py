"""A learner's run, as the hands-on leaves them: their own policy files with their own name, and
the default output in Japanese, one block per cause, short enough to read (issue 11)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from handson.names import PLACEHOLDER
from handson.policies import ROLE_POLICY_FILE, SEED_DIR, TRUST_POLICY_FILE, USER_POLICY_FILE
from handson.targets.emulator_server import MotoEmulator
from tests.conftest import EmulatorPool
from tests.helpers.english_words import english_words
from tests.helpers.estate import left_behind, snapshot
from tests.helpers.mutations import MUTATIONS
from tests.helpers.readme_quotes import quote_problems
from tests.helpers.suite_runner import ROOT, SuiteRun, run_suite, suite_env

pytestmark = pytest.mark.slow

# What a learner reads, in lines of at most 100 terminal columns (the reasons under the table are
# wrapped at columns: a Japanese one used to run to about 125 on one line, two rows of a terminal).
MAX_LINES = 64


def copied(directory: Path, name: str) -> Path:
    """The seed's three files with the placeholder replaced by ``name``, as the hands-on says."""
    directory.mkdir(parents=True, exist_ok=True)
    for file in (USER_POLICY_FILE, ROLE_POLICY_FILE, TRUST_POLICY_FILE):
        text = (SEED_DIR / file).read_text("utf-8").replace(PLACEHOLDER, name)
        (directory / file).write_text(text, "utf-8")
    return directory


def open_without_slash_star(directory: Path) -> None:
    path = directory / ROLE_POLICY_FILE
    document = json.loads(path.read_text("utf-8"))
    statement = next(s for s in document["Statement"] if s["Sid"] == "ForS32OpenGet")
    statement["Resource"] = [r.removesuffix("/*") for r in statement["Resource"]]
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), "utf-8")


@dataclass
class LearnerRun:
    run: SuiteRun
    name: str
    left: list[str]


def learner_name() -> str:
    return f"taro-{uuid.uuid4().hex[:8]}"


def one(emulator: MotoEmulator, job: tuple[str, Path, tuple[str, ...]]) -> LearnerRun:
    mistake, workdir, args = job
    name = learner_name()
    # A learner who left <自分の名前> in the files and gave their name with --name instead.
    kept = mistake.endswith(PLACEHOLDER_KEPT)
    policies = copied(workdir / "policies", PLACEHOLDER if kept else name)
    if mistake.startswith("open-without-slash-star"):
        open_without_slash_star(policies)
    if mistake == "seed":  # the browser's second download, beside the file the run reads
        shutil.copy(policies / USER_POLICY_FILE, policies / "handson-iam-user-policy (1).json")
    for mutation in MUTATIONS:
        if mutation.name == mistake:  # the broken design, in the learner's own copy
            mutation.write(policies)
            for file in policies.iterdir():
                file.write_text(file.read_text("utf-8").replace(PLACEHOLDER, name), "utf-8")
    run = run_suite(
        workdir,
        f"--policies={policies}",
        f"--endpoint-url={emulator.endpoint_url}",
        *args,
        *((f"--name={name}",) if kept else ()),
        env={"HANDSON_LANG": None},
        typed_alone=mistake == "seed",  # `pytest` out of habit: test_pytest_alone_is_the_checklist
    )
    return LearnerRun(run, name, left_behind(emulator.admin, name))


PLACEHOLDER_KEPT = ", placeholder kept"


# label -> (the learner's mistake, or "seed" for none; extra options)
CASES: dict[str, tuple[str, tuple[str, ...]]] = {
    "seed": ("seed", ()),
    "open-without-slash-star": ("open-without-slash-star", ()),
    "user-ec2-star": ("user-ec2-star", ()),
    "trust-wrong-service": ("trust-wrong-service", ()),
    "user-without-s3-or-start": ("user-without-s3-or-start", ()),
    "english": ("open-without-slash-star" + PLACEHOLDER_KEPT, ("--lang=en",)),
}


@pytest.fixture(scope="module")
def runs(
    emulator_pool: EmulatorPool, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, LearnerRun]:
    base = tmp_path_factory.mktemp("learner")
    jobs = [(mistake, base / label, args) for label, (mistake, args) in CASES.items()]
    return dict(zip(CASES, emulator_pool.map(one, jobs), strict=True))


def lines_of(run: SuiteRun) -> list[str]:
    return (run.stdout + run.stderr).strip().splitlines()


def block(run: SuiteRun) -> str:
    """The failures section of the default output."""
    text = run.stdout
    title = "不合格の詳細" if "不合格の詳細" in text else " failures "
    start = text.index("\n", text.index(title))
    return text[start : text.index("\n=", start)]


def test_the_name_comes_from_the_learners_files(runs: dict[str, LearnerRun]) -> None:
    done: LearnerRun = runs["seed"]
    assert done.run.exit_code == 0, done.run.describe()
    assert f"名前 {done.name}、" in done.run.stdout.splitlines()[0]
    # The copy beside the file it reads is said, once, and read by no check.
    copy = "handson-iam-user-policy (1).json もあります。テストが読むのはハンズオンの名前どおりの"
    assert copy in done.run.stdout.splitlines()[1], done.run.stdout[:600]
    assert {e["outcome"] for e in done.run.checkpoints} == {"passed"}
    assert "チェックポイント: 合格 13 / 不合格 0 / 判定なし 0" in done.run.stdout
    assert done.left == []
    assert len(lines_of(done.run)) <= MAX_LINES
    assert english_words(done.run.stdout + done.run.stderr) == [], done.run.stdout


@pytest.mark.parametrize(
    ("label", "fails", "words"),
    [
        (
            "open-without-slash-star",
            {"R4"},
            ["ヒント: ForS32OpenGet の Resource が", "を含んでいません", "暗黙の拒否"],
        ),
        (
            "user-ec2-star",
            {"U4"},
            [
                "ヒント: ForEC2 の Action ec2:* が",
                "まで許可しています",
                # What to write instead: the hands-on's own statement of that Sid.
                "。ハンズオンのポリシーでは Allow のステートメント ForEC2: Resource "
                '["*"] に対する Action ["ec2:DescribeInstances", "ec2:StartInstances"] です',
            ],
        ),
        ("trust-wrong-service", {"R1", "R2", "R4"}, ["信頼ポリシーの誤り", "同じ原因"]),
        (
            "user-without-s3-or-start",
            {"U2", "U3"},
            # U4's and U5's control is U3's call: one block, theirs said as the same cause.
            ["ec2.start_instances(", "同じ原因: U4、U5"],
        ),
    ],
)
def test_a_mistake_fails_its_checkpoints_with_one_japanese_block(
    runs: dict[str, LearnerRun], label: str, fails: set[str], words: list[str]
) -> None:
    done: LearnerRun = runs[label]
    run = done.run
    assert run.exit_code == 1, run.describe()
    assert run.failed == fails, run.describe()
    shown = block(run)
    for word in words:
        assert word in shown, shown
    output = run.stdout + run.stderr
    assert "Traceback" not in output and "pluggy" not in output and "_pytest" not in output
    assert not re.search(r"\\u[0-9a-f]{4}", output)  # outline rows in their own words
    # A Japanese run is Japanese, and its rules say what decided in words (issue 25).
    assert english_words(output) == [], output
    assert "ルール" not in output and "HeadObject" not in output
    assert len(lines_of(run)) <= MAX_LINES, "\n".join(lines_of(run))
    assert done.left == []


def test_a_failed_positive_control_is_a_precondition_not_deny_failures(
    runs: dict[str, LearnerRun],
) -> None:
    run = runs["user-without-s3-or-start"].run
    undecided = {
        c
        for e in run.checkpoints
        if e["outcome"] == "precondition not met"
        for c in e["checkpoints"]
    }
    assert undecided == {"U4", "U5"}
    assert all(
        "denied but should be allowed" not in e.get("category", "")
        for e in run.checkpoints
        if set(e["checkpoints"]) & {"U4", "U5"}
    )
    assert "判定なし: U4、U5。全部合格ではありません）" in run.stdout


@pytest.mark.parametrize("label", ["seed", "open-without-slash-star"])
def test_readme_ja_quotes_what_these_runs_printed(runs: dict[str, LearnerRun], label: str) -> None:
    """README.ja.md's passing run and its failure example are these Japanese runs' own lines."""
    done = runs[label]
    assert quote_problems(label, done.run.stdout, [done.name], "README.ja.md") == ""


def test_english_on_request(runs: dict[str, LearnerRun]) -> None:
    run = runs["english"].run
    assert run.failed == {"R4"}
    shown = block(run)
    assert "hint: ForS32OpenGet's Resource does not cover" in shown
    # The files kept <自分の名前>: the hint is written as they are, to be copied into them;
    # what was tried, with the name the run used.
    name = runs["english"].name
    assert f"end it with /*: arn:aws:s3:::handson-s3-2-{PLACEHOLDER}/open/*" in shown, shown
    assert f"s3://handson-s3-2-{name}/open/handson-sample.txt" in shown, shown
    # That fix is the hands-on's own Resource: its sentence is not said again after it.
    assert "hands-on's policy" not in shown, shown
    assert "checkpoints: 12 passed, 1 failed, 0 not decided" in run.stdout
    assert "不合格" not in run.stdout


def test_different_names_in_the_files_stop_before_anything(
    test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    policies = copied(tmp_path / "policies", "taro")
    user = policies / USER_POLICY_FILE
    document = json.loads(user.read_text("utf-8"))
    document["Statement"][0]["Resource"] = ["arn:aws:s3:::handson-s3-1-jiro/*"]
    user.write_text(json.dumps(document), "utf-8")
    before = snapshot(test_emulator.admin)
    run = run_suite(
        tmp_path,
        f"--policies={policies}",
        f"--endpoint-url={test_emulator.endpoint_url}",
        env={"HANDSON_LANG": None},  # the default: Japanese
    )
    assert run.exit_code == 4, run.describe()
    errors = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and "違う <自分の名前>" in errors[0], run.stderr
    assert "taro" in errors[0] and "jiro" in errors[0]
    assert snapshot(test_emulator.admin) == before


def test_pytest_alone_is_the_checklist(runs: dict[str, LearnerRun]) -> None:
    """A learner who types ``pytest`` out of habit gets the checklist, in Japanese, as from
    ``pytest features/``: it ran the suite's own tests as well, which a learner's install cannot
    collect (playwright is the tests' only), and ended on 13 checkpoints not decided."""

    def alone(*args: str, where: Path = ROOT) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
            cwd=where,
            env=suite_env({"HANDSON_LANG": None}),
            capture_output=True,
            encoding="utf-8",
            timeout=300,
        )

    collected = alone("--collect-only", "-q").stdout.splitlines()
    ids = [line for line in collected if "::" in line]
    assert ids and all(line.startswith("features/") for line in ids), collected[-5:]
    # Typed in policies/, where a learner edits the JSON (or docs/): the checklist all the same,
    # where pytest collected nothing there; in tests/, the suite's own tests, as asked.
    for folder in ("policies", "docs"):
        there = alone("--collect-only", "-q", where=ROOT / folder).stdout.splitlines()
        assert [line for line in there if "::" in line] == ids, (folder, there[-5:])
    own = alone("--collect-only", "-q", where=ROOT / "tests").stdout.splitlines()
    mine = [line for line in own if "::" in line]
    assert mine and not any(line.startswith("features/") for line in mine), own[-5:]
    # And runs it: the learner's passing run above was typed so (13 passed, in Japanese).
    seed = runs["seed"].run
    assert "features/" not in seed.args and seed.exit_code == 0, seed.describe()
    assert "チェックポイント: 合格 13 / 不合格 0 / 判定なし 0" in seed.stdout
