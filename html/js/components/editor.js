// The edit page of one object (change or announcement): loads the current version with its ETag,
// saves with If-Match, asks before editing an approved object (it returns to submitted), handles a
// stale save (409: who changed it, reload or keep editing), and shows deliveries, versions and history.

import { describeError, objectPath, request } from '../api.js';
import { el, errorBox, replace } from '../dom.js';
import { actionButtons, showTriggers } from './actions.js';
import { deliveriesSection } from './deliveries.js';
import { confirmDialog } from './modal.js';
import { showConflict } from './conflict.js';
import { clearFormErrors, showFormErrors } from './form-errors.js';
import { timeline } from './timeline.js';
import { toast } from './toast.js';
import { versionsPanel } from './versions.js';
import { noteWarnings, withOverride } from './warnings.js';
import { allowedActions, statusBadge, view } from '../model.js';

/**
 * `form` has {node, fill(object), read(), errorFields}; `noun` is "change" or "announcement";
 * `onRender(state)` runs after every render (the announcement page redraws its attachments).
 * Answers the state `{current: {object, etag}, editable}` kept up to date.
 */
export async function objectEditor(page, me, id, form, { noun, listUrl, onRender } = {}) {
  const state = { current: null, editable: false };
  try {
    const r = await request('GET', objectPath(id));
    state.current = { object: r.data, etag: r.etag };
  } catch (e) {
    if (e.status !== 401) replace(page, errorBox(`Could not load ${id}: ${describeError(e)}`, () => location.reload()));
    return null;
  }
  const header = el('div', { class: 'object-head' });
  const errors = el('div', { hidden: true });
  const saveBtn = el('button', { type: 'submit', class: 'primary', id: 'save' }, 'Save changes');
  const submitBtn = el('button', { type: 'button', id: 'save-submit' }, 'Save and submit');
  const formEl = el('form', { id: `${noun}-form`, novalidate: true, 'aria-label': `Edit ${noun}` }, errors, form.node,
    el('div', { class: 'form-actions sticky' }, el('a', { class: 'button', href: listUrl }, 'Back'), submitBtn, saveBtn));
  const readOnly = el('div');
  const versions = versionsPanel(me, id);
  const historyBox = el('div');
  const deliveriesBox = el('div');
  replace(page, header, readOnly, formEl, deliveriesBox,
    el('section', { 'aria-labelledby': 'h-versions' }, el('h2', { id: 'h-versions' }, 'Versions'), versions.node),
    el('section', { 'aria-labelledby': 'h-hist' }, el('h2', { id: 'h-hist', class: 'visually-hidden' }, 'History'), historyBox));

  let dirty = false;
  formEl.addEventListener('input', (e) => { if (e.target.type !== 'file') dirty = true; });
  window.addEventListener('beforeunload', (e) => { if (dirty) { e.preventDefault(); e.returnValue = ''; } });

  function render({ refill = true } = {}) {
    const v = view(state.current.object);
    document.title = `Edit ${v.title || v.id} · ccm`;
    replace(header,
      el('p', { class: 'meta' }, statusBadge(v.status), ' ', el('code', { id: 'object-id' }, v.id), ` · version ${v.version}`,
        v.modifiedBy ? ` · last saved by ${v.modifiedBy}` : ''),
      el('div', { class: 'actions' }, actionButtons(me, v, {
        exclude: ['edit'],
        onChanged: (nv) => (nv ? reload() : location.assign(listUrl)),
      })));
    state.editable = allowedActions(me, v).includes('edit');
    formEl.hidden = !state.editable;
    replace(readOnly, state.editable ? null : el('p', { class: 'notice' },
      ['completed', 'cancelled'].includes(v.status) ? `This ${noun} is ${v.status} and cannot be edited any more.` : `You can view this ${noun} but not edit it.`));
    submitBtn.hidden = v.status !== 'draft';
    saveBtn.textContent = v.status === 'draft' ? 'Save draft' : 'Save changes';
    if (refill) { form.fill(state.current.object); dirty = false; }
    replace(historyBox, timeline(state.current.object.modifications));
    replace(deliveriesBox, deliveriesSection(v));
    versions.refresh();
    if (onRender) onRender(state);
  }

  async function reload() {
    try {
      const r = await request('GET', objectPath(id));
      state.current = { object: r.data, etag: r.etag };
      clearFormErrors(errors, form.errorFields);
      render();
    } catch (e) { toast(`Could not reload: ${describeError(e)}`, 'error'); }
  }

  async function save({ andSubmit = false } = {}) {
    clearFormErrors(errors, form.errorFields);
    const status = state.current.object.status;
    if (status === 'approved') {
      const ok = await confirmDialog(`Edit an approved ${noun}?`, [
        `This ${noun} is approved. Saving your edits sends it back to "submitted": it must be approved again, and its meeting is cancelled.`,
      ], { confirmLabel: 'Save and send back for approval' });
      if (!ok) return;
    }
    saveBtn.disabled = submitBtn.disabled = true;
    saveBtn.setAttribute('aria-busy', 'true');
    try {
      const r = await request('PUT', objectPath(id), { body: form.read(), etag: state.current.etag });
      state.current = { object: r.data.object, etag: r.data.etag || r.etag };
      dirty = false;
      if (andSubmit) {
        const s = await withOverride((reason) => request('POST', `${objectPath(id)}/submit`,
          { body: reason ? { overrideReason: reason } : {}, etag: state.current.etag }));
        if (s) {
          state.current = { object: s.data.object, etag: s.data.etag || s.etag };
          showTriggers(`Submitted: ${s.data.summary.successful} of ${s.data.summary.total} customers notified`, s.data.triggers);
        }
      } else {
        noteWarnings(r.data.warnings);
        toast(status === 'approved' ? `Saved. The ${noun} is back to submitted and needs approval again.` : 'Saved.', 'success');
        if (r.data.summary && r.data.summary.failed) showTriggers('Saved — some customers were not notified', r.data.triggers);
      }
      render();
    } catch (e) {
      if (e.status === 409) {
        showConflict(e, state.current.object, {
          onReload: (c) => { state.current = { object: c.object, etag: c.etag }; render(); toast('Reloaded the latest version.', 'info'); },
          onKeep: (c) => { state.current = { object: c.object, etag: c.etag }; render({ refill: false }); },
        });
      } else if (e.status !== 401) {
        showFormErrors(errors, form.errorFields, e);
      }
    } finally {
      saveBtn.disabled = submitBtn.disabled = false;
      saveBtn.removeAttribute('aria-busy');
    }
  }
  formEl.addEventListener('submit', (e) => { e.preventDefault(); save(); });
  submitBtn.addEventListener('click', () => save({ andSubmit: true }));
  render();
  return { state, render, reload };
}
