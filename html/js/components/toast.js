// Short status messages in a polite live region (errors in an assertive one), gone after a while.

import { el } from '../dom.js';

function region(kind) {
  const id = kind === 'error' ? 'toasts-alert' : 'toasts';
  let box = document.getElementById(id);
  if (!box) {
    box = el('div', { id, class: 'toasts', role: kind === 'error' ? 'alert' : 'status', 'aria-live': kind === 'error' ? 'assertive' : 'polite' });
    document.body.append(box);
  }
  return box;
}

export function toast(message, kind = 'info', ms = 6000) {
  const close = el('button', { type: 'button', class: 'icon-button', 'aria-label': 'Dismiss' }, '×');
  const t = el('div', { class: `toast toast-${kind}` }, el('span', {}, message), close);
  close.addEventListener('click', () => t.remove());
  region(kind).append(t);
  if (ms) setTimeout(() => t.remove(), kind === 'error' ? ms * 2 : ms);
  return t;
}
