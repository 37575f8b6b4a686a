"""Unit tests of handson.policies: loading and checking a learner's policy files (their sizes:
test_policy_sizes.py; the name in their bucket ARNs: test_policy_names.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from handson.errors import SuiteUsageError
from handson.policies import (
    DISCOVERED_MANIFEST,
    ROLE_POLICY_FILE,
    SEED_DIR,
    TRUST_POLICY_FILE,
    USER_POLICY_FILE,
    load_policy_set,
)
from tests.helpers.policy_files import IDENTITY, TRUST, policy_dir, usage_error, write


def test_seed_set_loads() -> None:
    policies = load_policy_set()
    assert policies.user.path == SEED_DIR / USER_POLICY_FILE
    assert policies.role.path == SEED_DIR / ROLE_POLICY_FILE
    assert policies.trust.path == SEED_DIR / TRUST_POLICY_FILE
    assert [f.path.name for f in policies.files()] == [
        USER_POLICY_FILE,
        ROLE_POLICY_FILE,
        TRUST_POLICY_FILE,
    ]
    assert "<自分の名前>" in policies.role.text
    assert policies.role.document()["Version"] == "2012-10-17"


def test_own_files_are_used_and_trust_falls_back_to_the_seed(tmp_path: Path) -> None:
    policies = load_policy_set(policy_dir(tmp_path))
    assert policies.user.path == tmp_path / USER_POLICY_FILE
    assert policies.role.path == tmp_path / ROLE_POLICY_FILE
    assert policies.trust.path == SEED_DIR / TRUST_POLICY_FILE
    assert policies.user.document() == IDENTITY


def test_own_trust_file_is_used_when_present(tmp_path: Path) -> None:
    policies = load_policy_set(policy_dir(tmp_path, trust=TRUST))
    assert policies.trust.path == tmp_path / TRUST_POLICY_FILE


def test_document_renders_the_placeholder(tmp_path: Path) -> None:
    role = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b-<自分の名前>"}
        ],
    }
    policies = load_policy_set(policy_dir(tmp_path, role=role))
    document = policies.role.document(lambda text: text.replace("<自分の名前>", "abc"))
    assert document["Statement"][0]["Resource"] == "arn:aws:s3:::b-abc"


@pytest.mark.parametrize("missing", [USER_POLICY_FILE, ROLE_POLICY_FILE])
def test_missing_file_names_the_path(tmp_path: Path, missing: str) -> None:
    policy_dir(tmp_path)
    (tmp_path / missing).unlink()
    message = usage_error(tmp_path)
    assert str(tmp_path / missing) in message
    assert "missing" in message


def test_malformed_json_names_file_and_line(tmp_path: Path) -> None:
    policy_dir(tmp_path)
    (tmp_path / ROLE_POLICY_FILE).write_text(
        '{\n  "Version": "2012-10-17",\n  "Statement": [\n}\n', encoding="utf-8"
    )
    message = usage_error(tmp_path)
    assert ROLE_POLICY_FILE in message
    assert "line 4" in message


def test_non_utf8_file_is_a_usage_error(tmp_path: Path) -> None:
    policy_dir(tmp_path)
    (tmp_path / USER_POLICY_FILE).write_bytes(b'{"Version": "\xff\xfe"}')
    assert USER_POLICY_FILE in usage_error(tmp_path)


def _identity(**statement: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [statement]}


@pytest.mark.parametrize(
    ("file_name", "document", "expected"),
    [
        pytest.param(USER_POLICY_FILE, {"Version": "2012-10-17"}, "Statement", id="no-statement"),
        pytest.param(
            USER_POLICY_FILE,
            {"Version": "2012-10-17", "Statement": []},
            "Statement",
            id="empty-statement",
        ),
        pytest.param(
            USER_POLICY_FILE,
            _identity(Effect="Maybe", Action="s3:*", Resource="*"),
            "Effect",
            id="effect-maybe",
        ),
        pytest.param(
            ROLE_POLICY_FILE,
            _identity(Effect="Allow", Action="s3:*", NotAction="iam:*", Resource="*"),
            "NotAction",
            id="action-and-notaction",
        ),
        pytest.param(
            ROLE_POLICY_FILE,
            _identity(Effect="Allow", Resource="*"),
            "Action",
            id="no-action",
        ),
        pytest.param(
            ROLE_POLICY_FILE,
            _identity(Effect="Allow", Action="s3:*"),
            "Resource",
            id="no-resource",
        ),
        pytest.param(
            USER_POLICY_FILE,
            _identity(Effect="Allow", Action="s3:*", Resource="*", Principal="*"),
            "Principal",
            id="identity-with-principal",
        ),
        pytest.param(
            TRUST_POLICY_FILE,
            _identity(Effect="Allow", Action="sts:AssumeRole"),
            "Principal",
            id="trust-without-principal",
        ),
        pytest.param(USER_POLICY_FILE, ["not", "an", "object"], "JSON object", id="not-object"),
        pytest.param(
            ROLE_POLICY_FILE,
            {"Statement": IDENTITY["Statement"]},
            "Version",
            id="missing-version",
        ),
        pytest.param(
            ROLE_POLICY_FILE,
            {"Version": "2012-10-17", "Statement": ["s3:*"]},
            "statement 1",
            id="statement-not-object",
        ),
    ],
)
def test_structure_problems_name_the_file(
    tmp_path: Path, file_name: str, document: Any, expected: str
) -> None:
    policy_dir(tmp_path, trust=TRUST)
    write(tmp_path / file_name, document)
    message = usage_error(tmp_path)
    assert str(tmp_path / file_name) in message
    assert expected in message


def test_statement_as_single_object_is_accepted(tmp_path: Path) -> None:
    single = {"Version": "2012-10-17", "Statement": IDENTITY["Statement"][0]}
    policies = load_policy_set(policy_dir(tmp_path, user=single))
    assert policies.user.document() == single


def test_problem_in_second_statement_names_its_position(tmp_path: Path) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [IDENTITY["Statement"][0], {"Effect": "Allow", "Action": "s3:*"}],
    }
    policy_dir(tmp_path, user=document)
    assert "statement 2" in usage_error(tmp_path)


def test_utf8_bom_file_loads(tmp_path: Path) -> None:
    policy_dir(tmp_path)
    text = json.dumps(IDENTITY)
    (tmp_path / USER_POLICY_FILE).write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    policies = load_policy_set(tmp_path)
    assert policies.user.document() == IDENTITY


def test_a_policy_file_given_for_its_folder_names_the_folder(tmp_path: Path) -> None:
    a_file = write(tmp_path / "policy.json", IDENTITY)
    assert usage_error(a_file) == (
        f"--policies {a_file}: a file; --policies takes the folder the policy files are in"
        f" (--policies {tmp_path})"
    )


def test_a_missing_policy_file_says_which_files_a_folder_needs(tmp_path: Path) -> None:
    """A folder without the role's policy: which files are needed, and that the trust
    policy's is not (a learner who left out the role's thought it optional too)."""
    write(tmp_path / USER_POLICY_FILE, IDENTITY)
    assert usage_error(tmp_path) == (
        f"{tmp_path / ROLE_POLICY_FILE}: policy file is missing (a folder of your own needs the "
        "user's and the role's policy files; the trust policy's may be left out)"
    )


def test_a_policy_file_under_another_name_is_named_with_the_name_to_give_it(
    tmp_path: Path,
) -> None:
    write(tmp_path / "user.json", IDENTITY)
    write(tmp_path / ROLE_POLICY_FILE, IDENTITY)
    assert usage_error(tmp_path) == (
        f"{tmp_path / USER_POLICY_FILE}: policy file is missing; this folder holds user.json:"
        f" to use one of them, name it {USER_POLICY_FILE}"
    )


@pytest.mark.parametrize(
    ("saved_as", "hidden"),
    [
        (f"{USER_POLICY_FILE}.txt", True),
        ("handson-iam-user-policy.txt", True),  # typed without .json, saved by Notepad
        ("Handson-IAM-User-Policy (1).json", False),  # a browser's second download
    ],
)
def test_a_policy_file_of_a_name_alike_is_named_before_other_json_files(
    tmp_path: Path, saved_as: str, hidden: bool
) -> None:
    """Notepad's "….json.txt", whose .txt Explorer hides, is named, with how to see it; a name
    whose every part shows is named without it."""
    write(tmp_path / saved_as, IDENTITY)
    write(tmp_path / "notes.json", IDENTITY)
    write(tmp_path / ROLE_POLICY_FILE, IDENTITY)
    named = (
        f"{tmp_path / USER_POLICY_FILE}: policy file is missing; this folder holds {saved_as},"
        f" of a name alike: name it {USER_POLICY_FILE}"
    )
    explorer = (
        " (Windows' Explorer hides extensions such as .txt: turn on View, File name extensions,"
        " to see them)"
    )
    assert usage_error(tmp_path) == named + (explorer if hidden else "")


@pytest.mark.parametrize("after", ['"', '" --name taro'])
def test_a_folder_whose_closing_quote_windows_took_into_its_name_is_named(
    tmp_path: Path, after: str
) -> None:
    """cmd and Windows PowerShell 5 hand --policies "C:\\my policies\\" --name taro on as
    one argument, C:\\my policies" --name taro (a backslash before a quote escapes it)."""
    folder = tmp_path / "my policies"
    folder.mkdir()
    said = usage_error(Path(f"{folder}{after}"))
    assert said.startswith(f"--policies {folder}{after}: the folder's name holds a \":"), said
    assert said.endswith(f'drop the last \\ ("{folder}") or the quotes')
    assert "not a directory" in usage_error(Path(f'{tmp_path / "nowhere"}"'))


