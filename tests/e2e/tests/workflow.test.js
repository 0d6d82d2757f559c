// An author creates a change for two customers and submits it; an approver opens the approval e-mail's
// deep link signed out, signs in on the redirect, and approves; the outbox then holds the approval
// requests and the approval notices for both customers' subscribers.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertInert, launchBrowser, newContext, outbox, screenshots, settled, signInApi, startServer } from '../lib/harness.js';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

async function waitForMail(ctx, predicate, what) {
  for (let i = 0; i < 100; i += 1) {
    const list = await outbox(ctx);
    const hits = list.filter(predicate);
    if (hits.length) return { hits, list };
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no outbox message for ${what}`);
}

test('an author submits a change for two customers and an approver approves it from the e-mail link', async () => {
  const title = `Upgrade the shared VPN gateways ${Date.now()}`;
  const alice = await newContext(browser.browser, server.url);
  await signInApi(alice, 'alice@example.com');
  const page = await alice.newPage();
  await page.goto('/create-change.html');
  await settled(page);
  await page.getByLabel('Title *').fill(title);
  await page.getByLabel('Reason for the change *').fill('The gateways reach end of support next month.');
  await page.getByLabel('Implementation plan *').fill('1. Drain\n2. Upgrade\n3. Verify');
  await page.getByLabel('Filter customers').fill('corp');
  await page.getByLabel(/Acme Corporation/).check();
  await page.getByLabel(/Globex Corporation/).check();
  await page.getByLabel('Filter customers').fill('');
  await page.getByLabel('Time zone', { exact: true }).selectOption('Asia/Tokyo');
  await screenshots(page, 'create-change');
  await page.getByRole('button', { name: 'Submit for approval' }).click();
  const result = page.locator('#result');
  await result.getByRole('heading', { name: 'Submitted for approval' }).waitFor();
  const results = await result.locator('.trigger-list li').allTextContents();
  assert.equal(results.length, 2);
  assert.ok(results.some((r) => r.includes('acme') && r.includes('queued')), results.join('|'));
  assert.ok(results.some((r) => r.includes('globex') && r.includes('queued')), results.join('|'));
  const id = (await result.locator('code').first().textContent()).trim();
  assert.match(id, /^CHG-/);
  await assertInert(null, alice, page);

  // The approval request went to each customer's aws-approval subscribers, with the deep link. The
  // outbox is for admins only: carol reads it.
  const carol = await newContext(browser.browser, server.url);
  await signInApi(carol, 'carol@example.com');
  const requests = {};
  for (const customer of ['acme', 'globex']) {
    const { hits } = await waitForMail(carol, (m) => m.customer === customer && m.topic === 'aws-approval' && m.subject.includes(title), `${customer} approval request`);
    requests[customer] = hits;
    const to = hits.map((m) => m.to);
    assert.ok(to.includes('bob@example.com') && to.includes(`security@${customer}.example.com`), to.join(','));
  }
  assert.equal((await alice.request.get('/dev/outbox.json')).status(), 403, 'an author cannot read the outbox');
  const mail = await (await carol.request.get(`/dev/outbox/acme/${requests.acme[0].file}`)).text();
  const link = /href="([^"]*\/approvals\.html\?[^"]*)"/.exec(mail);
  assert.ok(link, 'the approval e-mail links to the approvals page');
  const deep = new URL(link[1].replaceAll('&amp;', '&'));
  assert.equal(deep.searchParams.get('customerCode'), 'acme');
  assert.equal(deep.searchParams.get('objectId'), id);

  // Bob opens the link signed out, signs in on the redirect and lands on the item.
  const bob = await newContext(browser.browser, server.url);
  const bp = await bob.newPage();
  await bp.goto(`${deep.pathname}${deep.search}`);
  await bp.waitForURL(/\/auth\/dev-login\?return=/);
  await bp.getByRole('button', { name: /Sign in as Bob/ }).click();
  await bp.waitForURL((u) => u.pathname === '/approvals.html' && u.searchParams.get('objectId') === id);
  const dialog = bp.getByRole('dialog');
  await dialog.getByRole('heading', { name: title }).waitFor();
  assert.equal(await bp.locator('#f-customer').inputValue(), 'acme');
  await settled(bp);
  await screenshots(bp, 'approvals-deep-link');
  await dialog.getByRole('button', { name: 'Approve' }).click();
  await dialog.locator('.meta .badge', { hasText: 'Approved' }).waitFor();
  await assertInert(null, bob, bp);

  // The approval notice reached both customers' aws-announce subscribers (not those who opted out).
  for (const customer of ['acme', 'globex']) {
    const { hits } = await waitForMail(carol, (m) => m.customer === customer && m.topic === 'aws-announce' && m.subject.includes(title), `${customer} approved notice`);
    const to = hits.map((m) => m.to);
    assert.ok(to.includes(`ops@${customer}.example.com`), to.join(','));
    assert.ok(!to.includes('bob@example.com') && !to.includes(`finance@${customer}.example.com`), `opted-out recipients got mail: ${to}`);
  }
  await dialog.getByRole('button', { name: 'Close dialog' }).click();
  await settled(bp);
  await screenshots(bp, 'approvals');
  assert.deepEqual([...alice.problems, ...bob.problems], []);
  await alice.close();
  await bob.close();
  await carol.close();
});
