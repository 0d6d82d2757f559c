// Unit tests of html/js/model.js: types from id prefixes, the one view of stored changes,
// announcements and index entries, and which actions the portal offers (the API enforces the same
// rules). The badge builders need a DOM and are covered by the browser suite.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allowedActions, canCreate, editUrl, isChange, STATUSES, typeOf, TYPES, view } from '../../html/js/model.js';

test('the type of an object comes from its id prefix', () => {
  assert.equal(typeOf('CHG-2026-0001'), 'change');
  assert.equal(typeOf('CIC-2026-0001'), 'cic');
  assert.equal(typeOf('FIN-2026-0001'), 'finops');
  assert.equal(typeOf('INN-2026-0001'), 'innersource');
  assert.equal(typeOf('GEN-2026-0001'), 'general');
});

test('an unknown or missing prefix is treated as a change', () => {
  assert.equal(typeOf('XYZ-1'), 'change');
  assert.equal(typeOf(undefined), 'change');
  assert.equal(isChange('chg-1'), true, 'prefixes are upper case; anything else falls back to change');
  assert.equal(isChange('GEN-1'), false);
});

test('every type has a label and an icon', () => {
  for (const [type, t] of Object.entries(TYPES)) {
    assert.ok(t.label && t.icon, type);
  }
});

test('no object gives no view', () => {
  assert.equal(view(null), null);
  assert.equal(view(undefined), null);
});

test('an index entry is already a view and keeps its fields', () => {
  const entry = { id: 'GEN-1', type: 'general', status: 'draft', title: 'Hello' };
  const v = view(entry);
  assert.equal(v.id, 'GEN-1');
  assert.equal(v.title, 'Hello');
  assert.equal(v.raw, entry);
});

test('a stored change is seen through its camel-case fields', () => {
  const stored = {
    changeId: 'CHG-1', status: 'approved', changeTitle: 'Patch', changeReason: 'CVE', customers: ['acme'],
    createdBy: 'a@example.com', createdAt: '2026-01-01T00:00:00Z', submittedBy: 'a@example.com',
    implementationStart: '2026-02-01T10:00:00Z', implementationEnd: '2026-02-01T12:00:00Z', timezone: 'Europe/Berlin',
    version: 3, meeting_metadata: { join_url: 'https://teams.example/j/1' },
  };
  const v = view(stored);
  assert.deepEqual({ ...v, raw: undefined }, {
    id: 'CHG-1', type: 'change', status: 'approved', title: 'Patch', summary: 'CVE', customers: ['acme'],
    createdBy: 'a@example.com', createdAt: '2026-01-01T00:00:00Z', submittedBy: 'a@example.com',
    modifiedAt: undefined, modifiedBy: undefined,
    start: '2026-02-01T10:00:00Z', end: '2026-02-01T12:00:00Z', timezone: 'Europe/Berlin', version: 3,
    joinUrl: 'https://teams.example/j/1', raw: undefined,
  });
  assert.equal(v.raw, stored);
});

test('a stored announcement is seen through its snake-case fields', () => {
  const v = view({
    announcement_id: 'CIC-7', announcement_type: 'cic', status: 'submitted', title: 'Cloud day', summary: 'Talks',
    created_by: 'b@example.com', created_at: '2026-01-02T00:00:00Z', meeting_date: '2026-03-01T09:00:00Z',
    meeting_timezone: 'Asia/Tokyo',
  });
  assert.equal(v.id, 'CIC-7');
  assert.equal(v.type, 'cic');
  assert.equal(v.title, 'Cloud day');
  assert.equal(v.summary, 'Talks');
  assert.equal(v.createdBy, 'b@example.com');
  assert.equal(v.createdAt, '2026-01-02T00:00:00Z');
  assert.equal(v.start, '2026-03-01T09:00:00Z');
  assert.equal(v.end, null);
  assert.equal(v.timezone, 'Asia/Tokyo');
  assert.equal(v.joinUrl, null, 'no meeting, no join link');
});

