// Workflow actions (submit, approve, complete, cancel, delete, duplicate, join). Every action reloads
// the object first, so it acts on the current version (and its meeting data), and then sends that
// version's ETag so a concurrent change is refused rather than overwritten.

import { ApiError, describeError, objectPath, request } from '../api.js';
import { el } from '../dom.js';
import { ACTION_LABEL, STATUS_LABEL, allowedActions, editUrl, view } from '../model.js';
import { confirmDialog, openDialog } from './modal.js';
import { toast } from './toast.js';
import { noteWarnings, withOverride } from './warnings.js';

const CONFIRM = {
  cancel: ['Cancel this item?', 'Customers who were told about it are notified of the cancellation, and its meeting is cancelled.', 'Cancel it'],
  delete: ['Delete this item?', 'It moves to the deleted area and disappears from every list.', 'Delete it'],
  complete: ['Mark as completed?', 'Customers are notified that the work is complete. A completed item cannot be changed again.', 'Complete it'],
};

const PAST = { submit: 'Submitted', approve: 'Approved', complete: 'Completed', cancel: 'Cancelled', delete: 'Deleted', duplicate: 'Duplicated' };

/** The per-customer outcome of a write that notified customers. */
export function triggerList(triggers = []) {
  if (!triggers.length) return null;
  return el('ul', { class: 'trigger-list', 'aria-label': 'Per-customer results' }, triggers.map((t) =>
    el('li', { class: t.success ? 'ok' : 'failed' },
      el('span', { 'aria-hidden': 'true' }, t.success ? '✓ ' : '✗ '),
      el('strong', {}, t.customer), ' — ', t.success ? 'notification queued' : `failed: ${t.error || 'unknown error'}`)));
}

/** Loads the current object and its ETag. */
export async function reload(id) {
  const r = await request('GET', objectPath(id));
  return { object: r.data, etag: r.etag, view: view(r.data) };
}

/**
 * Runs `action` on object `id` for `me`. Answers the API's result (or null when nothing was done);
 * `onChanged` runs whenever the object may have changed (so lists refresh).
 */
export async function runAction(me, id, action, { onChanged } = {}) {
  if (action === 'edit') { location.assign(editUrl(id)); return null; }
  let current;
  try {
    current = await reload(id);
  } catch (e) {
    toast(`Could not load ${id}: ${describeError(e)}`, 'error');
    return null;
  }
  if (action === 'join') {
    if (current.view.joinUrl) window.open(current.view.joinUrl, '_blank', 'noopener');
    else toast('The meeting has no join link yet; try again in a minute.', 'info');
    return null;
  }
  if (!allowedActions(me, current.view).includes(action)) {
    toast(`It is now ${STATUS_LABEL[current.view.status] || current.view.status}; "${ACTION_LABEL[action]}" is no longer possible. The list was refreshed.`, 'error');
    if (onChanged) onChanged(current.view);
    return null;
  }
  if (CONFIRM[action]) {
    const [title, text, yes] = CONFIRM[action];
    const ok = await confirmDialog(title, [el('p', {}, el('strong', {}, current.view.title || id)), text], { confirmLabel: yes, danger: action !== 'complete' });
    if (!ok) return null;
  }
  try {
    const r = action === 'delete'
      ? await request('DELETE', objectPath(id), { etag: current.etag })
      : await withOverride((reason) => request('POST', `${objectPath(id)}/${action}`, {
        body: reason ? { overrideReason: reason } : {}, etag: action === 'duplicate' ? undefined : current.etag,
      }), action);
    if (!r) return null;
    const result = r.data || {};
    if (action === 'duplicate' && result.object) {
      const copy = view(result.object);
      toast(`Duplicated as a new draft ${copy.id}.`, 'success');
      location.assign(editUrl(copy.id));
      return result;
    }
    const s = result.summary;
    const note = s && s.total ? ` ${s.successful} of ${s.total} customers notified${s.failed ? `, ${s.failed} failed` : ''}.` : '';
    const partial = action === 'approve' && result.object && result.object.status === 'submitted';
    toast(partial ? `Your approval of ${current.view.title || id} is recorded; it still needs other approvers.`
      : `${PAST[action]}: ${current.view.title || id}.${note}`, s && s.failed ? 'error' : 'success');
    noteWarnings(result.warnings);
    if (s && s.failed) showTriggers(`${PAST[action]} — some customers were not notified`, result.triggers);
    if (onChanged) onChanged(result.object ? view(result.object) : null);
    return result;
  } catch (e) {
    if (e instanceof ApiError && e.status === 409) {
      const by = e.body.current && e.body.current.object && e.body.current.object.modifiedBy;
      toast(`${by || 'Someone'} changed it meanwhile; it was reloaded. Check it and try again.`, 'error');
    } else {
      toast(`${ACTION_LABEL[action]} failed: ${describeError(e)}`, 'error');
    }
    if (onChanged) onChanged(null);
    return null;
  }
}

export function showTriggers(title, triggers) {
  const ok = el('button', { type: 'button', class: 'primary' }, 'Close');
  const d = openDialog({ title, body: [triggerList(triggers) || el('p', {}, 'No customers to notify.')], actions: [ok] });
  ok.addEventListener('click', () => d.close());
}

/** Buttons for every action `me` may take on `v`. */
export function actionButtons(me, v, { onChanged, exclude = [], compact = false } = {}) {
  return allowedActions(me, v).filter((a) => !exclude.includes(a)).map((a) => {
    const b = el('button', {
      type: 'button', class: `action action-${a}${a === 'approve' ? ' primary' : ''}${['cancel', 'delete'].includes(a) ? ' danger-outline' : ''}`,
      'data-action': a, 'aria-label': compact ? `${ACTION_LABEL[a]}: ${v.title || v.id}` : null,
    }, ACTION_LABEL[a]);
    b.addEventListener('click', async () => {
      b.disabled = true;
      b.setAttribute('aria-busy', 'true');
      try { await runAction(me, v.id, a, { onChanged }); } finally { b.disabled = false; b.removeAttribute('aria-busy'); }
    });
    return b;
  });
}
