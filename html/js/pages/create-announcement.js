// Create announcement: type, content, customers, meeting and attachments. Files are uploaded once
// the announcement exists (as a draft); submitting then submits it with its attachments.

import { describeError, objectPath, post, request } from '../api.js';
import { $, el, params, replace } from '../dom.js';
import { run, startPage } from '../components/layout.js';
import { announcementForm } from '../components/announcement-form.js';
import { checkFile, uploadAttachment } from '../components/attachments.js';
import { loadCustomers } from '../components/customers.js';
import { formatSize } from '../components/details.js';
import { clearFormErrors, showFormErrors } from '../components/form-errors.js';
import { triggerList } from '../components/actions.js';
import { toast } from '../components/toast.js';
import { canCreate } from '../model.js';

async function main() {
  const me = await startPage();
  const page = $('#page');
  if (!canCreate(me)) { replace(page, el('p', { class: 'error-box' }, 'Your role cannot create announcements.')); return; }
  const form = announcementForm(await loadCustomers());
  const pending = [];
  const drawPending = () => replace(form.attachmentList, pending.map((file, i) => {
    const remove = el('button', { type: 'button', 'aria-label': `Remove ${file.name}` }, 'Remove');
    remove.addEventListener('click', () => { pending.splice(i, 1); drawPending(); });
    return el('li', {}, el('span', {}, file.name), el('small', { class: 'muted' }, `${formatSize(file.size)} · uploaded when you save`), remove);
  }));
  form.f.files.addEventListener('change', () => {
    const problems = [];
    for (const file of form.f.files.files) {
      const why = checkFile(file, pending.map((p) => p.name));
      if (why) problems.push(why); else pending.push(file);
    }
    form.f.files.value = '';
    form.attachmentStatus.textContent = problems.join(' ');
    drawPending();
  });
  const errors = el('div', { hidden: true });
  const draftBtn = el('button', { type: 'button', id: 'save-draft' }, 'Save draft');
  const submitBtn = el('button', { type: 'submit', class: 'primary', id: 'submit-announcement' }, 'Submit for approval');
  const formEl = el('form', { id: 'announcement-form', novalidate: true, 'aria-label': 'New announcement' }, errors, form.node,
    el('div', { class: 'form-actions sticky' }, draftBtn, submitBtn));
  const result = el('section', { id: 'result', hidden: true, tabindex: '-1', 'aria-labelledby': 'result-h' });
  replace(page, formEl, result);
  if (params().type) form.fill({ announcement_type: params().type, customers: [] }, { withCustomers: false });

  async function uploadAll(id) {
    for (const [i, file] of pending.entries()) {
      form.attachmentStatus.textContent = `Uploading ${file.name} (${i + 1} of ${pending.length})…`;
      await uploadAttachment(id, file);
    }
    form.attachmentStatus.textContent = pending.length ? `${pending.length} file(s) uploaded.` : '';
  }

  async function save(submit) {
    clearFormErrors(errors, form.errorFields);
    draftBtn.disabled = submitBtn.disabled = true;
    (submit ? submitBtn : draftBtn).setAttribute('aria-busy', 'true');
    let id = null;
    try {
      const direct = submit && !pending.length;
      const created = await post('/api/announcements', { ...form.read(), announcement_type: form.type(), status: direct ? 'submitted' : 'draft' });
      id = created.object.announcement_id;
      let outcome = created;
      if (pending.length) {
        await uploadAll(id);
        if (submit) outcome = (await request('POST', `${objectPath(id)}/submit`, { body: {} })).data;
      }
      if (!submit) {
        toast(`Draft ${id} saved.`, 'success');
        location.assign(`/edit-announcement.html?announcementId=${encodeURIComponent(id)}&saved=draft`);
        return;
      }
      formEl.hidden = true;
      replace(result, el('h2', { id: 'result-h' }, 'Submitted for approval'),
        el('p', {}, el('strong', {}, outcome.object.title), ' ', el('code', {}, id), ` — ${outcome.summary.successful} of ${outcome.summary.total} customers notified.`),
        triggerList(outcome.triggers),
        el('p', { class: 'row' }, el('a', { class: 'button primary', href: '/announcements.html?status=submitted' }, 'Go to announcements'),
          el('a', { class: 'button', href: `/edit-announcement.html?announcementId=${encodeURIComponent(id)}` }, 'Open it')));
      result.hidden = false;
      result.focus();
    } catch (e) {
      if (e.status === 401) return;
      if (id) {
        // The announcement exists; continue there rather than create it twice.
        toast(`Saved as draft ${id}, but: ${describeError(e)}`, 'error', 15000);
        location.assign(`/edit-announcement.html?announcementId=${encodeURIComponent(id)}`);
        return;
      }
      showFormErrors(errors, form.errorFields, e);
    } finally {
      draftBtn.disabled = submitBtn.disabled = false;
      draftBtn.removeAttribute('aria-busy');
      submitBtn.removeAttribute('aria-busy');
    }
  }
  draftBtn.addEventListener('click', () => save(false));
  formEl.addEventListener('submit', (e) => { e.preventDefault(); save(true); });
}

run(main);
