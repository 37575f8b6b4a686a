"""The class table's page as an instructor opens it (handson/templates/class.html.j2), in
Chromium: a Japanese status or name is never broken across lines however narrow the window
(Japanese wraps between any two characters), only the reason column wraps, and a learner's
label with Japanese and a space links to their folder."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from handson.class_runs import Graded
from handson.class_table import _COLOURS, COLUMNS, write_html
from handson.grade import Learner
from tests.helpers import html_report

# The cells' text nodes, each as the number of lines the browser laid it out on.
LINES_OF_CELLS = """selector => [...document.querySelectorAll(selector)].map(cell => {
  const range = document.createRange();
  range.selectNodeContents(cell);
  const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
  return [cell.textContent, tops.size];
})"""


@pytest.fixture
def page() -> Iterator[Page]:
    html_report.require_tools()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=html_report.chromium(), args=html_report.CHROMIUM_ARGS
        )
        try:
            yield browser.new_page(viewport={"width": 800, "height": 400})
        finally:
            browser.close()


def test_a_narrow_window_breaks_no_status_and_no_name(
    tmp_path: Path, page: Page, japanese: None
) -> None:
    statuses = itertools.cycle(_COLOURS)
    graded = [
        Graded(
            Learner("p", "111122223333", label),
            1,
            statuses={column: next(statuses) for column in COLUMNS},
            reason=reason,
        )
        for label, reason in (
            ("山田 太郎", ""),
            ("hanako", "学習者のアカウントのロールを引き受けられませんでした。" * 3),
        )
    ]
    folder = tmp_path / "graded"
    (folder / "山田 太郎").mkdir(parents=True)
    (folder / "山田 太郎" / "checkpoints.json").write_text("{}", "utf-8")
    graded[0].folder = folder / "山田 太郎"  # hanako's run never started: no folder, no output
    write_html(graded, folder / "class.html", "2026-12-05 16:37 UTC")
    page.goto((folder / "class.html").as_uri())
    kept = page.evaluate(LINES_OF_CELLS, "tbody td:not(.reason), tbody th, thead th")
    broken = [text for text, lines in kept if lines > 1]
    assert kept and broken == [], broken
    (reason,) = [lines for text, lines in page.evaluate(LINES_OF_CELLS, "td.reason") if text]
    assert reason > 1  # the reason is what wraps
    assert page.locator("p").inner_text().endswith("（2026-12-05 16:37 UTC）")
    page.click("text=山田 太郎")
    assert page.url == (folder / "山田 太郎" / "checkpoints.json").as_uri()


def test_a_learner_links_to_a_page_of_what_their_run_showed(
    tmp_path: Path, page: Page, japanese: None
) -> None:
    """The learner's name opens their run's output (its failure blocks, in Japanese) as a page
    of its own, not raw JSON; the page leads back to the table and to checkpoints.json. A
    learner whose run printed nothing links to checkpoints.json as before."""
    folder = tmp_path / "graded"
    said = "U5 IAM の一覧を見られない\n  ヒント: <script>x</script>"
    graded = []
    for label, output in (("山田 太郎", said), ("hanako", None)):
        (folder / label).mkdir(parents=True)
        (folder / label / "checkpoints.json").write_text("{}", "utf-8")
        if output is not None:
            (folder / label / "output.txt").write_text(output, "utf-8")
        statuses = {column: "passed" for column in COLUMNS}
        graded.append(
            Graded(Learner("p", "111122223333", label), 1, statuses, folder=folder / label)
        )
    write_html(graded, folder / "class.html", "now")
    page.goto((folder / "class.html").as_uri())
    assert page.get_attribute("text=hanako", "href") == "hanako/checkpoints.json"
    page.click("text=山田 太郎")
    assert page.url == (folder / "山田 太郎" / "output.html").as_uri()
    assert page.locator("pre").inner_text() == said  # the text as written, not as markup
    assert page.title() == "山田 太郎 の採点結果（handson-iam-acceptance）"
    page.click("text=checkpoints.json")
    assert page.url == (folder / "山田 太郎" / "checkpoints.json").as_uri()
    page.go_back()
    page.click("text=クラスの表に戻る")
    assert page.url == (folder / "class.html").as_uri()


# Each column's heading, and what the footer's cell under it says (by where the browser put them).
UNDER_HEADINGS = """() => {
  const cells = row => [...row.children].map(c => [c.textContent, c.getBoundingClientRect().left]);
  const footer = new Map(cells(document.querySelector("tfoot tr")).map(([t, x]) => [x, t]));
  return cells(document.querySelector("thead tr")).map(([t, x]) => [t, footer.get(x)]);
}"""


def test_under_each_column_is_how_many_learners_failed_it(
    tmp_path: Path, page: Page, japanese: None
) -> None:
    """What to go over again with the class: under each checkpoint, how many failed it; under
    each lesson, how many have findings of it."""
    cases = [({"R6", "U4"}, set()), ({"R6"}, {"P2"}), (set(), set())]
    graded = []
    for n, (failed, findings) in enumerate(cases):
        statuses = {c: "failed" if c in failed else "passed" for c in COLUMNS if c[0] != "P"}
        statuses |= {c: "findings" if c in findings else "clear" for c in COLUMNS if c[0] == "P"}
        graded.append(Graded(Learner("p", "111122223333", f"l{n}"), 1, statuses))
    write_html(graded, tmp_path / "class.html", "now")
    page.goto((tmp_path / "class.html").as_uri())
    under = dict(page.evaluate(UNDER_HEADINGS))
    assert under.pop("受講者") == "不合格・指摘ありの人数"
    assert under.pop("判定できなかった理由") == ""
    assert {c: n for c, n in under.items() if n != "0"} == {"U4": "1", "R6": "2", "P2": "1"}
    assert set(under) == set(COLUMNS)


def test_a_failed_cell_shows_its_hint_where_the_pointer_rests(
    tmp_path: Path, page: Page, japanese: None
) -> None:
    """The instructor sees why without opening the learner's page: the failed cell's title is
    its hint, quotes and markup as written (a hint quotes the policy's JSON)."""
    hint = 'ハンズオンのポリシーでは Allow のステートメント ForEC2: Resource ["*"] <b>x</b>'
    statuses = {c: "passed" for c in COLUMNS}
    statuses["U4"] = "failed"
    graded = Graded(Learner("p", "111122223333", "山田"), 1, statuses, hints={"U4": hint})
    write_html([graded], tmp_path / "class.html", "now")
    page.goto((tmp_path / "class.html").as_uri())
    cells = page.locator("tbody td")
    titles = [cells.nth(n).get_attribute("title") for n in range(len(COLUMNS))]
    assert titles[COLUMNS.index("U4")] == hint
    assert [t for n, t in enumerate(titles) if n != COLUMNS.index("U4")] == [None] * 18


def test_below_the_table_the_class_s_failures_are_grouped_by_their_cause(
    tmp_path: Path, page: Page, japanese: None
) -> None:
    """What to go over again, and with whom: each checkpoint failed, the most failed first,
    with its learners grouped by the hint of their failure, their own names said alike."""
    hint = "ForS32OpenGet が s3:GetObject を arn:aws:s3:::handson-s3-2-{}/* に許可しています"
    graded = []
    for label, name, failed in [
        ("山田", "taro", "R6"),
        ("佐藤", "hanako", "R6"),
        ("鈴木", "x", "U1"),
    ]:
        statuses = {c: "failed" if c == failed else "passed" for c in COLUMNS}
        hints = {"R6": hint.format(name)} if failed == "R6" else {}
        learner = Learner("p", "111122223333", label)
        graded.append(Graded(learner, 1, statuses, hints=hints, name=name))
    write_html(graded, tmp_path / "class.html", "now")
    page.goto((tmp_path / "class.html").as_uri())
    assert page.locator("h2").inner_text() == "不合格の原因（同じヒントの受講者ごと。多い順）"
    assert page.locator("h3").all_inner_texts() == [
        "R6 ロールはバケット2の open/ 以外を操作できない（2 人）",
        "U1 IAMユーザーでコンソールにサインインできる（1 人）",
    ]
    causes = page.locator("li").all_inner_texts()
    assert causes == [
        f"2 人: {hint.format('<自分の名前>')}\n山田、佐藤",
        "1 人: ヒントなし（受講者のページで結果を見てください）\n鈴木",
    ]
    # A class that failed nothing has no such section.
    passed = Graded(Learner("p", "111122223333", "渡辺"), 0, dict.fromkeys(COLUMNS, "passed"))
    write_html([passed], tmp_path / "class.html", "now")
    page.goto((tmp_path / "class.html").as_uri())
    assert page.locator("h2").count() == 0


# Where the browser put each line's last word (its left edge, in pixels).
LAST_WORDS_AT = """() => {
  const pre = document.querySelector("pre");
  const text = pre.firstChild;
  const lefts = [];
  let start = 0;
  for (const line of text.data.split("\\n")) {
    const at = start + line.lastIndexOf(" ") + 1;
    const range = document.createRange();
    range.setStart(text, at);
    range.setEnd(text, at + 1);
    lefts.push(range.getBoundingClientRect().left);
    start += line.length + 1;
  }
  return lefts;
}"""


def test_a_learner_s_table_keeps_its_columns_with_japanese_in_it(
    tmp_path: Path, page: Page, japanese: None
) -> None:
    """The run pads its table's columns for a terminal, where a Japanese character takes two
    columns: the learner's page shows it in a font whose Japanese is two Latin characters
    wide, so the columns stay in line."""
    from handson.i18n import pad

    rows = [
        ("U1", "IAMユーザーでコンソールにサインインできる", "期待どおり"),
        ("U5", "IAMユーザーは IAM の一覧を見られない", "不合格: 拒否されるはずが許可された"),
        ("R8", "ロールはバケット2の一覧を open/ 配下だけ見られる", "期待どおり"),
    ]
    table = "\n".join(
        f"{pad(i, 4)}{pad(what, 56)}{pad(result, 36)}再現" for i, what, result in rows
    )
    folder = tmp_path / "graded"
    (folder / "山田").mkdir(parents=True)
    (folder / "山田" / "checkpoints.json").write_text("{}", "utf-8")
    (folder / "山田" / "output.txt").write_text(table, "utf-8")
    statuses = {column: "passed" for column in COLUMNS}
    learner = Graded(Learner("p", "111122223333", "山田"), 1, statuses, folder=folder / "山田")
    write_html([learner], folder / "class.html", "now")
    page.set_viewport_size({"width": 1400, "height": 400})
    page.goto((folder / "山田" / "output.html").as_uri())
    lefts = page.evaluate(LAST_WORDS_AT)
    assert len(lefts) == 3 and max(lefts) - min(lefts) < 1, lefts
