// Hostile text stays text on every page, and a viewer is offered no action it may not take (and the
// API refuses the forged call anyway).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, assertInert, launchBrowser, newContext, settled, signInApi, startServer } from '../lib/harness.js';

const XSS = '<img src=x onerror=window.__xss=1>';
let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

function day(offset) {
  return new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
}

test('an XSS payload in titles and text stays inert on every page', async () => {
  const alice = await newContext(browser.browser, server.url);
  await signInApi(alice, 'alice@example.com');
  const change = await api(alice, 'POST', '/api/changes', {
    changeTitle: `${XSS} change`, changeReason: `reason ${XSS}`, implementationPlan: `<script>window.__xss=2</script>`,
    customers: ['acme', 'globex'], snowTicket: '"><svg onload=window.__xss=3>', timezone: 'Europe/Paris',
    implementationBeginDate: day(3), implementationBeginTime: '10:00', implementationEndDate: day(3), implementationEndTime: '11:00',
    include_meeting: true, meetingLocation: `${XSS}`, attendees: 'javascript:window.__xss=4', status: 'submitted',
  });
  assert.equal(change.status, 201, JSON.stringify(change.body));
  const changeId = change.body.object.changeId;
  const ann = await api(alice, 'POST', '/api/announcements', {
    announcement_type: 'general', title: `${XSS} announcement`, summary: `summary ${XSS}`, content: '<a href="javascript:window.__xss=5">click</a>',
    customers: ['acme'], status: 'submitted',
  });
  assert.equal(ann.status, 201, JSON.stringify(ann.body));
  const annId = ann.body.object.announcement_id;
  const draft = await api(alice, 'POST', '/api/changes', { changeTitle: `${XSS} draft`, customers: ['acme'] });
  assert.equal(draft.status, 201);

  const page = await alice.newPage();
  const visit = async (url, expectText = true) => {
    await page.goto(url);
    await settled(page);
    if (expectText) assert.ok((await page.textContent('main')).includes(XSS), `${url} shows the payload as text`);
    await assertInert(null, alice, page);
  };
  await visit('/index.html');
  await visit('/my-changes.html');
  await visit('/my-changes.html?status=draft');
  await visit('/approvals.html');
  await visit('/announcements.html');
  await visit(`/search-changes.html?q=${encodeURIComponent('onerror')}`);
  await visit(`/edit-change.html?changeId=${changeId}`, false);
  assert.equal(await page.getByLabel('Title *').inputValue(), `${XSS} change`);
  await visit(`/edit-announcement.html?announcementId=${annId}`, false);
  assert.equal(await page.getByLabel('Title *').inputValue(), `${XSS} announcement`);

  // The details dialog, the timeline and the version views render the same fields.
  await visit('/my-changes.html?status=submitted');
  await page.locator(`article[data-id="${changeId}"] button.title`).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText(`reason ${XSS}`).waitFor();
  assert.ok((await dialog.textContent()).includes('<script>window.__xss=2</script>'));
  await assertInert(null, alice, page);
  await dialog.getByRole('button', { name: 'Close dialog' }).click();

  // Cloning copies the text into form fields, still as text.
  await visit('/create-change.html', false);
  await page.getByText('Start from an existing change (clone)').click();
  await page.getByLabel('Find a change').fill('onerror');
  await page.getByRole('button', { name: 'Find' }).click();
  await page.getByRole('button', { name: /Copy ".*change" into the form/ }).click();
  await page.waitForFunction((x) => document.querySelector('input[name="changeTitle"]').value === x, `${XSS} change`);
  await assertInert(null, alice, page);

  // An approver following the e-mail link to the item.
  const bob = await newContext(browser.browser, server.url);
  await signInApi(bob, 'bob@example.com');
  const bp = await bob.newPage();
  await bp.goto(`/approvals.html?customerCode=acme&objectId=${annId}`);
  await bp.getByRole('dialog').getByText(`summary ${XSS}`).waitFor();
  await settled(bp);
  await assertInert(null, bob, bp);
  assert.deepEqual([...alice.problems, ...bob.problems], []);
  assert.ok(alice.visited.length >= 10);
  await alice.close();
  await bob.close();
});

test('a viewer is offered no approve (or any other) action, and a forged approve is refused', async () => {
  const alice = await newContext(browser.browser, server.url);
  await signInApi(alice, 'alice@example.com');
  const created = await api(alice, 'POST', '/api/changes', {
    changeTitle: 'Viewer check', changeReason: 'r', implementationPlan: 'p', customers: ['acme'], timezone: 'UTC',
    implementationBeginDate: day(4), implementationBeginTime: '09:00', implementationEndDate: day(4), implementationEndTime: '10:00', status: 'submitted',
  });
  const id = created.body.object.changeId;

  const victor = await newContext(browser.browser, server.url);
  const me = await signInApi(victor, 'victor@example.com');
  assert.deepEqual(me.roles, ['viewer']);
  const page = await victor.newPage();
  await page.goto(`/approvals.html?customerCode=acme&objectId=${id}`);
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('heading', { name: /Viewer check/ }).waitFor();
  await settled(page);
  assert.equal(await page.locator('button[data-action]').count(), 0, 'no action buttons for a viewer');
  assert.equal(await page.getByRole('button', { name: 'Approve' }).count(), 0);
  await dialog.getByRole('button', { name: 'Close dialog' }).click();
  const nav = await page.getByRole('navigation', { name: 'Main' }).textContent();
  assert.ok(!nav.includes('Create change') && !nav.includes('Create announcement'), nav);
  await page.goto('/create-change.html');
  await page.getByText('Your role cannot create changes.').waitFor();
  await page.goto(`/edit-change.html?changeId=${id}`);
  await page.getByText('You can view this change but not edit it.').waitFor();
  assert.equal(await page.locator('#change-form').isVisible(), false);

  // The API enforces the role whatever the page offers: a well-formed approve with the CSRF token.
  const forged = await api(victor, 'POST', `/api/changes/${id}/approve`, {});
  assert.equal(forged.status, 403, JSON.stringify(forged.body));
  assert.equal(forged.body.error, 'forbidden');
  // And without the CSRF token it is refused before the role is even looked at.
  const noCsrf = await victor.request.post(`/api/changes/${id}/approve`, { data: {} });
  assert.equal(noCsrf.status(), 403);
  const still = await api(alice, 'GET', `/api/changes/${id}`);
  assert.equal(still.body.status, 'submitted');
  assert.deepEqual(victor.problems, []);
  await alice.close();
  await victor.close();
});
