"""handson.policies: the learner's name read from the bucket ARNs of the files, held to --name
and to S3's rules; copies beside the files, and a hint as the file writes the name."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from handson import i18n, policies
from handson.errors import SuiteUsageError
from handson.i18n import t
from handson.names import PLACEHOLDER
from handson.policies import (
    ROLE_POLICY_FILE,
    SEED_DIR,
    USER_POLICY_FILE,
    PolicySet,
    load_policy_set,
    name_from_policies,
)
from tests.helpers.policy_files import write


def seed_with(base: Path, role_name: str, user_name: str | None = None) -> PolicySet:
    """The seed's files as a learner copies them, with names put in place of the placeholder."""
    base.mkdir(parents=True, exist_ok=True)
    for file, name in ((ROLE_POLICY_FILE, role_name), (USER_POLICY_FILE, user_name)):
        text = (SEED_DIR / file).read_text("utf-8")
        if name is not None:
            text = text.replace(PLACEHOLDER, name)
        (base / file).write_text(text, "utf-8")
    user = json.loads((base / USER_POLICY_FILE).read_text("utf-8"))
    if user_name is not None:  # the seed's user policy names no bucket: give it one
        user["Statement"][0]["Resource"] = [f"arn:aws:s3:::handson-s3-1-{user_name}/*"]
        write(base / USER_POLICY_FILE, user)
    return load_policy_set(base)


def test_the_name_comes_from_the_bucket_arns(tmp_path: Path) -> None:
    assert name_from_policies(seed_with(tmp_path, "taro-20251126"), None) == "taro-20251126"


def test_the_placeholder_leaves_the_name_to_the_run() -> None:
    assert name_from_policies(load_policy_set(), None) is None
    assert name_from_policies(load_policy_set(), "given-name") is None


def test_the_placeholder_written_as_json_escapes_is_the_placeholder(tmp_path: Path) -> None:
    """The seed's files as a tool writes JSON in ASCII only: still the placeholder, no name."""
    for file in (ROLE_POLICY_FILE, USER_POLICY_FILE):
        document = json.loads((SEED_DIR / file).read_text("utf-8"))
        (tmp_path / file).write_text(json.dumps(document, indent=2), "utf-8")  # \\u81ea...
    assert "\\u81ea" in (tmp_path / ROLE_POLICY_FILE).read_text("utf-8")
    assert name_from_policies(load_policy_set(tmp_path), None) is None


def test_the_same_name_given_with_name_is_fine(tmp_path: Path) -> None:
    policies = seed_with(tmp_path, "taro-20251126")
    assert name_from_policies(policies, "taro-20251126") == "taro-20251126"


def one_line(policies: PolicySet, given: str | None) -> str:
    with pytest.raises(SuiteUsageError) as caught:
        name_from_policies(policies, given)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_different_name_option_names_the_file(tmp_path: Path) -> None:
    message = one_line(seed_with(tmp_path, "taro-20251126"), "hanako")
    assert "--name 'hanako'" in message and "'taro-20251126'" in message
    assert ROLE_POLICY_FILE in message


def test_two_names_in_the_files_are_refused(tmp_path: Path) -> None:
    message = one_line(seed_with(tmp_path, "taro", user_name="jiro"), None)
    assert "different" in message
    assert f"{ROLE_POLICY_FILE}: taro" in message and f"{USER_POLICY_FILE}: jiro" in message


@pytest.mark.parametrize("bad", ["Taro", "ta_ro", "x", "taro--jiro"])
def test_a_name_against_the_s3_rules_is_refused(tmp_path: Path, bad: str) -> None:
    message = one_line(seed_with(tmp_path, bad), None)
    assert f"the name {bad!r} in its bucket ARNs" in message


