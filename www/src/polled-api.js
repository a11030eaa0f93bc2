// Which API a body polls (`event.poller.api`), said the same way in every panel that shows it.
// The core's one reader decides (pollerApi); the console never guesses.

/**
 * `{api}` by the core's reader, of the body as the Poller reads it (normalized: a configuration
 * written as a JSON string counts); an unknown value is `{api: "hub", error}`: said, not guessed.
 */
export function apiOf(ep, body) {
  try {
    return { api: ep.pollerApi(ep.normalizeConfig(body ?? {})) };
  } catch (e) {
    return { api: "hub", error: e };
  }
}

/** A one-line description of the API a body polls (the Import panel shows it too). */
export function describeApi(ep, body) {
  const { api, error } = apiOf(ep, body);
  if (error) return `Polls: unknown (${error.message})`;
  return api === "direct"
    ? "Polls: Keap REST v1 directly (event.poller.api: direct), with OAuth2 tokens from the body's OAuth app; no Cloud Elements in the loop."
    : "Polls: a Cloud Elements hub (event.poller.api: hub, the default), with the hub's User, Organization and Element credentials.";
}
