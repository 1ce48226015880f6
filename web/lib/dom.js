// Tiny DOM helpers: the app has no framework. `h` builds elements; text is always set as text, never HTML.

/**
 * h('button', { class: 'btn', onclick: fn, 'aria-label': 'Fermer', dataset: { id: 1 } }, 'Texte', child)
 * - `class`, `text`, `html` (trusted static markup only), `dataset`, `style` (object), `on<event>` handlers;
 * - boolean attributes: true sets them, false/null/undefined omits them;
 * - children: strings, numbers, nodes, arrays of them; null/false are skipped.
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const element = tag.startsWith('svg:')
    ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
    : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.setAttribute('class', value);
    else if (name === 'text') element.textContent = value;
    else if (name === 'html') element.innerHTML = value;
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name === 'style' && typeof value === 'object') Object.assign(element.style, value);
    else if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name in element && typeof value !== 'string' && !(element instanceof SVGElement)) element[name] = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

/** An icon from the inline sprite in index.html: icon('home') → <svg class="icon"><use href="#i-home"></svg>. */
export function icon(name, label) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('class', 'icon');
  if (label) {
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
  } else svg.setAttribute('aria-hidden', 'true');
  const use = document.createElementNS('http://www.w3.org/2000/svg', 'use');
  use.setAttribute('href', '#i-' + name);
  svg.append(use);
  return svg;
}

/** Replaces an element's children. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}
