"""``--target existing --live`` (issues 12 and 19): the learner's own account, SSM on their
instance, the user's checks with the user's own key (or IAM's policy simulator); what could
delete or overwrite the learner's work decided by the replay. Apart from test_existing_target.py
so that the suite's own tests spread over their workers."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from handson.call_record import read_calls
from handson.discovery import USER
from handson.lifecycle.removal import delete_user
from handson.run_folder import reports_dir
from handson.targets.emulator_server import MotoEmulator
from handson.waiting import AWS_BUDGETS
from scripts.hand_built import NAME, HandBuilt
from tests.helpers.aws_like import AwsLikeProxy
from tests.helpers.aws_young import KEY_REFUSED, Young
from tests.helpers.estate import snapshot
from tests.helpers.fake_ssm import NOT_YET, WALK, FakeSsm, SsmLike
from tests.helpers.grading import ACCOUNT, decided, grade
from tests.helpers.grading_role import LIVE_RECORDED, assert_allowed, live_policies
from tests.helpers.suite_runner import ROOT, HeldRun, SuiteRun, over_budget, run_suite, run_sweep
from tests.test_aws_guard import as_admin

pytestmark = pytest.mark.slow


# -- --live: the learner's own account, SSM on their instance -----------------------------------


def live(
    emulator: MotoEmulator,
    ssm: FakeSsm,
    workdir: Path,
    by_hand: HandBuilt,
    *args: str,
    learner: dict[str, str] | None = None,
    endpoint: str | None = None,
) -> SuiteRun:
    """``--target existing --live`` with the learner's credentials (``learner``: other keys
    than the emulator's admin), a profile holding handson-iam-user's own key, and SSM through
    the fake (tests/helpers/fake_ssm.py); ``endpoint``: the AWS-like layer in front of the
    emulator, if any."""
    key = by_hand.iam.create_access_key(UserName=USER)["AccessKey"]
    by_hand.undo.append(
        lambda: by_hand.iam.delete_access_key(UserName=USER, AccessKeyId=key["AccessKeyId"])
    )
    profiles = workdir / "credentials"
    workdir.mkdir(parents=True, exist_ok=True)
    profiles.write_text(
        f"[hands-on-user]\naws_access_key_id = {key['AccessKeyId']}\n"
        f"aws_secret_access_key = {key['SecretAccessKey']}\n"
    )
    env: dict[str, str | None] = {
        **as_admin(emulator, workdir),
        "AWS_SHARED_CREDENTIALS_FILE": str(profiles),
        "AWS_ENDPOINT_URL": endpoint or emulator.endpoint_url,
        "AWS_ENDPOINT_URL_SSM": ssm.endpoint_url,
        **(learner or {}),
    }
    before = snapshot(emulator.admin)
    run = run_suite(
        workdir,
        "--target=existing",
        "--live",
        f"--region={emulator.region}",
        f"--allowed-account={ACCOUNT}",
        f"--record-calls={workdir / 'calls.jsonl'}",
        *args,
        env=env,
    )
    assert snapshot(emulator.admin) == before
    return run


def no_simulator(by_hand: HandBuilt) -> dict[str, str]:
    """A learner's own key that may do everything but ask IAM's policy simulator."""
    iam = by_hand.iam
    iam.create_user(UserName="learner-without-simulator")
    by_hand.undo.append(lambda: delete_user(iam, "learner-without-simulator"))
    everything = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    not_this = {"Effect": "Deny", "Action": "iam:SimulatePrincipalPolicy", "Resource": "*"}
    document = {"Version": "2012-10-17", "Statement": [everything, not_this]}
    iam.put_user_policy(
        UserName="learner-without-simulator", PolicyName="p", PolicyDocument=json.dumps(document)
    )
    key = iam.create_access_key(UserName="learner-without-simulator")["AccessKey"]
    return {
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
    }


# The replay's verdicts of each build: the same build (scripts/hand_built.py makes it the same
# way each time) replays the same, whichever way the live run gets the user's key.
_REPLAYED: dict[str, dict[str, str]] = {}


def replay_of(variant: str, replay: Callable[[], SuiteRun]) -> dict[str, str]:
    """The replay's verdicts of the build ``variant``, replayed once per module."""
    if variant not in _REPLAYED:
        _REPLAYED[variant] = by_checkpoint(replay())
    return _REPLAYED[variant]


def by_checkpoint(run: SuiteRun) -> dict[str, str]:
    """Each checkpoint's verdict: failed if a row failed (an error is not), else its rows'."""
    verdicts: dict[str, str] = {}
    for checkpoint, outcomes in decided(run).items():
        verdicts[checkpoint] = "failed" if "failed" in outcomes else "/".join(sorted(outcomes))
    return verdicts


