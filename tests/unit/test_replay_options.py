"""The options a --live run gives its replay (fixtures/existing.replay_options)."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from fixtures.existing import replay_options


def test_the_results_folder_is_given_as_the_live_run_took_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--alluredir results, typed in a folder other than the checkout: the replay, which works
    in the checkout, writes where the live run does, not into a results folder of its own."""
    monkeypatch.chdir(tmp_path)
    config = SimpleNamespace(option=SimpleNamespace(allure_report_dir="results"))
    settings = SimpleNamespace(
        region="ap-northeast-1",
        names=SimpleNamespace(suffix="taro"),
        lang="ja",
        allowed_accounts={"111122223333"},
        endpoint_url=None,
    )
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    options = replay_options(config, settings)  # type: ignore[arg-type]
    assert f"--alluredir={tmp_path / 'results'}" in options, options
    assert os.path.isabs(options[-1].split("=", 1)[1])
