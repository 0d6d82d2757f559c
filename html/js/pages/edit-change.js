// Edit change (edit-change.html?changeId=…): the shared object editor over the change form.

import { $, errorBox, params, replace } from '../dom.js';
import { run, startPage } from '../components/layout.js';
import { changeForm } from '../components/change-form.js';
import { loadCustomers } from '../components/customers.js';
import { objectEditor } from '../components/editor.js';
import { toast } from '../components/toast.js';

async function main() {
  const me = await startPage();
  const page = $('#page');
  const id = params().changeId;
  if (!id) { replace(page, errorBox('No change given: open this page from a change (edit-change.html?changeId=…).')); return; }
  const form = changeForm(await loadCustomers());
  const editor = await objectEditor(page, me, id, form, { noun: 'change', listUrl: '/my-changes.html' });
  if (editor && params().saved === 'draft') toast('Draft saved. You can keep editing, or submit it.', 'success');
}

run(main);
