// Keap's authorize endpoint and consent page (reference/keap-rest-v1-facts.md section 4.1), as
// pure answers: the query or form in, `{status, headers, body}` out. `GET` shows the page a
// person grants access on; its form `POST`s the decision back, which redirects to
// `redirect_uri?code=…&state=…` (or `?error=access_denied&state=…`). The code is one the token
// endpoint then exchanges (tokens.js). As RFC 6749 section 4.1.2.1 says, a request whose client
// or redirect URI is wrong is never redirected: the page says what is wrong instead.

export const AUTHORIZE_PATH = "/app/oauth/authorize";

const HTML_HEADERS = { "content-type": "text/html;charset=UTF-8", "cache-control": "no-store" };

const escape = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

/**
 * @param {{clientId: string, redirectUri: string, app: string}} client the simulated OAuth app
 * @param {(uri: URL) => boolean} extraRedirect whether a redirect URI besides the registered
 *   one is accepted (the simulator's: one on its own origin or a loopback host, for consoles and tests)
 */
export function consent(client, extraRedirect) {
  /** The request's problem that must not be redirected, or its parameters. */
  function check(params) {
    const clientId = params.get("client_id") ?? "";
    const redirectUri = params.get("redirect_uri") ?? "";
    if (clientId !== client.clientId) return { problem: `Unknown client_id ${JSON.stringify(clientId)}.` };
    let uri;
    try {
      uri = new URL(redirectUri);
    } catch {
      return { problem: "redirect_uri is missing or not a URL." };
    }
    if (redirectUri !== client.redirectUri && !(/^https?:$/.test(uri.protocol) && extraRedirect(uri)))
      return { problem: `redirect_uri ${JSON.stringify(redirectUri)} is not registered for this app.` };
    return {
      clientId,
      redirectUri,
      state: params.get("state"),
      scope: params.get("scope") ?? "full",
      responseType: params.get("response_type") ?? "code",
    };
  }

  function redirect(redirectUri, query) {
    const to = new URL(redirectUri);
    for (const [k, v] of Object.entries(query)) if (v !== null && v !== undefined) to.searchParams.set(k, v);
    return { status: 302, headers: { location: to.href, "cache-control": "no-store" }, body: "" };
  }

  function page(title, inner) {
    return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title></head><body><main><h1>${escape(title)}</h1>${inner}</main></body></html>`;
  }

  return {
    /** `GET`: the consent page, or what is wrong with the request. */
    show(params) {
      const c = check(params);
      if (c.problem)
        return {
          status: 400,
          headers: HTML_HEADERS,
          body: page("Keap: this request cannot be authorized", `<p>${escape(c.problem)}</p>`),
        };
      if (c.responseType !== "code")
        return redirect(c.redirectUri, { error: "unsupported_response_type", state: c.state });
      if (c.scope !== "full") return redirect(c.redirectUri, { error: "invalid_scope", state: c.state });
      const hidden = Object.entries({
        client_id: c.clientId,
        redirect_uri: c.redirectUri,
        state: c.state ?? "",
        scope: c.scope,
        response_type: c.responseType,
      })
        .map(([k, v]) => `<input type="hidden" name="${k}" value="${escape(v)}">`)
        .join("");
      const body = page(
        "Keap (simulator): allow access?",
        `<p>The app <strong>${escape(c.clientId)}</strong> asks for full access to the Keap account <strong>${escape(client.app)}.infusionsoft.com</strong>.</p>` +
          `<p>You will be sent back to <code>${escape(c.redirectUri)}</code>.</p>` +
          `<form method="post" action="${AUTHORIZE_PATH}">${hidden}` +
          `<button type="submit" name="decision" value="allow">Allow</button> ` +
          `<button type="submit" name="decision" value="deny">Deny</button></form>`,
      );
      return { status: 200, headers: HTML_HEADERS, body };
    },
    /**
     * `POST`: the person's decision, redirected back with a new code or `access_denied`.
     * @param {URLSearchParams} form
     * @param {(redirectUri: string) => string} mintCode
     */
    decide(form, mintCode) {
      const c = check(form);
      if (c.problem)
        return {
          status: 400,
          headers: HTML_HEADERS,
          body: page("Keap: this request cannot be authorized", `<p>${escape(c.problem)}</p>`),
        };
      if (form.get("decision") !== "allow") return redirect(c.redirectUri, { error: "access_denied", state: c.state });
      return redirect(c.redirectUri, { code: mintCode(c.redirectUri), scope: c.scope, state: c.state || null });
    },
  };
}
