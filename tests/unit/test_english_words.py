"""The helper that finds English words the suite wrote into a Japanese run."""

from __future__ import annotations

from tests.helpers.english_words import english_words


def test_japanese_with_what_may_stay_english_has_no_english_words() -> None:
    text = "\n".join(
        [
            "============================= test session starts ==============================",
            "collected 27 items",
            "features/test_checkpoints.py ..............F..F.........                 [100%]",
            "  試したこと: aws s3 cp s3://handson-s3-2-taro/close/x.txt x.txt && cat x.txt",
            "  実行者: arn:aws:sts::123456789012:assumed-role/handson-iam-role-taro/i-0abc",
            "  決め手: Allow のステートメント ForS32OpenGet: Resource ['arn:aws:s3:::b/*'] に対する"
            " Action ['s3:GetObject']",
            "  期待: 許可 / 結果: 拒否。権限エラー（AccessDenied）なので、拒否と判定",
            "R1  インスタンスに Session Manager で接続できる  許可  期待どおり  エミュレータ",
            "HTML レポート: npm run report（/tmp/x/allure-results から作ります）",
            "削除するには: python -m handson.sweep --run 20261204-085610-4zck9i --delete",
            "========================= 2 failed, 25 passed in 6.81s =========================",
        ]
    )
    assert english_words(text) == []


def test_the_words_the_suite_wrote_in_english_are_found() -> None:
    text = (
        "handson: run 20261204-085610-4zck9i, name taro-1a2b, target emulator (ap-northeast-1)\n"
        "R6  ロールは open/ 以外を操作できない  拒否  不合格  emulator\n"
        "  決め手: Allow statement ForS32OpenGet: Action ['s3:GetObject'] on Resource ['*']\n"
        "エミュレータの起動待ち      2.4 s\n"
    )
    assert english_words(text) == [
        "run",
        "name",
        "target",
        "emulator",
        "emulator",
        "statement",
        "on",
        "s",
    ]


def test_identifiers_and_error_codes_are_not_words() -> None:
    assert english_words("ForS32OpenGet が AccessDenied、HeadObject で 403") == []
    assert english_words("Service Quotas の 'Role trust policy length'") == []
