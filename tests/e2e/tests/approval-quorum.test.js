// Umbrella's approval policy (config.json) needs two distinct approvers: bob approves on the
// approvals page and the change stays submitted, showing who approved and who is still needed;
// Ursula, of Umbrella's change board, approves second and the change is approved and notified.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, assertInert, launchBrowser, newContext, screenshots, settled, signInApi, startServer } from '../lib/harness.js';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

async function approveOnPage(ctx, id, title) {
  const page = await ctx.newPage();
  await page.goto('/approvals.html?customer=umbrella');
  await settled(page);
  const card = page.locator(`article[data-id="${id}"]`).first();
  await card.waitFor();
  await card.locator('.approval-progress').waitFor();
  await card.getByRole('button', { name: `Approve: ${title}` }).click();
  return { page, card };
}

test('a change for a customer needing two approvers is approved by the second one', async () => {
  const title = `Rotate Umbrella's database credentials ${Date.now()}`;
  const alice = await newContext(browser.browser, server.url);
  await signInApi(alice, 'alice@example.com');
  const day = new Date(Date.now() + 6 * 86400000).toISOString().slice(0, 10);
  const created = await api(alice, 'POST', '/api/changes', {
    changeTitle: title, changeReason: 'Quarterly rotation', implementationPlan: '1. Rotate\n2. Verify', customers: ['umbrella'],
    timezone: 'UTC', implementationBeginDate: day, implementationBeginTime: '08:00', implementationEndDate: day, implementationEndTime: '09:00',
    status: 'submitted',
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.object.changeId;

  const bob = await newContext(browser.browser, server.url);
  await signInApi(bob, 'bob@example.com');
  const first = await approveOnPage(bob, id, title);
  await first.page.locator('.toast', { hasText: 'still needs other approvers' }).waitFor();
  await settled(first.page);
  const progress = first.page.locator(`article[data-id="${id}"] .approval-progress li[data-customer="umbrella"]`).first();
  await progress.locator('.approved-by').waitFor();
  const text = await progress.innerText();
  assert.match(text, /1 of 2 approvals/);
  assert.match(text, /approved by bob@example\.com/);
  assert.match(text, /still needed: 1 from ccm-approvers or umbrella-change-board, not the author's team/);
  assert.equal((await api(bob, 'GET', `/api/changes/${id}`)).body.status, 'submitted');
  await screenshots(first.page, 'approvals-quorum');
  await assertInert(null, bob, first.page);

  // Bob's approval does not count twice: the page says so instead of offering the button.
  const again = await api(bob, 'GET', `/api/approvals/${id}`);
  assert.equal(again.body.canApprove, false);
  assert.match(again.body.cannotApproveReason, /already approved/);

  const ursula = await newContext(browser.browser, server.url);
  await signInApi(ursula, 'ursula@example.com');
  const second = await approveOnPage(ursula, id, title);
  await second.page.locator('.toast', { hasText: `Approved: ${title}` }).waitFor();
  const done = await api(ursula, 'GET', `/api/changes/${id}`);
  assert.equal(done.body.status, 'approved');
  assert.deepEqual(done.body.approvals.map((a) => a.user_id), ['bob@example.com', 'ursula@example.com']);
  const kinds = done.body.modifications.map((m) => m.modification_type).filter((k) => k !== 'processed');
  assert.deepEqual(kinds.slice(-2), ['partially_approved', 'approved']);
  await assertInert(null, ursula, second.page);
  for (const ctx of [alice, bob, ursula]) assert.deepEqual(ctx.problems, []);
});
