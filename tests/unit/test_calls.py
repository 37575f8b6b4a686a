"""``handson calls`` (handson/calls.py, handson/call_compare.py): two call records compared, the
differences printed in the run's language, exit code 0 / 1 / 2; and the committed reference
(tests/helpers/call_reference.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from handson import calls
from handson.i18n import set_language
from tests.helpers.call_reference import REFERENCE, assert_reference_current, reference_text


@pytest.fixture(autouse=True)
def japanese_by_default(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("HANDSON_LANG", raising=False)
    yield
    set_language("ja")


def call(
    operation: str,
    outcome: str = "ok",
    who: str = "provisioning",
    service: str = "s3",
    name: str = "20261204-5o1dpc",
    account: str = "123456789012",
    **params: object,
) -> dict[str, object]:
    return {
        "who": who,
        "principal": f"arn:aws:iam::{account}:user/tests-admin-0",
        "service": service,
        "operation": operation,
        "action": f"{service}:{operation}",
        "params": params,
        "outcome": outcome,
    }


def run_record(name: str, account: str, *extra: dict[str, object]) -> list[dict[str, object]]:
    """A run's calls as the recorder writes them, with what differs between any two runs."""
    return [
        call("GetParameter", "ParameterNotFound", service="ssm",
             Name=f"/handson-iam-acceptance/runs/{name}"),
        call("CreateBucket", Bucket=f"handson-s3-1-{name}"),
        call("PutBucketTagging", Bucket=f"handson-s3-1-{name}",
             Tags=[{"Key": "handson:run", "Value": f"{name}-{account}"}]),
        call("AttachRolePolicy", service="iam", RoleName=f"handson-iam-role-{name}",
             PolicyArn=f"arn:aws:iam::{account}:policy/handson-iam-role-policy-{name}"),
        call("GetCommandInvocation", service="ssm", CommandId=f"{account}-uuid",
             InstanceId=f"i-{account}"),
        call("ListUsers", "AccessDenied", who="user", service="iam"),
        *extra,
    ]  # fmt: skip


def write(path: Path, lines: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(c) + "\n" for c in lines), "utf-8")
    return path


def real_and_offline(
    tmp_path: Path, real_extra: list[dict[str, object]], offline_extra: list[dict[str, object]]
) -> tuple[Path, Path]:
    real = run_record("taro", "210987654321", *real_extra)
    offline = run_record("20261204-5o1dpc", "123456789012", *offline_extra)
    return write(tmp_path / "real.jsonl", real), write(tmp_path / "offline.jsonl", offline)


