"""The suite catches broken designs: each altered policy set fails the run, in the scenario that
names the broken checkpoint and in no other; the unaltered seed policies pass."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from handson.i18n import catalogue
from handson.report import UNDECIDED_EXIT
from tests.conftest import PolicyRuns
from tests.helpers.design_edits import Mutation
from tests.helpers.mutations import EQUIVALENTS, MUTATIONS, PAIRS, run_of
from tests.helpers.policy_runs import SEED, PolicyRun, every_policy_set
from tests.helpers.readme_quotes import quote_problems
from tests.helpers.suite_runner import SuiteRun

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def made(policy_runs: PolicyRuns) -> dict[str, PolicyRun]:
    """The seed's run and every broken policy set's, side by side on the tests' emulators; what
    each left is looked for after it. The seed's run goes through a fault proxy that faults
    nothing: it is tests/test_faults.py's 0 % run too."""
    return policy_runs.get(every_policy_set())


@pytest.fixture(scope="module")
def runs(made: dict[str, PolicyRun]) -> dict[str, SuiteRun]:
    """Each run by its name, and each broken design by its own name too (a pair's run is
    both designs')."""
    for one in made.values():
        one.run.leftovers = one.left
    by_design = {m.name: made[run_of(m).name].run for m in MUTATIONS}
    return {**by_design, **{name: one.run for name, one in made.items()}}


def test_the_seed_run_went_through_a_proxy_that_faulted_nothing(
    made: dict[str, PolicyRun],
) -> None:
    """The fault test's 0 %: the proxy itself changes nothing (tests/test_faults.py)."""
    seed = made[SEED]
    assert seed.requests > 100 and seed.faults == 0, seed.summary
    assert seed.run.exit_code == 0 and seed.left == [], seed.run.describe()


def control_of(run: SuiteRun, checkpoint: str) -> str:
    """The positive control a checkpoint's denials stood on, as its scenario's evidence shows it
    (steps/common.py attaches it to every scenario that relies on it)."""
    names = {catalogue(lang)["evidence.control"] for lang in ("en", "ja")}

    def attachments(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
        yield from node.get("attachments", [])
        for step in node.get("steps", []):
            yield from attachments(step)

    for path in run.allure_dir.glob("*-result.json"):
        result = json.loads(path.read_text("utf-8"))
        if {"name": "tag", "value": checkpoint} not in result.get("labels", []):
            continue
        for attachment in attachments(result):
            if attachment["name"] in names:
                return (run.allure_dir / attachment["source"]).read_text("utf-8")
    raise AssertionError(f"no positive control in {checkpoint}'s evidence")


def test_each_principal_s_control_is_an_allow_a_checkpoint_needs(
    runs: dict[str, SuiteRun],
) -> None:
    """The user's is U3's start (a dry run), the role's R4's read: every design that passes the
    checkpoints allows them. The hardened role, which does without the list of bucket 1 (the
    control's second choice), has its denials decided as well."""
    seed = runs[SEED]
    assert "start_instances" in control_of(seed, "U4"), control_of(seed, "U4")
    assert "/open/" in control_of(seed, "R3") and "aws s3 cp" in control_of(seed, "R3")
    assert "/open/" in control_of(runs["hardened-role"], "R5")
    # Without U3's start, the list of buckets stands in, and U4 and U5 are decided all the same.
    cannot_start = runs["user-cannot-start"]
    assert "s3.list_buckets()" in control_of(cannot_start, "U4")
    passed = cannot_start.outcomes("passed")
    assert {"U4", "U5"} <= passed and cannot_start.failed == {"U3"}, cannot_start.describe()


def test_a_trust_mistake_leaves_the_role_s_denials_not_decided(
    runs: dict[str, SuiteRun],
) -> None:
    """Rule 7: with no role credentials on the instance, R1, R2 and R4 are wrong denials, but R3
    and R5-R8 met no wrong allow or deny: no control could pass, so they are not decided (their
    precondition), naming the trust policy, never 不合格."""
    run = runs["trust-wrong-service"]
    assert run.failed == {"R1", "R2", "R4"}, run.describe()
    undecided = run.outcomes("precondition not met")
    assert undecided == {"R3", "R5", "R6", "R7", "R8"}, run.describe()
    said = run.stdout + run.stderr
    assert "trust policy mistake" in said or "信頼ポリシーの誤り" in said


def test_there_are_at_least_eight_broken_designs() -> None:
    assert len(MUTATIONS) >= 8
    assert len({m.name for m in MUTATIONS}) == len(MUTATIONS)
    # A pair is one design of the user's and one of the role's, each failing its own checks.
    by_name = {m.name: m for m in MUTATIONS}
    for user, role in PAIRS:
        assert {c[0] for c in by_name[user].fails} == {"U"}, user
        assert {c[0] for c in by_name[role].fails} == {"R"}, role


def test_seed_policies_pass(runs: dict[str, SuiteRun]) -> None:
    run = runs[SEED]
    assert run.exit_code == 0, run.describe()
    assert run.failed == set(), run.describe()
    assert run.leftovers == []
    every = {f"U{i}" for i in range(1, 6)} | {f"R{i}" for i in range(1, 9)}
    decided = {c for entry in run.checkpoints for c in entry["checkpoints"]}
    assert decided == every
    # The engine decides every check of the seed's policies: nothing is skipped.
    assert {e["outcome"] for e in run.checkpoints} == {"passed"}, run.describe()


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.name for m in MUTATIONS])
def test_broken_design_fails_in_its_checkpoint(
    mutation: Mutation, runs: dict[str, SuiteRun]
) -> None:
    """In a run of its own, or beside a design of the other principal's (PAIRS): then the run
    fails both designs' checkpoints and no other, and this principal's are this design's."""
    design = run_of(mutation)
    run = runs[design.name]
    assert run.exit_code == 1, f"{mutation.why}: the run should fail\n{run.describe()}"
    assert run.failed == set(design.fails), (
        f"{design.name}: expected failures in {sorted(design.fails)}, got {sorted(run.failed)}\n"
        f"{run.describe()}"
    )
    principal = {c[0] for c in mutation.fails}  # U or R: the principal the design broke
    assert {c for c in run.failed if c[0] in principal} == set(mutation.fails), run.describe()
    assert run.leftovers == [], "a failing run must still leave nothing behind"


