// The Keap simulator in its own process (as hub-process.mjs for the hub), so the benchmark's CPU
// figures are the service's alone. Its OAuth apps are the options' `apps` beside its own client.
import { startKeapSimulator } from "elements-poller/testing";

const options = JSON.parse(process.argv[2] ?? "{}");
const keap = await startKeapSimulator(options);
process.send({ url: keap.url, apps: keap.apps });
process.on("message", async (m) => {
  // What the provider saw: its API calls and how many it refused for a budget (429).
  if (m === "stats") {
    const calls = keap.requests().filter((r) => r.url.startsWith("/crm/rest"));
    process.send({ calls: calls.length, throttled: calls.filter((r) => r.status === 429).length });
  }
  if (m === "close") {
    await keap.close();
    process.exit(0);
  }
});
