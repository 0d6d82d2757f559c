// The per-status actions on My changes, each checked through the API afterwards: an approver completes
// an approved change; an author cancels a submitted change and then deletes the cancelled one (both
// behind a confirm dialog); an author duplicates a completed change and lands on a new draft's edit page.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, assertInert, launchBrowser, newContext, settled, signInApi, startServer } from '../lib/harness.js';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

/** Creates a submitted change as the context's user; answers its id. */
async function submittedChange(ctx, title, customers = ['acme']) {
  const day = new Date(Date.now() + 8 * 86400000).toISOString().slice(0, 10);
  const created = await api(ctx, 'POST', '/api/changes', {
    changeTitle: title, changeReason: 'Keeps the platform supported.', implementationPlan: '1. Apply\n2. Verify', customers,
    timezone: 'UTC', implementationBeginDate: day, implementationBeginTime: '08:00', implementationEndDate: day, implementationEndTime: '09:00',
    status: 'submitted',
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.object.changeId;
  assert.equal(created.body.object.status, 'submitted');
  return id;
}

/**
 * Runs a workflow action through the API (with the current ETag) and checks it went through. The
 * background processor records its notifications on the object too, which changes the ETag, so a 409
 * is retried with a fresh one.
 */
async function act(ctx, id, action) {
  let r;
  for (let i = 0; i < 20; i += 1) {
    const current = await api(ctx, 'GET', `/api/changes/${id}`);
    r = await api(ctx, 'POST', `/api/changes/${id}/${action}`, {}, { 'If-Match': current.etag });
    if (r.status !== 409) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.ok(r.status >= 200 && r.status < 300, `${action} ${id}: ${r.status} ${JSON.stringify(r.body)}`);
  return r;
}

/**
 * Waits until the processor has finished with `id` (its ETag stays the same for a while), so that an
 * action in the UI does not race the processor's notes and meet a 409.
 */
async function quiet(ctx, id) {
  let last = null;
  let same = 0;
  for (let i = 0; i < 60 && same < 3; i += 1) {
    const { etag } = await api(ctx, 'GET', `/api/changes/${id}`);
    same = etag === last ? same + 1 : 0;
    last = etag;
    await new Promise((res) => setTimeout(res, 150));
  }
}

/** Opens My changes on a status tab and waits for the card of `id`. */
async function openMyChanges(page, status, id) {
  await page.goto(`/my-changes.html?status=${status}`);
  await settled(page);
  const card = page.locator(`article[data-id="${id}"]`);
  await card.waitFor();
  return card;
}

test('an approver completes an approved change from My changes', async () => {
  const title = `Patch the bastion hosts ${Date.now()}`;
  // Carol (an admin, so also an approver) submits it; Bob approves it (no self-approval). Bob has
  // the approver role only and creates nothing, so his My changes stays empty: Carol completes it.
  const carol = await newContext(browser.browser, server.url);
  await signInApi(carol, 'carol@example.com');
  const id = await submittedChange(carol, title, ['acme', 'globex']);
  const bob = await newContext(browser.browser, server.url);
  await signInApi(bob, 'bob@example.com');
  await act(bob, id, 'approve');
  await quiet(carol, id);

  const page = await carol.newPage();
  const card = await openMyChanges(page, 'approved', id);
  await card.locator('.badge', { hasText: 'Approved' }).waitFor();
  await assertInert(null, carol, page);
  await card.getByRole('button', { name: `Complete: ${title}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Mark as completed?' });
  await dialog.waitFor();
  assert.ok((await dialog.textContent()).includes(title));
  await assertInert(null, carol, page);
  await dialog.getByRole('button', { name: 'Complete it' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.locator('.toast', { hasText: `Completed: ${title}` }).waitFor();
  // The Approved tab no longer lists it; the Completed tab does.
  await card.waitFor({ state: 'detached' });
  await page.getByRole('tab', { name: /Completed/ }).click();
  await page.locator(`article[data-id="${id}"] .badge`, { hasText: 'Completed' }).waitFor();
  await assertInert(null, carol, page);

  const stored = await api(carol, 'GET', `/api/changes/${id}`);
  assert.equal(stored.status, 200);
  assert.equal(stored.body.status, 'completed');
  assert.equal(stored.body.completedBy, 'carol@example.com');
  assert.equal(stored.body.approvedBy, 'bob@example.com');
  assert.ok(stored.body.modifications.some((m) => m.modification_type === 'completed' && m.user_id === 'carol@example.com'),
    JSON.stringify(stored.body.modifications));
  assert.deepEqual([...carol.problems, ...bob.problems], []);
  await carol.close();
  await bob.close();
});

test('an author cancels a submitted change and then deletes it, confirming both', async () => {
  const title = `Retire the legacy SFTP endpoint ${Date.now()}`;
  const alice = await newContext(browser.browser, server.url);
  await signInApi(alice, 'alice@example.com');
  const id = await submittedChange(alice, title);
  await quiet(alice, id);

  const page = await alice.newPage();
  const card = await openMyChanges(page, 'submitted', id);
  await assertInert(null, alice, page);
  // Going back from the confirm dialog changes nothing.
  await card.getByRole('button', { name: `Cancel: ${title}` }).click();
  let dialog = page.getByRole('dialog', { name: 'Cancel this item?' });
  await dialog.waitFor();
  assert.ok((await dialog.textContent()).includes(title));
  await dialog.getByRole('button', { name: 'Go back' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal((await api(alice, 'GET', `/api/changes/${id}`)).body.status, 'submitted');

  await card.getByRole('button', { name: `Cancel: ${title}` }).click();
  dialog = page.getByRole('dialog', { name: 'Cancel this item?' });
  await dialog.waitFor();
  await assertInert(null, alice, page);
  await dialog.getByRole('button', { name: 'Cancel it' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.locator('.toast', { hasText: `Cancelled: ${title}` }).waitFor();
  await card.waitFor({ state: 'detached' });
  const cancelled = await api(alice, 'GET', `/api/changes/${id}`);
  assert.equal(cancelled.body.status, 'cancelled');
  assert.equal(cancelled.body.cancelledBy, 'alice@example.com');
  await quiet(alice, id);

  // The Cancelled tab lists it, with Delete.
  await page.getByRole('tab', { name: /Cancelled/ }).click();
  const again = page.locator(`article[data-id="${id}"]`);
  await again.locator('.badge', { hasText: 'Cancelled' }).waitFor();
  await assertInert(null, alice, page);
  await again.getByRole('button', { name: `Delete: ${title}` }).click();
  dialog = page.getByRole('dialog', { name: 'Delete this item?' });
  await dialog.waitFor();
  assert.ok((await dialog.textContent()).includes(title));
  await dialog.getByRole('button', { name: 'Delete it' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.locator('.toast', { hasText: `Deleted: ${title}` }).waitFor();
  await again.waitFor({ state: 'detached' });
  await settled(page);
  // Gone from every tab of the list, and from the API.
  await page.goto('/my-changes.html');
  await settled(page);
  assert.equal(await page.locator(`article[data-id="${id}"]`).count(), 0);
  await assertInert(null, alice, page);
  const gone = await api(alice, 'GET', `/api/changes/${id}`);
  assert.equal(gone.status, 404);
  assert.deepEqual(alice.problems, []);
  await alice.close();
});

test('an author duplicates a completed change and lands on the edit page of a new draft', async () => {
  const title = `Enable S3 Block Public Access ${Date.now()}`;
  const alice = await newContext(browser.browser, server.url);
  await signInApi(alice, 'alice@example.com');
  const bob = await newContext(browser.browser, server.url);
  await signInApi(bob, 'bob@example.com');
  const id = await submittedChange(alice, title, ['acme', 'initech']);
  await act(bob, id, 'approve');
  await act(alice, id, 'complete');
  await quiet(alice, id);
  const original = await api(alice, 'GET', `/api/changes/${id}`);
  assert.equal(original.body.status, 'completed');

  const page = await alice.newPage();
  const card = await openMyChanges(page, 'completed', id);
  await assertInert(null, alice, page);
  // A completed change offers Duplicate, and neither Edit nor Delete.
  assert.equal(await card.getByRole('button', { name: `Edit: ${title}` }).count(), 0);
  assert.equal(await card.getByRole('button', { name: `Delete: ${title}` }).count(), 0);
  await card.getByRole('button', { name: `Duplicate: ${title}` }).click();
  await page.waitForURL((u) => u.pathname === '/edit-change.html' && u.searchParams.get('changeId') !== id);
  const copyId = new URL(page.url()).searchParams.get('changeId');
  assert.match(copyId, /^CHG-/);
  assert.notEqual(copyId, id);
  await settled(page);
  assert.ok((await page.getByLabel('Title *').inputValue()).includes(title));
  assert.equal(await page.getByLabel(/Acme/).isChecked(), true);
  assert.equal(await page.getByLabel(/Initech/).isChecked(), true);
  await assertInert(null, alice, page);

  const copy = await api(alice, 'GET', `/api/changes/${copyId}`);
  assert.equal(copy.status, 200);
  assert.equal(copy.body.changeId, copyId);
  assert.equal(copy.body.status, 'draft');
  assert.equal(copy.body.version, 1);
  assert.equal(copy.body.createdBy, 'alice@example.com');
  assert.deepEqual([...copy.body.customers].sort(), ['acme', 'initech']);
  for (const k of ['submittedBy', 'approvedBy', 'completedBy', 'cancelledBy']) assert.equal(copy.body[k], undefined, k);
  // A fresh history: only its own creation, none of the original's submit/approve/complete.
  assert.equal(copy.body.modifications.length, 1, JSON.stringify(copy.body.modifications));
  assert.equal(copy.body.modifications[0].modification_type, 'created');
  assert.equal(copy.body.modifications[0].user_id, 'alice@example.com');
  // The original is untouched.
  const still = await api(alice, 'GET', `/api/changes/${id}`);
  assert.equal(still.body.status, 'completed');
  assert.equal(still.body.version, original.body.version);
  // The draft is listed under My changes → Draft.
  await page.goto('/my-changes.html?status=draft');
  await page.locator(`article[data-id="${copyId}"] .badge`, { hasText: 'Draft' }).waitFor();
  await assertInert(null, alice, page);
  assert.deepEqual([...alice.problems, ...bob.problems], []);
  await alice.close();
  await bob.close();
});
