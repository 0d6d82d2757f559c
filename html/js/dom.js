// Building DOM safely: text always goes through text nodes or attributes, never through innerHTML.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'value' || k === 'checked' || k === 'selected' || k === 'disabled') node[k] = v;
    else if (k === 'href' || k === 'src') node.setAttribute(k, safeUrl(v));
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Only http(s), mailto, relative and data:image URLs reach an href or src. */
export function safeUrl(raw) {
  const s = String(raw).trim();
  if (/^(https?:|mailto:|\/|\.|#|\?|data:image\/|blob:)/i.test(s) || !/^[a-z][a-z0-9+.-]*:/i.test(s)) return s;
  return '#';
}

export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
  node.removeAttribute('aria-busy');
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

/** A "Loading…" placeholder that screen readers announce. */
export function loading(text = 'Loading…') {
  return el('p', { class: 'loading', role: 'status' }, el('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

/** An error message with an optional retry button. */
export function errorBox(message, retry) {
  return el('div', { class: 'error-box', role: 'alert' }, el('p', {}, message),
    retry && el('button', { type: 'button', onclick: retry }, 'Try again'));
}

let uid = 0;
export const nextId = (prefix = 'f') => `${prefix}-${++uid}`;

/** A labelled form field. `input` is an element; the label points at it. */
export function field(label, input, { hint, wide } = {}) {
  if (!input.id) input.id = nextId();
  const hintNode = hint && el('small', { class: 'hint', id: `${input.id}-hint` }, hint);
  if (hintNode) input.setAttribute('aria-describedby', hintNode.id);
  return el('div', { class: wide ? 'field wide' : 'field' }, el('label', { for: input.id }, label), input, hintNode,
    el('small', { class: 'field-error', id: `${input.id}-error`, hidden: true }));
}

/** Marks a field invalid with a message (or clears it with null). */
export function setFieldError(input, message) {
  const box = document.getElementById(`${input.id}-error`);
  if (!box) return;
  box.textContent = message || '';
  box.hidden = !message;
  if (message) {
    input.setAttribute('aria-invalid', 'true');
    const ids = new Set((input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean));
    ids.add(box.id);
    input.setAttribute('aria-describedby', [...ids].join(' '));
  } else {
    input.removeAttribute('aria-invalid');
  }
}

export function select(options, value, attrs = {}) {
  return el('select', attrs, options.map(([v, label]) => el('option', { value: v, selected: v === value }, label)));
}

/** Debounces `fn` by `ms`. */
export function debounce(fn, ms = 250) {
  let t;
  return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
}

/** Query string of this page as an object. */
export const params = () => Object.fromEntries(new URLSearchParams(location.search));