@pytest.mark.parametrize(
    ("variant", "user_key"),
    [
        ("as the hands-on says", "profile"),
        ("with mistakes", "profile"),
        ("with mistakes", "none"),
        ("with mistakes", "no simulator"),
        ("held to MFA", "none"),
    ],
)
def test_live_gives_the_verdicts_of_the_replay(
    variant: str, user_key: str, by_hand: HandBuilt, test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    if variant == "with mistakes":
        broken = by_hand.build_with_mistakes()
    else:
        by_hand.build()
        broken = set()
    if variant == "held to MFA":  # decided as the console signed in with MFA, live and replayed
        by_hand.hold_user_to_mfa()
    option = {
        "profile": ["--user-profile=hands-on-user"],
        "temporary": ["--temporary-user-key"],
        "none": [],
        "no simulator": [],
    }[user_key]
    learner = no_simulator(by_hand) if user_key == "no simulator" else None
    with FakeSsm(test_emulator) as ssm:
        run = live(test_emulator, ssm, tmp_path / "live", by_hand, *option, learner=learner)
    replayed = replay_of(variant, lambda: grade(test_emulator, tmp_path / "replay"))
    assert by_checkpoint(run) == replayed, run.describe()
    assert run.failed == broken, run.describe()
    # Checked on the account itself, except what could delete the learner's work; without a key
    # of the user's, the user's checks are asked of IAM's policy simulator (the emulator's).
    where = {e["nodeid"]: e.get("decided_by", "live") for e in run.checkpoints}
    replayed_rows = {n for n, w in where.items() if w == "replay"}
    unsafe = {n for n in replayed_rows if "バケットの削除" in n or "handson-s3-1-" in n}
    assert len(unsafe) == 2, replayed_rows  # R3, and R7's deletion of bucket 2
    assert all(e["replayed"] for e in run.checkpoints if e["nodeid"] in replayed_rows)
    user_rows = {e["nodeid"] for e in run.checkpoints if e["checkpoints"][0].startswith("U")}
    simulated = {n for n, w in where.items() if w == "simulator"}
    assert simulated == (user_rows if user_key == "none" else set())
    if user_key == "none":
        assert "decided by IAM's policy simulator" in run.stderr
    held_to_mfa = "policy simulator with the context of an MFA sign-in" in run.stderr
    assert held_to_mfa is (variant == "held to MFA"), run.stderr
    # A learner who may not use the simulator: the user's checks are replayed, and it says so.
    expected_replayed = 2 + (len(user_rows) if user_key == "no simulator" else 0)
    assert len(replayed_rows) == expected_replayed, replayed_rows
    if user_key == "no simulator":
        assert "IAM's policy simulator gave no answer" in run.stderr
        assert user_rows <= replayed_rows
    assert ssm.calls.count("SendCommand") >= 15
    # What the run called in the account, allowed by what docs/grading.md tells a learner to hold.
    assert_allowed(read_calls(tmp_path / "live" / "calls.jsonl"), live_policies(), LIVE_RECORDED)
    if not broken:
        assert run.exit_code == 0, run.describe()
        assert "account is as it was before the run" in run.stdout


def test_live_through_the_aws_like_layer(
    by_hand: HandBuilt, test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    """Issue 19: a hand-built environment, graded live through the AWS-like layer, with a key the
    run makes for the learner's user (--temporary-user-key). That key is refused for a while,
    SSM's commands pass through InvocationDoesNotExist, Pending, InProgress and Delayed, and the
    listing of a learner's own full folder comes back cut at 24,000 characters: every verdict is
    as the hands-on says and as the replay's, and the account is as it was (live() compares)."""
    by_hand.build()
    for n in range(260):  # a learner's own screenshots, next to the hands-on's file
        key = f"open/step-11-session-manager-{n:04}-{'x' * 40}.png"
        by_hand.s3.put_object(Bucket=f"handson-s3-2-{NAME}", Key=key, Body=b"")
    with AwsLikeProxy(test_emulator.endpoint_url, young=Young(key_refused=1.0)) as layer:
        like = SsmLike(walk_every=100, unknown_first=True)
        with FakeSsm(
            test_emulator,
            like=like,
            endpoint_url=layer.endpoint_url,
            on_credentials=layer.young.knows_key,
        ) as ssm:
            run = live(
                test_emulator,
                ssm,
                tmp_path,
                by_hand,
                "--temporary-user-key",
                endpoint=layer.endpoint_url,
            )
    assert run.exit_code == 0, run.describe()
    assert run.failed == set() and run.errors == set(), run.describe()
    # The learner's own files change no verdict: the replay of the hands-on as it says.
    replayed = replay_of("as the hands-on says", lambda: grade(test_emulator, tmp_path / "replay"))
    assert by_checkpoint(run) == replayed
    # Checked on the account itself, except what could delete the learner's work (R3, and R7's
    # deletion of bucket 2), which the replay decides.
    by_replay = {e["nodeid"] for e in run.checkpoints if e.get("decided_by") == "replay"}
    assert len(by_replay) == 2, by_replay
    assert over_budget(run.phases(), AWS_BUDGETS) == {}, run.phases()
    met = layer.met + ssm.met
    wanted = (KEY_REFUSED, "output truncated", NOT_YET, *WALK, "stderr separate")
    assert [b for b in wanted if met[b] == 0] == [], dict(met)
    assert layer.young.final_refusals() == []


def test_a_live_run_leaves_a_versioned_bucket_as_it_was(
    by_hand: HandBuilt, test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    """The learner's buckets keep versions: the run's own files (bucket 2's three, R2's test
    file, which the role itself deletes) stayed there as old versions behind delete markers,
    while the run said the account was as before (it lists current objects). Every version
    and marker of the run's keys goes at the end, and nothing else of the buckets changes."""
    by_hand.build()
    s3 = by_hand.s3
    buckets = [f"handson-s3-1-{by_hand.name}", f"handson-s3-2-{by_hand.name}"]

    def versions() -> dict[str, list[tuple[str, str]]]:
        found = {}
        for bucket in buckets:
            listed = s3.list_object_versions(Bucket=bucket)
            entries = listed.get("Versions", []) + listed.get("DeleteMarkers", [])
            found[bucket] = sorted((v["Key"], v["VersionId"]) for v in entries)
        return found

    for bucket in buckets:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=buckets[1], Key="open/mine.txt", Body=b"the learner's, again")
    before = versions()
    with FakeSsm(test_emulator) as ssm:
        run = live(test_emulator, ssm, tmp_path / "live", by_hand, "--user-profile=hands-on-user")
    assert run.exit_code == 0, run.describe()
    assert versions() == before
    assert_allowed(read_calls(tmp_path / "live" / "calls.jsonl"), live_policies(), LIVE_RECORDED)


def test_a_killed_live_run_is_swept_by_its_record(
    by_hand: HandBuilt, test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    """SIGKILL leaves the run's own files and its temporary key in the learner's account; the
    record it wrote before each lets the sweeper remove exactly those: the account as it was."""
    by_hand.build()
    before = snapshot(test_emulator.admin)
    env: dict[str, str | None] = {
        **as_admin(test_emulator, tmp_path),
        "AWS_ENDPOINT_URL": test_emulator.endpoint_url,
        "HANDSON_PAUSE_CHECKPOINT": "R4",  # R4 runs live, on the run's own file under open/
    }
    with FakeSsm(test_emulator) as ssm:
        env["AWS_ENDPOINT_URL_SSM"] = ssm.endpoint_url
        options = [
            "--target=existing",
            "--live",
            "--temporary-user-key",
            f"--allowed-account={ACCOUNT}",
        ]
        held = HeldRun(tmp_path / "run", "checks", *options, until_released=True, env=env)
        run_id = held.held()
        assert run_id, held.finish().describe()
        held.process.kill()
        held.process.wait(timeout=60)
    left = snapshot(test_emulator.admin)
    assert left != before  # the run's files are still there
    record = reports_dir(ROOT) / "runs" / run_id / "live-record.json"  # the session's folder
    kinds = {item["kind"] for item in json.loads(record.read_text("utf-8"))["items"]}
    assert kinds == {"object", "bucket", "access key"}, kinds
    done = run_sweep(f"--record={record}", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("  deleted S3 object") == 3, done.stdout  # open/, close/, the root
    assert "  deleted access key" in done.stdout, done.stdout
    assert snapshot(test_emulator.admin) == before


def test_a_live_run_of_one_replayed_checkpoint_runs_it(
    by_hand: HandBuilt, test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    """``-k R3`` with --live: R3 (deleting a bucket) is never probed on the account, so its one
    scenario goes to the replay and the live run selects none itself. That is not a selection
    of nothing (fixtures/selection.py): R3 is decided, by the replay, and the rest is named as
    not run."""
    by_hand.build()
    with FakeSsm(test_emulator) as ssm:
        run = live(
            test_emulator, ssm, tmp_path, by_hand, "--user-profile=hands-on-user", "-k", "R3"
        )
    assert run.exit_code == 0, run.describe()
    decided_rows = [e for e in run.checkpoints if e["outcome"] != "not selected"]
    assert [(e["checkpoints"], e["outcome"], e.get("decided_by")) for e in decided_rows] == [
        (["R3"], "passed", "replay")
    ], run.describe()
    assert "checkpoints not run: U1-U5 R1 R2 R4-R8" in run.stdout, run.describe()
