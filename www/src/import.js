// The import panel: a pasted, loaded or dropped body checked as it is (each problem at its line
// and column in the text), then opened in the builder.
import { $, plural, diagnosticItem } from "./dom.js";
import { describeApi } from "./polled-api.js";
import seedExample from "./samples/seed-example-body.json?raw";
import platformExample from "./samples/platform-instance.json?raw";

export function setupImport({ ep, selectTab, editor, publish }) {
  const importInput = $("body-input");
  const importApply = $("import-apply");
  const importNote = $("import-note");

  function renderImportChecks() {
    const text = importInput.value;
    const list = $("diagnostics-list");
    const summary = $("diagnostics-summary");
    list.replaceChildren();
    if (!text.trim()) {
      summary.textContent = "Paste a body to check it.";
      summary.className = "";
      $("import-api").textContent = "";
      importApply.disabled = true;
      return;
    }
    const { ok, diagnostics } = ep.validateConfig(text);
    const errors = diagnostics.filter((d) => d.severity === "error").length;
    const warnings = diagnostics.filter((d) => d.severity === "warning").length;
    summary.textContent =
      ok && !warnings ? "No problems found." : `${plural(errors, "error")}, ${plural(warnings, "warning")}`;
    summary.className = ok ? "ok" : "bad";
    for (const d of diagnostics) {
      let at = null;
      if (d.path) {
        try {
          at = ep.locateConfigPath(text, d.path);
        } catch {
          at = null;
        }
      }
      const item = diagnosticItem(d, at ? () => selectInText(importInput, at) : undefined);
      if (at)
        item.querySelector(".where").append(` · line ${at.line}, column ${at.column}${at.exact ? "" : " (nearest)"}`);
      list.append(item);
    }
    let parses = false;
    try {
      const v = JSON.parse(text);
      parses = !!v && typeof v === "object" && !Array.isArray(v);
    } catch {
      parses = false;
    }
    // Which API the pasted body polls, as the CLI's validate says it.
    $("import-api").textContent = parses ? describeApi(ep, text) : "";
    importApply.disabled = !parses;
    importNote.textContent = parses ? "" : "Only a JSON object can be opened in the builder.";
  }
  importInput.addEventListener("input", renderImportChecks);

  function loadImportText(text, note) {
    importInput.value = text;
    renderImportChecks();
    importNote.textContent = note ?? "";
  }
  $("load-seed").addEventListener("click", () =>
    loadImportText(seedExample, "The example body of the Infusionsoft REST events documentation."),
  );
  $("load-platform").addEventListener("click", () =>
    loadImportText(
      platformExample,
      "An instance as the platform returns it: string values and the poller configuration as a JSON string.",
    ),
  );
  importApply.addEventListener("click", () => {
    editor.value = importInput.value;
    publish();
    selectTab("tab-builder");
    // a person who imports a body wants its first problem next
    const first = editor.diagnostics[0];
    if (first) editor.focusPath(first.path);
  });

  async function readDroppedFile(file) {
    if (!file) return;
    loadImportText(await file.text(), `Loaded ${file.name}.`);
  }
  $("import-file").addEventListener("change", (e) => readDroppedFile(e.target.files?.[0]));
  const drop = $("drop-zone");
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    readDroppedFile(e.dataTransfer?.files?.[0]);
  });
}

/** Selects the JSON value that starts at {line, column} (1-based) in a textarea. */
function selectInText(textarea, { line, column }) {
  const text = textarea.value;
  let start = 0;
  for (let l = 1; l < line; l++) start = text.indexOf("\n", start) + 1;
  start += column - 1;
  let end = start;
  if (text[start] === '"') {
    end = start + 1;
    while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
    end += 1;
  } else {
    while (end < text.length && !",}]\n".includes(text[end])) end++;
  }
  textarea.focus();
  textarea.setSelectionRange(start, Math.max(end, start + 1));
  const lineHeight = parseFloat(getComputedStyle(textarea).lineHeight) || 18;
  textarea.scrollTop = Math.max(0, (line - 4) * lineHeight);
}
