// What the portal knows about objects: statuses, types, a common view of changes and announcements,
// and which actions a user's roles allow (the API enforces the same rules; this only hides buttons).

import { el } from './dom.js';

export const STATUSES = ['draft', 'submitted', 'approved', 'completed', 'cancelled'];
export const STATUS_LABEL = { draft: 'Draft', submitted: 'Submitted', approved: 'Approved', completed: 'Completed', cancelled: 'Cancelled' };

export const TYPES = {
  change: { label: 'Change', icon: '🛠️' },
  cic: { label: 'CIC', icon: '☁️' },
  finops: { label: 'FinOps', icon: '💰' },
  innersource: { label: 'InnerSource', icon: '🔧' },
  general: { label: 'General', icon: '📢' },
};
const PREFIX_TYPE = { CHG: 'change', CIC: 'cic', FIN: 'finops', INN: 'innersource', GEN: 'general' };

export const typeOf = (id) => PREFIX_TYPE[String(id).split('-')[0]] || 'change';
export const isChange = (id) => typeOf(id) === 'change';

export function statusBadge(status) {
  return el('span', { class: `badge status-${status}` }, STATUS_LABEL[status] || status);
}

export function typeBadge(type) {
  const t = TYPES[type] || { label: type, icon: '•' };
  return el('span', { class: `type type-${type}` }, el('span', { 'aria-hidden': 'true' }, t.icon), ` ${t.label}`);
}

/** One shape for a stored change, a stored announcement or an index entry. */
export function view(o) {
  if (!o) return null;
  if (o.id && o.type) return { ...o, raw: o }; // already an index entry
  const change = Boolean(o.changeId);
  const meeting = o.meeting_metadata || null;
  return {
    id: change ? o.changeId : o.announcement_id,
    type: change ? 'change' : o.announcement_type,
    status: o.status,
    title: (change ? o.changeTitle : o.title) || '',
    summary: (change ? o.changeReason : o.summary) || '',
    customers: o.customers || [],
    createdBy: o.createdBy || o.created_by,
    createdAt: o.createdAt || o.created_at,
    submittedBy: o.submittedBy,
    modifiedAt: o.modifiedAt,
    modifiedBy: o.modifiedBy,
    start: change ? o.implementationStart : o.meeting_date,
    end: change ? o.implementationEnd : null,
    timezone: change ? o.timezone : o.meeting_timezone,
    version: o.version,
    joinUrl: meeting && meeting.join_url,
    raw: o,
  };
}

export const editUrl = (id) => (isChange(id)
  ? `/edit-change.html?changeId=${encodeURIComponent(id)}`
  : `/edit-announcement.html?announcementId=${encodeURIComponent(id)}`);

const has = (me, role) => me.roles.includes(role) || me.roles.includes('admin');
const same = (a, b) => Boolean(a && b && a.toLowerCase() === b.toLowerCase());

/** Actions `me` may take on `v` (a view) in its current status, in display order. */
export function allowedActions(me, v) {
  const owner = me.roles.includes('admin') || same(v.createdBy, me.email);
  const author = has(me, 'author');
  const approver = has(me, 'approver');
  const ownSubmission = same(v.createdBy, me.email) || same(v.submittedBy, me.email);
  const out = [];
  const s = v.status;
  if (author && owner && ['draft', 'submitted', 'approved'].includes(s)) out.push('edit');
  if (author && owner && s === 'draft') out.push('submit');
  if (approver && s === 'submitted' && (!ownSubmission || me.allowSelfApproval)) out.push('approve');
  if (s === 'approved' && (approver || (author && owner))) out.push('complete');
  if (['submitted', 'approved'].includes(s) && (approver || (author && owner))) out.push('cancel');
  if (author && owner && ['draft', 'cancelled'].includes(s)) out.push('delete');
  if (author) out.push('duplicate');
  if (v.joinUrl && ['approved', 'submitted'].includes(s)) out.push('join');
  return out;
}

export const ACTION_LABEL = {
  edit: 'Edit', submit: 'Submit', approve: 'Approve', complete: 'Complete', cancel: 'Cancel',
  delete: 'Delete', duplicate: 'Duplicate', join: 'Join meeting',
};

/** Roles that may create objects. */
export const canCreate = (me) => has(me, 'author');
