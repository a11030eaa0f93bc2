// The one DOM helper of the editor (and of the console, which imports it through
// `elements-poller/editor/dom`): every node is built with createElement and textContent,
// never innerHTML, so no value in a body can become markup.

/**
 * An element with properties, attributes, listeners and children.
 * `className`, `text` (textContent) and `dataset` are set as such; `onX` adds a listener for
 * `x`; a non-string value for a property the node has is assigned (`checked`, `disabled`);
 * anything else is an attribute (`true` is an empty one). `undefined`, `null` and `false`
 * props and children are skipped; arrays of children are flattened.
 * @template {string} K
 * @param {K} tag
 * @param {Record<string, any>} [props]
 * @param {...any} children nodes or strings
 * @returns {K extends keyof HTMLElementTagNameMap ? HTMLElementTagNameMap[K] : HTMLElement}
 */
export function el(tag, props = {}, ...children) {
  const node = /** @type {any} */ (document.createElement(tag));
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "className") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k in node && typeof v !== "string") node[k] = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c != null && c !== false) node.append(c);
  return node;
}
