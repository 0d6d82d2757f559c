// Drafts save and reload; a concurrent edit shows the conflict with who made it and offers reload;
// editing an approved change asks first and sends it back to submitted; versions compare side by side.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, assertInert, launchBrowser, newContext, screenshots, settled, signInApi, startServer } from '../lib/harness.js';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('a draft saves and comes back the same after a reload', async () => {
  const ctx = await newContext(browser.browser, server.url);
  await signInApi(ctx, 'alice@example.com');
  const page = await ctx.newPage();
  await page.goto('/create-change.html');
  await settled(page);
  await page.getByLabel('Title *').fill('Draft: move DNS to Route 53');
  await page.getByLabel('Reason for the change *').fill('One place for every zone.');
  await page.getByLabel('Jira ticket').fill('CCOE-4242');
  await page.getByLabel(/Initech/).check();
  await page.getByLabel('Time zone', { exact: true }).selectOption('America/New_York');
  await page.getByLabel('Begins on *').fill('2030-03-05');
  await page.getByLabel('at *').first().fill('22:30');
  await page.getByLabel('Ends on *').fill('2030-03-06');
  await page.getByLabel('at *').nth(1).fill('01:15');
  await page.getByLabel('Schedule an implementation meeting').check();
  await page.getByRole('button', { name: 'Save draft' }).click();
  await page.waitForURL(/\/edit-change\.html\?changeId=CHG-/);
  const id = new URL(page.url()).searchParams.get('changeId');
  await page.reload();
  await settled(page);
  assert.equal(await page.getByLabel('Title *').inputValue(), 'Draft: move DNS to Route 53');
  assert.equal(await page.getByLabel('Reason for the change *').inputValue(), 'One place for every zone.');
  assert.equal(await page.getByLabel('Jira ticket').inputValue(), 'CCOE-4242');
  assert.equal(await page.getByLabel(/Initech/).isChecked(), true);
  assert.equal(await page.getByLabel(/Acme/).isChecked(), false);
  assert.equal(await page.getByLabel('Time zone', { exact: true }).inputValue(), 'America/New_York');
  assert.equal(await page.getByLabel('Begins on *').inputValue(), '2030-03-05');
  assert.equal(await page.getByLabel('at *').first().inputValue(), '22:30');
  assert.equal(await page.getByLabel('Ends on *').inputValue(), '2030-03-06');
  assert.equal(await page.getByLabel('at *').nth(1).inputValue(), '01:15');
  assert.equal(await page.getByLabel('Schedule an implementation meeting').isChecked(), true);
  assert.equal(await page.getByLabel(/Meeting title/).inputValue(), 'Change Implementation Meeting: Draft: move DNS to Route 53');
  // Stored in UTC, entered in New York time (EST, UTC-5, in March before DST).
  const stored = await api(ctx, 'GET', `/api/changes/${id}`);
  assert.equal(stored.body.status, 'draft');
  assert.equal(stored.body.implementationStart, '2030-03-06T03:30:00Z');
  // Draft listed under My changes → Draft.
  await page.goto('/my-changes.html?status=draft');
  await page.locator(`article[data-id="${id}"]`).waitFor();
  await assertInert(null, ctx, page);
  await screenshots(page, 'my-changes');
  assert.deepEqual(ctx.problems, []);
  await ctx.close();
});

