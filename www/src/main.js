import { validateConfig } from "elements-poller";

const input = document.getElementById("body-input");
const summary = document.getElementById("diagnostics-summary");
const list = document.getElementById("diagnostics-list");

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function render() {
  const text = input.value;
  list.replaceChildren();
  if (!text.trim()) {
    summary.textContent = "Paste a body to check it.";
    summary.className = "";
    return;
  }
  const { ok, diagnostics } = validateConfig(text);
  const count = (s) => diagnostics.filter((d) => d.severity === s).length;
  const errors = count("error");
  const warnings = count("warning");
  summary.textContent = ok && !warnings ? "No problems found." : `${plural(errors, "error")}, ${plural(warnings, "warning")}`;
  summary.className = ok ? "ok" : "bad";
  for (const d of diagnostics) {
    const li = document.createElement("li");
    li.className = `diag ${d.severity}`;
    li.dataset.code = d.code;
    li.dataset.path = d.path;
    const head = document.createElement("div");
    const sev = document.createElement("span");
    sev.className = "severity";
    sev.textContent = d.severity;
    const code = document.createElement("code");
    code.className = "code";
    code.textContent = d.code;
    const path = document.createElement("code");
    path.className = "path";
    path.textContent = d.path || "(the whole body)";
    head.append(sev, " ", code, " at ", path);
    const msg = document.createElement("p");
    msg.className = "message";
    msg.textContent = d.message;
    li.append(head, msg);
    if (d.hint) {
      const hint = document.createElement("p");
      hint.className = "hint";
      hint.textContent = `Hint: ${d.hint}`;
      li.append(hint);
    }
    list.append(li);
  }
}

input.addEventListener("input", render);
render();
