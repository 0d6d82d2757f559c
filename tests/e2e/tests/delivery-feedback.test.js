// Delivery feedback in the portal: a change approved for umbrella (whose demo contacts include SES's
// mailbox simulator addresses) shows, on its page, umbrella's sent / delivered / bounced / complained
// counts; Ursula, bound to umbrella, sees the bounced address masked, never in full.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, assertInert, launchBrowser, newContext, screenshots, settled, signInApi, startServer } from '../lib/harness.js';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('a customer-scoped user sees the delivery counts and a masked bounced address on the change page', async () => {
  const alice = await newContext(browser.browser, server.url);
  await signInApi(alice, 'alice@example.com');
  const day = new Date(Date.now() + 4 * 86400000).toISOString().slice(0, 10);
  const created = await api(alice, 'POST', '/api/changes', {
    changeTitle: `Feedback loop ${Date.now()}`, changeReason: 'Test', implementationPlan: 'Do it', customers: ['umbrella'],
    timezone: 'UTC', implementationBeginDate: day, implementationBeginTime: '08:00', implementationEndDate: day, implementationEndTime: '09:00',
    status: 'submitted',
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.object.changeId;
  const bob = await newContext(browser.browser, server.url);
  await signInApi(bob, 'bob@example.com');
  const ursula = await newContext(browser.browser, server.url);
  await signInApi(ursula, 'ursula@example.com');
  // Umbrella's policy wants two approvers: one from ccm-approvers, one from its change board.
  for (const ctx of [bob, ursula]) {
    const r = await api(ctx, 'POST', `/api/changes/${id}/approve`, {});
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }

  // The processor and the simulator work in the background: wait until both bounces and both
  // complaints are in and three reads in a row agree (deliveries of the other sends still arrive).
  let row;
  let same = 0;
  let previous;
  for (let i = 0; i < 150 && same < 2; i += 1) {
    const r = await api(ursula, 'GET', `/api/changes/${id}/deliveries`);
    row = (r.body.customers || []).find((c) => c.customer === 'umbrella');
    const current = row && row.bounced === 2 && row.complained === 2 ? JSON.stringify(row) : undefined;
    same = current !== undefined && current === previous ? same + 1 : 0;
    previous = current;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.equal(row?.bounced, 2, JSON.stringify(row));

  const page = await ursula.newPage();
  await page.goto(`/edit-change.html?changeId=${id}`);
  await settled(page);
  const tr = page.locator('.deliveries-table tr[data-customer="umbrella"]');
  await tr.waitFor();
  assert.equal(await tr.locator('td.sent').innerText(), String(row.sent));
  assert.equal(await tr.locator('td.delivered').innerText(), String(row.delivered));
  assert.equal(await tr.locator('td.bounced').innerText(), '2');
  assert.equal(await tr.locator('td.complained').innerText(), '2');
  assert.match(await tr.locator('.bounced-addresses').innerText(), /b\*\*\*@simulator\.amazonses\.com/);
  assert.match(await tr.locator('.complained-addresses').innerText(), /c\*\*\*@simulator\.amazonses\.com/);
  assert.ok(!(await page.textContent('main')).includes('bounce@simulator.amazonses.com'), 'the address is never shown in full');
  await screenshots(page, 'deliveries');
  await assertInert(null, ursula, page);
});
