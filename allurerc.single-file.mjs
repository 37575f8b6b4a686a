// The same report as one self-contained index.html, for CI artifacts (`npm run report:single-file`):
// it opens from disk, without a web server.
import config, { awesome } from "./allurerc.mjs";

export default {
  ...config,
  plugins: { awesome: { options: { ...awesome, singleFile: true } } },
};
