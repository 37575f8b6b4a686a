// Allure 3 configuration, found by `allure generate` in this folder (`npm run report`).
// The failure categories come from the same file the suite writes into allure-results.
import { readFileSync } from "node:fs";

const categories = JSON.parse(
  readFileSync(new URL("./handson/categories.json", import.meta.url), "utf-8"),
);

export const awesome = { reportLanguage: "en", groupBy: ["epic", "feature", "story"] };

export default {
  name: "handson-iam-acceptance: Day 1 IAM checkpoints",
  categories,
  plugins: { awesome: { options: awesome } },
};