test('a stale save shows who changed the change and offers to reload their version', async () => {
  const alice = await newContext(browser.browser, server.url);
  await signInApi(alice, 'alice@example.com');
  // Submitted, so that an admin sees it too (drafts are visible to their author only).
  const day = new Date(Date.now() + 6 * 86400000).toISOString().slice(0, 10);
  const created = await api(alice, 'POST', '/api/changes', {
    changeTitle: 'Resize the Kafka brokers', changeReason: 'Disk pressure', implementationPlan: 'Rolling resize', customers: ['acme'],
    timezone: 'UTC', implementationBeginDate: day, implementationBeginTime: '08:00', implementationEndDate: day, implementationEndTime: '09:00',
    status: 'submitted',
  });
  const id = created.body.object.changeId;
  const page = await alice.newPage();
  await page.goto(`/edit-change.html?changeId=${id}`);
  await settled(page);

  // Meanwhile Carol (an admin) edits and saves the same change in her own browser.
  const carol = await newContext(browser.browser, server.url);
  await signInApi(carol, 'carol@example.com');
  const cp = await carol.newPage();
  await cp.goto(`/edit-change.html?changeId=${id}`);
  await settled(cp);
  await cp.getByLabel('Title *').fill('Resize the Kafka brokers (m7g.2xlarge)');
  await cp.getByRole('button', { name: 'Save changes' }).click();
  await cp.getByText('Saved.').waitFor();

  // Alice saves her own edit on top of the version she loaded.
  await page.getByLabel('Reason for the change *').fill('Disk pressure on every broker');
  await page.getByRole('button', { name: 'Save changes' }).click();
  const dialog = page.getByRole('dialog', { name: 'Someone else saved this first' });
  await dialog.waitFor();
  const text = await dialog.textContent();
  assert.ok(text.includes('carol@example.com'), text);
  assert.ok(text.includes('Resize the Kafka brokers (m7g.2xlarge)'), 'shows what they changed');
  await screenshots(page, 'edit-change-conflict');
  await dialog.getByRole('button', { name: /Reload their version/ }).click();
  assert.equal(await page.getByLabel('Title *').inputValue(), 'Resize the Kafka brokers (m7g.2xlarge)');
  assert.equal(await page.getByLabel('Reason for the change *').inputValue(), 'Disk pressure');
  // Now the save goes through on top of Carol's version.
  await page.getByLabel('Reason for the change *').fill('Disk pressure on every broker');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByText('Saved.').waitFor();
  const stored = await api(alice, 'GET', `/api/changes/${id}`);
  assert.equal(stored.body.changeTitle, 'Resize the Kafka brokers (m7g.2xlarge)');
  assert.equal(stored.body.changeReason, 'Disk pressure on every broker');

  // Three versions now; compare the first and the last side by side.
  await settled(page);
  await page.getByLabel('Compare').selectOption('1');
  await page.getByLabel('with').selectOption(String(stored.body.version));
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  const cmp = page.getByRole('dialog', { name: `Version 1 and version ${stored.body.version}` });
  await cmp.locator('tr.differs').first().waitFor();
  const rows = await cmp.locator('tr.differs th').allTextContents();
  assert.ok(rows.some((r) => r.includes('Title')) && rows.some((r) => r.includes('Reason')), rows.join('|'));
  await screenshots(page, 'edit-change-compare');
  await cmp.getByRole('button', { name: 'Close dialog' }).click();
  await assertInert(null, alice, page);
  assert.deepEqual([...alice.problems, ...carol.problems], []);
  await alice.close();
  await carol.close();
});

test('editing an approved change asks first and sends it back for approval', async () => {
  const alice = await newContext(browser.browser, server.url);
  await signInApi(alice, 'alice@example.com');
  const day = new Date(Date.now() + 5 * 86400000).toISOString().slice(0, 10);
  const created = await api(alice, 'POST', '/api/changes', {
    changeTitle: 'Turn on S3 Object Lock', changeReason: 'Compliance', implementationPlan: 'Enable per bucket', customers: ['globex'],
    timezone: 'Europe/London', implementationBeginDate: day, implementationBeginTime: '08:00', implementationEndDate: day, implementationEndTime: '09:00',
    status: 'submitted',
  });
  const id = created.body.object.changeId;
  const bob = await newContext(browser.browser, server.url);
  await signInApi(bob, 'bob@example.com');
  assert.equal((await api(bob, 'POST', `/api/changes/${id}/approve`, {})).status, 200);

  const page = await alice.newPage();
  await page.goto(`/edit-change.html?changeId=${id}`);
  await settled(page);
  await page.getByLabel('Test plan').fill('Upload and try to delete a test object.');
  await page.getByRole('button', { name: 'Save changes' }).click();
  const ask = page.getByRole('dialog', { name: 'Edit an approved change?' });
  await ask.waitFor();
  await screenshots(page, 'edit-change-approved-confirm');
  await ask.getByRole('button', { name: 'Save and send back for approval' }).click();
  await page.getByText('back to submitted').first().waitFor();
  await page.locator('.object-head .badge', { hasText: 'Submitted' }).waitFor();
  const stored = await api(alice, 'GET', `/api/changes/${id}`);
  assert.equal(stored.body.status, 'submitted');
  assert.equal(stored.body.testPlan, 'Upload and try to delete a test object.');
  await screenshots(page, 'edit-change');
  assert.deepEqual(alice.problems, []);
  await alice.close();
  await bob.close();
});
