// The events service as the console reaches it: `/api` on this origin (www/server.mjs passes it
// on), with the seed's `Authorization: User <secret>, Organization <secret>`. The secrets are
// the cURL card's fields, mirrored in the Instances tab's connection card: one value each,
// kept in this page's memory and saved only when "Remember secrets" is ticked (main.js).
import { $ } from "./dom.js";

/** An answer of the service that is not a success: its status and message (never a secret). */
export class ServiceAnswer extends Error {
  constructor(status, json) {
    super(json?.message ?? `HTTP ${status}`);
    this.status = status;
    this.json = json;
  }
}

/**
 * The client the panels share: `call(method, path, body)` resolves the JSON answer or throws
 * `ServiceAnswer` (a 4xx/5xx) or a TypeError (not reachable).
 */
export function createServiceClient() {
  const pairs = [
    [$("curl-user"), $("svc-user")],
    [$("curl-org"), $("svc-org")],
  ];
  // The two fields of each secret show one value: typing in either sets the other, and the
  // cURL one's input event lets main.js save it (only when secrets are remembered).
  for (const [curl, svc] of pairs) {
    svc.value = curl.value;
    svc.addEventListener("input", () => {
      curl.value = svc.value;
      curl.dispatchEvent(new Event("input"));
    });
    curl.addEventListener("input", () => {
      if (svc.value !== curl.value) svc.value = curl.value;
    });
  }
  /** Copies the saved values main.js restored into the mirrors (after restore()). */
  const sync = () => {
    for (const [curl, svc] of pairs) svc.value = curl.value;
  };

  const authorization = () => `User ${$("curl-user").value.trim()}, Organization ${$("curl-org").value.trim()}`;
  const hasSecrets = () => !!($("curl-user").value.trim() && $("curl-org").value.trim());

  async function call(method, path, body) {
    const res = await fetch(`/api${path}`, {
      method,
      headers: {
        authorization: authorization(),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res.ok) throw new ServiceAnswer(res.status, json);
    return json;
  }

  /** What to tell a person about a failed call: what happened and what to do. */
  function explain(e) {
    if (e instanceof ServiceAnswer) {
      if (e.status === 401)
        return "The service refused the secrets: enter the User and Organization secrets `npm start` printed (kept in .elements-poller-console/api-secrets.json).";
      if (e.status === 503) return e.message;
      return `${e.status}: ${e.message}`;
    }
    return "The events service is not reachable: start the console with `npm start`.";
  }

  return { call, explain, hasSecrets, sync };
}
