// The Keap simulator's authorize endpoint over real HTTP: the consent page, Allow redirecting
// back with a code (and the state) that the token endpoint exchanges once, Deny, and requests
// that must not be redirected (unknown client, unregistered redirect URI).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startKeapSimulator } from "../../pkg/src/testing.js";

let keap;
before(async () => {
  keap = await startKeapSimulator({ seed: 3, resources: ["contacts"] });
});
after(() => keap.close());

const FORM = { "content-type": "application/x-www-form-urlencoded" };
const authorize = (params) => `${keap.authorizeUrl}?${new URLSearchParams(params)}`;
/** The consent page's hidden fields, as its form would post them. */
function formOf(html) {
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    form.set(m[1], m[2].replace(/&quot;/g, '"').replace(/&amp;/g, "&"));
  return form;
}

test("Allow redirects to redirect_uri with a code and the state; the code is exchanged once", async () => {
  const redirectUri = "http://localhost:5999/oauth-callback.html";
  const page = await fetch(
    authorize({
      client_id: keap.client.clientId,
      redirect_uri: redirectUri,
      response_type: "code",
      scope: "full",
      state: "s&t=1",
    }),
  );
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type"), /text\/html/);
  const html = await page.text();
  assert.match(html, /allow access/i);
  assert.ok(html.includes("s&amp;t=1"), "the state is escaped into the page");
  const form = formOf(html);
  form.set("decision", "allow");
  const back = await fetch(keap.authorizeUrl, { method: "POST", headers: FORM, body: form, redirect: "manual" });
  assert.equal(back.status, 302);
  const to = new URL(back.headers.get("location"));
  assert.equal(to.origin + to.pathname, redirectUri);
  assert.equal(to.searchParams.get("state"), "s&t=1");
  const code = to.searchParams.get("code");
  assert.ok(code);

  const exchange = () =>
    fetch(keap.tokenUrl, {
      method: "POST",
      headers: FORM,
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code,
        client_id: keap.client.clientId,
        client_secret: keap.client.clientSecret,
        redirect_uri: redirectUri,
      }),
    });
  const first = await exchange();
  assert.equal(first.status, 200);
  assert.ok((await first.json()).access_token);
  assert.equal((await exchange()).status, 400, "a code is used once");
});

test("Deny redirects with error=access_denied and the state, no code", async () => {
  const form = new URLSearchParams({
    client_id: keap.client.clientId,
    redirect_uri: keap.client.redirectUri,
    state: "xyz",
    scope: "full",
    response_type: "code",
    decision: "deny",
  });
  const back = await fetch(keap.authorizeUrl, { method: "POST", headers: FORM, body: form, redirect: "manual" });
  assert.equal(back.status, 302);
  const to = new URL(back.headers.get("location"));
  assert.equal(to.searchParams.get("error"), "access_denied");
  assert.equal(to.searchParams.get("state"), "xyz");
  assert.equal(to.searchParams.get("code"), null);
});

test("an unknown client or an unregistered redirect URI is shown, never redirected", async () => {
  for (const params of [
    { client_id: "someone-else", redirect_uri: keap.client.redirectUri, response_type: "code", state: "a" },
    { client_id: keap.client.clientId, redirect_uri: "https://evil.example/steal", response_type: "code", state: "a" },
    { client_id: keap.client.clientId, response_type: "code", state: "a" },
  ]) {
    const res = await fetch(authorize(params), { redirect: "manual" });
    assert.equal(res.status, 400, JSON.stringify(params));
    assert.equal(res.headers.get("location"), null);
    assert.match(await res.text(), /cannot be authorized/);
  }
  // A wrong response_type with a good redirect URI goes back with the error.
  const res = await fetch(
    authorize({
      client_id: keap.client.clientId,
      redirect_uri: keap.client.redirectUri,
      response_type: "token",
      state: "b",
    }),
    { redirect: "manual" },
  );
  assert.equal(res.status, 302);
  assert.equal(new URL(res.headers.get("location")).searchParams.get("error"), "unsupported_response_type");
});
