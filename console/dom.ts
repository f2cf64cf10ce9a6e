/// <reference lib="dom" />
/** Building the console's DOM: every string becomes a text node, never markup. */

/** An element with its attributes and children; strings become text nodes, never markup. */
export function h(
  tag: string,
  attrs: Record<string, string | boolean | ((e: Event) => void)> = {},
  ...children: (Node | string | undefined)[]
) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') el.addEventListener(k, v);
    else if (v === true) el.setAttribute(k, '');
    else if (v !== false) el.setAttribute(k, v);
  }
  for (const c of children) if (c !== undefined) el.append(c);
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';

/** An SVG element; like `h`, text is set as text. */
export function svg(tag: string, attrs: Record<string, string | number>, ...children: (Node | string)[]) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

/** A table with its column titles and body rows. */
export function table(id: string, titles: readonly string[], rows: readonly Node[]) {
  return h('table', { id }, h('thead', {}, h('tr', {}, ...titles.map((t) => h('th', {}, t)))), h('tbody', {}, ...rows));
}
