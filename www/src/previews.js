// The builder's previews of its value: the JSON body (copy, download), the cURL command
// (secrets masked until revealed) and the url a poll requests after a watermark.
import { $, el, copyText } from "./dom.js";

const PC = "event.poller.configuration";

export function setupPreviews({ ep, onConfig, resources, fillResourceSelect, editor, config, publish }) {
  for (const b of document.querySelectorAll("button.copy")) {
    b.addEventListener("click", () => copyText($(b.dataset.copy).textContent, b));
  }

  const reveal = $("curl-reveal");
  reveal.addEventListener("click", () => {
    const on = reveal.getAttribute("aria-pressed") !== "true";
    reveal.setAttribute("aria-pressed", String(on));
    reveal.textContent = on ? "Mask secrets" : "Reveal secrets";
    renderCurlPreview();
  });
  for (const id of ["curl-base", "curl-user", "curl-org"]) $(id).addEventListener("input", renderCurlPreview);

  function renderCurlPreview() {
    const out = $("curl-out");
    out.classList.remove("error");
    if (!config.value) {
      out.textContent = "The body is not a JSON object yet.";
      return;
    }
    const opts = {
      baseUrl: $("curl-base").value.trim() || undefined,
      reveal: reveal.getAttribute("aria-pressed") === "true",
    };
    if ($("curl-user").value) opts.userSecret = $("curl-user").value;
    if ($("curl-org").value) opts.organizationSecret = $("curl-org").value;
    try {
      out.textContent = ep.renderCurl(config.value, opts);
    } catch (e) {
      out.textContent = `${e.code ?? "error"}: ${e.message}`;
      out.classList.add("error");
    }
  }

  const pollResource = $("pollurl-resource");
  const pollWatermark = $("pollurl-watermark");
  pollWatermark.value = new Date(Date.now() - 15 * 60000).toISOString().replace(/\.\d+Z$/, ".000Z");
  pollResource.addEventListener("change", renderPollUrlPreview);
  pollWatermark.addEventListener("input", renderPollUrlPreview);

  function renderPollUrlPreview() {
    const out = $("pollurl-out");
    out.classList.remove("error");
    fillResourceSelect(pollResource);
    const r = resources().find((x) => x.name === pollResource.value);
    if (!r) {
      out.textContent = "Add a resource in the builder to see its poll URL.";
      return;
    }
    const ms = Date.parse(pollWatermark.value);
    if (Number.isNaN(ms)) {
      out.textContent = "The watermark must be an ISO-8601 instant, e.g. 2026-03-10T11:00:00.000Z.";
      out.classList.add("error");
      return;
    }
    try {
      out.textContent = ep.renderPollUrl(r, { watermark: ms, now: Date.now() });
    } catch (e) {
      out.textContent = `${e.code ?? "error"}: ${e.message}`;
      out.classList.add("error");
    }
  }

  $("json-download").addEventListener("click", () => {
    if (!config.value) return;
    const url = URL.createObjectURL(
      new Blob([JSON.stringify(config.value, null, 2) + "\n"], { type: "application/json" }),
    );
    const a = el("a", {
      href: url,
      download: `${String(config.value.name || "instance").replace(/[^\w.-]+/g, "-")}.json`,
    });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });

  $("pollurl-where").addEventListener("click", () => {
    const body = editor.value;
    const name = pollResource.value;
    const r = body?.configuration?.[PC]?.[name];
    if (!r) return;
    const d = r.datesConfiguration ?? {};
    const fieldName = d.updatedDateField || "modification_date";
    const format =
      d.updatedDateFormat && !["milliseconds", "timestamp", "seconds", "iso8601"].includes(d.updatedDateFormat)
        ? d.updatedDateFormat
        : "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
    const base = String(r.url ?? "").split("?")[0];
    r.url = `${base}?where=${fieldName}>='\${gmtDate:${format}}'`;
    editor.value = body;
    publish();
  });

  onConfig(({ value }) => {
    $("json-out").textContent = value ? JSON.stringify(value, null, 2) : "The body is not a JSON object yet.";
    renderCurlPreview();
    renderPollUrlPreview();
  });
}
