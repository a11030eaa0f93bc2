// What the host adds to a request of a direct cycle (`auth: "bearer"`, DESIGN section 11 and
// the issue-17 contract): `Authorization: Bearer <access token>` from the instance's
// OAuthTokens, after the OAuth app's rate limiter lets the call go. On `refreshToken: true`
// (the core's one retry after a 401) the token that was refused is refreshed first: one
// refresh per instance, shared with any other cycle that saw the same token refused.
// A hub request (no `auth`) passes through unchanged.

import { PollerError } from "./errors.js";

/**
 * @typedef {{accessToken: (o?: {signal?: AbortSignal}) => Promise<string>,
 *   refresh: (o?: {rejected?: string, signal?: AbortSignal}) => Promise<string>,
 *   limiter?: {take: (signal?: AbortSignal) => Promise<void>}}} TokenSource
 */

/**
 * @template {{headers: Record<string, string>, auth?: string, refreshToken?: boolean}} R
 * @param {R} req what `PollCycle.nextRequest()` gave
 * @param {TokenSource | undefined} tokens
 * @param {{rejected?: string, signal?: AbortSignal}} [o] `rejected`: the token this cycle sent last
 * @returns {Promise<{request: R, token?: string}>}
 */
export async function withBearer(req, tokens, { rejected, signal } = {}) {
  if (req.auth === undefined) return { request: req };
  if (req.auth !== "bearer")
    throw new PollerError(
      "poller.tokens",
      `the core asked for ${JSON.stringify(req.auth)} auth, which this host does not know`,
    );
  if (!tokens)
    throw new PollerError(
      "poller.tokens",
      "this instance polls the provider directly (event.poller.api: direct): pass tokens, an OAuthTokens",
    );
  const token = req.refreshToken ? await tokens.refresh({ rejected, signal }) : await tokens.accessToken({ signal });
  await tokens.limiter?.take(signal);
  /** @type {Record<string, string>} */
  const headers = {};
  for (const [k, v] of Object.entries(req.headers ?? {})) if (k.toLowerCase() !== "authorization") headers[k] = v;
  headers.authorization = `Bearer ${token}`;
  return { request: { ...req, headers }, token };
}
