// Builds the HTML report of a run with Allure 3, one test per checkpoint (`npm run report`).
//
//   node scripts/report.mjs [results] [output] [--single-file] [--run <run ID>]
//
// Without folders it reads the run `--run` names, or else the newest run, under reports/ (or the
// folder HANDSON_REPORTS names, relative to the checkout, as handson/run_folder.py reads it).
// Results given without an output folder are reported beside them (`beside`).
//
// The suite writes one Allure result per scenario row (27 for the hands-on's 13 checkpoints).
// A report of those would count rows, and its ring would show a share of rows that can look
// like a pass while a checkpoint failed. So the rows of each checkpoint become the steps of one
// result: the checkpoint fails if any row failed or broke, is not decided (skipped, unknown) if
// any row was not decided, and passes only if every row passed. The rows keep their own steps,
// attachments and parameters. The suite's results folder is left as it was: the merged copy
// goes beside the report (`<output>-results`).
import { createHash, randomUUID } from "node:crypto";
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
// Worst first: the status a checkpoint takes from its rows.
const RANK = { failed: 5, broken: 4, unknown: 3, skipped: 2, passed: 1 };

function checkpointOf(result) {
  return (result.labels ?? []).find((label) => label.name === "checkpoint")?.value;
}

function rowName(result) {
  const values = (result.parameters ?? []).map((parameter) => parameter.value);
  return values.length ? `${result.name} [${values.join(", ")}]` : result.name;
}

function digest(text) {
  return createHash("md5").update(text).digest("hex");
}

export function merge(rows) {
  const ordered = [...rows].sort((a, b) => (a.start ?? 0) - (b.start ?? 0));
  const worst = ordered.reduce((w, r) => ((RANK[r.status] ?? 0) > (RANK[w.status] ?? 0) ? r : w));
  const checkpoint = checkpointOf(ordered[0]);
  return {
    uuid: randomUUID(),
    name: ordered[0].name,
    fullName: `handson-iam-acceptance:${checkpoint}`,
    historyId: digest(`checkpoint:${checkpoint}`),
    testCaseId: digest(`checkpoint:${checkpoint}`),
    status: worst.status,
    statusDetails: worst.statusDetails ?? {},
    description: ordered[0].description,
    stage: "finished",
    start: Math.min(...ordered.map((r) => r.start ?? 0)),
    stop: Math.max(...ordered.map((r) => r.stop ?? 0)),
    labels: ordered[0].labels ?? [],
    links: ordered[0].links ?? [],
    parameters: [],
    attachments: [],
    steps: ordered.map((r) => ({
      name: rowName(r),
      status: r.status,
      statusDetails: r.statusDetails ?? {},
      stage: "finished",
      start: r.start,
      stop: r.stop,
      parameters: r.parameters ?? [],
      attachments: r.attachments ?? [],
      steps: r.steps ?? [],
    })),
  };
}

// `handson watch` checks a scenario again after each save, and its run's results folder holds
// every round's result of it, under one historyId. Only the newest counts, as it does in the
// terminal, in checkpoints.json and in the report's name: a row that failed in a round and
// passed after the fix does not fail its checkpoint. A run without rounds has one of each.
export function newestOnly(results) {
  const newest = new Map();
  const without = [];
  for (const result of results) {
    const seen = result.historyId ? newest.get(result.historyId) : undefined;
    if (!result.historyId) without.push(result);
    else if (!seen || (result.start ?? 0) >= (seen.start ?? 0)) {
      newest.set(result.historyId, result);
    }
  }
  return [...without, ...newest.values()];
}

export function byCheckpoint(results, out) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const groups = new Map();
  const read = [];
  for (const file of readdirSync(results)) {
    if (file.endsWith("-container.json")) continue; // fixtures of rows that are merged away
    if (!file.endsWith("-result.json")) {
      copyFileSync(join(results, file), join(out, file)); // attachments, categories, ...
      continue;
    }
    read.push({ file, result: JSON.parse(readFileSync(join(results, file), "utf-8")) });
  }
  const kept = new Set(newestOnly(read.map((one) => one.result)));
  for (const { file, result } of read) {
    if (!kept.has(result)) continue;
    // The security lessons (P1-P6) are advisory, with a tally of their own in the terminal and
    // checkpoints.json: they stay out of the checkpoints' report and its ring.
    if ((result.labels ?? []).some((label) => label.name === "advisory")) continue;
    const checkpoint = checkpointOf(result);
    if (!checkpoint) {
      writeFileSync(join(out, file), JSON.stringify(result));
      continue;
    }
    if (!groups.has(checkpoint)) groups.set(checkpoint, []);
    groups.get(checkpoint).push(result);
  }
  for (const rows of groups.values()) {
    const merged = merge(rows);
    writeFileSync(join(out, `${merged.uuid}-result.json`), JSON.stringify(merged));
  }
  return groups.size;
}

// Where the runs write (handson/run_folder.py's reports_dir).
function reportsDir() {
  return resolve(ROOT, process.env.HANDSON_REPORTS || "reports");
}

