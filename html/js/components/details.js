// The details view of a change or an announcement: content, schedule in the object's zone and the
// viewer's, progress, meeting, attachments, customers, deliveries (SES's feedback per customer), history,
// and the actions the user may take.

import { describeError, objectPath } from '../api.js';
import { el, errorBox, loading, replace } from '../dom.js';
import { timeBoth } from '../dates.js';
import { STATUS_LABEL, TYPES, statusBadge, typeBadge, view } from '../model.js';
import { actionButtons, reload } from './actions.js';
import { deliveriesSection } from './deliveries.js';
import { openDialog } from './modal.js';
import { surveyResults } from './survey-results.js';
import { timeline } from './timeline.js';

const STEPS = ['draft', 'submitted', 'approved', 'completed'];

function progress(status) {
  if (status === 'cancelled') return el('p', { class: 'progress cancelled' }, statusBadge('cancelled'), ' This item was cancelled.');
  const at = STEPS.indexOf(status);
  return el('ol', { class: 'progress', 'aria-label': 'Progress' }, STEPS.map((s, i) =>
    el('li', { class: i < at ? 'done' : i === at ? 'current' : 'todo', 'aria-current': i === at ? 'step' : null }, STATUS_LABEL[s])));
}

const text = (label, value) => (value ? [el('dt', {}, label), el('dd', { class: 'pre' }, value)] : []);

function meetingSection(o, v) {
  const change = v.type === 'change';
  const wanted = o.include_meeting;
  const md = o.meeting_metadata;
  if (!wanted && !md) return null;
  const start = change ? o.meetingDate || o.implementationStart : o.meeting_date;
  return el('section', { class: 'meeting' }, el('h3', {}, 'Meeting'), el('dl', {},
    text('Title', change ? o.meetingTitle : o.meeting_title),
    start ? [el('dt', {}, 'Starts'), el('dd', {}, timeBoth(start, v.timezone))] : [],
    text('Duration', (change ? o.meetingDuration : o.meeting_duration) ? `${change ? o.meetingDuration : o.meeting_duration} minutes` : ''),
    text('Location', change ? o.meetingLocation : o.meeting_location),
    text('Extra attendees', o.attendees)),
  md && md.join_url ? el('p', {}, el('a', { class: 'button', href: md.join_url, target: '_blank', rel: 'noopener' }, 'Join meeting'))
    : el('p', { class: 'muted' }, v.status === 'approved' ? 'The meeting invitation is being created.' : 'The meeting is scheduled when the item is approved.'));
}

function attachmentsSection(o, v) {
  const list = o.attachments || [];
  if (!list.length) return null;
  return el('section', {}, el('h3', {}, 'Attachments'), el('ul', { class: 'attachments' }, list.map((a) =>
    el('li', {}, el('a', { href: `${objectPath(v.id)}/attachments/${encodeURIComponent(a.name)}`, download: a.name }, a.name),
      el('small', { class: 'muted' }, ` ${formatSize(a.size)}`)))));
}

export function formatSize(n) {
  if (!n && n !== 0) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** The body of the details view (also used inline on pages). */
export function detailsBody(me, o, { onChanged } = {}) {
  const v = view(o);
  const change = v.type === 'change';
  return el('div', { class: 'details' },
    el('p', { class: 'meta' }, typeBadge(v.type), ' ', statusBadge(v.status), ' ', el('code', {}, v.id), ` · version ${v.version}`),
    progress(v.status),
    el('dl', {},
      change ? [
        ...text('Reason', o.changeReason), ...text('Implementation plan', o.implementationPlan), ...text('Test plan', o.testPlan),
        ...text('Rollback plan', o.rollbackPlan), ...text('Customer impact', o.customerImpact),
        ...text('ServiceNow ticket', o.snowTicket), ...text('Jira ticket', o.jiraTicket),
        el('dt', {}, 'Implementation window'),
        el('dd', {}, timeBoth(o.implementationStart, o.timezone), o.implementationEnd ? el('span', {}, el('br'), 'until ', timeBoth(o.implementationEnd, o.timezone)) : null),
      ] : [...text('Summary', o.summary), ...text('Content', o.content), ...text('Author', o.author)],
      el('dt', {}, 'Customers'), el('dd', {}, v.customers.join(', ') || '—'),
      el('dt', {}, 'Created'), el('dd', {}, v.createdBy || '—', ' · ', timeBoth(v.createdAt)),
      o.approvedBy ? [el('dt', {}, 'Approved'), el('dd', {}, o.approvedBy, ' · ', timeBoth(o.approvedAt))] : []),
    meetingSection(o, v),
    attachmentsSection(o, v),
    surveyResults(v),
    deliveriesSection(v),
    el('div', { class: 'actions' }, actionButtons(me, v, { onChanged })),
    timeline(o.modifications));
}

/** Opens the details dialog of `id`; reloads it in place after an action. */
export function openDetails(me, id, { onChanged } = {}) {
  const d = openDialog({ title: 'Loading…', body: [loading()], wide: true });
  const refresh = async () => {
    replace(d.body, loading());
    try {
      const { object } = await reload(id);
      const v = view(object);
      d.setTitle(`${(TYPES[v.type] || {}).icon || ''} ${v.title || v.id}`.trim());
      replace(d.body, detailsBody(me, object, {
        onChanged: (nv) => { if (onChanged) onChanged(nv); if (d.dialog.isConnected) refresh(); },
      }));
    } catch (e) {
      d.setTitle('Could not load');
      replace(d.body, errorBox(describeError(e), refresh));
    }
  };
  refresh();
  return d;
}
