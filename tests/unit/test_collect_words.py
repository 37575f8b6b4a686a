"""pytest's refusals of what to collect, said again with what to type instead
(handson/collect_words.py), in the words the pinned pytest uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from handson.collect_words import feature_markers, nothing_selected, refusal

ROOT = Path(__file__).resolve().parents[2]
FEATURES = ROOT / "features"
MARKERS = feature_markers(FEATURES)


def said(message: str, here: Path = ROOT) -> str:
    return refusal(message, MARKERS, here, FEATURES)


def test_each_feature_file_is_known_by_the_marker_of_its_family() -> None:
    assert MARKERS == {
        "best_practices.feature": "practices",
        "cleanup.feature": "cleanup",
        "iam_user.feature": "user",
        "instance_role.feature": "role",
    }


def test_a_feature_file_given_as_a_path_is_told_how_to_run_its_scenarios() -> None:
    message = f"not found: {FEATURES / 'iam_user.feature'}\n(no match in any of [<Dir features>])"
    assert said(message) == (
        "features/iam_user.feature: a .feature file does not run by itself; to run only its "
        "scenarios: pytest features/ -m user"
    )
    # Typed in the features folder itself: as typed there, and the command's folder too.
    assert said(message, FEATURES) == (
        "iam_user.feature: a .feature file does not run by itself; to run only its "
        "scenarios: pytest . -m user"
    )
    cleanup = f"not found: {FEATURES / 'cleanup.feature'}\n(no match in any of [<Dir features>])"
    assert said(cleanup).endswith(
        "run on your own account with pytest features/ --target existing --cleanup"
    )
    other = f"not found: {ROOT / 'x.feature'}\n(no match in any of [<Dir main>])"
    assert said(other) == (
        "x.feature: a .feature file does not run by itself; the scenarios run with pytest features/"
    )


@pytest.mark.parametrize("typed", ["U4", "u4", "R8", "P2"])
def test_a_checkpoint_id_typed_as_a_path_is_told_to_use_k(typed: str) -> None:
    wanted = typed.upper()
    assert said(f"file or directory not found: {typed}") == (
        f"{typed}: no such file or folder; to run checkpoint {wanted} alone: "
        f"pytest features/ -k {wanted}"
    )


def test_a_path_that_is_not_there_or_not_a_test_is_named() -> None:
    assert said("file or directory not found: featuers/") == (
        "featuers/: no such file or folder (the checklist runs with pytest features/)"
    )
    assert said("file or directory not found: U9") == (  # no such checkpoint: no -k U9
        "U9: no such file or folder (the checklist runs with pytest features/)"
    )
    readme = f"not found: {ROOT / 'README.md'}\n(no match in any of [<Dir main>])"
    assert said(readme) == "README.md: not a test file (the checklist runs with pytest features/)"
    node = f"not found: {FEATURES / 'test_checkpoints.py'}::test_x\n(no match in any of [<Module>])"
    assert said(node) == (
        "features/test_checkpoints.py::test_x: no such test "
        "(pytest features/ --collect-only -q lists them)"
    )


def test_an_expression_that_cannot_be_read_or_names_no_marker_is_named() -> None:
    wrong = (
        "Wrong expression passed to '-k': U4 and: at column 7: expected not OR left parenthesis "
        "OR identifier; got end of input"
    )
    assert said(wrong) == (
        "-k 'U4 and' cannot be read (at column 7); join names with and, or, not and ( ) "
        '(for example -k "U4 or R5")'
    )
    unknown = (
        "Unknown marker(s) in '-m' expression: U44, rolee. Use 'pytest --markers' to see "
        "available markers."
    )
    assert said(unknown) == (
        "-m U44, rolee: no such marker; the markers are cleanup practices role user and the "
        "checkpoints' IDs (U1-U5 R1-R8, P1-P6)"
    )


def test_a_message_worded_otherwise_stays_as_pytest_wrote_it() -> None:
    assert said("found no collectors for x") == "found no collectors for x"


def test_a_selection_that_matches_nothing_names_what_there_is() -> None:
    assert nothing_selected("U9", "") == (
        "no scenario matches -k 'U9', so nothing runs; the checkpoints are U1-U5 R1-R8, the "
        "lessons P1-P6 (for example -k U4, -m role)"
    )
    assert nothing_selected("U4", "role").startswith("no scenario matches -k 'U4' -m 'role',")


def test_japanese(japanese: None) -> None:
    assert said("file or directory not found: U4") == (
        "U4: そのファイルもフォルダもありません。チェックポイント U4 だけを実行するなら: "
        "pytest features/ -k U4"
    )
