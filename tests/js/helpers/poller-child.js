// A poller process for the crash tests: polls the hub simulator (or, given a `tokenUrl`, Keap
// directly with OAuthTokens) forever with a FileStore, delivering signed notifications to the
// hub simulator's receiver, and tells its parent (IPC) when each poll started and ended. The
// parent kills it with SIGKILL at random moments. With `holdTokenSave`, the write of a new
// token pair is held and the parent told ("token-issued"): it kills the process right there,
// between Keap's answer and the save.
import { Poller, OAuthTokens } from "elements-poller";
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
  tokenUrl,
  holdTokenSave = false,
} = JSON.parse(configJson);

const store = new FileStore(stateDir);
/** What OAuthTokens writes through: the FileStore, or one that holds the write of a new pair. */
const tokenStore = !holdTokenSave
  ? store
  : {
      get: (k) => store.get(k),
      async set(k, v) {
        const t = JSON.parse(v);
        if (t.accessToken && t.refreshingSince === undefined && t.obtainedAt !== undefined) {
          process.send({ type: "token-issued" });
          await new Promise(() => {}); // held: the parent kills us here
        }
        return store.set(k, v);
      },
    };
const tokens = tokenUrl ? OAuthTokens.fromInstance(instance, { store: tokenStore, tokenUrl }) : undefined;

const poller = new Poller({
  instance,
  baseUrl,
  ...(auth ? { auth } : {}),
  tokens,
  store,
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
  // Stopped for re-authorization: polls return at once; do not spin.
  if (poller.reauthorization) await new Promise((resolve) => setTimeout(resolve, 100));
}