// A run's ID as handson/names.py makes it (is_run_id): the name of a folder under reports/runs/,
// never a path. `--run ../../my-project` reached a learner's own project and replaced the
// allure-report folder there, which this script had not made.
const RUN_ID = /^\d{8}-\d{6}-[a-z0-9]{6}$/;

export function isRunId(id) {
  return RUN_ID.test(id);
}

// The run's folder: the one named, or the newest finished run, named by latest-run.txt, which
// every run writes, or else the latest link (Windows makes no link without its Developer Mode).
export function runFolder(id) {
  const reports = reportsDir();
  if (id) return join(reports, "runs", id);
  const named = join(reports, "latest-run.txt");
  const newest = existsSync(named) ? readFileSync(named, "utf-8").trim() : "";
  if (isRunId(newest)) return join(reports, "runs", newest);
  return join(reports, "latest");
}

// Allure 3's report loads Google Analytics (www.googletagmanager.com) with its version and the
// report's ID each time it is opened, and 3.18 has no option to leave it out (allure3 issue
// #476; Allure 2's ALLURE_NO_ANALYTICS is not read by the report plugin this suite uses). A
// learner's report, opened at school or at work, or an instructor's, tells no one that it was
// opened: the two script tags are taken out of the page (tests/test_report_html.py checks that
// no report page asks anything of another host).
const ANALYTICS =
  /\s*<script async src="https:\/\/www\.googletagmanager\.com\/gtag\/js\?id=[^"]*"><\/script>\s*<script>\s*window\.dataLayer[\s\S]*?<\/script>/;

export function withoutAnalytics(html) {
  return html.replace(ANALYTICS, "");
}

// A report folder this script made says so, and only such a folder (or the run folder's own) is
// replaced: Allure 3 generating into a folder that holds a report already puts the new one in a
// subfolder (awesome/) and leaves the old one where a browser opens it, so a second
// `npm run report` of one run (a watch session's, after more rounds) showed the first one's.
const MADE_HERE = ".handson-report";

