"""A permissions boundary as a file of the policy folder (handson-iam-user-boundary.json,
handson-iam-role-boundary.json): read and checked as the policies are, said before the run,
refused where the run could not delete what it makes of it, written by handson discover from the
learner's account, and put into the environment when watch mode sees it saved."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from handson import i18n
from handson.discover import write_replay
from handson.discovered_files import boundary_policy
from handson.discovery import Discovery, FoundPolicy
from handson.errors import SuiteUsageError
from handson.names import RunNames
from handson.policies import (
    BOUNDARY_FILES,
    DISCOVERED_MANIFEST,
    SEED_DIR,
    USER_POLICY_FILE,
    load_policy_set,
    meant_as,
)
from handson.report_files import boundaries_in_words
from handson.settings import Settings, resolve
from handson.watch import edits
from handson.watch_apply import Unusable, apply_edits, changed_files, checked_as

USER_BOUNDARY = BOUNDARY_FILES["user"]
ROLE_BOUNDARY = BOUNDARY_FILES["role"]
ALL_BUT_START = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "NotAction": "ec2:StartInstances", "Resource": "*"}],
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(SEED_DIR, tmp_path / "policies", ignore=shutil.ignore_patterns("*.md"))
    return tmp_path / "policies"


def write(path: Path, document: Any) -> None:
    path.write_text(json.dumps(document, indent=2), "utf-8")


def test_a_boundary_file_is_read_with_its_side_and_said_before_the_run(folder: Path) -> None:
    assert load_policy_set(folder).boundaries == ()
    write(folder / ROLE_BOUNDARY, ALL_BUT_START)
    write(folder / USER_BOUNDARY, ALL_BUT_START)
    loaded = load_policy_set(folder)
    assert [side for side, _ in loaded.boundaries] == ["user", "role"]
    assert loaded.boundary("role") is not None
    assert loaded.boundary("role").path == folder / ROLE_BOUNDARY  # type: ignore[union-attr]
    assert [f.path.name for f in loaded.files()][3:] == [USER_BOUNDARY, ROLE_BOUNDARY]
    assert loaded.notes() == [
        f"note: {folder / USER_BOUNDARY} is given to the user as its permissions boundary"
        " (the hands-on sets none)",
        f"note: {folder / ROLE_BOUNDARY} is given to the role as its permissions boundary"
        " (the hands-on sets none)",
    ]
    assert load_policy_set().boundaries == ()  # the hands-on's own folder sets none


def test_a_boundary_file_is_checked_as_a_policy_with_the_others_in_one_refusal(
    folder: Path,
) -> None:
    statement = {"Effect": "Allow", "Resource": "*"}  # no Action
    write(folder / USER_BOUNDARY, {"Version": "2012-10-17", "Statement": [statement]})
    (folder / USER_POLICY_FILE).write_text('{"Version": "2012-10-17",', "utf-8")
    with pytest.raises(SuiteUsageError) as caught:
        load_policy_set(folder)
    lines = str(caught.value).splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith(str(folder / USER_POLICY_FILE))
    assert lines[1].startswith(str(folder / USER_BOUNDARY)) and "Action" in lines[1]


def test_a_copy_of_a_boundary_file_is_named_and_the_file_itself_is_no_copy(folder: Path) -> None:
    write(folder / USER_BOUNDARY, ALL_BUT_START)
    (folder / "handson-iam-user-boundary (1).json").write_text("{}", "utf-8")
    assert load_policy_set(folder).copies == ("handson-iam-user-boundary (1).json",)
    assert meant_as(USER_BOUNDARY) == ()
    assert meant_as("handson-iam-role-boundary.json.txt") == (ROLE_BOUNDARY,)


def test_a_boundary_is_named_as_the_account_names_it_where_discover_wrote_it(
    folder: Path,
) -> None:
    write(folder / USER_BOUNDARY, ALL_BUT_START)
    assert boundary_policy(load_policy_set(folder), "user", str).name == USER_BOUNDARY
    assert not boundary_policy(load_policy_set(folder), "user", str).aws_managed
    write(folder / DISCOVERED_MANIFEST, {"user_boundary": {"name": "sandbox-boundary"}})
    assert boundary_policy(load_policy_set(folder), "user", str).name == "sandbox-boundary"
    arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"  # nothing can be added to AWS's own
    write(folder / DISCOVERED_MANIFEST, {"user_boundary": {"name": "ReadOnlyAccess", "arn": arn}})
    assert boundary_policy(load_policy_set(folder), "user", str).aws_managed


def test_the_report_panel_names_the_boundaries_the_run_gives(folder: Path) -> None:
    assert boundaries_in_words(load_policy_set(folder), None) == ""
    arn = "arn:aws:iam::aws:policy/PowerUserAccess"
    assert boundaries_in_words(load_policy_set(folder), arn) == f"user and role: {arn}"
    write(folder / ROLE_BOUNDARY, ALL_BUT_START)
    write(folder / USER_BOUNDARY, ALL_BUT_START)
    write(folder / DISCOVERED_MANIFEST, {"role_boundary": {"name": "sandbox-boundary"}})
    assert boundaries_in_words(load_policy_set(folder), None) == (
        f"user: {USER_BOUNDARY}, role: sandbox-boundary"
    )


def test_a_learners_boundary_over_the_managed_limit_is_refused(folder: Path) -> None:
    wide = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": f"ec2:Describe{'X' * 40}{n}", "Resource": "*"}
            for n in range(150)
        ],
    }
    write(folder / ROLE_BOUNDARY, wide)
    loaded = load_policy_set(folder)
    with pytest.raises(SuiteUsageError, match=ROLE_BOUNDARY):
        loaded.check_sizes(RunNames("20261207-abc123").render)
    write(folder / DISCOVERED_MANIFEST, {})  # found in an account, made as it is on the emulator
    load_policy_set(folder).check_sizes(RunNames("20261207-abc123").render, unions_as_found=True)


def test_a_boundary_file_is_for_the_emulator_and_one_boundary_at_a_time(folder: Path) -> None:
    write(folder / USER_BOUNDARY, ALL_BUT_START)
    assert resolve({"policies": str(folder)}, {}).policies.boundary("user") is not None
    with pytest.raises(SuiteUsageError) as on_aws:
        resolve({"policies": str(folder), "target": "aws"}, {})
    assert str(on_aws.value) == (
        f"{USER_BOUNDARY} (a permissions boundary) can be used on the emulator only, not with"
        " --target aws: on AWS, create the boundary's policy in the account and give its ARN to"
        " --permissions-boundary"
    )
    arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    with pytest.raises(SuiteUsageError, match="use one of them"):
        resolve({"policies": str(folder), "permissions_boundary": arn}, {})


class RecordingIam:
    """What watch mode asks of IAM: the user's boundary, and the versions of that policy."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def get_user(self, **kwargs: Any) -> dict[str, Any]:
        boundary = {"PermissionsBoundaryArn": f"arn:boundary-of-{kwargs['UserName']}"}
        return {"User": {"PermissionsBoundary": boundary}}

    def list_policy_versions(self, **kwargs: Any) -> dict[str, Any]:
        return {"Versions": [{"VersionId": "v1", "IsDefaultVersion": True}]}

    def __getattr__(self, operation: str) -> Any:
        return lambda **kwargs: self.calls.append((operation, kwargs))


