// Types of "elements-poller/editor": the <poller-config-editor> custom element.
// Importing the module defines the element (browsers only).
//
// Attributes / properties
//   value    a POST /instances body: an object (property) or JSON text (attribute or property).
//            Lenient input: `event.poller.configuration` as a JSON string and string values
//            ("true", "15") are accepted; the editor edits the normalized object.
//   element  the element key (`element.key` of the body); chooses the presets offered.
// Events
//   change   CustomEvent<{value, diagnostics, ok}> after every edit (each keystroke, resource
//            added, removed or renamed). Not fired when `value` is set by code.
// Methods
//   focusPath(path)  focuses the field holding a diagnostic's JSON path (or its nearest
//                    enclosing field); false if there is none.
//   addResource(name, poller?)  adds a resource poller (the element's preset when omitted).
//   validate()  re-validates and returns {ok, diagnostics}.
// CSS custom properties (set them on the element or any ancestor)
//   --pce-font, --pce-mono, --pce-font-size, --pce-bg, --pce-fg, --pce-muted, --pce-border,
//   --pce-field-bg, --pce-section-bg, --pce-accent, --pce-error, --pce-warning, --pce-info,
//   --pce-ok, --pce-radius, --pce-gap
// Shadow parts: root, summary, status, diagnostics, section, resources, resource, field, extra.

import type { Diagnostic } from "./index.js";

/** The body being edited: a `POST /instances` body. */
/** The `POST /instances` body, as the main entry types it. */
export type { InstanceBody } from "./index.js";
import type { InstanceBody } from "./index.js";

export interface PollerConfigChangeDetail {
  /** A copy of the body after the edit. */
  value: InstanceBody;
  diagnostics: Diagnostic[];
  /** True when no diagnostic is an error. */
  ok: boolean;
}

export class PollerConfigEditor extends HTMLElement {
  static readonly observedAttributes: string[];
  /** A copy of the body being edited, or null when the last value set was not a JSON object. */
  get value(): InstanceBody | null;
  set value(v: InstanceBody | string | null);
  /** The element key (`element.key`). */
  element: string;
  /** Diagnostics of the current value. */
  readonly diagnostics: Diagnostic[];
  /** True when no diagnostic is an error. */
  readonly ok: boolean;
  /** The JSON parse error of the last value set, if it was not a JSON object. */
  readonly parseError: string | null;
  /** Focuses the field holding `path`; false if there is none. */
  focusPath(path: string): boolean;
  /** Adds a resource poller (the element's preset when `poller` is omitted); returns its (unique) name. */
  addResource(name: string, poller?: object): string;
  /** Validates again. */
  validate(): { ok: boolean; diagnostics: Diagnostic[] };
  addEventListener<K extends keyof PollerConfigEditorEventMap>(type: K, listener: (this: PollerConfigEditor, ev: PollerConfigEditorEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

export interface PollerConfigEditorEventMap extends HTMLElementEventMap {
  change: CustomEvent<PollerConfigChangeDetail>;
}

/** Lenient parse of an object or JSON text into a body: `{body}` or `{error}`. */
export function toBody(input: unknown): { body?: InstanceBody; error?: string };

declare global {
  interface HTMLElementTagNameMap {
    "poller-config-editor": PollerConfigEditor;
  }
}
