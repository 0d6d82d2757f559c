// A stale save (409): who changed the object and what they changed, then reload or keep editing.

import { el } from '../dom.js';
import { timeBoth } from '../dates.js';
import { openDialog } from './modal.js';
import { compareTable } from './versions.js';

/**
 * `error` is the 409 ApiError (its body carries `current: {object, etag}`); `loaded` is the version
 * the page was editing. `onReload()` discards local edits; `onKeep(current)` keeps them and adopts
 * the new ETag, so the next save overwrites knowingly.
 */
export function showConflict(error, loaded, { onReload, onKeep }) {
  const current = (error.body && error.body.current) || {};
  const theirs = current.object || {};
  const who = theirs.modifiedBy || 'Someone else';
  const reload = el('button', { type: 'button', class: 'primary', id: 'conflict-reload' }, 'Reload their version (discard my edits)');
  const keep = el('button', { type: 'button', id: 'conflict-keep' }, 'Keep my edits');
  const d = openDialog({
    title: 'Someone else saved this first',
    body: [
      el('p', { class: 'conflict-who' }, el('strong', {}, who), ` saved version ${theirs.version ?? '?'}`,
        theirs.modifiedAt ? [' at ', timeBoth(theirs.modifiedAt)] : '', ' while you were editing. Your edits are not saved.'),
      el('p', {}, 'What they changed:'),
      compareTable(loaded || {}, theirs, 'When you opened it', 'Their version', { onlyChanges: true }),
      el('p', { class: 'muted' }, 'Keep my edits leaves your form as it is; saving again then replaces their version.'),
    ],
    actions: [keep, reload],
    wide: true,
  });
  reload.addEventListener('click', () => { d.close(); onReload(current); });
  keep.addEventListener('click', () => { d.close(); onKeep(current); });
  reload.focus();
  return d;
}
