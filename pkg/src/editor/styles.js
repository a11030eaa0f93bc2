// The editor's stylesheet, adopted by its shadow root as a constructable stylesheet (allowed
// by a `style-src 'self'` CSP, unlike an inline <style>). Theme it from outside with the
// --pce-* custom properties documented in pkg/types/editor.d.ts.
export const css = `
:host {
  display: block;
  --_font: var(--pce-font, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
  --_mono: var(--pce-mono, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace);
  --_bg: var(--pce-bg, #ffffff);
  --_fg: var(--pce-fg, #1c2330);
  --_muted: var(--pce-muted, #5b6576);
  --_border: var(--pce-border, #d0d6e0);
  --_field-bg: var(--pce-field-bg, #ffffff);
  --_section-bg: var(--pce-section-bg, #f7f8fa);
  --_accent: var(--pce-accent, #2457c5);
  --_error: var(--pce-error, #b3261e);
  --_warning: var(--pce-warning, #8a5a00);
  --_info: var(--pce-info, #28598a);
  --_ok: var(--pce-ok, #1e7b34);
  --_radius: var(--pce-radius, 6px);
  --_gap: var(--pce-gap, 0.75rem);
  font-family: var(--_font);
  color: var(--_fg);
  background: var(--_bg);
  font-size: var(--pce-font-size, 0.95rem);
  line-height: 1.4;
}
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
.root { display: grid; gap: var(--_gap); min-width: 0; }
h3 { font-size: 1rem; margin: 0; }
.summary { border: 1px solid var(--_border); border-radius: var(--_radius); padding: 0.6rem 0.75rem; background: var(--_section-bg); }
.summary .status { margin: 0; font-weight: 600; }
.summary .status.ok { color: var(--_ok); }
.summary .status.bad { color: var(--_error); }
.summary .status.warn { color: var(--_warning); }
.diag-list { list-style: none; margin: 0.5rem 0 0; padding: 0; display: grid; gap: 0.35rem; max-height: 16rem; overflow: auto; }
.diag-list li { margin: 0; }
.diag-list button { all: unset; box-sizing: border-box; display: block; width: 100%; cursor: pointer; padding: 0.35rem 0.5rem; border-left: 4px solid var(--_border); border-radius: 4px; background: var(--_bg); overflow-wrap: anywhere; }
.diag-list button:hover { background: var(--_field-bg); text-decoration: underline; }
.diag-list button:focus-visible { outline: 2px solid var(--_accent); outline-offset: 1px; }
.diag-list .error button { border-left-color: var(--_error); }
.diag-list .warning button { border-left-color: var(--_warning); }
.diag-list .info button { border-left-color: var(--_info); }
.sev { text-transform: uppercase; font-size: 0.7rem; font-weight: 700; letter-spacing: 0.04em; margin-right: 0.35rem; }
.error .sev, .fdiag.error .sev { color: var(--_error); }
.warning .sev, .fdiag.warning .sev { color: var(--_warning); }
.info .sev, .fdiag.info .sev { color: var(--_info); }
code, .code { font-family: var(--_mono); font-size: 0.85em; }
.where { color: var(--_muted); font-family: var(--_mono); font-size: 0.8em; display: block; }
fieldset { border: 1px solid var(--_border); border-radius: var(--_radius); padding: 0.6rem 0.75rem 0.75rem; margin: 0; min-width: 0; background: var(--_bg); }
legend { font-weight: 700; padding: 0 0.3rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 15rem), 1fr)); gap: 0.6rem 0.9rem; }
.field { display: grid; gap: 0.2rem; align-content: start; min-width: 0; }
.field.wide { grid-column: 1 / -1; }
label, .label { font-size: 0.85rem; color: var(--_muted); font-weight: 600; }
.help { font-size: 0.78rem; color: var(--_muted); margin: 0; }
input, select { font: inherit; font-size: 0.9rem; color: var(--_fg); background: var(--_field-bg); border: 1px solid var(--_border); border-radius: calc(var(--_radius) - 2px); padding: 0.35rem 0.5rem; min-width: 0; width: 100%; }
input.mono { font-family: var(--_mono); font-size: 0.85rem; }
input:focus-visible, select:focus-visible, button:focus-visible { outline: 2px solid var(--_accent); outline-offset: 1px; }
input[aria-invalid="true"], select[aria-invalid="true"] { border-color: var(--_error); box-shadow: 0 0 0 1px var(--_error); }
input.has-warning { border-color: var(--_warning); }
.check { display: flex; gap: 0.4rem; align-items: center; font-size: 0.9rem; color: var(--_fg); font-weight: 400; }
.check input { width: auto; flex: none; }
.secret { display: flex; gap: 0.3rem; }
.secret input { flex: 1; }
button { font: inherit; font-size: 0.85rem; cursor: pointer; border: 1px solid var(--_border); background: var(--_section-bg); color: var(--_fg); border-radius: calc(var(--_radius) - 2px); padding: 0.3rem 0.65rem; }
button.primary { background: var(--_accent); border-color: var(--_accent); color: #fff; }
button.danger { color: var(--_error); }
button:disabled { opacity: 0.55; cursor: not-allowed; }
.fdiags { display: grid; gap: 0.15rem; }
.fdiags:empty { display: none; }
.fdiag { font-size: 0.8rem; margin: 0; overflow-wrap: anywhere; }
.fdiag .hint { color: var(--_muted); display: block; }
.toolbar { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: end; margin-bottom: 0.6rem; }
.toolbar .field { flex: 1 1 12rem; }
.resources { display: grid; gap: var(--_gap); }
.resource { background: var(--_section-bg); }
.resource > legend { font-family: var(--_mono); }
.resource-head { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: end; justify-content: space-between; margin-bottom: 0.5rem; }
.resource-head .field { flex: 1 1 14rem; }
.subhead { grid-column: 1 / -1; margin: 0.4rem 0 0; font-size: 0.85rem; font-weight: 700; color: var(--_fg); border-top: 1px dashed var(--_border); padding-top: 0.5rem; }
.empty { color: var(--_muted); margin: 0; font-size: 0.9rem; }
.notice { font-size: 0.85rem; color: var(--_warning); margin: 0; }
.extra { font-size: 0.85rem; color: var(--_muted); }
.extra ul { margin: 0.3rem 0 0; padding-left: 1.2rem; }
.parse-error { color: var(--_error); font-family: var(--_mono); font-size: 0.85rem; white-space: pre-wrap; margin: 0; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