def test_a_folder_gone_while_its_files_are_read_is_said_to_be_gone(tmp_path: Path) -> None:
    """Watch mode reads a save while the learner renames the folder away: the folder was there
    when the files were looked for, and gone when the others were listed (FileNotFoundError
    ended the watch session with an INTERNALERROR)."""
    gone = tmp_path / "policies"
    assert policies._missing(gone / USER_POLICY_FILE) == t("policy.not_dir", path=gone)


def test_copies_beside_the_policy_files_are_said_and_never_read(tmp_path: Path) -> None:
    """A browser's second download (`` (1).json``) or Explorer's copy (`` - コピー.json``)
    beside the files: the run reads the exact names only, so a learner who edited the copy saw
    the original checked, without a word. Editors' backups (``~``) are not copies to name."""
    folder = tmp_path / "mine"
    shutil.copytree(SEED_DIR, folder)
    assert load_policy_set(folder).notes() == [] and load_policy_set().copies == ()
    for name in ("handson-iam-user-policy (1).json", "handson-iam-role-policy - コピー.json"):
        (folder / name).write_text("{}", "utf-8")
    (folder / "handson-iam-user-policy.json~").write_text("{}", "utf-8")
    (folder / "notes.json").write_text("{}", "utf-8")
    loaded = load_policy_set(folder)
    assert loaded.copies == (
        "handson-iam-role-policy - コピー.json",
        "handson-iam-user-policy (1).json",
    )
    assert loaded.notes() == [
        i18n.t("policy.copies_beside", folder=folder, copies=i18n.listed(loaded.copies))
    ]
    assert loaded.user.path == folder / USER_POLICY_FILE  # the original, not the copy


def test_a_hint_names_what_the_placeholder_became_as_the_file_writes_it(tmp_path: Path) -> None:
    """A file that kept <自分の名前> is told its fix with it, so that it can be copied in; a file
    with the learner's own name, or JSON's escape of the placeholder, as it is written."""
    from handson.names import PLACEHOLDER
    from handson.policies import PolicyFile, as_written

    kept = PolicyFile(
        tmp_path / "r.json", '{"Resource": "arn:aws:s3:::handson-s3-2-<自分の名前>/open"}'
    )
    shown = as_written(kept, "20261206-ab12cd")
    said = "arn:aws:s3:::handson-s3-2-20261206-ab12cd/open/* (handson-iam-role-20261206-ab12cd)"
    assert shown(said) == (
        f"arn:aws:s3:::handson-s3-2-{PLACEHOLDER}/open/* (handson-iam-role-20261206-ab12cd)"
    )  # only the names the file wrote with the placeholder
    escaped = PolicyFile(  # as json.dumps writes it with ensure_ascii
        tmp_path / "r.json", json.dumps({"Resource": f"arn:aws:s3:::handson-s3-2-{PLACEHOLDER}"})
    )
    assert PLACEHOLDER not in escaped.text
    assert as_written(escaped, "x")("handson-s3-2-x") == f"handson-s3-2-{PLACEHOLDER}"
    own = PolicyFile(tmp_path / "r.json", '{"Resource": "arn:aws:s3:::handson-s3-2-taro/open"}')
    assert as_written(own, "taro")("handson-s3-2-taro/open/*") == "handson-s3-2-taro/open/*"
    # Bucket 1's ARN left out with ForS31 (the file names bucket 2's alone): the hands-on's
    # names keep the placeholder too, as the hands-on's own file writes them.
    role = PolicyFile(
        tmp_path / "handson-iam-role-policy.json",
        '{"Resource": "arn:aws:s3:::handson-s3-2-<自分の名前>/open/*"}',
    )
    assert as_written(role, "x1")("handson-s3-1-x1/* and handson-iam-role-x1") == (
        f"handson-s3-1-{PLACEHOLDER}/* and handson-iam-role-x1"
    )
    # A file of the learner's own name: never (the name is theirs, not the placeholder).
    own_role = PolicyFile(tmp_path / "handson-iam-role-policy.json", own.text)
    assert as_written(own_role, "taro")("handson-s3-1-taro/*") == "handson-s3-1-taro/*"


