// Preloaded into `allure open` by scripts/report.mjs (`npm run report:open`). Allure 3's static
// server listens on every network interface (`server.listen(port)`, no host, and no option to
// give one): a learner's report, with their account ID, ARNs and policies, would be served to
// everyone on a school's or a company's network, and on Windows the first `npm run report:open`
// asks to let Node.js through the firewall. A server that asks for a port alone listens on this
// machine's loopback only; the browser opens http://localhost:<port> as before.
"use strict";
const net = require("node:net");

const LOOPBACK = "127.0.0.1";
const listen = net.Server.prototype.listen;

net.Server.prototype.listen = function listenOnLoopback(...args) {
  const [first, second] = args;
  if (first === null || first === undefined || typeof first === "number") {
    // listen(), listen(port), listen(port, callback): no host given (no port: any free one).
    if (typeof second !== "string") args.splice(0, 1, first ?? 0, LOOPBACK);
  } else if (typeof first === "object" && first.host === undefined && first.path === undefined) {
    args[0] = { ...first, host: LOOPBACK };
  }
  return listen.apply(this, args);
};
