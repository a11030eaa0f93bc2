// Types of "elements-poller/editor/dom": the DOM helper the editor builds its nodes with
// (createElement and textContent, never innerHTML). Browsers only.

/**
 * An element with properties, attributes, listeners and children. `className`, `text`
 * (textContent) and `dataset` are set as such; `onX` adds a listener for `x`; a non-string
 * value for a property the node has is assigned; anything else is an attribute (`true` is an
 * empty one). `undefined`, `null` and `false` props and children are skipped.
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Record<string, unknown>,
  ...children: Array<Node | string | null | undefined | false | Array<Node | string | null | undefined | false>>
): HTMLElementTagNameMap[K];
export function el(
  tag: string,
  props?: Record<string, unknown>,
  ...children: Array<Node | string | null | undefined | false | Array<Node | string | null | undefined | false>>
): HTMLElement;
