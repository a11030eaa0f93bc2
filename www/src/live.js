// Live: a Poller in this page against the bundled simulator of the API the body polls (same
// origin, see www/server.mjs): the hub simulator, or the Keap simulator for a direct body
// (`event.poller.api: "direct"`), whose OAuth2 tokens OAuthTokens gets and refreshes here.
// Tokens live in this page's memory only: never in page storage, whatever "Remember secrets" says.
import { $, el, plural, diagnosticItem } from "./dom.js";
import { pollBars } from "./charts.js";
import { apiOf, describeApi } from "./polled-api.js";

const PC = "event.poller.configuration";
const API = "event.poller.api";
/** The key the bundled simulator's webhook receiver verifies signatures with (DEFAULT_SIGNATURE_KEY of elements-poller/testing). */
const DEFAULT_SIGNATURE_KEY = "sim-signature-key";
/** Keap's consent page: where a real re-authorization starts (keap-rest-v1-facts §4.1). */
const KEAP_AUTHORIZE_URL = "https://accounts.infusionsoft.com/app/oauth/authorize";

/** The JSON path of a resource poller's key in the body, as the validator writes it (`...contacts.reconcile`). */
const pollerPath = (name, ...keys) =>
  [`configuration["${PC}"]`, name, ...keys]
    .map((k, i) => (i === 0 ? k : /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`))
    .join("");

export function setupLive({ ep, onConfig, resources, config, editor, publish, selectTab }) {
  const availability = $("live-availability");
  const boxes = $("live-resources");
  const start = $("live-start"),
    stop = $("live-stop"),
    once = $("live-once"),
    reconcileNow = $("live-reconcile");
  const interval = $("live-interval");
  const state = $("live-state");
  const stats = $("live-stats");
  const chart = $("live-chart");
  const eventsBody = $("live-events").querySelector("tbody");
  const log = $("live-log");
  const warningsList = $("live-warnings");
  const mutateResource = $("mutate-resource");
  const note = $("mutate-note");
  const legend = el(
    "ul",
    { className: "legend", "aria-hidden": "true" },
    el("li", { className: "lg-UPDATED", text: "events in a poll" }),
    el("li", { className: "lg-retry", text: "poll with a retry" }),
    el("li", { className: "lg-error", text: "poll with an error" }),
  );
  const apiLine = $("live-api");
  const authBox = $("live-auth");
  const reauthorize = $("live-reauthorize");
  let hub = null;
  /** The Keap simulator's info (GET /__keap): where its API, token endpoint and app are. */
  let keap = null;
  let poller = null,
    pollerKey = "",
    /** The direct instance's tokens and state store: kept across a re-authorization. */
    tokens = null,
    store = null,
    timer = null,
    running = false,
    busy = false;
  const polls = [];
  let current = null,
    totalEvents = 0,
    totalRetries = 0,
    totalErrors = 0;
  /** OAuth tokens of direct instances: this page's memory only (secrets never reach page storage). */
  const tokenStore = new ep.MemoryStore();

  /** The simulator the body's API is polled against, and its control API. */
  function target() {
    const direct = apiOf(ep, config.value).api === "direct";
    return direct
      ? { direct, sim: keap, control: "/__keap", name: "Keap simulator" }
      : { direct, sim: hub, control: "/__hub", name: "hub simulator" };
  }

  /** This page's origin with a simulator url's path: whatever host name the page was opened with. */
  const here = (url) => location.origin + new URL(url, location.href).pathname;

  function setAvailability() {
    const t = target();
    const problems = [];
    if (!t.sim) problems.push(`The ${t.name} is not reachable on this origin: start the console with \`npm start\`.`);
    const { error } = apiOf(ep, config.value);
    if (error) problems.push(`${error.message} (fix event.poller.api in Build).`);
    if (t.direct && !globalThis.crypto?.subtle)
      problems.push(
        "OAuthTokens needs WebCrypto, which a browser gives only to a secure page: open the console on localhost (or https).",
      );
    if (t.direct && keap) {
      const c = config.value?.configuration ?? {};
      if (c["oauth.api.key"] !== keap.clientId || c["oauth.callback.url"] !== keap.redirectUri)
        problems.push(
          "This body's OAuth app is not the Keap simulator's, so its token endpoint will refuse the code: use \u201cPoint the body at the Keap simulator\u201d.",
        );
    }
    availability.textContent = problems.join(" ");
    availability.hidden = problems.length === 0;
    apiLine.textContent = `${describeApi(ep, config.value)}${t.sim ? ` Live polls the ${t.name} at ${here(t.sim.baseUrl)}${t.direct ? `, tokens from ${here(keap.tokenUrl)}` : ""}.` : ""}`;
    apiLine.dataset.api = t.direct ? "direct" : "hub";
    const canPoll = !!t.sim && !error;
    start.disabled = !canPoll || running;
    once.disabled = !canPoll || busy;
    reconcileNow.disabled = !canPoll || busy;
    stop.disabled = !running;
    for (const b of document.querySelectorAll(
      "#mutate-create, #mutate-update, #mutate-delete, #fault-throttle, #fault-error",
    ))
      b.disabled = !t.sim;
    for (const b of [$("keap-expire"), $("keap-revoke")]) {
      b.hidden = !t.direct;
      b.disabled = !keap;
    }
    $("live-use-keap").disabled = !keap;
  }

  function logLine(kind, text) {
    const time = new Date().toISOString().slice(11, 23);
    log.prepend(
      el(
        "li",
        { className: `log-${kind}`, dataset: { kind } },
        el("time", { text: time }),
        " ",
        el("span", { className: "kind", text: kind }),
        " ",
        el("span", { text }),
      ),
    );
    while (log.children.length > 200) log.lastChild.remove();
  }

  /** Builder resources that the simulator of the body's API serves. */
  function liveResources() {
    const known = new Set(target().sim?.resources ?? []);
    return resources().filter((r) =>
      known.has(
        String(r.url ?? "")
          .split("?")[0]
          .split("/")
          .pop(),
      ),
    );
  }

  function fillResources() {
    const { sim, name } = target();
    const rs = liveResources();
    const checked = new Set([...boxes.querySelectorAll("input:checked")].map((i) => i.value));
    // Every resource is ticked the first time there are any to tick.
    const first = !boxes.querySelector("input");
    boxes.replaceChildren();
    if (!rs.length)
      boxes.append(
        el("p", {
          className: "help",
          text: sim ? `Add a resource the ${name} serves (${sim.resources.join(", ")}) in Build.` : "No simulator.",
        }),
      );
    for (const r of rs) {
      const id = `live-r-${r.name}`;
      boxes.append(
        el(
          "label",
          { className: "check", for: id },
          el("input", { type: "checkbox", id, value: r.name, checked: first || checked.has(r.name) }),
          el("span", { text: r.name }),
        ),
      );
    }
    const keep = mutateResource.value;
    mutateResource.replaceChildren(...(sim?.resources ?? []).map((n) => el("option", { value: n, text: n })));
    const firstList = rs[0]?.url?.split("?")[0].split("/").pop();
    for (const preferred of [keep, firstList]) {
      if (preferred && sim?.resources.includes(preferred)) {
        mutateResource.value = preferred;
        break;
      }
    }
  }
  onConfig(() => {
    fillResources();
    setAvailability();
  });

  const deliver = $("live-deliver");
  const webhooks = $("live-webhooks");

  /** What the simulator's webhook receiver got: count and signature checks. */
  async function showReceived() {
    if (!deliver.checked) {
      webhooks.textContent = "";
      return;
    }
    try {
      const got = await (await fetch("/__hub/received")).json();
      const verified = got.filter((r) => r.verified === true).length;
      const events = got.reduce(
        (n, r) => n + (Array.isArray(r.body?.message?.events) ? r.body.message.events.length : r.body?.message ? 1 : 0),
        0,
      );
      webhooks.textContent = `Webhook receiver: ${plural(got.length, "notification")} (${verified} with a valid signature), ${plural(events, "event")}.`;
      webhooks.dataset.received = String(got.length);
      webhooks.dataset.verified = String(verified);
    } catch (e) {
      webhooks.textContent = `Webhook receiver: ${e.message}`;
    }
  }
  deliver.addEventListener("change", showReceived);

  function selectedInstance() {
    const names = new Set([...boxes.querySelectorAll("input:checked")].map((i) => i.value));
    const body = structuredClone(config.value ?? {});
    const pc = body.configuration?.[PC];
    if (pc && typeof pc === "object") for (const k of Object.keys(pc)) if (!names.has(k)) delete pc[k];
    return { body, names: [...names] };
  }

  function auth() {
    const parts = {};
    for (const piece of hub.authorization.split(",")) {
      const m = /^\s*(User|Organization|Element)\s+(\S+)\s*$/i.exec(piece);
      if (m) parts[m[1].toLowerCase()] = m[2];
    }
    return parts;
  }

  /**
   * The Poller of the body as it is now: a new one (from a new baseline) when the body or the
   * delivery choice changed; `again` makes a new one over the same store and tokens (after a
   * re-authorization: a Poller that met `oauth.reauthorize` sends nothing more, on purpose).
   */
  function ensurePoller({ again = false } = {}) {
    const { body, names } = selectedInstance();
    if (!names.length) throw new Error("choose at least one resource to poll");
    const t = target();
    const key = JSON.stringify(body) + deliver.checked;
    if (poller && key === pollerKey && !again) return poller;
    poller?.stop?.();
    if (key !== pollerKey || !store) {
      store = new ep.MemoryStore();
      // A new baseline: the warnings of the polls before it are about a state that is gone.
      warningsList.replaceChildren();
      tokens = t.direct
        ? ep.OAuthTokens.fromInstance(body, { store: tokenStore, tokenUrl: here(keap.tokenUrl) })
        : null;
    }
    pollerKey = key;
    const baseUrl = here(t.sim.baseUrl);
    poller = new ep.Poller({
      instance: body,
      baseUrl,
      // A direct body authenticates with its OAuth2 tokens; a hub body with the hub's secrets.
      ...(t.direct ? { tokens } : { auth: auth() }),
      store,
      startFrom: "now",
      ...(deliver.checked
        ? {
            delivery: {
              callbackUrl: location.origin + new URL(hub.webhookUrl, location.href).pathname,
              signatureKey: DEFAULT_SIGNATURE_KEY,
            },
          }
        : { onEvents: (events) => countEvents(events) }),
    });
    poller.addEventListener("delivery", (e) =>
      logLine(
        "deliver",
        `${e.detail?.status ? `notification answered ${e.detail.status}` : "events handed to the page (onEvents)"}${e.detail?.attempts > 1 ? ` after ${e.detail.attempts} attempts` : ""}`,
      ),
    );
    poller.addEventListener("events", (e) => countEvents(e.detail?.events ?? []));
    poller.addEventListener("retry", (e) => {
      totalRetries++;
      if (current) current.retries++;
      const d = e.detail ?? {};
      const why = d.reason ?? d.error?.message ?? d.message;
      logLine(
        "retry",
        `${d.resource ? `${d.resource}: ` : ""}retrying${Number.isFinite(d.delayMs) ? ` in ${d.delayMs} ms` : ""}${why ? ` (${why})` : ""}`,
      );
      renderStats();
    });
    poller.addEventListener("error", (e) => {
      const err = e.detail?.error ?? {};
      totalErrors++;
      if (current) current.error = true;
      logLine(
        "error",
        `${e.detail?.resource ? `${e.detail.resource}: ` : ""}${err.code ? `${err.code}: ` : ""}${err.message ?? String(err)}`,
      );
      showAuthProblem(err);
      renderStats();
    });
    poller.addEventListener("poll", (e) => {
      for (const sm of e.detail?.summaries ?? []) {
        if (sm.error) continue; // reported by the "error" event
        logLine(
          "poll",
          `${sm.resource}: ${plural(sm.pages ?? 0, "page")}, ${plural(sm.records ?? 0, "record")}, ${plural(sm.events ?? 0, "event")}${Number.isFinite(sm.durationMs) ? `, ${sm.durationMs} ms` : ""}`,
        );
      }
    });
    poller.addEventListener("warning", (e) => showWarning(e.detail ?? {}));
    poller.addEventListener("reconcile", (e) => {
      const d = e.detail ?? {};
      logLine(
        "reconcile",
        `${d.resource}: full listing of ${plural(d.listed ?? 0, "id")}, ${d.deleted ?? 0} deleted${d.verified ? ` (${d.verified} asked for by id, ${d.missed ?? 0} of them found)` : ""}${d.held ? ", held: nothing deleted" : ""}`,
      );
      // A listing that completed and was not held answers the resource's earlier reconcile warnings.
      if (!d.held) clearWarnings(d.resource, (code) => code.startsWith("reconcile."));
    });
    logLine(
      "start",
      `Poller created for ${names.join(", ")} at ${baseUrl}${t.direct ? ` (Keap directly, tokens from ${here(keap.tokenUrl)})` : ""} ${again ? "(going on from the saved state)" : "(starting from now)"}`,
    );
    return poller;
  }

  /** What a person can do about an authentication failure, by its code. */
  function authAdvice(code) {
    const c = config.value?.configuration ?? {};
    if (code === "oauth.reauthorize") {
      const consent = `${KEAP_AUTHORIZE_URL}?client_id=${encodeURIComponent(c["oauth.api.key"] ?? "")}&redirect_uri=${encodeURIComponent(c["oauth.callback.url"] ?? "")}&response_type=code&scope=full`;
      return `Polling of this instance has stopped and is not retried. To re-authorize, the Keap account's owner consents again (${consent}); Keap redirects to oauth.callback.url with a new code, which OAuthTokens.authorize(code) exchanges. Here the simulator mints the code.`;
    }
    if (code === "oauth.token-request")
      return "The token endpoint did not give a token: check oauth.api.key, oauth.api.secret and oauth.callback.url (the simulator's app: \u201cPoint the body at the Keap simulator\u201d), then poll again.";
    return "Keap refused a freshly refreshed token: re-authorize the instance.";
  }

  /** Shows an authentication failure (a refused grant, a token endpoint that gave none) with what to do. */
  function showAuthProblem(err) {
    if (!["oauth.reauthorize", "oauth.token-request", "cycle.auth"].includes(err?.code)) return;
    $("live-auth-message").textContent = `${err.code}: ${err.message}`;
    $("live-auth-todo").textContent = authAdvice(err.code);
    authBox.dataset.code = err.code;
    reauthorize.hidden = !(target().direct && keap) || err.code === "oauth.token-request";
    authBox.hidden = false;
    if (err.code === "oauth.reauthorize" && running) {
      // Never a retry loop: the schedule stops with the instance.
      running = false;
      clearTimeout(timer);
      state.textContent = "Stopped: the instance needs re-authorization.";
      setAvailability();
    }
  }

  async function controlJson(path, body) {
    const res = await fetch(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body ?? {}),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(json.message ?? `HTTP ${res.status}`);
    return json;
  }

  /** A new authorization code, as Keap's consent page would redirect with (the simulator mints it). */
  async function mintCode() {
    return (await controlJson("/__keap/codes", { redirectUri: keap.redirectUri })).code;
  }

  reauthorize.addEventListener("click", async () => {
    reauthorize.disabled = true;
    try {
      if (!tokens) ensurePoller();
      await tokens.authorize(await mintCode());
      authBox.hidden = true;
      logLine("start", "Re-authorized: a new authorization code was exchanged; polling can go on from the saved state");
      ensurePoller({ again: true });
    } catch (e) {
      $("live-auth-message").textContent = `${e.code ? `${e.code}: ` : ""}${e.message}`;
    } finally {
      reauthorize.disabled = false;
      setAvailability();
    }
  });

  /**
   * Points the body at the Keap simulator, as a person would by hand in Build: polled directly,
   * the simulator's OAuth app, a freshly minted authorization code, and each resource's Keap
   * list endpoint (its direct preset) where it had a hub url.
   */
  $("live-use-keap").addEventListener("click", async () => {
    try {
      const body = structuredClone(config.value ?? {});
      body.element = { ...(body.element ?? {}), key: "infusionsoftrest" };
      body.providerData = { ...(body.providerData ?? {}), code: await mintCode() };
      const c = (body.configuration ??= {});
      c["oauth.api.key"] = keap.clientId;
      c["oauth.api.secret"] = keap.clientSecret;
      c["oauth.callback.url"] = keap.redirectUri;
      c[API] = "direct";
      const direct = ep.directPresets.infusionsoftrest;
      const pc = c[PC] && typeof c[PC] === "object" ? c[PC] : (c[PC] = {});
      const changed = [];
      for (const [name, p] of Object.entries(pc)) {
        const list = String(p?.url ?? "")
          .split("?")[0]
          .split("/")
          .pop();
        const preset = direct[list] ?? direct[name];
        if (preset && !String(p?.url ?? "").startsWith("/v1/")) {
          const { url, idField, datesConfiguration } = preset;
          pc[name] = { ...p, url, idField, datesConfiguration: structuredClone(datesConfiguration) };
          changed.push(name);
        }
      }
      if (!Object.keys(pc).length) pc.contacts = structuredClone(direct.contacts);
      editor.value = body;
      publish();
      logLine(
        "change",
        `The body polls the Keap simulator directly: its OAuth app, a new authorization code${changed.length ? `, Keap list endpoints for ${changed.join(", ")}` : ""}`,
      );
    } catch (e) {
      logLine("error", `Keap simulator: ${e.message}`);
    }
  });

  /**
   * A warning of the Poller (`reconcile.held`, `reconcile.failed`, `delivery.unsigned`) as a
   * diagnostic, the way the other panels show them: the latest one per resource and code, which
   * selects the field it is about in Build. The core gives a cycle's diagnostics no path within
   * the body; a resource's is its poller's (`reconcile.maxDrop` for a held listing: the hint's
   * remedy).
   */
  function showWarning(d) {
    const path =
      d.path ||
      (d.resource ? pollerPath(d.resource, ...(d.code === "reconcile.held" ? ["reconcile", "maxDrop"] : [])) : "");
    const diag = {
      severity: d.severity ?? "warning",
      code: d.code ?? "warning",
      path,
      message: `${d.resource ? `${d.resource}: ` : ""}${d.message ?? ""}`,
      hint: d.hint,
    };
    clearWarnings(d.resource, (code) => code === diag.code);
    const item = diagnosticItem(diag, (x) => {
      selectTab("tab-builder");
      editor.focusPath(x.path);
    });
    item.dataset.resource = d.resource ?? "";
    warningsList.prepend(item);
    logLine("warning", `${diag.message} (${diag.code})`);
  }

  /** Removes the warnings shown for a resource whose code `matches`. */
  function clearWarnings(resource, matches) {
    for (const li of [...warningsList.children])
      if (li.dataset.resource === (resource ?? "") && matches(li.dataset.code)) li.remove();
  }

  const seen = new Set();
  function countEvents(batch) {
    const events = Array.isArray(batch) ? batch : batch?.events;
    if (!Array.isArray(events)) return;
    for (const ev of events) {
      const id = ev.eventId ?? `${ev.objectType}/${ev.objectId}/${ev.date}`;
      if (seen.has(id)) continue;
      seen.add(id);
      totalEvents++;
      if (current) current.events++;
      eventsBody.querySelector(".empty-row")?.remove();
      eventsBody.prepend(
        el(
          "tr",
          { dataset: { type: ev.eventType, id: String(ev.objectId) } },
          el("td", { "data-label": "Poll", text: String(current?.n ?? "") }),
          el(
            "td",
            { "data-label": "Type" },
            el("span", { className: `result res-${ev.eventType}`, text: ev.eventType }),
          ),
          el("td", { "data-label": "Object", text: ev.objectType ?? "" }),
          el("td", { "data-label": "ID" }, el("code", { text: String(ev.objectId) })),
          el("td", { "data-label": "Date", className: "nowrap" }, el("code", { text: ev.date ?? "" })),
        ),
      );
      logLine("event", `${ev.eventType} ${ev.objectType} ${ev.objectId}`);
    }
    renderStats();
  }

  function renderStats() {
    stats.textContent =
      polls.length || current
        ? `${plural(polls.length, "poll")}, ${plural(totalEvents, "event")}, ${plural(totalRetries, "retry").replace("retrys", "retries")}, ${plural(totalErrors, "error")}`
        : "No polls yet.";
    stats.dataset.events = String(totalEvents);
    const last = polls.at(-1);
    if (last?.summary)
      stats.append(el("br"), el("span", { className: "help", text: `Last poll (${last.n}): ${last.summary}` }));
    chart.replaceChildren(
      legend,
      pollBars(current && !polls.includes(current) ? [...polls, current] : polls, chart.clientWidth || 480),
    );
  }

  /** One poll; `reconcile`: one that lists every resource in full (`poller.reconcile()`). */
  async function pollNow({ reconcile = false } = {}) {
    if (busy) return;
    busy = true;
    setAvailability();
    try {
      const p = ensurePoller();
      current = { n: polls.length + 1, events: 0, retries: 0, error: false };
      state.textContent = `${reconcile ? "Reconciling" : "Polling"} (poll ${current.n})…`;
      const summaries = await (reconcile ? p.reconcile() : p.pollOnce());
      if (Array.isArray(summaries)) {
        for (const sm of summaries) if (sm.error) showAuthProblem(sm.error);
        // A poll stopped by an error said once already (a refused grant) still failed: its bar says so.
        if (current && summaries.some((sm) => sm.error)) current.error = true;
        // A poll in which every resource got through: whatever stood in the way is gone.
        if (summaries.every((sm) => !sm.error)) authBox.hidden = true;
      }
      if (current && Array.isArray(summaries)) {
        current.records = summaries.reduce((n, sm) => n + (sm.records ?? 0), 0);
        current.summary = summaries
          .map(
            (sm) =>
              `${sm.resource}: ${sm.error ? `error (${sm.error.code})` : `${plural(sm.pages ?? 0, "page")}, ${plural(sm.records ?? 0, "record")}, ${plural(sm.events ?? 0, "event")}${sm.reconciled ? ` (listed in full, ${sm.deleted ?? 0} deleted)` : ""}, ${sm.durationMs ?? "?"} ms`}`,
          )
          .join("; ");
      }
      await showReceived();
    } catch (e) {
      totalErrors++;
      if (current) current.error = true;
      logLine("error", `${e.code ? `${e.code}: ` : ""}${e.message}`);
    } finally {
      if (current) polls.push(current);
      current = null;
      busy = false;
      renderStats();
      state.textContent = running
        ? `Polling every ${interval.value} s. Last poll at ${new Date().toISOString().slice(11, 19)} UTC.`
        : `Stopped. Last poll at ${new Date().toISOString().slice(11, 19)} UTC.`;
      setAvailability();
    }
  }

  function schedule() {
    clearTimeout(timer);
    if (!running) return;
    timer = setTimeout(
      async () => {
        await pollNow();
        schedule();
      },
      Math.max(1, Number(interval.value) || 2) * 1000,
    );
  }

  start.addEventListener("click", async () => {
    running = true;
    setAvailability();
    logLine("start", `Polling every ${interval.value} s`);
    await pollNow();
    schedule();
  });
  stop.addEventListener("click", () => {
    running = false;
    clearTimeout(timer);
    poller?.stop?.();
    logLine("stop", "Stopped");
    state.textContent = "Stopped.";
    setAvailability();
  });
  once.addEventListener("click", () => pollNow());
  reconcileNow.addEventListener("click", () => pollNow({ reconcile: true }));

  /** A change through the simulator's control API, said in the note; `then` replaces what it says comes next. */
  async function control(path, body, what, after = "event", then = undefined) {
    try {
      const json = await controlJson(`${target().control}${path}`, body);
      const recs = json.records ?? [];
      const text = recs.length ? `${what}: ${mutateResource.value} ${recs.map((r) => r.id).join(", ")}` : `${what}`;
      note.textContent = `${text}. ${then ?? (running ? "The next poll will see it." : `Poll to see the ${after}.`)}`;
      logLine("change", text);
    } catch (e) {
      note.textContent = `The simulator refused: ${e.message}`;
      logLine("error", `simulator: ${e.message}`);
    }
  }
  $("mutate-create").addEventListener("click", () =>
    control(`/${encodeURIComponent(mutateResource.value)}`, { count: 1 }, "Created"),
  );
  $("mutate-update").addEventListener("click", () =>
    control(`/${encodeURIComponent(mutateResource.value)}/update`, { count: 1 }, "Updated"),
  );
  // A delete is seen only by a full listing: the last record the simulator lists goes.
  $("mutate-delete").addEventListener("click", async () => {
    const resource = mutateResource.value;
    const listed = await fetch(`${target().control}/${encodeURIComponent(resource)}`)
      .then((r) => (r.ok ? r.json() : []))
      .catch(() => []);
    const last = Array.isArray(listed) ? listed.at(-1) : undefined;
    if (last?.id === undefined) {
      note.textContent = `The simulator has no ${resource} record to delete.`;
      return;
    }
    await control(
      "/mutate",
      { resource, op: "delete", id: last.id },
      "Deleted",
      "event",
      "A poll by date cannot see a delete: Reconcile now (or a resource's reconcile.everyHours) lists in full and reports it as DELETED.",
    );
  });
  const api = () => (target().direct ? "Keap" : "hub");
  $("fault-throttle").addEventListener("click", () =>
    control("/faults", { next: ["throttle"] }, `The next ${api()} request will be throttled (429)`, "retry"),
  );
  $("fault-error").addEventListener("click", () =>
    control("/faults", { next: [503] }, `The next ${api()} request will fail (503)`, "retry"),
  );
  $("keap-expire").addEventListener("click", () =>
    control(
      "/expire-tokens",
      {},
      "Keap expired the access token (the next request gets a 401, then one refresh)",
      "refresh",
    ),
  );
  $("keap-revoke").addEventListener("click", () =>
    control("/revoke", {}, "The Keap account took the app's access away (the refresh token is dead)", "refusal"),
  );

  let lastWidth = 0;
  new ResizeObserver(() => {
    if (Math.abs(chart.clientWidth - lastWidth) > 8) {
      lastWidth = chart.clientWidth;
      renderStats();
    }
  }).observe(chart);

  eventsBody.append(
    el(
      "tr",
      { className: "empty-row" },
      el("td", {
        colSpan: 5,
        text: "No events yet: poll, then create or update a record and poll again (a deleted one: Reconcile now).",
      }),
    ),
  );
  setAvailability();
  renderStats();
  const info = (path) =>
    fetch(path)
      .then((r) => (r.ok ? r.json() : null))
      .catch(() => null);
  Promise.all([info("/__hub"), info("/__keap")]).then(([h, k]) => {
    hub = h;
    keap = k;
    fillResources();
    setAvailability();
    $("panel-live").dataset.simulators = "ready";
  });
}
