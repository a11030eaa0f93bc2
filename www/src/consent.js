// The seed's OAuth steps from the console: "Getting a redirect URL" (the events service's
// GET /elements/{key}/oauth/url), the provider's consent page in a pop-up, and its redirect to
// this console's oauth-callback.html with `?code=` and the state, which the pop-up hands to this
// page (postMessage, same origin only). The state is random per attempt and checked here before
// a code is believed; nothing is stored for the redirect, so the body and its secrets never leave
// this page's memory.
export const OAUTH_MESSAGE = "elements-poller.oauth-callback";
export const callbackUrl = () => `${location.origin}/oauth-callback.html`;

/** An attempt that did not end with a code: `reason` says what to tell the person. */
export class ConsentRefused extends Error {}

/** @param {{call: Function, explain: (e: unknown) => string}} service */
export function createConsent(service) {
  /** The attempt in progress: its state, pop-up and promise callbacks. */
  let pending = null;
  let onStray = null;

  window.addEventListener("message", (e) => {
    if (e.origin !== location.origin || e.data?.type !== OAUTH_MESSAGE) return;
    // Not the attempt in progress (another tab's, a stale one, or forged): ignored, and the
    // attempt in progress, if any, goes on.
    if (!pending || e.data.state !== pending.state) return onStray?.();
    const p = pending;
    pending = null;
    p.popup.close();
    if (e.data.error || !e.data.code)
      p.reject(new ConsentRefused(`The provider did not grant access (${e.data.error || "no code"}).`));
    else p.resolve(e.data.code);
  });

  /**
   * Resolves the grant code, or rejects with a `ConsentRefused` whose message says why. Call it
   * from a click: the pop-up is opened before anything is awaited (a later one is blocked).
   * @param {{elementKey: string, apiKey: string, redirectUri?: string}} o
   */
  function authorize({ elementKey, apiKey, redirectUri = callbackUrl() }) {
    const popup = window.open("about:blank", "provider-consent", "popup,width=560,height=640");
    if (!popup)
      return Promise.reject(
        new ConsentRefused("The pop-up was blocked: allow pop-ups for this console, then try again."),
      );
    pending?.reject(new ConsentRefused("Replaced by a newer attempt."));
    const state = crypto.randomUUID();
    return new Promise((resolve, reject) => {
      pending = { state, popup, resolve, reject };
      const q = new URLSearchParams({ apiKey, callbackUrl: redirectUri, state });
      service.call("GET", `/elements/${encodeURIComponent(elementKey)}/oauth/url?${q}`).then(
        ({ oauthUrl }) => {
          popup.location.href = oauthUrl;
        },
        (e) => {
          popup.close();
          if (pending?.state === state) pending = null;
          reject(new ConsentRefused(service.explain(e)));
        },
      );
    });
  }

  return {
    authorize,
    /** Called when a redirect arrives that no attempt in progress sent (to say it was ignored). */
    set onStray(fn) {
      onStray = fn;
    },
  };
}