def test_a_saved_boundary_is_its_policys_new_default_version(folder: Path) -> None:
    write(
        folder / USER_BOUNDARY,
        {**ALL_BUT_START, "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    )
    before = load_policy_set(folder)
    write(folder / USER_BOUNDARY, ALL_BUT_START)
    after = load_policy_set(folder)
    changed = changed_files(before, after)
    assert changed == {"user boundary"} and checked_as(changed) == {"user"}
    names = RunNames("20261207-abc123")
    env: Any = SimpleNamespace(names=names, role_name="role")
    iam = RecordingIam()
    apply_edits(iam, env, after, changed, names.render)
    assert iam.calls == [
        (
            "create_policy_version",
            {
                "PolicyArn": f"arn:boundary-of-{names.user}",
                "PolicyDocument": json.dumps(ALL_BUT_START),
                "SetAsDefault": True,
            },
        )
    ]


@pytest.mark.parametrize("there_at_start", [True, False])
def test_a_boundary_file_added_or_removed_while_watching_is_one_line(
    folder: Path, there_at_start: bool
) -> None:
    """The user was made with or without the boundary: a save cannot change that."""
    if there_at_start:
        write(folder / USER_BOUNDARY, ALL_BUT_START)
    settings = Settings(
        target="emulator",
        names=RunNames("20261207-abc123"),
        region="ap-northeast-1",
        policies=load_policy_set(folder),
        policies_dir=folder,
        keep=False,
        endpoint_url=None,
    )
    if there_at_start:
        (folder / USER_BOUNDARY).unlink()
    else:
        write(folder / USER_BOUNDARY, ALL_BUT_START)
    said: list[str] = []
    found = list(edits(folder, lambda: settings, said.append, saves=lambda _: iter([set()])))
    line = "ERROR: " + i18n.t("watch.boundary_changed", files=USER_BOUNDARY)
    assert [s for s in said if s.startswith("ERROR:")] == [line]
    assert found == [Unusable((line,))]


def test_discover_writes_the_learners_boundaries_and_takes_away_one_gone_since(
    tmp_path: Path,
) -> None:
    found = Discovery(
        user="handson-iam-user",
        role="handson-iam-role",
        name="taro",
        buckets=("handson-s3-1-taro", "handson-s3-2-taro"),
        user_policies=[FoundPolicy("handson-iam-user-policy", "managed", ALL_BUT_START)],
        role_policies=[FoundPolicy("handson-iam-role-policy", "managed", ALL_BUT_START)],
    )
    arn = "arn:aws:iam::111122223333:policy/sandbox-boundary"
    found.boundaries["role"] = FoundPolicy("sandbox-boundary", "boundary", ALL_BUT_START, arn, "v3")
    out = tmp_path / "found"
    write_replay(found, out)
    assert json.loads((out / ROLE_BOUNDARY).read_text("utf-8")) == ALL_BUT_START
    manifest = json.loads((out / DISCOVERED_MANIFEST).read_text("utf-8"))
    assert manifest["role_boundary"] == {
        "name": "sandbox-boundary",
        "kind": "boundary",
        "arn": arn,
        "version": "v3",
    }
    loaded = load_policy_set(out)
    assert [side for side, _ in loaded.boundaries] == ["role"]
    assert boundary_policy(loaded, "role", str).name == "sandbox-boundary"
    found.boundaries.clear()  # taken off in the account, discover run again into the folder
    write_replay(found, out)
    assert not (out / ROLE_BOUNDARY).exists()
    assert load_policy_set(out).boundaries == ()
