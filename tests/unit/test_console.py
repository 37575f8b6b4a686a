"""handson/console.py: a stream whose encoding cannot hold Japanese writes UTF-8; one that can
keeps its encoding; neither raises over a character it lacks."""

from __future__ import annotations

import io
import shlex

import pytest

from handson.console import PROBE, readable, typed


def stream(encoding: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding=encoding)


def written(text: str, encoding: str) -> tuple[str, bytes]:
    out = stream(encoding)
    readable(out)
    out.write(text)
    out.flush()
    buffer = out.buffer
    assert isinstance(buffer, io.BytesIO)
    return out.encoding, buffer.getvalue()


@pytest.mark.parametrize("encoding", ["cp1252", "ascii", "latin-1", "cp437"])
def test_an_encoding_without_japanese_writes_utf8(encoding: str) -> None:
    assert written("チェックポイント: 合格 13", encoding) == (
        "utf-8",
        "チェックポイント: 合格 13".encode(),
    )


def test_a_japanese_windows_redirect_keeps_cp932() -> None:
    assert written("片付け（C1〜C5）", "cp932") == ("cp932", "片付け（C1〜C5）".encode("cp932"))


@pytest.mark.parametrize(
    ("encoding", "emoji"),
    [("cp932", b"\\U0001f9f9"), ("utf-8", "🧹".encode()), ("cp1252", "🧹".encode())],
    ids=["cp932", "utf-8", "cp1252"],
)
def test_a_character_the_encoding_lacks_is_escaped_never_raised(
    encoding: str, emoji: bytes
) -> None:
    # An emoji in a learner's folder name (cp932 has none); an unpaired surrogate (none has).
    _, data = written("C:\\Users\\🧹\\handson \udc81", encoding)
    assert data.endswith(b"\\" + emoji + b"\\handson \\udc81")


def test_the_probe_is_what_the_catalogue_writes() -> None:
    """Every character of the Japanese catalogue beyond ASCII fits where the probe fits: a
    stream that passes the probe writes the whole catalogue."""
    from handson import i18n

    texts = "".join(i18n.catalogue("ja").values())
    probe_ok = [e for e in ("cp932", "euc-jp", "shift_jis", "utf-8") if _holds(PROBE, e)]
    assert probe_ok
    assert all(_holds(texts, encoding) for encoding in probe_ok)


def _holds(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def test_what_is_not_a_text_file_is_left_alone() -> None:
    readable(io.StringIO())
    readable(None)


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/home/taro/policies", "/home/taro/policies"),
        ("C:\\Users\\taro\\山田の作業\\policies", "C:\\Users\\taro\\山田の作業\\policies"),
        ("C:\\Users\\Taro Yamada\\policies", '"C:\\Users\\Taro Yamada\\policies"'),
        ("/tmp/disc out/私のポリシー", '"/tmp/disc out/私のポリシー"'),
        ("/home/taro/a&b (copy)", '"/home/taro/a&b (copy)"'),
        ("/home/taro/$HOME", "'/home/taro/$HOME'"),
    ],
)
def test_a_path_is_shown_as_a_person_types_it(path: str, shown: str) -> None:
    assert typed(path) == shown
    if "\\" not in path:  # a POSIX shell reads it back as the one argument it was
        assert shlex.split(f"pytest features/ --policies {typed(path)}")[-1] == path
