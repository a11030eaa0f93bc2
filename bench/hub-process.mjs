// The hub simulator in its own process, so the benchmark's CPU figures are the poller's alone.
import { startHubSimulator } from "elements-poller/testing";

const options = JSON.parse(process.argv[2] ?? "{}");
const hub = await startHubSimulator(options);
process.send({
  baseUrl: hub.baseUrl,
  credentials: hub.credentials,
  pollerConfigs: Object.fromEntries(
    ["appointments", "contacts", "opportunities", "orders", "tasks", "transactions"].map((r) => [
      r,
      hub.pollerConfig(r),
    ]),
  ),
});
process.on("message", async (m) => {
  if (m === "close") {
    await hub.close();
    process.exit(0);
  }
});
