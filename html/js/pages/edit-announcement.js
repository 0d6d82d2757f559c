// Edit announcement (edit-announcement.html?announcementId=…): the shared object editor over the
// announcement form, plus attachments uploaded and removed at once.

import { describeError } from '../api.js';
import { $, errorBox, params, replace } from '../dom.js';
import { run, startPage } from '../components/layout.js';
import { announcementForm } from '../components/announcement-form.js';
import { attachmentRow, checkFile, removeAttachment, uploadAttachment } from '../components/attachments.js';
import { loadCustomers } from '../components/customers.js';
import { objectEditor } from '../components/editor.js';
import { confirmDialog } from '../components/modal.js';
import { toast } from '../components/toast.js';

async function main() {
  const me = await startPage();
  const page = $('#page');
  const id = params().announcementId;
  if (!id) { replace(page, errorBox('No announcement given: open this page from an announcement (edit-announcement.html?announcementId=…).')); return; }
  const form = announcementForm(await loadCustomers(), { typeLocked: true });
  let editor = null;

  function drawAttachments(state) {
    const list = state.current.object.attachments || [];
    // The API changes attachments only while the announcement is a draft or submitted.
    const changeable = state.editable && ['draft', 'submitted'].includes(state.current.object.status);
    replace(form.attachmentList, list.length ? list.map((a) => attachmentRow(id, a, changeable ? remove : null)) : []);
    form.f.files.disabled = !changeable;
    if (!changeable) form.attachmentStatus.textContent = 'Attachments can be added or removed while the announcement is a draft or submitted.';
  }
  // An attachment write changes the object: adopt its new version and ETag, keep unsaved form edits.
  function adopt(object, etag) {
    if (!object) return editor.reload();
    editor.state.current = { object, etag: etag || editor.state.current.etag };
    editor.render({ refill: false });
    return null;
  }
  async function remove(a, button) {
    if (!(await confirmDialog('Remove this attachment?', [a.name], { confirmLabel: 'Remove', danger: true }))) return;
    button.disabled = true;
    try {
      const r = await removeAttachment(id, a.name);
      await adopt(r.object, r.etag);
      toast(`Removed ${a.name}.`, 'success');
    } catch (e) { button.disabled = false; toast(`Could not remove ${a.name}: ${describeError(e)}`, 'error'); }
  }
  form.f.files.addEventListener('change', async () => {
    const files = [...form.f.files.files];
    form.f.files.value = '';
    const names = (editor.state.current.object.attachments || []).map((a) => a.name);
    for (const file of files) {
      const why = checkFile(file, names);
      if (why) { form.attachmentStatus.textContent = why; continue; }
      form.attachmentStatus.textContent = `Uploading ${file.name}…`;
      try {
        const r = await uploadAttachment(id, file);
        await adopt(r.object, r.etag);
        names.push(file.name);
        form.attachmentStatus.textContent = `${file.name} uploaded.`;
      } catch (e) {
        form.attachmentStatus.textContent = `Could not upload ${file.name}: ${describeError(e)}`;
      }
    }
  });
  editor = await objectEditor(page, me, id, form, { noun: 'announcement', listUrl: '/announcements.html', onRender: drawAttachments });
  if (editor && params().saved === 'draft') toast('Draft saved. You can keep editing, or submit it.', 'success');
}

run(main);
