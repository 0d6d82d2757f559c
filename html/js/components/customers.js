// The customer picker: a checkbox grid with a filter box, "Select all" (of those shown) and "Clear".

import { get } from '../api.js';
import { el, nextId } from '../dom.js';

let cache = null;
/** Customers the user may act for, from config (`/api/customers`), cached per page. */
export function loadCustomers() {
  if (!cache) {
    cache = get('/api/customers');
    cache.catch(() => { cache = null; });
  }
  return cache;
}

export function customerName(list, code) {
  const c = list.find((x) => x.code === code);
  return c ? c.name : code;
}

/** Answers `{node, value(), set(codes), onChange(fn), focus()}`. */
export function customerPicker(customers, selected = [], { legend = 'Customers', required = true } = {}) {
  const id = nextId('cust');
  const chosen = new Set(selected);
  const listeners = [];
  const filter = el('input', { type: 'search', id: `${id}-filter`, placeholder: 'Filter customers', 'aria-controls': `${id}-grid` });
  const count = el('span', { class: 'muted', 'aria-live': 'polite' });
  const boxes = customers.map((c) => {
    const box = el('input', { type: 'checkbox', name: 'customers', value: c.code, id: `${id}-${c.code}`, checked: chosen.has(c.code) });
    box.addEventListener('change', () => { if (box.checked) chosen.add(c.code); else chosen.delete(c.code); changed(); });
    const item = el('li', { class: 'check' }, box, el('label', { for: box.id }, c.name, ' ', el('small', { class: 'muted' }, c.code),
      c.environment === 'nonprod' ? el('small', { class: 'tag' }, ' non-prod') : null));
    return { c, box, item };
  });
  // Codes already on an object but no longer in config (or out of scope) stay visible and selected.
  for (const code of selected) {
    if (!customers.some((c) => c.code === code)) {
      const box = el('input', { type: 'checkbox', name: 'customers', value: code, id: `${id}-${code}`, checked: true });
      box.addEventListener('change', () => { if (box.checked) chosen.add(code); else chosen.delete(code); changed(); });
      boxes.push({ c: { code, name: code }, box, item: el('li', { class: 'check' }, box, el('label', { for: box.id }, code)) });
    }
  }
  const errorBox = el('small', { class: 'field-error', id: `${id}-error`, hidden: true });
  const grid = el('ul', { class: 'check-grid', id: `${id}-grid` }, boxes.map((b) => b.item));
  function changed() {
    count.textContent = `${chosen.size} selected`;
    listeners.forEach((fn) => fn([...chosen]));
  }
  filter.addEventListener('input', () => {
    const q = filter.value.trim().toLowerCase();
    for (const b of boxes) b.item.hidden = Boolean(q) && !`${b.c.name} ${b.c.code}`.toLowerCase().includes(q);
  });
  const all = el('button', { type: 'button' }, 'Select all');
  all.addEventListener('click', () => {
    for (const b of boxes) if (!b.item.hidden) { b.box.checked = true; chosen.add(b.c.code); }
    changed();
  });
  const clear = el('button', { type: 'button' }, 'Clear');
  clear.addEventListener('click', () => { for (const b of boxes) b.box.checked = false; chosen.clear(); changed(); });
  const node = el('fieldset', { class: 'customers', id, 'aria-describedby': errorBox.id },
    el('legend', {}, legend, required ? el('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
    el('div', { class: 'row' }, el('label', { for: filter.id, class: 'visually-hidden' }, 'Filter customers'), filter, all, clear, count),
    grid, errorBox);
  changed();
  return {
    node,
    value: () => boxes.filter((b) => b.box.checked).map((b) => b.c.code),
    set(codes) { chosen.clear(); for (const b of boxes) { b.box.checked = codes.includes(b.c.code); if (b.box.checked) chosen.add(b.c.code); } changed(); },
    onChange(fn) { listeners.push(fn); },
    focus: () => (boxes[0] ? boxes[0].box.focus() : filter.focus()),
    setError(msg) { errorBox.textContent = msg || ''; errorBox.hidden = !msg; node.classList.toggle('invalid', Boolean(msg)); },
  };
}