def test_discovers_folder_keeps_a_placeholder_as_the_account_holds_it(tmp_path: Path) -> None:
    """handson discover's folder holds the policies as the account does: a <自分の名前> left in
    one is the account's text, which AWS compares as written. The run puts no name there (it
    did, and graded a policy that AWS would deny as the hands-on's), and its hints show the
    names as they are. A learner's own folder keeps the placeholder for the run's name."""
    from handson.policies import DISCOVERED_MANIFEST, as_written

    written = f"arn:aws:s3:::handson-s3-2-{PLACEHOLDER}/open/*"
    for folder in ("mine", "discovered"):
        base = tmp_path / folder
        base.mkdir()
        for file in (USER_POLICY_FILE, ROLE_POLICY_FILE):
            (base / file).write_text((SEED_DIR / file).read_text("utf-8"), "utf-8")
    (tmp_path / "discovered" / DISCOVERED_MANIFEST).write_text("{}", "utf-8")

    def render(text: str) -> str:
        return text.replace(PLACEHOLDER, "taro")

    mine, found = (load_policy_set(tmp_path / f) for f in ("mine", "discovered"))
    assert not any(f.literal for f in mine.files())
    assert all(f.literal for f in found.files())
    assert written not in json.dumps(mine.role.document(render), ensure_ascii=False)
    assert written in json.dumps(found.role.document(render), ensure_ascii=False)
    assert as_written(found.role, "taro")("handson-s3-2-taro/open/*") == "handson-s3-2-taro/open/*"
    assert as_written(mine.role, "taro")("handson-s3-2-taro/open/*") == written.split(":::")[1]


def test_a_placeholder_left_beside_a_name_is_one_line(tmp_path: Path) -> None:
    """The learner wrote taro in one statement and left <自分の名前> in another: on AWS that
    ARN matches no bucket (R8 fails there), where the run would have put taro in for it."""
    seed_with(tmp_path, "taro")
    role = tmp_path / ROLE_POLICY_FILE
    document = json.loads(role.read_text("utf-8"))
    listing = next(s for s in document["Statement"] if s.get("Sid") == "ForS32OpenList")
    listing["Resource"] = f"arn:aws:s3:::handson-s3-2-{PLACEHOLDER}"
    write(role, document)
    with pytest.raises(SuiteUsageError) as refused:
        name_from_policies(load_policy_set(tmp_path), None)
    said = str(refused.value)
    assert said == t("policy.placeholder_left", path=role, name="taro"), said
    assert "\n" not in said


@pytest.mark.parametrize("written", ["handson-s3-1taro", "handson-s3-1- taro"])
def test_a_bucket_out_of_the_hands_on_s_form_is_one_line(tmp_path: Path, written: str) -> None:
    """No name can be read from handson-s3-1taro (the hyphen left out) or a name pasted with a
    space: the run made one up, and its hints named that made-up bucket as the hands-on's."""
    seed_with(tmp_path, PLACEHOLDER)
    role = tmp_path / ROLE_POLICY_FILE
    role.write_text(
        role.read_text("utf-8").replace(f"handson-s3-1-{PLACEHOLDER}", written), "utf-8"
    )
    with pytest.raises(SuiteUsageError) as refused:
        name_from_policies(load_policy_set(tmp_path), None)
    assert str(refused.value) == t("policy.bucket_misshapen", path=role, arn=written)


@pytest.mark.parametrize("written", ["handson-s3-*", "handson-s3-1*", "handson-s3-?-taro"])
def test_a_wildcard_over_the_buckets_is_no_misshapen_bucket(tmp_path: Path, written: str) -> None:
    seed_with(tmp_path, PLACEHOLDER)
    role = tmp_path / ROLE_POLICY_FILE
    role.write_text(
        role.read_text("utf-8").replace(f"handson-s3-1-{PLACEHOLDER}", written), "utf-8"
    )
    assert name_from_policies(load_policy_set(tmp_path), None) in (None, "taro")
