"""The features are the spec: every checkpoint is there, titled with the hands-on's sentence, and
every step text has exactly one definition."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from tests.helpers.feature_files import scenarios

ROOT = Path(__file__).resolve().parents[2]

# The ✅ list of the hands-on (seed text), and the sentences of steps 6 and 11.5 for U5 and R7.
SEED_SENTENCES = {
    "U1": "作成したIAMユーザーでマネジメントコンソールにサインインできる",
    "U2": "マネジメントコンソールからS3バケットの作成・削除、オブジェクトのアップロード・削除ができる",
    "U3": "マネジメントコンソールからEC2インスタンスの起動ができる",
    "U4": "マネジメントコンソールからEC2インスタンスの新規作成・停止・終了ができない(権限エラーが表示される)",
    "U5": "IAMポリシーなどのリソース一覧を確認しようとするとエラー",
    "R1": "EC2インスタンスにSSM Session Managerで接続できる",
    "R2": "EC2からhandson-s3-1-<自分の名前>バケットへのオブジェクトのアップロード・取得・削除ができる",
    "R3": "EC2からhandson-s3-1-<自分の名前>バケットの削除ができない(権限エラーが表示される)",
    "R4": "EC2からhandson-s3-2-<自分の名前>バケット内のopen/ディレクトリ配下のオブジェクトの取得ができる",
    "R5": "EC2からhandson-s3-2-<自分の名前>バケット内のopen/ディレクトリ配下のオブジェクトの"
    "アップロード・削除ができない(権限エラーが表示される)",
    "R6": "EC2からhandson-s3-2-<自分の名前>バケット内のopen/ディレクトリ配下以外へのオブジェクト"
    "操作ができない(権限エラーが表示される)",
    "R7": "S3バケットの削除やその他のリソースへのアクセスができない",
    "R8": "ForS32OpenList",
}


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_every_checkpoint_has_a_scenario_titled_with_its_sentence() -> None:
    for checkpoint, sentence in SEED_SENTENCES.items():
        titles = [s.name for s in scenarios() if checkpoint in s.tags]
        assert titles, f"no scenario tagged @{checkpoint}"
        for title in titles:
            assert _squash(sentence) in _squash(title), (checkpoint, title)


def test_every_scenario_names_exactly_one_checkpoint() -> None:
    for scenario in scenarios():
        ids = {t for t in scenario.tags if re.fullmatch(r"[UR]\d", t)}
        assert len(ids) == 1, scenario.name


def test_features_are_written_in_japanese() -> None:
    for feature in (ROOT / "features").glob("*.feature"):
        assert feature.read_text("utf-8").startswith("# language: ja\n"), feature.name


def test_step_texts_are_defined_once() -> None:
    texts = []
    for module in (ROOT / "steps").glob("*.py"):
        source = module.read_text("utf-8")
        texts += re.findall(r"@(?:given|when|then)\((?:parsers\.parse\()?\s*\"([^\"]+)\"", source)
    assert texts
    duplicated = [text for text, count in Counter(texts).items() if count > 1]
    assert duplicated == []
