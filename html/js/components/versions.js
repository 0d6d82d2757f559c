// Version history of an object, viewing one version, and a side-by-side compare of two.

import { describeError, get, objectPath } from '../api.js';
import { el, loading, nextId, replace } from '../dom.js';
import { timeShort } from '../dates.js';
import { statusBadge } from '../model.js';
import { detailsBody } from './details.js';
import { openDialog } from './modal.js';
import { load } from './layout.js';

export const FIELD_LABEL = {
  changeTitle: 'Title', title: 'Title', changeReason: 'Reason', summary: 'Summary', content: 'Content',
  implementationPlan: 'Implementation plan', testPlan: 'Test plan', rollbackPlan: 'Rollback plan', customerImpact: 'Customer impact',
  snowTicket: 'ServiceNow ticket', jiraTicket: 'Jira ticket', customers: 'Customers', implementationStart: 'Window start (UTC)',
  implementationEnd: 'Window end (UTC)', timezone: 'Time zone', include_meeting: 'Meeting', meetingTitle: 'Meeting title',
  meeting_title: 'Meeting title', meetingDate: 'Meeting start (UTC)', meeting_date: 'Meeting start (UTC)', meetingDuration: 'Meeting minutes',
  meeting_duration: 'Meeting minutes', meetingLocation: 'Meeting location', meeting_location: 'Meeting location', attendees: 'Extra attendees',
  meeting_timezone: 'Meeting time zone', attachments: 'Attachments', status: 'Status', version: 'Version', modifiedBy: 'Modified by',
  modifiedAt: 'Modified at', approvedBy: 'Approved by', announcement_type: 'Type',
};
// Bookkeeping that differs between any two versions and says nothing to a reader.
const SKIP = new Set(['modifications', 'prior_status', 'implementationBeginDate', 'implementationBeginTime', 'implementationEndDate',
  'implementationEndTime', 'object_type', 'changeId', 'announcement_id']);

const show = (v) => {
  if (v === undefined || v === null || v === '') return '';
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' ? x.name || JSON.stringify(x) : String(x))).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
};

/** Keys whose shown value differs between `a` and `b`, in a readable order. */
export function changedFields(a, b) {
  const keys = [...new Set([...Object.keys(a || {}), ...Object.keys(b || {})])].filter((k) => !SKIP.has(k));
  const order = Object.keys(FIELD_LABEL);
  keys.sort((x, y) => ((order.indexOf(x) + 1 || 999) - (order.indexOf(y) + 1 || 999)) || x.localeCompare(y));
  return keys.filter((k) => show(a && a[k]) !== show(b && b[k]));
}

/** A side-by-side table of two versions; rows that differ are marked. */
export function compareTable(a, b, labelA, labelB, { onlyChanges = false } = {}) {
  const changed = new Set(changedFields(a, b));
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((k) => !SKIP.has(k) && (show(a[k]) || show(b[k])) && (!onlyChanges || changed.has(k)));
  const order = Object.keys(FIELD_LABEL);
  keys.sort((x, y) => ((order.indexOf(x) + 1 || 999) - (order.indexOf(y) + 1 || 999)) || x.localeCompare(y));
  return el('div', { class: 'table-wrap' }, el('table', { class: 'compare' },
    el('caption', {}, `${changed.size} field${changed.size === 1 ? '' : 's'} differ`),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Field'), el('th', { scope: 'col' }, labelA), el('th', { scope: 'col' }, labelB))),
    el('tbody', {}, keys.map((k) => el('tr', { class: changed.has(k) ? 'differs' : null },
      el('th', { scope: 'row' }, FIELD_LABEL[k] || k, changed.has(k) ? el('span', { class: 'visually-hidden' }, ' (differs)') : null),
      el('td', { class: 'pre' }, show(a[k])), el('td', { class: 'pre' }, show(b[k])))))));
}

const fetchVersion = (id, n) => get(`${objectPath(id)}/versions/${n}`);

/** The history panel: a table of versions with View, and a compare form. */
export function versionsPanel(me, id) {
  const box = el('div', { 'aria-live': 'polite' });
  const refresh = () => load(box, async () => {
    const { versions } = await get(`${objectPath(id)}/versions`);
    const sid = nextId('v');
    const pick = (name, idx) => el('select', { id: `${sid}-${name}` }, versions.map((v, i) =>
      el('option', { value: v.version, selected: i === idx }, `v${v.version}${v.current ? ' (current)' : ''}`)));
    const a = pick('a', Math.min(1, versions.length - 1));
    const b = pick('b', 0);
    const compare = el('button', { type: 'button', disabled: versions.length < 2 }, 'Compare');
    compare.addEventListener('click', () => openCompare(id, a.value, b.value));
    replace(box,
      el('div', { class: 'table-wrap' }, el('table', { class: 'versions' },
        el('thead', {}, el('tr', {}, ['Version', 'Status', 'Saved', 'By', ''].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, versions.map((v) => {
          const viewBtn = el('button', { type: 'button', class: 'link-button', 'aria-label': `View version ${v.version}` }, 'View');
          viewBtn.addEventListener('click', () => openVersion(me, id, v.version));
          return el('tr', {}, el('td', {}, `v${v.version}`, v.current ? ' (current)' : ''), el('td', {}, statusBadge(v.status)),
            el('td', {}, timeShort(v.modifiedAt)), el('td', {}, v.modifiedBy || ''), el('td', {}, viewBtn));
        })))),
      versions.length > 1 ? el('div', { class: 'row compare-form' },
        el('label', { for: a.id }, 'Compare'), a, el('label', { for: b.id }, 'with'), b, compare)
        : el('p', { class: 'muted' }, 'Only one version so far.'));
  }, 'the versions');
  refresh();
  return { node: box, refresh };
}

function openVersion(me, id, n) {
  const d = openDialog({ title: `Version ${n}`, body: [loading()], wide: true });
  fetchVersion(id, n).then((o) => replace(d.body, detailsBody({ ...me, roles: [] }, o)))
    .catch((e) => replace(d.body, el('p', { class: 'error-box', role: 'alert' }, describeError(e))));
}

function openCompare(id, na, nb) {
  const d = openDialog({ title: `Version ${na} and version ${nb}`, body: [loading()], wide: true });
  Promise.all([fetchVersion(id, na), fetchVersion(id, nb)])
    .then(([a, b]) => replace(d.body, compareTable(a, b, `Version ${na}`, `Version ${nb}`)))
    .catch((e) => replace(d.body, el('p', { class: 'error-box', role: 'alert' }, describeError(e))));
}
