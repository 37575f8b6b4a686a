// Allure 3 configuration, found by `allure generate` in this folder (`npm run report`).
// The failure categories: as the run wrote them into its results folder (named in its language),
// else handson/categories.json.
// The report's name is the run's checkpoint counts, in the run's language (the suite writes them
// into the results folder as handson-checkpoints.json), so that its first view says how many of
// the 13 checkpoints passed, failed or were not decided.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const defaultCategories = JSON.parse(
  readFileSync(new URL("./handson/categories.json", import.meta.url), "utf-8"),
);

// `allure generate <results> ...`: the first argument after "generate" that is not an option.
function resultsFolder(argv) {
  const at = argv.indexOf("generate");
  if (at < 0) return null;
  const rest = argv.slice(at + 1);
  for (let i = 0; i < rest.length; i += 1) {
    if (rest[i].startsWith("--")) {
      i += 1; // its value
      continue;
    }
    return rest[i];
  }
  return null;
}

function checkpoints() {
  const folder = resultsFolder(process.argv);
  const file = folder ? join(folder, "handson-checkpoints.json") : null;
  return file && existsSync(file) ? JSON.parse(readFileSync(file, "utf-8")) : null;
}

const summary = checkpoints();
// The run writes the categories into its results folder under names in its language.
const folder = resultsFolder(process.argv);
const named = folder ? join(folder, "categories.json") : null;
const categories =
  named && existsSync(named) ? JSON.parse(readFileSync(named, "utf-8")) : defaultCategories;
const language = summary?.language ?? "ja";
const name = summary?.title ?? "handson-iam-acceptance: Day 1 IAM checkpoints";

export const awesome = {
  reportLanguage: language,
  reportName: name,
  groupBy: ["epic", "feature", "story"],
};

export default {
  name,
  categories,
  plugins: { awesome: { options: awesome } },
};
