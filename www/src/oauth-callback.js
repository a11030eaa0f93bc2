// The page the provider's consent redirects to: `?code=…&state=…` (or `?error=…`). It hands them
// to the console that opened it (same origin only) and closes; the console checks the state.
// Nothing is stored and the code is never shown.
import { OAUTH_MESSAGE } from "./consent.js";
const q = new URLSearchParams(location.search);
const status = document.getElementById("callback-status");
const message = { type: OAUTH_MESSAGE, code: q.get("code"), state: q.get("state"), error: q.get("error") };
if (window.opener && !window.opener.closed) {
  window.opener.postMessage(message, location.origin);
  status.textContent = message.error
    ? `The provider answered ${message.error}; the console says what to do next.`
    : "Access granted: the console has the code. You can close this window.";
  window.close();
} else {
  status.textContent =
    "This page finishes an authorization started from the console's Build tab (Authorize with Keap), in a pop-up: open the console and start there.";
}
