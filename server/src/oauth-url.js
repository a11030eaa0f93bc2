// The seed's first step, "Getting a redirect URL": `GET /elements/{key}/oauth/url` answers
// `{oauthUrl, element}`, the provider's authorize URL that a person is sent to, as the
// platform's endpoint of that name does. After consent the provider redirects to `callbackUrl`
// with `?code=` and the same `state`, which the caller checks against the one it sent before it
// trusts the code. Nothing is stored: the URL is built from the query alone.
import { ServiceError } from "./elements.js";

/**
 * The providers this service can send a person to, by element key. `scope` and the authorize
 * URL are the provider's (reference/keap-rest-v1-facts.md section 4.1: `scope=full` is Keap's
 * only value). `ELEMENTS_KEAP_AUTHORIZE_URL` replaces Keap's, for its simulator.
 */
const PROVIDERS = {
  infusionsoftrest: { authorizeUrl: "https://accounts.infusionsoft.com/app/oauth/authorize", scope: "full" },
};

/**
 * The route of `GET /elements/{key}/oauth/url`, in api.js's route-table form.
 * @param {{keapAuthorizeUrl?: string}} options the service's options
 */
export function oauthUrlRoutes(options) {
  async function oauthUrl(req, url, text, key) {
    const provider = PROVIDERS[key];
    if (!provider)
      throw new ServiceError(
        404,
        `no OAuth element ${JSON.stringify(key)}; this service knows ${Object.keys(PROVIDERS).join(", ")}`,
      );
    const q = url.searchParams;
    const apiKey = q.get("apiKey");
    const callbackUrl = q.get("callbackUrl");
    const state = q.get("state");
    const problems = [];
    if (!apiKey) problems.push("apiKey (the OAuth app's client id) is required");
    if (!callbackUrl) problems.push("callbackUrl (the app's registered redirect URL) is required");
    else if (!httpUrl(callbackUrl)) problems.push("callbackUrl must be an http(s) URL without credentials");
    // The state is what ties the redirect back to the request that started it (CSRF): a caller
    // that sends none could not check the callback.
    if (!state) problems.push("state is required: the callback carries it back for the caller to check");
    if (problems.length) throw new ServiceError(400, problems.join("; "));
    const authorize = new URL(key === "infusionsoftrest" ? (options.keapAuthorizeUrl ?? provider.authorizeUrl) : "");
    authorize.searchParams.set("client_id", apiKey);
    authorize.searchParams.set("redirect_uri", callbackUrl);
    authorize.searchParams.set("response_type", "code");
    authorize.searchParams.set("scope", provider.scope);
    authorize.searchParams.set("state", state);
    return [200, { oauthUrl: authorize.href, element: key }];
  }
  return [["GET", /^\/elements\/([^/]+)\/oauth\/url$/, oauthUrl]];
}

function httpUrl(text) {
  try {
    const u = new URL(text);
    return /^https?:$/.test(u.protocol) && !u.username && !u.password;
  } catch {
    return false;
  }
}