test('a view never has a missing title, summary or customer list', () => {
  const v = view({ changeId: 'CHG-2', status: 'draft' });
  assert.equal(v.title, '');
  assert.equal(v.summary, '');
  assert.deepEqual(v.customers, []);
  assert.equal(view({ announcement_id: 'GEN-2', announcement_type: 'general' }).title, '');
});

test('the edit page depends on the type and the id is URL-encoded', () => {
  assert.equal(editUrl('CHG-1'), '/edit-change.html?changeId=CHG-1');
  assert.equal(editUrl('GEN-1'), '/edit-announcement.html?announcementId=GEN-1');
  assert.equal(editUrl('CHG-1&x=<y>'), '/edit-change.html?changeId=CHG-1%26x%3D%3Cy%3E');
});

const author = { email: 'ann@example.com', roles: ['author'] };
const approver = { email: 'bob@example.com', roles: ['approver'] };
const reader = { email: 'rea@example.com', roles: [] };
const admin = { email: 'adm@example.com', roles: ['admin'] };
const own = (status, extra = {}) => ({ status, createdBy: 'ann@example.com', ...extra });

test('an author may edit, submit, delete and duplicate their own draft', () => {
  assert.deepEqual(allowedActions(author, own('draft')), ['edit', 'submit', 'delete', 'duplicate']);
});

test('an author may only duplicate a draft of someone else', () => {
  assert.deepEqual(allowedActions(author, { status: 'draft', createdBy: 'other@example.com' }), ['duplicate']);
});

test('the owner is recognised whatever the case of the e-mail address', () => {
  assert.deepEqual(allowedActions(author, own('draft', { createdBy: 'ANN@Example.COM' })), ['edit', 'submit', 'delete', 'duplicate']);
});

test('an approver may approve or cancel a submission of someone else', () => {
  assert.deepEqual(allowedActions(approver, own('submitted')), ['approve', 'cancel']);
});

test('an approver may not approve their own submission unless self-approval is allowed', () => {
  const both = { email: 'ann@example.com', roles: ['author', 'approver'] };
  assert.ok(!allowedActions(both, own('submitted')).includes('approve'));
  assert.ok(!allowedActions(both, own('submitted', { createdBy: 'x@example.com', submittedBy: 'ANN@example.com' })).includes('approve'));
  assert.ok(allowedActions({ ...both, allowSelfApproval: true }, own('submitted')).includes('approve'));
});

test('an approved object can be completed or cancelled by an approver or its author', () => {
  assert.deepEqual(allowedActions(approver, own('approved')), ['complete', 'cancel']);
  assert.deepEqual(allowedActions(author, own('approved')), ['edit', 'complete', 'cancel', 'duplicate']);
});

test('a completed object can only be duplicated', () => {
  assert.deepEqual(allowedActions(author, own('completed')), ['duplicate']);
  assert.deepEqual(allowedActions(approver, own('completed')), []);
});

test('a cancelled object can be deleted by its author', () => {
  assert.deepEqual(allowedActions(author, own('cancelled')), ['delete', 'duplicate']);
});

test('an admin acts as owner, author and approver', () => {
  assert.deepEqual(allowedActions(admin, own('draft')), ['edit', 'submit', 'delete', 'duplicate']);
  assert.deepEqual(allowedActions(admin, own('submitted')), ['edit', 'approve', 'cancel', 'duplicate']);
});

test('a reader gets no actions except joining a scheduled meeting', () => {
  for (const s of STATUSES) assert.deepEqual(allowedActions(reader, own(s)), [], s);
  assert.deepEqual(allowedActions(reader, own('approved', { joinUrl: 'https://teams.example/j/1' })), ['join']);
  assert.deepEqual(allowedActions(reader, own('completed', { joinUrl: 'https://teams.example/j/1' })), []);
});

test('only authors and admins may create objects', () => {
  assert.equal(canCreate(author), true);
  assert.equal(canCreate(admin), true);
  assert.equal(canCreate(approver), false);
  assert.equal(canCreate(reader), false);
});
