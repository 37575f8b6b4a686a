"""The commands a run tells the learner to type next (handson.next_command), and the one line
that says how to remove what a run left (fixtures.environment.removal): typed as they are, they
must act where the run acted, or say that nothing is to be removed."""

from __future__ import annotations

import dataclasses
import shlex
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from fixtures.environment import removal
from handson.lifecycle.cleanup import Cleanup
from handson.lifecycle.order import Stage
from handson.names import RunNames
from handson.next_command import Place, checklist, cleanup, sweep_record, sweep_run
from handson.policies import load_policy_set
from handson.run_folder import CHECKOUT, RUN_FOLDER
from handson.settings import AWS_SESSION, Settings
from handson.targets.account import Account
from handson.targets.existing import EXISTING

RUN = "20261206-101500-abc123"
SEED = Path(__file__).resolve().parents[2] / "policies"


def test_a_sweep_acts_in_the_run_s_account_region_and_emulator() -> None:
    tokyo = Place("111122223333", "ap-northeast-1", None)
    assert sweep_run(RUN, tokyo) == (
        f"handson sweep --run {RUN} --delete --allowed-account 111122223333"
    )
    oregon = Place("111122223333", "us-west-2", None)
    assert sweep_run(RUN, oregon).endswith("--allowed-account 111122223333 --region us-west-2")
    attached = Place("123456789012", "ap-northeast-1", "http://127.0.0.1:5000")
    assert sweep_run(RUN, attached).endswith(
        "--allowed-account 123456789012 --endpoint-url http://127.0.0.1:5000"
    )
    assert sweep_run(RUN, None) == f"handson sweep --run {RUN} --delete"


def test_a_live_record_in_a_folder_with_spaces_is_typed_in_quotes() -> None:
    record = Path("C:/Users/Taro Yamada/ハンズオン/reports/runs") / RUN / "live-record.json"
    line = sweep_record(record, Place("111122223333", "ap-northeast-1", None))
    assert f'--record "{record}" --delete' in line
    assert shlex.split(line)[3] == str(record)  # one argument, as the shell reads it


def test_cleanup_names_the_learner_s_name_and_region() -> None:
    place = Place("111122223333", "us-east-1", None)
    assert cleanup(place, "taro") == (
        "handson cleanup --name taro --allowed-account 111122223333 --region us-east-1"
    )
    assert cleanup(place, None) == (
        "handson cleanup --allowed-account 111122223333 --region us-east-1"
    )


def test_a_region_the_learner_s_environment_would_change_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Typed as it is, a command without --region acts in HANDSON_REGION's region: the default
    region is named where that variable says another, and left out where it says the same."""
    tokyo = Place("111122223333", "ap-northeast-1", None)
    monkeypatch.setenv("HANDSON_REGION", "us-west-2")
    assert cleanup(tokyo, None).endswith("--allowed-account 111122223333 --region ap-northeast-1")
    monkeypatch.setenv("HANDSON_REGION", "ap-northeast-1")
    assert cleanup(tokyo, None) == "handson cleanup --allowed-account 111122223333"
    monkeypatch.delenv("HANDSON_REGION")
    assert cleanup(tokyo, "taro", delete=True) == (
        "handson cleanup --name taro --delete --allowed-account 111122223333"
    )


def settings(**changes: Any) -> Settings:
    made = Settings(
        target="emulator",
        names=RunNames("taro", run_id=RUN),
        region="ap-northeast-1",
        policies=load_policy_set(SEED),
        policies_dir=SEED,
        keep=True,
        endpoint_url=None,
    )
    return dataclasses.replace(made, **changes)


def config(**stashed: Any) -> Any:
    stash = pytest.Stash()
    keys: dict[str, pytest.StashKey[Any]] = {
        "aws": AWS_SESSION,
        "existing": EXISTING,
        "folder": RUN_FOLDER,
    }
    for key, value in stashed.items():
        stash[keys[key]] = value
    return SimpleNamespace(stash=stash)


def test_the_run_s_own_emulator_leaves_nothing_to_remove() -> None:
    line = removal(config(), settings(), "keep.remove")
    assert "nothing to remove" in line and "handson sweep" not in line


def test_an_attached_emulator_s_leftovers_are_swept_there() -> None:
    url = "http://127.0.0.1:5000"
    line = removal(config(), settings(endpoint_url=url), "keep.remove")
    assert line == (
        f"Remove them when done: handson sweep --run {RUN} --delete"
        f" --allowed-account 123456789012 --endpoint-url {url}"
    )


def test_an_aws_run_s_leftovers_are_swept_in_its_account_and_region() -> None:
    account = Account("210987654321", None, "arn:aws:iam::210987654321:user/ci")
    line = removal(config(aws=(object(), account)), settings(target="aws", region="eu-west-1"))
    assert line == (
        f"remove them with: handson sweep --run {RUN} --delete"
        " --allowed-account 210987654321 --region eu-west-1"
    )


def test_a_live_run_s_writes_are_swept_by_its_record(tmp_path: Path) -> None:
    existing = SimpleNamespace(account=SimpleNamespace(account_id="210987654321"))
    folder = SimpleNamespace(path=tmp_path / RUN)
    line = removal(config(existing=existing, folder=folder), settings(target="existing", live=True))
    record = tmp_path / RUN / "live-record.json"
    assert line == (
        f"remove them with: handson sweep --record {record} --delete --allowed-account 210987654321"
    )


def test_a_withdrawn_undo_is_neither_run_nor_named() -> None:
    removed: list[str] = []
    undo = Cleanup()
    undo.register("S3 bucket handson-s3-u-x", lambda: removed.append("u"), Stage.BUCKETS)
    undo.register("S3 bucket handson-s3-1-x", lambda: removed.append("1"), Stage.BUCKETS)
    undo.withdraw("S3 bucket handson-s3-u-x")
    assert undo.pending == ["S3 bucket handson-s3-1-x"]
    assert undo.run() == [] and removed == ["1"]
    undo.withdraw("S3 bucket handson-s3-u-x")  # nothing of that name: nothing happens


def test_the_replay_command_works_where_discover_was_typed(tmp_path: Path) -> None:
    """handson discover --out my-env typed elsewhere than the checkout said 'pytest features/
    --policies my-env': there, no features/; in the checkout, another my-env."""
    assert checklist(Path("my-env"), CHECKOUT) == "pytest features/ --policies my-env"
    elsewhere = checklist(Path("my env"), tmp_path)
    features = CHECKOUT / "features"
    assert shlex.split(elsewhere) == [
        "pytest", str(features), "--policies", str(tmp_path / "my env")
    ]  # fmt: skip
    below = checklist(Path("../my-env"), features)
    assert shlex.split(below)[1:] == [str(features), "--policies", str(CHECKOUT / "my-env")]
