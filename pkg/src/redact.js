// Credentials inside urls (`https://user:pass@host`) never reach an event, an error message or
// the outbox's notes: fetch's own errors quote the url they refused, so whole messages are
// cleaned, not only the urls we print.

const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#'"<>]*@/gi;

/** `text` with the userinfo of every url in it replaced by `********`. */
export function withoutCredentials(text) {
  return typeof text === "string" ? text.replace(USERINFO, "$1********@") : text;
}
