// Build's "Create instance": the built body POSTed to the events service, after the seed's OAuth
// steps (consent.js: the service's redirect URL, the consent page in a pop-up, the code back
// with its state checked), which put the grant code in the body.
import { $, el, plural, diagnosticItem } from "./dom.js";
import { callbackUrl as consentCallbackUrl } from "./consent.js";

const PC = "event.poller.configuration";
/** The key the bundled hub simulator's webhook receiver verifies with (DEFAULT_SIGNATURE_KEY of elements-poller/testing). */
const SIM_SIGNATURE_KEY = "sim-signature-key";

export function setupCreate({ editor, publish, service, consent, instances, selectTab }) {
  const note = $("create-note");
  const list = $("create-diagnostics");
  const submit = $("create-submit");
  const authorizeButton = $("create-authorize");
  const callbackUrl = consentCallbackUrl();

  const say = (text, kind = "") => {
    note.textContent = text;
    note.className = `help ${kind}`;
  };

  function edit(fn) {
    const body = editor.value ?? {};
    body.configuration ??= {};
    fn(body);
    editor.value = body;
    publish();
    changed();
  }

  $("create-use-sims").addEventListener("click", async () => {
    try {
      const keap = await (await fetch("/__keap")).json();
      edit((b) => {
        b.configuration["oauth.api.key"] = keap.clientId;
        b.configuration["oauth.api.secret"] = keap.clientSecret;
        b.configuration["oauth.callback.url"] = callbackUrl;
        b.configuration["event.notification.enabled"] = true;
        b.configuration["event.notification.callback.url"] = `${location.origin}/__hub/webhook`;
        b.configuration["event.notification.signature.key"] = SIM_SIGNATURE_KEY;
      });
      say(
        "Filled in the Keap simulator's OAuth app and the hub simulator's webhook receiver (with its signature key). Next: Authorize with Keap.",
        "ok",
      );
    } catch {
      say("The simulators are not reachable on this origin: start the console with `npm start`.", "bad");
    }
  });

  authorizeButton.addEventListener("click", async () => {
    const body = editor.value ?? {};
    const elementKey = body.element?.key;
    const apiKey = body.configuration?.["oauth.api.key"];
    if (!elementKey || !apiKey) {
      say("Fill in the element and its OAuth API key (client id) first, or Use the bundled simulators.", "bad");
      return;
    }
    const attempt = consent.authorize({ elementKey, apiKey, redirectUri: callbackUrl });
    // The code comes back to this console: the body's callback URL must be the same one, as
    // the provider checks it again when the code is exchanged.
    if (body.configuration["oauth.callback.url"] !== callbackUrl)
      edit((b) => (b.configuration["oauth.callback.url"] = callbackUrl));
    say("Waiting for the consent page: allow access there.");
    try {
      const code = await attempt;
      edit((b) => (b.providerData = { ...(b.providerData ?? {}), code }));
      say("Access granted: the code is in the body (providerData.code). Next: Create instance.", "ok");
    } catch (e) {
      say(`${e.message} Authorize again to retry.`, "bad");
    }
  });
  consent.onStray = () => say("A redirect came back with a state this page did not send: ignored.", "bad");

  submit.addEventListener("click", async () => {
    list.replaceChildren();
    if (!service.hasSecrets()) {
      say("Enter the events service's User and Organization secrets (the cURL card, or Instances) first.", "bad");
      return;
    }
    submit.disabled = true;
    say("Creating…");
    try {
      const body = editor.value;
      const made = await service.call("POST", "/instances", body);
      say(`Created instance ${made.name} (${made.id}).`, "ok");
      note.append(
        " Its token, shown this once: ",
        el("code", { className: "token", text: made.token }),
        ". Polling every ",
        el("span", { text: String(body.configuration?.["event.poller.refresh_interval"] ?? "?") }),
        " minutes.",
      );
      if ($("create-poll-now").checked) await service.call("POST", `/instances/${encodeURIComponent(made.id)}/poll`);
      await instances.open(made.id);
      selectTab("tab-instances");
    } catch (e) {
      const diagnostics = e.json?.diagnostics;
      if (e.status === 400 && Array.isArray(diagnostics)) {
        // The service's diagnostics are validateConfig's, as the editor's: each at its path,
        // selecting one goes to its field.
        say(`The service refused the body: ${e.message}.`, "bad");
        for (const d of diagnostics.filter((d) => d.severity !== "info"))
          list.append(diagnosticItem(d, () => editor.focusPath(d.path)));
        list.dataset.count = String(diagnostics.length);
      } else say(service.explain(e), "bad");
    } finally {
      submit.disabled = false;
    }
  });

  /** The resources of the current body, for the summary beside the button. */
  function summary() {
    const pc = editor.value?.configuration?.[PC];
    const n = pc && typeof pc === "object" ? Object.keys(pc).length : 0;
    const code = editor.value?.providerData?.code;
    $("create-summary").textContent =
      `${plural(n, "resource")}; ${code && code !== "<AUTHORIZATION_GRANT_CODE>" ? "a grant code is in the body" : "no grant code yet"}.`;
  }
  /** The body changed: the service's verdict on the old one no longer applies. */
  function changed() {
    list.replaceChildren();
    delete list.dataset.count;
    summary();
  }
  editor.addEventListener("change", changed);
  summary();
}