def compared(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = calls.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_records_that_differ_only_in_what_runs_make_up_are_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Name, account, IDs, tags, how often a call was polled, a retried throttle: no difference."""
    real, offline = real_and_offline(
        tmp_path,
        [call("GetCommandInvocation", service="ssm", CommandId="other"),
         call("CreateBucket", "SlowDown", Bucket="handson-s3-1-taro")],
        [],
    )  # fmt: skip
    code, out, err = compared(capsys, real, offline)
    assert (code, err) == (0, "")
    assert out == f"違いはありません: {real} と {offline} の呼び出しと応答は同じです\n"


def test_a_call_missing_and_a_call_extra_are_named_with_their_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = call("GetBucketPolicy", Bucket="handson-s3-1-taro")
    role = "arn:aws:iam::123456789012:role/handson-iam-role-20261204-5o1dpc"
    missing = call("SimulatePrincipalPolicy", service="iam", PolicySourceArn=role)
    real, offline = real_and_offline(tmp_path, [extra, extra], [missing])
    code, out, _ = compared(capsys, real, offline, "--lang", "en")
    assert code == 1
    assert out.splitlines() == [
        "differences: 1 call(s) only in the first record, 1 only in the second, "
        "0 with other answers",
        f"made only in {real}:",
        "  provisioning: s3 GetBucketPolicy (s3:GetBucketPolicy) Bucket=handson-s3-1-<name> x2",
        f"made only in {offline}:",
        "  provisioning: iam SimulatePrincipalPolicy (iam:SimulatePrincipalPolicy) "
        "PolicySourceArn=arn:aws:iam::<account>:role/handson-iam-role-<name> x1",
    ]


def test_a_call_refused_on_aws_says_the_sandbox_role_lacks_the_permission(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HANDSON_LANG", "en")
    refused = call("PutBucketTagging", "AccessDenied", Bucket="handson-s3-1-taro")
    real = run_record("taro", "210987654321")
    real[2] = refused
    real_path, offline = write(tmp_path / "real.jsonl", real), tmp_path / "offline.jsonl"
    write(offline, run_record("20261204-5o1dpc", "123456789012"))
    code, out, _ = compared(capsys, real_path, offline)
    assert code == 1
    assert out.splitlines()[-3:] == [
        f"other answers ({real_path} / {offline}):",
        "  provisioning: s3 PutBucketTagging (s3:PutBucketTagging) Bucket=handson-s3-1-<name>: "
        "AccessDenied / ok",
        "    the sandbox role lacks s3:PutBucketTagging: add it to NightlyRole in "
        "ci/sandbox-bootstrap.yaml and deploy the stack again",
    ]


def test_a_changed_answer_is_shown_in_japanese_and_a_denial_retried_until_allowed_is_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real, offline = real_and_offline(
        tmp_path,
        [call("GetObject", "AccessDenied", who="user", Bucket="handson-s3-2-taro", Key="open/a"),
         call("GetObject", who="user", Bucket="handson-s3-2-taro", Key="open/a"),
         call("PutObject", "AccessDenied", who="user", Bucket="handson-s3-2-taro", Key="open/a")],
        [call("GetObject", who="user", Bucket="handson-s3-2-20261204-5o1dpc", Key="open/a"),
         call("PutObject", who="user", Bucket="handson-s3-2-20261204-5o1dpc", Key="open/a")],
    )  # fmt: skip
    code, out, _ = compared(capsys, real, offline)
    assert code == 1
    assert "GetObject" not in out
    assert out.splitlines()[-2:] == [
        "  user: s3 PutObject (s3:PutObject) Bucket=handson-s3-2-<name> Key=open/a: "
        "AccessDenied / ok",
        "    エミュレータでは許可された s3:PutObject が AWS では拒否されました。"
        "この実行とオフラインの実行のチェックポイントの結果を比べてください",
    ]
    assert out.startswith(
        "違い: 1 つ目の記録だけにある呼び出し 0 件、2 つ目だけにある呼び出し 0 件、"
        "応答が違う呼び出し 1 件\n"
    )


@pytest.mark.parametrize(
    ("content", "line"),
    [("not json\n", 1), ('{"who": "user"}\n', 1), ("\n[1, 2]\n", 2), (None, 0), ("", 0)],
    ids=["not-json", "fields-missing", "not-an-object", "no-file", "empty"],
)
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_bad_input_is_one_line_in_the_run_language_and_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    content: str | None,
    line: int,
    lang: str,
) -> None:
    monkeypatch.setenv("HANDSON_LANG", lang)
    good = write(tmp_path / "good.jsonl", run_record("taro", "210987654321"))
    bad = tmp_path / "bad.jsonl"
    if content is not None:
        bad.write_text(content, "utf-8")
    code, out, err = compared(capsys, good, bad)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "Traceback" not in err
    kind = "no-file" if content is None else "empty" if not content else "malformed"
    expected = {
        ("ja", "no-file"): f"エラー: {bad}: 読めません（ファイルがありません）。--record-calls が",
        ("en", "no-file"): f"error: {bad}: cannot be read (there is no such file); give the",
        ("ja", "empty"): f"エラー: {bad}: 呼び出しの記録が1つもありません。",
        ("en", "empty"): f"error: {bad}: holds no calls; give the file --record-calls wrote",
        ("ja", "malformed"): f"エラー: {bad} の {line} 行目: 呼び出しの記録ではありません",
        ("en", "malformed"): f"error: {bad}, line {line}: not a call record",
    }[(lang, kind)]
    assert err.startswith(expected), err


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda path: path.mkdir(), "ファイルではなくフォルダです"),
        (
            lambda path: write(path, run_record("taro", "210987654321")).write_bytes(
                path.read_text("utf-8").encode("utf-16")
            ),
            "UTF-16 で保存されています（PowerShell の > や Out-File",
        ),
    ],
    ids=["a-folder", "utf-16"],
)
def test_a_record_that_cannot_be_read_says_why(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    make: Callable[[Path], object],
    why: str,
) -> None:
    """A folder given for a record was 'no such file'; a record copied with PowerShell's '>'
    (UTF-16) was 'line 1: not a call record'."""
    good = write(tmp_path / "good.jsonl", run_record("taro", "210987654321"))
    bad = tmp_path / "calls.jsonl"
    make(bad)
    code, out, err = compared(capsys, good, bad)
    assert (code, out) == (2, "") and err.count("\n") == 1, err
    assert err.startswith(f"エラー: {bad}: 読めません（{why}"), err


def test_the_reference_is_a_record_the_command_reads_and_its_helper_fails_when_stale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = write(tmp_path / "calls.jsonl", run_record("20261204-5o1dpc", "123456789012"))
    reference = tmp_path / "offline-calls.jsonl"
    with pytest.raises(AssertionError) as stale:
        assert_reference_current(record, reference, environ={})
    assert "HANDSON_UPDATE_REFERENCE=1 pytest tests/test_aws_target.py" in str(stale.value)
    assert "+ " in str(stale.value)
    assert_reference_current(record, reference, environ={"HANDSON_UPDATE_REFERENCE": "1"})
    assert_reference_current(record, reference, environ={})  # now current
    assert reference.read_text("utf-8") == reference_text(record)
    assert "20261204-5o1dpc" not in reference.read_text("utf-8")
    assert "123456789012" not in reference.read_text("utf-8")
    code, _, _ = compared(capsys, record, reference)
    assert code == 0


MADE_UP = re.compile(
    r"\d{12}|\d{8}-[a-z0-9]{6}|\b(i|sg|vpc|subnet|ami)-[0-9a-f]{8,}|[0-9a-f]{8}-[0-9a-f]{4}-"
)


def test_the_committed_reference_is_normalised_and_readable(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = REFERENCE.read_text("utf-8")
    assert text == "".join(sorted(set(text.splitlines(keepends=True))))
    for line in text.splitlines():
        found = json.loads(line)
        assert found["principal"] == "<principal>"
        # No run's name, account, run ID, instance, command or other ID AWS makes up.
        assert not MADE_UP.search(json.dumps(found["params"])), line
    assert compared(capsys, REFERENCE, REFERENCE)[0] == 0


def test_what_aws_answers_about_young_things_and_the_run_rides_out_is_no_difference() -> None:
    """A real run meets eventual consistency the offline one may not (or not on the same calls):
    answered so and then ok, a call is the same call; never ok, it is a difference."""
    from handson.call_compare import compare, reference_lines

    young = [
        call("DeleteRole", "DeleteConflict", service="iam", RoleName="handson-iam-role-x"),
        call("DeleteRole", service="iam", RoleName="handson-iam-role-x"),
        call("CreateBucket", "OperationAborted", Bucket="handson-s3-1-x"),
        call("CreateBucket", Bucket="handson-s3-1-x"),
        call("GetCallerIdentity", "InvalidClientTokenId", who="user", service="sts"),
        call("GetCallerIdentity", who="user", service="sts"),
    ]
    settled = [c for c in young if c["outcome"] == "ok"]
    assert compare(young, settled).same
    assert reference_lines(young) == reference_lines(settled)
    never = [call("DeleteRole", "DeleteConflict", service="iam", RoleName="handson-iam-role-x")]
    changed = compare(never, settled[:1]).changed
    assert [(c.first, c.second) for c in changed] == [(("DeleteConflict",), ("ok",))]
