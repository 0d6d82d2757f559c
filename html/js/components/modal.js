// An accessible modal dialog on the native <dialog>: the rest of the page is inert while it is open,
// Tab and Shift+Tab stay inside it, Esc closes it, and focus returns to what opened it.

import { el, nextId } from '../dom.js';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * Opens a dialog. `body` is a node (or nodes); `actions` are buttons for the footer.
 * Answers `{dialog, body, footer, close, setTitle}`; `onClose` runs once when it closes.
 */
export function openDialog({ title, body = [], actions = [], onClose, wide = false, label }) {
  const opener = document.activeElement;
  const titleId = nextId('dlg');
  const heading = el('h2', { id: titleId }, title);
  const bodyBox = el('div', { class: 'dialog-body' }, body);
  const footer = el('div', { class: 'dialog-actions' }, actions);
  const closeBtn = el('button', { type: 'button', class: 'icon-button close', 'aria-label': label || 'Close dialog' }, '×');
  const dialog = el('dialog', { class: wide ? 'dialog wide' : 'dialog', 'aria-labelledby': titleId },
    el('div', { class: 'dialog-head' }, heading, closeBtn), bodyBox, footer);
  let closed = false;
  const close = (result) => {
    if (closed) return;
    closed = true;
    if (dialog.open) dialog.close();
    dialog.remove();
    if (opener && typeof opener.focus === 'function' && document.contains(opener)) opener.focus();
    if (onClose) onClose(result);
  };
  closeBtn.addEventListener('click', () => close(undefined));
  dialog.addEventListener('cancel', (e) => { e.preventDefault(); close(undefined); });
  dialog.addEventListener('keydown', (e) => {
    if (e.key !== 'Tab') return;
    const items = [...dialog.querySelectorAll(FOCUSABLE)].filter((n) => n.offsetParent !== null || n === document.activeElement);
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
  });
  document.body.append(dialog);
  dialog.showModal();
  const firstField = bodyBox.querySelector('input, select, textarea') || footer.querySelector('button') || closeBtn;
  firstField.focus();
  return { dialog, body: bodyBox, footer, close, setTitle: (t) => { heading.textContent = t; } };
}

/** Asks a yes/no question; resolves true when confirmed. */
export function confirmDialog(title, message, { confirmLabel = 'Confirm', cancelLabel = 'Go back', danger = false } = {}) {
  return new Promise((resolve) => {
    const yes = el('button', { type: 'button', class: danger ? 'danger' : 'primary' }, confirmLabel);
    const no = el('button', { type: 'button' }, cancelLabel);
    const d = openDialog({
      title, body: (Array.isArray(message) ? message : [message]).map((m) => (m instanceof Node ? m : el('p', {}, m))),
      actions: [no, yes], onClose: (r) => resolve(r === true),
    });
    yes.addEventListener('click', () => d.close(true));
    no.addEventListener('click', () => d.close(false));
    no.focus();
  });
}
