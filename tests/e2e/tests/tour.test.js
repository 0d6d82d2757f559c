// The frame every page shares: dashboard, navigation at phone width, the session-expiry notice that
// returns to the same page, and keyboard use of dialogs (focus stays inside, Esc closes, focus returns).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PHONE, assertInert, launchBrowser, newContext, screenshots, settled, signInApi, startServer } from '../lib/harness.js';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('the dashboard shows counts, upcoming windows, recent changes and quick actions', async () => {
  const ctx = await newContext(browser.browser, server.url);
  await signInApi(ctx, 'alice@example.com');
  const page = await ctx.newPage();
  await page.goto('/');
  await settled(page);
  const header = await page.locator('#top').textContent();
  assert.ok(header.includes('Alice Author') && header.includes('author') && header.includes('Sign out'), header);
  const stats = await (await ctx.request.get('/api/statistics')).json();
  const mine = page.locator('.stat-cards').first();
  assert.equal(await mine.locator('a[href="/my-changes.html?status=draft"] .n').textContent(), String(stats.mine.draft));
  assert.ok(await page.locator('section', { has: page.getByRole('heading', { name: 'Upcoming implementation windows' }) }).locator('article').count() >= 1);
  assert.ok(await page.locator('section', { has: page.getByRole('heading', { name: 'Recently changed' }) }).locator('article').count() >= 5);
  await page.getByRole('link', { name: 'Create a change' }).waitFor();
  await screenshots(page, 'dashboard');
  await assertInert(null, ctx, page);
  assert.deepEqual(ctx.problems, []);
  await ctx.close();
});

test('at phone width the navigation opens from the menu button', async () => {
  const ctx = await newContext(browser.browser, server.url, { viewport: PHONE });
  await signInApi(ctx, 'bob@example.com');
  const page = await ctx.newPage();
  await page.goto('/approvals.html');
  await settled(page);
  const menu = page.getByRole('button', { name: 'Menu' });
  assert.equal(await menu.getAttribute('aria-expanded'), 'false');
  assert.equal(await page.getByRole('link', { name: 'Search' }).isVisible(), false);
  await menu.click();
  assert.equal(await menu.getAttribute('aria-expanded'), 'true');
  await page.getByRole('link', { name: 'Search' }).click();
  await page.waitForURL(/search-changes\.html/);
  // No horizontal scrolling of the page itself at 390 px.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
  assert.deepEqual(ctx.problems, []);
  await ctx.close();
});

test('before the session ends a notice offers to stay signed in or sign in again and come back', async () => {
  const ctx = await newContext(browser.browser, server.url);
  await signInApi(ctx, 'alice@example.com');
  const page = await ctx.newPage();
  await page.clock.install();
  await page.goto('/my-changes.html?status=submitted');
  await settled(page);
  const notice = page.locator('#session-notice');
  assert.equal(await notice.isVisible(), false);
  await page.clock.fastForward('56:00');
  await notice.getByText('Your session ends at').waitFor();
  const link = notice.getByRole('link', { name: 'Sign in again' });
  assert.equal(await link.getAttribute('href'), `/auth/login?return=${encodeURIComponent('/my-changes.html?status=submitted')}`);
  await notice.getByRole('button', { name: 'Stay signed in' }).click();
  await notice.waitFor({ state: 'hidden' });
  // Following the link signs in again and lands on the same page.
  await page.clock.fastForward('56:00');
  await link.click();
  await page.getByRole('button', { name: /Sign in as Alice/ }).click();
  await page.waitForURL((u) => u.pathname === '/my-changes.html' && u.searchParams.get('status') === 'submitted');
  assert.deepEqual(ctx.problems, []);
  await ctx.close();
});

test('dialogs keep keyboard focus inside, close on Escape and give focus back', async () => {
  const ctx = await newContext(browser.browser, server.url);
  await signInApi(ctx, 'bob@example.com');
  const page = await ctx.newPage();
  await page.goto('/approvals.html');
  await settled(page);
  const opener = page.locator('article button.title').first();
  await opener.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Approve' }).waitFor();
  for (let i = 0; i < 12; i += 1) {
    await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => Boolean(document.activeElement.closest('dialog'))), `focus left the dialog after ${i + 1} tabs`);
  }
  await page.keyboard.press('Shift+Tab');
  assert.ok(await page.evaluate(() => Boolean(document.activeElement.closest('dialog'))));
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.ok(await opener.evaluate((n) => n === document.activeElement), 'focus returns to the button that opened the dialog');
  assert.deepEqual(ctx.problems, []);
  await ctx.close();
});