def test_a_statement_left_out_is_hinted_as_missing_not_another_to_widen(
    runs: dict[str, SuiteRun],
) -> None:
    """ForS32OpenGet not pasted: the nearest statement is ForS31, bucket 1's, whose Resource a
    hint would have widened to bucket 2 (letting the role write there too). The hint says
    what is missing, and how the hands-on writes it (handson/intended.py)."""
    run = runs["role-without-open-get"]
    (r4,) = [e for e in run.checkpoints if e["outcome"] == "failed"]
    assert r4["hint"].startswith(
        "There is no statement ForS32OpenGet. In the hands-on's policy, ForS32OpenGet allows"
        " s3:GetObject on arn:aws:s3:::handson-s3-2-"
    ), r4
    assert "ForS31" not in r4["hint"], r4


@pytest.mark.parametrize("equivalent", EQUIVALENTS, ids=[m.name for m in EQUIVALENTS])
def test_a_correct_design_written_differently_passes(
    equivalent: Mutation, runs: dict[str, SuiteRun]
) -> None:
    run = runs[equivalent.name]
    assert run.exit_code == 0, f"{equivalent.why}: the run should pass\n{run.describe()}"
    assert {e["outcome"] for e in run.checkpoints} == {"passed"}, run.describe()
    assert run.leftovers == []
    # Nor does a lesson call it short of the hands-on, or wider than it, beyond what it does
    # without on purpose.
    document = json.loads((run.allure_dir.parent / "checkpoints.json").read_text("utf-8"))
    lessons = {(f["kind"], f["action"]) for f in document["practices"]}
    assert lessons == equivalent.lessons, document["practices"]


def test_undecided_checkpoints_are_counted_and_never_a_full_pass(
    runs: dict[str, SuiteRun],
) -> None:
    run = runs["undecided"]
    skipped = [e for e in run.checkpoints if e["outcome"] == "skipped"]
    undecided = sorted({c for e in skipped for c in e["checkpoints"]})
    assert undecided == ["R2", "R4", "R6"], run.describe()
    assert all("policy variables" in e["headline"] for e in skipped), skipped
    assert run.failed == set(), run.describe()
    assert run.exit_code == UNDECIDED_EXIT, run.describe()
    assert "checkpoints: 10 passed, 0 failed, 3 not decided" in run.stdout
    assert "(not decided: R2, R4, R6; not a full pass)" in run.stdout
    assert "--allow-undecided or HANDSON_ALLOW_UNDECIDED=1" in run.stdout
    assert run.leftovers == []


def test_a_check_decided_by_where_the_request_comes_from_is_not_decided_offline(
    runs: dict[str, SuiteRun],
) -> None:
    """The user's rights held to a school's network: the emulator sees every request come from
    this machine, so it answers as AWS would not for the learner. Those checks are not decided,
    never failed; the role's pass; and the lesson does not call the user short of anything."""
    run = runs["from-school"]
    skipped = [e for e in run.checkpoints if e["outcome"] == "skipped"]
    assert sorted({c for e in skipped for c in e["checkpoints"]}) == ["U2", "U3", "U4", "U5"]
    assert all("aws:SourceIp" in e["headline"] for e in skipped), skipped
    assert run.failed == set(), run.describe()
    assert run.exit_code == UNDECIDED_EXIT, run.describe()
    assert "checkpoints: 9 passed, 0 failed, 4 not decided" in run.stdout
    document = json.loads((run.allure_dir.parent / "checkpoints.json").read_text("utf-8"))
    assert document["practices"] == [], document["practices"]
    assert run.leftovers == []


