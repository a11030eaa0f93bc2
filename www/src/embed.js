// The editor in a plain page: import the element, listen to `change`.
import "elements-poller/editor";

const editor = document.getElementById("embedded");
const status = document.getElementById("change-status");
const out = document.getElementById("change-value");

editor.addEventListener("change", (e) => {
  const { value, diagnostics, ok } = e.detail;
  status.textContent = ok
    ? `ok: no errors (${diagnostics.length} diagnostics)`
    : `not ok: ${diagnostics.filter((d) => d.severity === "error").length} errors`;
  status.className = ok ? "ok" : "bad";
  status.dataset.changes = String(Number(status.dataset.changes ?? 0) + 1);
  out.textContent = JSON.stringify(value, null, 2);
});
document.body.dataset.ready = "true";
