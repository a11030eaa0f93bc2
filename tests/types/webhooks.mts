// Compiled (not run) by `tsc -p tests/types`: webhook signing and verification as users write them.
import { buildNotifications, signNotification, verifyNotification, Poller, Outbox, MemoryStore, PollerError, type VerifiedNotification, type WebhookSigning } from "elements-poller";

const signing: WebhookSigning = "both";
const [request] = buildNotifications([], { callbackUrl: "https://x", signatureKeys: ["whsec_c2VjcmV0", "old"], signing, now: new Date() });
const again = signNotification(request, { signatureKey: "k", signing: "standard", now: Date.now() });
const url: string = again.url;

const verified: VerifiedNotification = verifyNotification({ body: again.body, headers: again.headers, key: "k" });
const eventId: string = verified.message.eventId;
const when: number | undefined = verified.timestamp;
const scheme: "standard" | "elements" = verified.scheme;
verifyNotification({ body: new Uint8Array(), headers: new Headers(), keys: ["a", "b"], toleranceSeconds: 60, now: "2026-12-01T00:00:00Z", scheme: "standard" });
verifyNotification({ body: new ArrayBuffer(0), headers: { "webhook-id": "x", "set-cookie": ["a", "b"], absent: undefined } });
try {
  verifyNotification({ body: "{}", headers: [["webhook-id", "x"]], key: "k" });
} catch (e) {
  if (e instanceof PollerError) console.log(e.code);
}

new Poller({
  instance: "{}",
  baseUrl: "https://api.cloud-elements.com/elements/api-v2",
  auth: { user: "u", organization: "o", element: "e" },
  delivery: { callbackUrl: "https://x", signatureKeys: ["new", "old"], signing: "standard" },
});
new Outbox(new MemoryStore(), { sign: (r, now) => signNotification(r, { signatureKey: "k", signing: "standard", now }) });
console.log(url, eventId, when, scheme);