def test_a_user_held_to_mfa_is_checked_as_signed_in_with_mfa(runs: dict[str, SuiteRun]) -> None:
    """The user's rights held to MFA (its grants conditioned on it, and AWS's sample deny): its
    access key carries none, so the run gave it a virtual MFA device, signed its checks with a
    session of it (GetSessionToken), said so in one line, and removed the device. Every
    checkpoint is decided and passes (test_a_correct_design_written_differently_passes); here,
    that it was the session, not the key, that passed them."""
    run = runs["mfa-required"]
    assert "ask for an MFA sign-in: the user's checks sign with a session of a virtual MFA" in (
        run.stderr
    ), run.describe()
    assert run.outcomes("passed") >= {"U2", "U3", "U4", "U5"}, run.describe()
    assert run.leftovers == []  # the device too (tests/helpers/estate.py)


def test_a_trust_policy_of_every_account_alone_is_not_decided_and_is_a_lesson(
    runs: dict[str, SuiteRun],
) -> None:
    """{"AWS": "*"} as the trust policy's only principal: AWS's documents do not say whether it
    reaches EC2, so R1-R8 are not decided (R1 too, which once ended as a test error), never
    failed; the learner is told what to write, and P2 names the role open to every account."""
    run = runs["trust-every-account"]
    skipped = [e for e in run.checkpoints if e["outcome"] == "skipped"]
    assert sorted({c for e in skipped for c in e["checkpoints"]}) == [f"R{i}" for i in range(1, 9)]
    assert all("reaches a service such as EC2" in e["headline"] for e in skipped), skipped
    assert run.failed == set() and run.exit_code == UNDECIDED_EXIT, run.describe()
    assert all('write "Service": "ec2.amazonaws.com"' in e["headline"] for e in skipped)
    document = json.loads((run.allure_dir.parent / "checkpoints.json").read_text("utf-8"))
    assert [(f["id"], f["kind"]) for f in document["practices"]] == [("P2", "trust")]
    assert run.leftovers == []


def test_allow_undecided_accepts_such_a_run(runs: dict[str, SuiteRun]) -> None:
    run = runs["undecided-allowed"]
    assert run.exit_code == 0, run.describe()
    assert "3 not decided" in run.stdout and "exits 0 all the same" in run.stdout


def test_r1_names_the_ssm_agents_denied_calls(runs: dict[str, SuiteRun]) -> None:
    """R1 is decided by the engine on the agent's own calls, and says which were refused."""
    run = runs["role-denies-ssm-channels"]
    r1 = next(e for e in run.checkpoints if e["checkpoints"] == ["R1"])
    assert r1["category"] == "denied but should be allowed", r1
    assert "ec2messages:GetMessages (AccessDeniedException)" in r1["headline"], r1
    assert "ssmmessages:OpenControlChannel (AccessDeniedException)" in r1["headline"], r1
    assert "ssm:UpdateInstanceInformation" not in r1["headline"], r1  # registration was allowed


def test_readme_quotes_what_the_seed_run_printed(runs: dict[str, SuiteRun]) -> None:
    """README.md's quote of a passing run (in English, as these runs are) is what one prints."""
    assert quote_problems(SEED, runs[SEED].stdout, readme="README.md") == ""


def test_the_seeds_security_lessons_have_no_finding(runs: dict[str, SuiteRun]) -> None:
    """Issue 18, part 3: P1 and P2 clear, P3-P6 not applicable on the emulator (never clear),
    nothing in checkpoints.json's practices, and the run still exits 0."""
    run = runs[SEED]
    document = json.loads((run.allure_dir.parent / "checkpoints.json").read_text("utf-8"))
    assert document["practices"] == [], document["practices"]
    outcomes = {o["id"]: o["outcome"] for o in document["practice_outcomes"]}
    assert outcomes == {
        "P1": "clear",
        "P2": "clear",
        **dict.fromkeys(("P3", "P4", "P5", "P6"), "not applicable"),
    }
    assert "best practices: 0 with findings, 2 clear, 4 not applicable" in run.stdout
    assert run.exit_code == 0, run.describe()


def test_a_lesson_on_an_attached_server_names_the_instance_the_run_built(
    runs: dict[str, SuiteRun],
) -> None:
    """The broken designs run on a server the tests started, whose next instance ID the run
    cannot know when P1 is measured (first, before the build), as on AWS: the finding names
    the instance U4's probe acted on, not the sample instance it was measured on."""
    run = runs["user-may-stop"]
    (u4,) = [e for e in run.checkpoints if e["checkpoints"] == ["U4"] and e["outcome"] == "failed"]
    (instance,) = re.findall(r"i-[0-9a-f]{17}", u4["probe"]["call"])
    document = json.loads((run.allure_dir.parent / "checkpoints.json").read_text("utf-8"))
    stops = [f for f in document["practices"] if f["action"] == "ec2:StopInstances"]
    assert [f["resource"].rsplit("/", 1)[1] for f in stops] == [instance], stops
    assert instance in stops[0]["message"]
    assert "i-0123456789abcdef0" not in run.stdout
