// A poller process for the crash tests: polls the hub simulator forever with a FileStore,
// delivering signed notifications to the simulator's receiver, and tells its parent (IPC)
// when each poll started and ended. The parent kills it with SIGKILL at random moments.
import { Poller } from "elements-poller";
import { FileStore } from "elements-poller/node";

const [stateDir, configJson] = process.argv.slice(2);
const {
  instance,
  baseUrl,
  auth,
  callbackUrl,
  signatureKey,
  startFrom = "beginning",
  lookback = 0,
} = JSON.parse(configJson);

const poller = new Poller({
  instance,
  baseUrl,
  auth,
  store: new FileStore(stateDir),
  startFrom,
  lookback,
  rateLimit: Infinity,
  delivery: { callbackUrl, signatureKey, retryScale: 0.0005 },
  retry: { baseMs: 5, maxMs: 50, maxRetries: 50 },
});
poller.addEventListener("error", (e) =>
  process.send({ type: "error", message: String(e.detail.error?.message ?? e.detail.error) }),
);
// Each delivered notification: the parent may kill the process right then, mid-delivery.
poller.addEventListener("delivery", () => process.send({ type: "delivered" }));

let delivery;
poller.addEventListener("poll", (e) => (delivery = e.detail.delivery));

for (let n = 0; ; n++) {
  const startedAt = Date.now();
  process.send({ type: "poll-start", n, startedAt });
  const summaries = await poller.pollOnce();
  process.send({
    type: "poll-end",
    n,
    startedAt,
    delivery,
    summaries: summaries.map((s) => ({ ...s, error: s.error && `${s.error.code}: ${s.error.message}` })),
  });
}