def test_nonexistent_directory_is_an_error(tmp_path: Path) -> None:
    assert "not a directory" in usage_error(tmp_path / "nowhere")


@pytest.mark.parametrize("typed_name", ["polices", "Policies", "policy"])
def test_a_mistyped_folder_names_the_folder_beside_it_meant(
    tmp_path: Path, typed_name: str
) -> None:
    (tmp_path / "policies").mkdir()
    (tmp_path / "reports").mkdir()
    said = usage_error(tmp_path / typed_name)
    assert said.endswith(f"not a directory (did you mean {tmp_path / 'policies'}?)"), said
    assert "did you mean" not in usage_error(tmp_path / "xyz")


# -- sizes: IAM's limits, counted without whitespace, with the run's name in place ------------


@pytest.mark.parametrize(
    ("manifest", "unions_as_found", "refused"),
    [(True, True, False), (True, False, True), (False, True, True), (False, False, True)],
    ids=["discovered, emulator", "discovered, aws", "a learner's own, emulator", "own, aws"],
)
def test_a_discovered_union_is_not_held_to_one_policys_limit_where_it_is_made_as_found(
    tmp_path: Path, manifest: bool, unions_as_found: bool, refused: bool
) -> None:
    """handson discover merges every policy a principal holds into its file; on the emulator the
    run makes it as it is (the replay does too), so IAM's limit on one customer managed policy
    is not its limit there. A learner's own file over it, or any on AWS, is refused as before."""
    big = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [f"ec2:Describe{n:04}" for n in range(400)],
                "Resource": "*",
            }
        ],
    }
    folder = policy_dir(tmp_path, user=big)
    if manifest:
        (folder / DISCOVERED_MANIFEST).write_text("{}", "utf-8")
    policies = load_policy_set(folder)
    assert policies.discovered is manifest
    if refused:
        with pytest.raises(SuiteUsageError, match="6,144"):
            policies.check_sizes(str, unions_as_found=unions_as_found)
    else:
        policies.check_sizes(str, unions_as_found=unions_as_found)
