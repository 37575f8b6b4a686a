"""tests/helpers/readme_quotes.py: which README blocks are output quotes, what is masked, and
which quoted lines a run did not print. The real runs are compared in the tests that make them."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.readme_quotes import (
    READMES,
    lines_missing,
    mask,
    quoted_labels,
    quotes,
    quotes_in,
)

README = """# Title

```sh
pytest features/
```

<!-- output: seed -->
```
handson: run 20261130-011500-k3x9qa, name taro, target emulator (ap-northeast-1), results in ...
チェックポイント: 合格 13 / 不合格 0 / 判定なし 0
```

Some prose.

<!-- output: open-without-slash-star -->
~~~text
  実行者: arn:aws:sts::123456789012:assumed-role/handson-iam-role-taro/i-91ae81e7b959161d5
…
~~~
"""

RUN = "\n".join(
    [
        "handson: run 20261204-083429-4m9vy9, name taro-1a2b3c4d, target emulator "
        "(ap-northeast-1), results in /tmp/x/reports/runs/20261204-083429-4m9vy9/allure-results",
        "==================================== 不合格の詳細 ====================================",
        "R4 EC2から handson-s3-2-<自分の名前> バケット内の open/ ディレクトリ配下の"
        "オブジェクトの取得ができる",
        "  実行者: arn:aws:sts::210987654321:assumed-role/handson-iam-role-taro-1a2b3c4d/"
        "i-cd09c5f74e09bfd16",
        "  ヒント: ForS32OpenGet の Resource が arn:aws:s3:::handson-s3-2-taro-1a2b3c4d/open/a.txt "
        "を含んでいません",
        "U1  IAMユーザーでコンソールにサインインできる      許可        期待どおり  emulator",
        "チェックポイント: 合格 13 / 不合格 0 / 判定なし 0",
        "チェックポイントの結果: /tmp/x/reports/runs/20261204-083429-4m9vy9/checkpoints.json",
        "========================= 1 failed, 26 passed in 8.11s =========================",
    ]
)


def test_only_blocks_marked_as_output_are_quotes() -> None:
    found = quotes(README, "README.ja.md")
    assert [(q.label, q.line) for q in found] == [("seed", 8), ("open-without-slash-star", 16)]
    assert found[0].text.startswith("handson: run ") and "pytest features/" not in found[0].text
    assert found[1].text.splitlines() == [
        "  実行者: arn:aws:sts::123456789012:assumed-role/handson-iam-role-taro/"
        "i-91ae81e7b959161d5",
        "…",
    ]


def test_a_comment_not_right_before_a_fence_marks_nothing() -> None:
    assert quotes("<!-- output: seed -->\n\nprose\n```\nx\n```\n") == []


def test_mask_hides_what_changes_from_run_to_run() -> None:
    masked = mask(RUN).splitlines()
    assert masked[0] == (
        "handson: run <run>, name <name>, target emulator (ap-northeast-1), results in "
        "<dir>/allure-results"
    )
    assert masked[1] == "=== 不合格の詳細 ==="
    assert masked[2].startswith("R4 EC2から handson-s3-2-<自分の名前> バケット")  # kept
    assert masked[3] == "実行者: arn:aws:sts::<account>:assumed-role/handson-iam-role-<name>/i-<id>"
    assert "arn:aws:s3:::handson-s3-2-<name>/open/a.txt" in masked[4]
    assert masked[5] == "U1 IAMユーザーでコンソールにサインインできる 許可 期待どおり emulator"
    assert masked[7] == "チェックポイントの結果: <dir>/checkpoints.json"
    assert masked[8] == "=== 1 failed, 26 passed in <t>s ==="


def test_mask_keeps_the_hands_on_s_fixed_names_and_replaces_given_names() -> None:
    assert mask("handson-iam-role-policy.json handson-iam-user") == (
        "handson-iam-role-policy.json handson-iam-user"
    )
    assert mask("handson-iam-role-policy-taro handson-sg-20261129-k3x9qa") == (
        "handson-iam-role-policy-<name> handson-sg-<name>"
    )
    assert mask("ERROR: S3 bucket handson-s3-1-taro がすでにあり") == (
        "ERROR: S3 bucket handson-s3-1-<name> がすでにあり"
    )
    assert mask("ユーザー hanako です", names=["hanako"]) == "ユーザー <name> です"
    assert mask(r"C:\Users\Taro Yamada\x.json") == r"C:\Users\Taro Yamada\x.json".replace(
        "C:\\Users\\", "<dir>/"
    )


def test_quoted_lines_written_for_another_run_are_found() -> None:
    block = quotes(README)[1].text
    assert lines_missing(block, RUN) == []
    seed = quotes(README)[0].text
    assert lines_missing(seed, RUN) == []


EXPECTED = "  期待: 許可 / 結果: 拒否（権限エラー）（rule 1: the S3 CLI's (403) Forbidden）"


def test_a_quoted_line_the_run_did_not_print_is_named() -> None:
    block = (
        f"{EXPECTED}\n"
        "チェックポイント: 合格 13 / 不合格 0 / 判定なし 0\n"
        "\n"
        "…\n"
        "チェックポイント: 合格 12 / 不合格 1 / 判定なし 0\n"
    )
    assert lines_missing(block, RUN) == [
        EXPECTED,
        "チェックポイント: 合格 12 / 不合格 1 / 判定なし 0",
    ]


def test_a_part_of_a_line_is_not_enough() -> None:
    assert lines_missing("チェックポイント: 合格 13", RUN) == ["チェックポイント: 合格 13"]


def test_each_readme_names_the_runs_it_quotes(tmp_path: Path) -> None:
    page = tmp_path / "README.ja.md"
    page.write_text(README, "utf-8")
    assert quoted_labels([page]) == {"README.ja.md": {"seed", "open-without-slash-star"}}
    labels = quoted_labels()
    assert set(labels) == {"README.md", "README.ja.md"}
    assert "open-without-slash-star" in labels["README.ja.md"]  # the failure example's run
    assert all(q.text.strip() for path in READMES for q in quotes_in(path))


def test_a_line_cut_short_with_an_ellipsis_needs_only_to_begin_a_printed_line() -> None:
    assert lines_missing("handson: run 20261130-011500-k3x9qa, name taro, …", RUN) == []
    assert lines_missing("handson: run 20261130-011500-k3x9qa, name taro, target aws …", RUN) == [
        "handson: run 20261130-011500-k3x9qa, name taro, target aws …"
    ]
