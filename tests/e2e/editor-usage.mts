// Type-checked usage of "elements-poller/editor" and "elements-poller/editor/dom" (see editor-types.test.mjs).
import { PollerConfigEditor, type PollerConfigChangeDetail } from "elements-poller/editor";

const editor: PollerConfigEditor = document.createElement("poller-config-editor");
editor.value = '{"element": {"key": "infusionsoftrest"}}';
editor.value = { element: { key: "infusionsoftrest" } };
editor.element = "infusionsoftrest";
editor.addEventListener("change", (e) => {
  const detail: PollerConfigChangeDetail = e.detail;
  const ok: boolean = detail.ok;
  const codes: string[] = detail.diagnostics.map((d) => d.code);
  console.log(ok, codes, detail.value.name);
});
const moved: boolean = editor.focusPath("name");
const name: string = editor.addResource("appointments");
const { ok } = editor.validate();
console.log(moved, name, ok, editor.parseError ?? "", editor.diagnostics.length);

// "elements-poller/editor/dom": the helper the editor (and the console) build nodes with.
import { el } from "elements-poller/editor/dom";
const input: HTMLInputElement = el("input", { type: "checkbox", checked: true, onchange: () => {} });
const list: HTMLElement = el("my-list", { className: "x", dataset: { path: "name" } }, input, "text", null, [el("li", {}, "a")]);
console.log(list.childNodes.length);
