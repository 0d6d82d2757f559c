// Conflict warnings of a change's window (overlapping changes of the same customer, blackout
// windows) and the override reason a submission or approval through a blackout needs.

import { ApiError } from '../api.js';
import { el } from '../dom.js';
import { formatInstant } from '../dates.js';
import { openDialog } from './modal.js';
import { toast } from './toast.js';

/** The warnings as a list: what, for whom, when, and a link to the other change. */
export function warningList(warnings = []) {
  if (!warnings.length) return null;
  return el('ul', { class: 'warning-list', 'aria-label': 'Conflicts' }, warnings.map((w) => el('li', { class: `warning-${w.kind}` },
    el('strong', {}, w.kind === 'blackout' ? 'Blackout window' : 'Overlaps another change'), ': ',
    w.kind === 'blackout' && w.blackout
      ? [el('span', { class: 'warning-name' }, w.blackout.name), ` (${w.blackout.global ? 'every customer' : w.customers.join(', ')}) — ${w.blackout.reason}`]
      : w.object
        ? [el('a', { href: `/edit-change.html?changeId=${encodeURIComponent(w.object.id)}` }, w.object.title || w.object.id),
          ` (${w.object.status}) for ${w.customers.join(', ')}`]
        : w.message,
    el('br'), el('small', { class: 'muted' }, `${formatInstant(w.start)} – ${formatInstant(w.end)}`))));
}

/** Tells about the warnings of a write that went through (nothing when there are none). */
export function noteWarnings(warnings = []) {
  if (!warnings.length) return;
  const n = warnings.length;
  toast(`Saved, with ${n} conflict${n === 1 ? '' : 's'}: ${warnings.map((w) => (w.blackout ? w.blackout.name : (w.object && w.object.title) || w.kind)).join('; ')}.`, 'info', 10000);
}

/** Asks why the change goes ahead through a blackout; resolves the reason, or null when withdrawn. */
export function askOverride(warnings, action = 'submit') {
  return new Promise((resolve) => {
    const reason = el('textarea', { id: 'override-reason', rows: 3, maxlength: 1000, required: true, 'aria-describedby': 'override-hint' });
    const error = el('p', { class: 'field-error', role: 'alert', hidden: true }, 'Give a reason to go ahead.');
    const go = el('button', { type: 'button', class: 'danger', id: 'override-confirm' }, action === 'approve' ? 'Approve anyway' : 'Submit anyway');
    const back = el('button', { type: 'button' }, 'Go back');
    const d = openDialog({
      title: 'This window falls in a blackout window',
      body: [
        el('p', {}, 'Changes are held back during these periods:'),
        warningList(warnings.filter((w) => w.kind === 'blackout')),
        el('div', { class: 'field' }, el('label', { for: 'override-reason' }, 'Why must it go ahead? (recorded in the history and shown to approvers)'),
          reason, el('small', { class: 'hint', id: 'override-hint' }, 'Up to 1000 characters.'), error),
      ],
      actions: [back, go],
      onClose: (r) => resolve(typeof r === 'string' ? r : null),
    });
    go.addEventListener('click', () => {
      const text = reason.value.trim();
      if (!text) { error.hidden = false; reason.setAttribute('aria-invalid', 'true'); reason.focus(); return; }
      d.close(text);
    });
    back.addEventListener('click', () => d.close(null));
  });
}

/**
 * Runs `send(reason)` (reason undefined first); when the API answers that a blackout needs an
 * override, asks for a reason and sends again. Resolves the API result, or null when the user
 * withdrew. Any other error is thrown.
 */
export async function withOverride(send, action = 'submit') {
  try {
    return await send(undefined);
  } catch (e) {
    if (!(e instanceof ApiError) || e.code !== 'blackout_override_required') throw e;
    const reason = await askOverride(e.body.warnings || [], action);
    if (!reason) return null;
    return send(reason);
  }
}
