// Where an instance's provider connection comes from: the seam between the service and the
// elements.
// - The hub element: through the Cloud Elements hub the operator configures (ELEMENTS_HUB_URL
//   and its secrets); nothing is exchanged.
// - The direct Keap element (`event.poller.api: "direct"`): `providerData.code` is exchanged at
//   Keap's token endpoint (DESIGN section 11) by the library's OAuthTokens; the pair it saved is
//   handed back to be stored (sealed) with the instance, and the workers' token source
//   (tokens.js) uses and refreshes it.
import { MemoryStore, OAuthTokens, PollerError, pollerApi } from "elements-poller";

/** An error with the HTTP status the API answers with; its message carries no secret. */
export class ServiceError extends Error {
  constructor(status, message, extra = {}) {
    super(message);
    this.status = status;
    Object.assign(this, extra);
  }
}

/**
 * The connection a new instance is polled with: `{kind, baseUrl, auth?, tokenUrl?}` for
 * `PollCycle`, and for a direct instance `tokens`, the saved token pair's text (to be sealed
 * and stored; it is not part of the connection because it rotates).
 * @param {object} body the normalized POST /instances body
 * @param {{hub?: {baseUrl: string, auth: object}, keap?: {baseUrl: string, tokenUrl: string}}} options the service's options
 * @param {{instanceId: string, fetch?: typeof fetch}} o
 * @returns {Promise<{connection: {kind: string, baseUrl: string, auth?: object, tokenUrl?: string}, tokens?: string}>}
 */
export async function connectInstance(body, { hub, keap }, { instanceId, fetch }) {
  if (pollerApi(body) === "direct") {
    if (!keap) throw new ServiceError(501, "this service has no Keap origin (ELEMENTS_KEAP_URL)");
    return {
      connection: { kind: "direct", baseUrl: keap.baseUrl, tokenUrl: keap.tokenUrl },
      tokens: await exchangeCode(body, { tokenUrl: keap.tokenUrl, instanceId, fetch }),
    };
  }
  if (hub) return { connection: { kind: "hub", baseUrl: hub.baseUrl, auth: hub.auth } };
  throw new ServiceError(
    501,
    `this service polls hub instances through a Cloud Elements hub: set ELEMENTS_HUB_URL (or poll ${body?.element?.key ?? "the element"} directly: event.poller.api "direct")`,
  );
}

/**
 * Exchanges `providerData.code` for the instance's first token pair; resolves the saved pair
 * (the text OAuthTokens keeps under its store key). A refused code is a 400 that says so; an
 * unreachable or failing token endpoint a 502. Messages never quote the code or a token.
 */
export async function exchangeCode(body, { tokenUrl, instanceId, fetch }) {
  const code = body?.providerData?.code;
  if (typeof code !== "string" || code === "" || /^<.*>$/.test(code))
    throw new ServiceError(
      400,
      "providerData.code must be the authorization code Keap's consent page redirected with: a direct instance exchanges it for its tokens",
    );
  const store = new MemoryStore();
  let tokens;
  try {
    tokens = OAuthTokens.fromInstance(body, { store, tokenUrl, id: instanceId, ...(fetch ? { fetch } : {}) });
    await tokens.accessToken();
  } catch (e) {
    if (!(e instanceof PollerError)) throw e;
    if (e.code === "oauth.reauthorize") {
      const why = /refused the authorization code \(([^)]*)\)/.exec(e.message)?.[1] ?? "refused";
      throw new ServiceError(
        400,
        `the provider refused providerData.code (${why}): authorization codes are single-use and expire in minutes; get a new one from the consent page`,
      );
    }
    if (e.code === "oauth.options") throw new ServiceError(400, e.message);
    throw new ServiceError(502, `the code could not be exchanged: ${e.message}`);
  }
  return /** @type {string} */ (await store.get(tokens.storeKey));
}
