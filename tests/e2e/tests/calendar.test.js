// The change calendar: an admin creates a blackout window in the portal; an author sees her changes
// in the month, week and list views (with the blackout shaded and named), filters them, opens one
// with the keyboard, and submits a draft through the blackout with an override reason; on a phone
// the calendar is a readable list; the subscribable feed answers without a session.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PHONE, api, assertInert, launchBrowser, newContext, outbox, screenshots, settled, signInApi, startServer } from '../lib/harness.js';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

const DAY = new Date(Date.now() + 10 * 86400000).toISOString().slice(0, 10);

async function change(ctx, title, customers, start, end, status) {
  const r = await api(ctx, 'POST', '/api/changes', {
    changeTitle: title, changeReason: 'Keeps the platform supported.', implementationPlan: '1. Apply\n2. Verify', customers,
    timezone: 'UTC', implementationBeginDate: DAY, implementationBeginTime: start, implementationEndDate: DAY, implementationEndTime: end, status,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.object.changeId;
}

test('the calendar shows windows and blackouts in three views, opens entries and asks for an override reason', async () => {
  const stamp = Date.now();
  const carol = await newContext(browser.browser, server.url);
  await signInApi(carol, 'carol@example.com');
  const admin = await carol.newPage();
  await admin.goto('/blackouts.html');
  await settled(admin);
  await admin.getByRole('button', { name: 'New blackout window' }).click();
  await admin.getByLabel('Name').fill(`Audit freeze ${stamp}`);
  await admin.getByLabel(/^Reason/).fill('External auditors on site');
  await admin.getByLabel('Acme Corporation').check();
  await admin.getByLabel('Repeats').selectOption('once');
  await admin.getByLabel('Time zone').selectOption('UTC');
  await admin.getByLabel('Starts (local time)').fill(`${DAY}T12:00`);
  await admin.getByLabel('Ends (local time)').fill(`${DAY}T18:00`);
  await admin.locator('#blackout-save').click();
  await admin.locator('.blackout-list article', { hasText: `Audit freeze ${stamp}` }).waitFor();
  await assertInert(null, carol, admin);

  const alice = await newContext(browser.browser, server.url);
  await signInApi(alice, 'alice@example.com');
  const early = await change(alice, `Morning patch ${stamp}`, ['acme'], '08:00', '09:00', 'submitted');
  const late = await change(alice, `Afternoon patch ${stamp}`, ['acme'], '13:00', '14:00', 'draft');
  const other = await change(alice, `Globex patch ${stamp}`, ['globex'], '08:30', '09:30', 'submitted');

  const page = await alice.newPage();
  await page.goto(`/calendar.html?view=month&date=${DAY}`);
  await settled(page);
  const cell = page.locator(`td[data-day="${DAY}"]`);
  await cell.locator(`[data-id="${early}"]`).waitFor();
  assert.equal(await cell.locator(`[data-id="${late}"]`).count(), 1, 'her own draft is on her calendar');
  assert.match(await cell.getAttribute('class'), /cal-blackout/);
  assert.match(await cell.innerText(), new RegExp(`Blackout: Audit freeze ${stamp}`));
  await assertInert(null, alice, page);
  await screenshots(page, 'calendar-month');

  // The filter by customer leaves out the other customer's change.
  assert.equal(await cell.locator(`[data-id="${other}"]`).count(), 1);
  await page.getByLabel('Customer').selectOption('acme');
  await settled(page);
  await cell.locator(`[data-id="${early}"]`).waitFor();
  assert.equal(await page.locator(`td[data-day="${DAY}"] [data-id="${other}"]`).count(), 0);
  await page.getByLabel('Status').selectOption('submitted');
  await settled(page);
  assert.equal(await page.locator(`td[data-day="${DAY}"] [data-id="${late}"]`).count(), 0, 'status filter');
  await page.getByLabel('Status').selectOption('');
  await settled(page);

  // Week and list views show the same entries.
  await page.getByRole('button', { name: 'Week', exact: true }).click();
  await settled(page);
  assert.equal(await page.locator(`table.cal-week [data-id="${early}"]`).count(), 1);
  await page.getByRole('button', { name: 'List', exact: true }).click();
  await settled(page);
  assert.equal(await page.locator(`.cal-list [data-id="${early}"]`).count(), 1);
  assert.match(await page.locator(`.cal-list li[data-day="${DAY}"]`).innerText(), /Blackout: Audit freeze/);
  await screenshots(page, 'calendar-list');

  // An entry opens with the keyboard, and its dialog gives focus back when closed.
  const entry = page.locator(`.cal-list [data-id="${late}"]`);
  await entry.focus();
  await page.keyboard.press('Enter');
  const dialog = page.locator('dialog[open]');
  await dialog.getByRole('heading', { name: new RegExp(`Afternoon patch ${stamp}`) }).waitFor();
  await dialog.getByRole('button', { name: 'Submit' }).click();
  // The draft's window is in the blackout: the portal asks why it must go ahead.
  const override = page.locator('dialog[open]', { hasText: 'falls in a blackout window' });
  await override.waitFor();
  assert.match(await override.innerText(), new RegExp(`Audit freeze ${stamp}`));
  await override.locator('#override-confirm').click();
  await override.getByText('Give a reason to go ahead.').waitFor();
  await override.getByLabel(/Why must it go ahead/).fill('The auditors asked for this patch');
  await override.locator('#override-confirm').click();
  await page.locator('.toast', { hasText: 'Submitted' }).first().waitFor();
  const submitted = await api(alice, 'GET', `/api/changes/${late}`);
  assert.equal(submitted.body.status, 'submitted');
  assert.equal(submitted.body.blackout_overrides[0].reason, 'The auditors asked for this patch');
  // The approval request shows the override to the approvers (the outbox is for admins: carol).
  let mail;
  for (let i = 0; i < 100 && !mail; i += 1) {
    mail = (await outbox(carol)).find((m) => m.customer === 'acme' && m.topic === 'aws-approval' && m.subject.includes(`Afternoon patch ${stamp}`));
    if (!mail) await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(mail, 'the approval request was sent');
  const html = await (await carol.request.get(`/dev/outbox/acme/${encodeURIComponent(mail.file)}`)).text();
  assert.match(html, /Blackout override:/);
  assert.match(html, /The auditors asked for this patch/);
  assert.match(html, new RegExp(`Audit freeze ${stamp}`));
  await page.keyboard.press('Escape');
  await assertInert(null, alice, page);

  // The feed URL works without a session and holds the change.
  await page.getByText('Subscribe in your calendar app').click();
  const mine = page.locator('#feed-mine');
  await mine.waitFor();
  const url = await mine.inputValue();
  const feed = await fetch(url.replace(/^https?:\/\/[^/]+/, server.url));
  assert.equal(feed.status, 200);
  assert.match(feed.headers.get('content-type'), /^text\/calendar/);
  const text = await feed.text();
  assert.ok(text.includes(`UID:${early}@ccm`), text.slice(0, 400));
  assert.deepEqual(alice.problems, []);
  assert.deepEqual(carol.problems, []);
});

test('on a phone the calendar is a list of days that fits the screen', async () => {
  const alice = await newContext(browser.browser, server.url, { viewport: PHONE });
  await signInApi(alice, 'alice@example.com');
  const id = await change(alice, `Phone check ${Date.now()}`, ['initech'], '08:00', '09:00', 'submitted');
  const page = await alice.newPage();
  await page.goto(`/calendar.html?date=${DAY}`);
  await settled(page);
  assert.equal(await page.getByRole('button', { name: 'List', exact: true }).getAttribute('aria-pressed'), 'true', 'a phone starts on the list');
  await page.locator(`.cal-list [data-id="${id}"]`).waitFor();
  const box = await page.locator(`.cal-list [data-id="${id}"]`).boundingBox();
  assert.ok(box.height >= 36, `entries are large enough to tap (${box.height}px)`);
  await page.getByRole('button', { name: 'Month', exact: true }).click();
  await settled(page);
  await page.locator(`td[data-day="${DAY}"] [data-id="${id}"]`).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `no sideways scrolling (${overflow}px too wide)`);
  assert.ok(await page.locator(`td[data-day="${DAY}"] .cal-date-long`).isVisible(), 'each day is named in full');
  await assertInert(null, alice, page);
  assert.deepEqual(alice.problems, []);
});
