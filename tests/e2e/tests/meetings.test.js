// Meetings in `ccm serve` (the local ICS calendar): an approver approves a change with a meeting in
// the portal; the change then shows "Join meeting" in its details and among its actions on the
// approvals page, the link opens the local meeting page at the time the author chose, and each
// calendar subscriber of each customer finds an invitation in the outbox (its .ics: METHOD:REQUEST).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, assertInert, launchBrowser, newContext, outbox, settled, signInApi, startServer } from '../lib/harness.js';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

async function waitFor(fn, what) {
  for (let i = 0; i < 100; i += 1) {
    const found = await fn();
    if (found) return found;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('a change with a meeting shows "Join meeting" after approval and its invitations are in the outbox', async () => {
  const title = `Rotate the database credentials <img src=x onerror=window.__xss=1> ${Date.now()}`;
  const meetingTitle = `Go/no-go ${Date.now()}`;
  const alice = await newContext(browser.browser, server.url);
  await signInApi(alice, 'alice@example.com');
  const day = new Date(Date.now() + 3 * 86400000).toISOString().slice(0, 10);
  const created = await api(alice, 'POST', '/api/changes', {
    changeTitle: title, changeReason: 'The credentials are a year old.', implementationPlan: '1. Rotate\n2. Verify',
    customers: ['acme', 'globex'], timezone: 'Europe/Paris', status: 'submitted',
    implementationBeginDate: day, implementationBeginTime: '09:00', implementationEndDate: day, implementationEndTime: '11:00',
    include_meeting: true, meetingTitle, meetingDate: `${day}T08:30`, meetingDuration: '30', meetingLocation: 'Room 12',
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.object.changeId;

  // Bob approves it on the approvals page; before approval there is no meeting yet.
  const bob = await newContext(browser.browser, server.url);
  await signInApi(bob, 'bob@example.com');
  const bp = await bob.newPage();
  await bp.goto(`/approvals.html?customerCode=acme&objectId=${encodeURIComponent(id)}`);
  const dialog = bp.getByRole('dialog');
  await dialog.getByText('The meeting is scheduled when the item is approved.').waitFor();
  await dialog.getByRole('button', { name: 'Approve' }).click();
  await dialog.locator('.meta .badge', { hasText: 'Approved' }).waitFor();

  // The processor schedules the meeting; its join link reaches the object's view.
  const join = await waitFor(async () => {
    const o = await api(bob, 'GET', `/api/changes/${id}`);
    return o.body?.meeting_metadata?.join_url || null;
  }, 'the join link');
  assert.ok(join.includes(`/dev/meetings/${id}`), join);

  await bp.goto(`/approvals.html?customerCode=acme&objectId=${encodeURIComponent(id)}`);
  await settled(bp);
  const details = bp.getByRole('dialog');
  const link = details.getByRole('link', { name: 'Join meeting' });
  await link.waitFor();
  assert.equal(await link.getAttribute('href'), join);
  await details.getByText(meetingTitle).first().waitFor();
  await details.getByRole('button', { name: 'Join meeting' }).waitFor();
  await assertInert(null, bob, bp);

  // The link opens the local meeting page: scheduled, at 08:30 in Paris.
  const mp = await bob.newPage();
  await mp.goto(join);
  await mp.getByRole('heading', { name: new RegExp(meetingTitle) }).waitFor();
  assert.equal(await mp.locator('.meeting-status').getAttribute('data-status'), 'scheduled');
  assert.match(await mp.locator('main').innerText(), /8:30 AM CES?T/, 'the chosen time in Paris (CET or CEST)');
  await assertInert(null, bob, mp);

  // Each calendar subscriber of each customer has an ICS invitation through that customer.
  const carol = await newContext(browser.browser, server.url);
  await signInApi(carol, 'carol@example.com');
  const invitations = await waitFor(async () => {
    const list = (await outbox(carol)).filter((m) => m.subject.includes(meetingTitle));
    return list.some((m) => m.customer === 'acme') && list.some((m) => m.customer === 'globex') ? list : null;
  }, 'the invitations in the outbox');
  const to = invitations.map((m) => `${m.customer} ${m.to}`).sort();
  assert.ok(to.includes('acme ops@acme.example.com') && to.includes('globex ops@globex.example.com'), to.join(', '));

  // The invitation itself: one event per object (its UID), at the chosen time in the author's zone.
  const ics = await (await bob.request.get(`/dev/meetings/${encodeURIComponent(id)}.ics`)).text();
  assert.match(ics, /METHOD:REQUEST/);
  assert.match(ics, new RegExp(`UID:${id}@`));
  assert.match(ics, /DTSTART;TZID=Europe\/Paris:\d{8}T083000/);
  for (const c of [alice, bob, carol]) assert.deepEqual(c.problems, []);
});
