"""Unit tests of handson.policies: loading and checking a learner's policy files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from handson import i18n, policies
from handson.errors import SuiteUsageError
from handson.i18n import t
from handson.names import PLACEHOLDER
from handson.policies import (
    MANAGED_POLICY_MAX_CHARS,
    MAX_POLICY_FILE_BYTES,
    ROLE_POLICY_FILE,
    SEED_DIR,
    TRUST_POLICY_FILE,
    TRUST_POLICY_MAX_CHARS,
    USER_POLICY_FILE,
    PolicySet,
    load_policy_set,
    name_from_policies,
    policy_size,
)

IDENTITY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}
TRUST: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def write(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def policy_dir(
    base: Path, *, user: Any = IDENTITY, role: Any = IDENTITY, trust: Any = None
) -> Path:
    write(base / USER_POLICY_FILE, user)
    write(base / ROLE_POLICY_FILE, role)
    if trust is not None:
        write(base / TRUST_POLICY_FILE, trust)
    return base


def usage_error(directory: Path) -> str:
    with pytest.raises(SuiteUsageError) as caught:
        load_policy_set(directory)
    message = str(caught.value)
    assert "\n" not in message
    return message


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

NAME = "abcdefghij"  # 10 characters where the placeholder has 7: the rendered policy grows by 3


def render(text: str) -> str:
    return text.replace(PLACEHOLDER, NAME)


def sized(size: int, *, trust: bool = False) -> dict[str, Any]:
    """A document of exactly ``size`` characters without whitespace once rendered."""

    def document(padding: int) -> dict[str, Any]:
        if trust:
            statement = {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:PrincipalTag/run": PLACEHOLDER + "x" * padding}
                },
            }
        else:
            resource = f"arn:aws:s3:::handson-s3-1-{PLACEHOLDER}/" + "x" * padding
            statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": resource}
        return {"Version": "2012-10-17", "Statement": [statement]}

    def rendered_size(padding: int) -> int:
        return policy_size(json.loads(render(json.dumps(document(padding), ensure_ascii=False))))

    padding = size - rendered_size(0)
    assert rendered_size(padding) == size
    return document(padding)


def size_error(policies: PolicySet) -> str:
    with pytest.raises(SuiteUsageError) as caught:
        policies.check_sizes(render)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_size_is_counted_without_whitespace() -> None:
    spaced = json.dumps(IDENTITY, indent=8)
    assert policy_size(json.loads(spaced)) == len(json.dumps(IDENTITY).replace(" ", ""))


def test_seed_policies_are_well_within_the_limits() -> None:
    load_policy_set().check_sizes(render)


@pytest.mark.parametrize("file_name", [USER_POLICY_FILE, ROLE_POLICY_FILE])
def test_managed_policy_of_6144_characters_is_accepted(tmp_path: Path, file_name: str) -> None:
    policy_dir(tmp_path)
    write(tmp_path / file_name, sized(MANAGED_POLICY_MAX_CHARS))
    load_policy_set(tmp_path).check_sizes(render)


@pytest.mark.parametrize("file_name", [USER_POLICY_FILE, ROLE_POLICY_FILE])
def test_managed_policy_of_6145_characters_is_refused(tmp_path: Path, file_name: str) -> None:
    policy_dir(tmp_path)
    write(tmp_path / file_name, sized(MANAGED_POLICY_MAX_CHARS + 1))
    assert size_error(load_policy_set(tmp_path)) == (
        f"{tmp_path / file_name}: 6,145 characters without whitespace; "
        "IAM allows 6,144 in a managed policy"
    )


def test_the_runs_name_counts_towards_the_size(tmp_path: Path) -> None:
    policy_dir(tmp_path, role=sized(MANAGED_POLICY_MAX_CHARS + 1))
    policies = load_policy_set(tmp_path)
    assert policy_size(policies.role.document()) == MANAGED_POLICY_MAX_CHARS - 2  # placeholder
    assert "6,145 characters" in size_error(policies)


def test_trust_policy_of_2048_characters_is_accepted(tmp_path: Path) -> None:
    policies = load_policy_set(
        policy_dir(tmp_path, trust=sized(TRUST_POLICY_MAX_CHARS, trust=True))
    )
    assert policies.trust.path == tmp_path / TRUST_POLICY_FILE
    policies.check_sizes(render)


def test_trust_policy_over_2048_characters_is_refused(tmp_path: Path) -> None:
    policy_dir(tmp_path, trust=sized(TRUST_POLICY_MAX_CHARS + 1, trust=True))
    message = size_error(load_policy_set(tmp_path))
    assert message.startswith(
        f"{tmp_path / TRUST_POLICY_FILE}: 2,049 characters without whitespace; "
        "IAM allows 2,048 in a role trust policy"
    )
    assert "4,096" in message
    assert "Service Quotas" in message


def test_huge_file_is_refused_without_being_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy_dir(tmp_path)
    huge = tmp_path / USER_POLICY_FILE  # the first file loaded: nothing is read before it
    # Valid JSON even: the whitespace would not count, but no real policy is near this size.
    huge.write_text(json.dumps(IDENTITY) + " " * MAX_POLICY_FILE_BYTES, encoding="utf-8")

    # The other files are still read: every problem of every file is named in one run.
    def refuse(original: Any) -> Any:
        def not_read(self: Any, *args: Any, **kwargs: Any) -> Any:
            if self == huge or (isinstance(self, str) and len(self) > MAX_POLICY_FILE_BYTES):
                raise AssertionError("the huge file was read or parsed")
            return original(self, *args, **kwargs)

        return not_read

    for method in ("read_text", "read_bytes", "open"):
        monkeypatch.setattr(Path, method, refuse(getattr(Path, method)))
    monkeypatch.setattr("handson.policies.json.loads", refuse(json.loads))
    message = usage_error(tmp_path)
    size = huge.stat().st_size
    assert size > MAX_POLICY_FILE_BYTES
    assert message.startswith(f"{huge}: {size:,} bytes, too large for a policy file")


def test_file_of_exactly_the_byte_limit_is_still_read(tmp_path: Path) -> None:
    policy_dir(tmp_path)
    text = json.dumps(IDENTITY)
    padded = text + " " * (MAX_POLICY_FILE_BYTES - len(text))
    (tmp_path / ROLE_POLICY_FILE).write_text(padded, encoding="utf-8")
    assert load_policy_set(tmp_path).role.document() == IDENTITY


# -- the learner's name, from the bucket ARNs of their files -----------------------------------


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
