// Create change: the form, save as draft (then continue on the edit page), submit with the
// per-customer result list, and cloning the fields of an existing change.

import { describeError, get, post, objectPath, withQuery } from '../api.js';
import { $, el, params, replace } from '../dom.js';
import { load, run, startPage } from '../components/layout.js';
import { changeForm } from '../components/change-form.js';
import { loadCustomers } from '../components/customers.js';
import { clearFormErrors, showFormErrors } from '../components/form-errors.js';
import { triggerList } from '../components/actions.js';
import { toast } from '../components/toast.js';
import { noteWarnings, withOverride, warningList } from '../components/warnings.js';
import { statusBadge, canCreate } from '../model.js';

function clonePanel(form) {
  const q = el('input', { type: 'search', id: 'clone-q', placeholder: 'Title, id or ticket' });
  const results = el('div', { 'aria-live': 'polite' });
  const go = el('button', { type: 'submit' }, 'Find');
  const search = el('form', { class: 'row', role: 'search' }, el('label', { for: 'clone-q' }, 'Find a change'), q, go);
  search.addEventListener('submit', (e) => {
    e.preventDefault();
    load(results, async () => {
      const page = await get(withQuery('/api/changes', { q: q.value, limit: 10 }));
      replace(results, page.items.length ? el('ul', { class: 'list' }, page.items.map((it) => {
        const use = el('button', { type: 'button', 'aria-label': `Copy "${it.title}" into the form` }, 'Copy into the form');
        use.addEventListener('click', () => copy(it.id));
        return el('li', {}, statusBadge(it.status), ' ', el('strong', {}, it.title || '(untitled)'), ' ', el('code', {}, it.id), ' ', use);
      })) : el('p', { class: 'empty' }, 'No change matches.'));
    }, 'changes');
  });
  async function copy(id) {
    try {
      const o = await get(objectPath(id));
      form.fill(o, { withSchedule: false });
      toast(`Copied the fields of ${id}; the schedule and id are new. Review and save.`, 'success');
      form.f.changeTitle.focus();
    } catch (e) { toast(`Could not copy ${id}: ${describeError(e)}`, 'error'); }
  }
  return { node: el('details', { class: 'clone' }, el('summary', {}, 'Start from an existing change (clone)'), search, results), copy };
}

async function main() {
  const me = await startPage();
  const p = params();
  if (p.changeId || p.edit) { location.replace(`/edit-change.html?changeId=${encodeURIComponent(p.changeId || p.edit)}`); return; }
  const page = $('#page');
  if (!canCreate(me)) { replace(page, el('p', { class: 'error-box' }, 'Your role cannot create changes.')); return; }
  const customers = await loadCustomers();
  const form = changeForm(customers);
  form.defaults();
  const clone = clonePanel(form);
  const errors = el('div', { hidden: true });
  const draftBtn = el('button', { type: 'button', id: 'save-draft' }, 'Save draft');
  const submitBtn = el('button', { type: 'submit', class: 'primary', id: 'submit-change' }, 'Submit for approval');
  const formEl = el('form', { id: 'change-form', novalidate: true, 'aria-labelledby': 'form-h' },
    el('h2', { id: 'form-h', class: 'visually-hidden' }, 'New change'),
    errors, form.node, el('div', { class: 'form-actions sticky' }, draftBtn, submitBtn));
  const result = el('section', { id: 'result', hidden: true, tabindex: '-1', 'aria-labelledby': 'result-h' });
  replace(page, clone.node, formEl, result);
  if (p.cloneFrom) clone.copy(p.cloneFrom);

  async function save(status) {
    clearFormErrors(errors, form.errorFields);
    const busy = status === 'draft' ? draftBtn : submitBtn;
    draftBtn.disabled = submitBtn.disabled = true;
    busy.setAttribute('aria-busy', 'true');
    try {
      const r = await withOverride((overrideReason) => post('/api/changes', { ...form.read(), status, overrideReason }));
      if (!r) return;
      const id = r.object.changeId;
      if (status === 'draft') {
        toast(`Draft ${id} saved.`, 'success');
        noteWarnings(r.warnings);
        location.assign(`/edit-change.html?changeId=${encodeURIComponent(id)}&saved=draft`);
        return;
      }
      formEl.hidden = true;
      clone.node.hidden = true;
      replace(result,
        el('h2', { id: 'result-h' }, 'Submitted for approval'),
        el('p', {}, el('strong', {}, r.object.changeTitle), ' ', el('code', {}, id), ` — ${r.summary.successful} of ${r.summary.total} customers notified.`),
        triggerList(r.triggers),
        warningList(r.warnings),
        el('p', { class: 'row' },
          el('a', { class: 'button primary', href: '/my-changes.html?status=submitted' }, 'Go to my changes'),
          el('a', { class: 'button', href: `/edit-change.html?changeId=${encodeURIComponent(id)}` }, 'Open it'),
          el('a', { class: 'button', href: '/create-change.html' }, 'Create another')));
      result.hidden = false;
      result.focus();
    } catch (e) {
      if (e.status !== 401) showFormErrors(errors, form.errorFields, e);
    } finally {
      draftBtn.disabled = submitBtn.disabled = false;
      busy.removeAttribute('aria-busy');
    }
  }
  draftBtn.addEventListener('click', () => save('draft'));
  formEl.addEventListener('submit', (e) => { e.preventDefault(); save('submitted'); });
}

run(main);
