// `npm run bench`: programs that print figures and ratios beside a peer on the same input.
// Nothing here asserts a timing; these machines are shared and noisy.
import { ensureNodeModules } from "./ensure.mjs";
import { buildPackage } from "./build.mjs";
import { step } from "./run.mjs";

ensureNodeModules();
buildPackage();
step("Node benchmarks");
const { benchDetect, benchMemory } = await import("../bench/detect.mjs");
benchDetect();
benchMemory();
const { benchReconcile } = await import("../bench/reconcile.mjs");
benchReconcile();
const { benchPoller } = await import("../bench/poller.mjs");
await benchPoller();