// A folder as a person types it after a command, as handson/console.py's typed() gives it: in
// double quotes where a shell (PowerShell, cmd, bash) would split or read it.
function typed(folder) {
  if (/["$`]/.test(folder)) return `'${folder.replaceAll("'", `'"'"'`)}'`;
  return /[\s&|<>()[\]{};,'*?!#^]/.test(folder) ? `"${folder}"` : folder;
}

// `npm run` as the person types it in the folder they typed this command in (npm's INIT_CWD):
// npm finds the project only in that folder or one above it, so from anywhere else it is told
// the checkout (--prefix), as a run's own line says it (handson/run_folder.npm_run).
export function npmRun(here = process.env.INIT_CWD) {
  if (!here) return "npm run";
  const path = relative(ROOT, resolve(here));
  const inside = path === "" || (!path.startsWith("..") && !isAbsolute(path));
  return inside ? "npm run" : `npm --prefix ${typed(ROOT)} run`;
}

// Where the report of results given without a report folder goes: beside them (allure-report
// beside allure-results), as a run given --alluredir says. It went into the newest run's folder,
// over that run's own report.
export function beside(results, single) {
  const suffix = single ? "-single-file" : "";
  const name = basename(results);
  const report = name === "allure-results" ? "allure-report" : `${name}-report`;
  return join(dirname(results), `${report}${suffix}`);
}

function replaceable(folder, theRunsOwn) {
  if (!existsSync(folder) || theRunsOwn) return true;
  try {
    return readdirSync(folder).length === 0 || existsSync(join(folder, MADE_HERE));
  } catch {
    return false; // a file, or a folder that cannot be read: not this script's to replace
  }
}

function markMade(folder) {
  writeFileSync(join(folder, MADE_HERE), "made by scripts/report.mjs (npm run report)\n");
}

function leaveOutAnalytics(report) {
  const index = join(report, "index.html");
  if (existsSync(index)) writeFileSync(index, withoutAnalytics(readFileSync(index, "utf-8")));
}

// Allure's own command: its package's script run by this Node, on every system (Windows cannot
// start node_modules/.bin/allure, a shell script, nor its .cmd without a shell).
// `allure open` serves on this machine's loopback only (scripts/loopback-only.cjs says why).
function allure(...words) {
  const manifest = JSON.parse(readFileSync(join(ROOT, "node_modules", "allure", "package.json")));
  const bin = typeof manifest.bin === "string" ? manifest.bin : manifest.bin.allure;
  const cli = join(ROOT, "node_modules", "allure", bin);
  const preload = words[0] === "open" ? ["--require", join(ROOT, "scripts", "loopback-only.cjs")] : [];
  const options = { cwd: ROOT, stdio: "inherit" };
  return spawnSync(process.execPath, [...preload, cli, ...words], options).status ?? 1;
}

// What this script says, in the run's language (HANDSON_LANG, as the suite reads it: Japanese
// unless it asks for English). Bad input is one line and exit code 4, as in a run.
const WORDS = {
  ja: {
    noResults: (path) =>
      `ERROR: 実行の結果がありません: ${path}。先に pytest features/ を実行してください` +
      "（--run の実行 ID が正しいかも確かめてください）",
    notRunId: (id, runs) =>
      `ERROR: --run ${id}: 実行 ID ではありません。${runs} の中のフォルダ名` +
      "（20261206-083713-hnlrtj のような形）を指定してください",
    noReport: (path) =>
      `ERROR: HTML レポートがまだありません: ${path}。先に ${npmRun()} report を実行してください`,
    read: (count, path) => `チェックポイント ${count} 件の結果を読みました: ${path}`,
    served: (path, shown) =>
      `HTML レポートを作りました: ${path}（見るときは ${npmRun()} report:open${shown}）`,
    single: (path) =>
      `HTML レポートを作りました: ${path}（1 ファイルです。ダブルクリックで開けます）`,
    failed: (code) =>
      `ERROR: HTML レポートを作れませんでした（allure の終了コード ${code}。` +
      "理由は上の出力にあります）",
    notRemoved: (path, code) =>
      `ERROR: 前のレポート ${path} を削除できません（${code}）。開いているもの` +
      "（エクスプローラーのウィンドウや npm run report:open など）を閉じてから、もう一度実行してください",
    notMade: (path) =>
      `ERROR: ${path} がすでにあり、npm run report が作ったフォルダではありません。` +
      "別のフォルダを指定してください（中身を確かめてから削除してもかまいません）",
  },
  en: {
    noResults: (path) =>
      `ERROR: no results of a run at ${path}: run pytest features/ first` +
      " (and check the run ID given to --run)",
    notRunId: (id, runs) =>
      `ERROR: --run ${id}: not a run ID: give the name of a folder in ${runs}` +
      " (of the form 20261206-083713-hnlrtj)",
    noReport: (path) => `ERROR: no HTML report at ${path} yet: run ${npmRun()} report first`,
    read: (count, path) => `read the results of ${count} checkpoints: ${path}`,
    served: (path, shown) =>
      `HTML report written: ${path} (${npmRun()} report:open${shown} shows it)`,
    single: (path) => `HTML report written: ${path} (one file: it opens from disk)`,
    failed: (code) =>
      `ERROR: the HTML report was not made (allure exited ${code}; its output above says why)`,
    notRemoved: (path, code) =>
      `ERROR: the previous report ${path} cannot be removed (${code}): close what holds it` +
      " (an Explorer window, npm run report:open) and run this again",
    notMade: (path) =>
      `ERROR: ${path} already exists and was not made by npm run report: give another folder` +
      " (or remove it once you have checked what it holds)",
  },
};
const USAGE_ERROR = 4;

function words(environ = process.env) {
  return environ.HANDSON_LANG === "en" ? WORDS.en : WORDS.ja;
}

function main(args) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      "single-file": { type: "boolean" },
      open: { type: "boolean" },
      run: { type: "string" },
    },
  });
  const say = words();
  const single = values["single-file"] ?? false;
  const [given, output] = positionals;
  if (values.run !== undefined && !isRunId(values.run)) {
    console.error(say.notRunId(values.run, join(reportsDir(), "runs")));
    return USAGE_ERROR;
  }
  const run = runFolder(values.run);
  if (values.open) {
    const own = join(run, "allure-report");
    const shown = resolve(output ?? (given ? beside(resolve(given), false) : own));
    if (!existsSync(join(shown, "index.html"))) {
      console.error(say.noReport(shown));
      return USAGE_ERROR;
    }
    return allure("open", shown);
  }
  const results = resolve(given ?? join(run, "allure-results"));
  if (!existsSync(results)) {
    console.error(say.noResults(results));
    return USAGE_ERROR;
  }
  const ownReport = join(run, `allure-report${single ? "-single-file" : ""}`);
  const report = resolve(output ?? (given ? beside(results, single) : ownReport));
  const merged = `${report}-results`;
  const runsOwn = output === undefined && given === undefined;
  const notMade = [report, merged].find((folder) => !replaceable(folder, runsOwn));
  if (notMade) {
    console.error(say.notMade(notMade));
    return USAGE_ERROR;
  }
  // The old report goes first. Windows refuses while a program holds one of its files (an
  // Explorer window, a virus scan, npm run report:open serving it): one line, not a trace.
  for (const folder of [report, merged]) {
    try {
      rmSync(folder, { recursive: true, force: true });
    } catch (error) {
      console.error(say.notRemoved(folder, error.code ?? error.message));
      return USAGE_ERROR;
    }
  }
  const count = byCheckpoint(results, merged);
  markMade(merged);
  console.log(say.read(count, results));
  const config = single ? ["--config", "allurerc.single-file.mjs"] : [];
  const code = allure("generate", merged, ...config, "--output", report);
  if (code !== 0) {
    console.error(say.failed(code));
    return code;
  }
  leaveOutAnalytics(report);
  markMade(report);
  // The same folders, or run, again open it: npm run report:open alone opens the newest run's.
  const named = values.run === undefined ? [] : ["--run", values.run];
  const openWith = runsOwn ? named : [given, output].filter(Boolean).map(typed);
  const again = openWith.length ? ` -- ${openWith.join(" ")}` : "";
  console.log(single ? say.single(join(report, "index.html")) : say.served(report, again));
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exit(main(process.argv.slice(2)));
}
