// The e2e harness: a fresh `ccm serve --demo` per test file (own port, own data directory), Debian's
// headless Chromium driven by playwright-core, sign-in helpers, XSS tripwires and screenshots.

import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '../../..');
const CCM = process.env.CCM_BIN || path.join(ROOT, 'target/debug/ccm');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const SCREENSHOTS = path.join(ROOT, 'docs/screenshots');

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** Starts `ccm serve --port 0 --data <tmp> --demo`; resolves when it prints its URL. */
export async function startServer() {
  const data = await mkdtemp(path.join(tmpdir(), 'ccm-e2e-'));
  const child = spawn(CCM, ['serve', '--port', '0', '--data', data, '--demo', '--html', path.join(ROOT, 'html')], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn' },
  });
  let log = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ccm serve did not start in 30 s:\n${log}`)), 30000);
    child.stdout.on('data', (b) => {
      log += b;
      const m = /ccm is running: (http:\/\/[^\s]+?)\/?\s/.exec(log);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.stderr.on('data', (b) => { log += b; });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`ccm serve exited with ${code}:\n${log}`)); });
  });
  return {
    url, data, child,
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => { const t = setTimeout(() => { child.kill('SIGKILL'); r(); }, 5000); child.on('exit', () => { clearTimeout(t); r(); }); });
      }
      await rm(data, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  // playwright-core starts Chromium with a fresh temporary profile (--user-data-dir) of its own; the
  // flags keep Chromium off the network, which is closed on CI machines.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  return {
    browser,
    async close() { await browser.close(); },
  };
}

/**
 * A new browser context with XSS tripwires: any `window.__xss` set, any `alert()` and any page error
 * are recorded in `ctx.problems`.
 */
export async function newContext(browser, base, { viewport = DESKTOP, acceptDownloads = true } = {}) {
  const ctx = await browser.newContext({ baseURL: base, viewport, acceptDownloads, timezoneId: 'Europe/Berlin', locale: 'en-GB' });
  ctx.problems = [];
  ctx.visited = [];
  await ctx.addInitScript(() => {
    window.alert = () => { window.__xss = 'alert'; };
  });
  ctx.on('page', (p) => watchPage(ctx, p));
  return ctx;
}

function watchPage(ctx, page) {
  page.on('pageerror', (e) => ctx.problems.push(`page error on ${page.url()}: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource|net::ERR/.test(m.text())) ctx.problems.push(`console error on ${page.url()}: ${m.text()}`); });
  page.on('dialog', (d) => { ctx.problems.push(`native dialog: ${d.message()}`); d.dismiss().catch(() => {}); });
}

/** Signs in through the development sign-in API (the cookie lands in the context). */
export async function signInApi(ctx, email) {
  const r = await ctx.request.post('/auth/dev-login', { data: { email } });
  if (!r.ok()) throw new Error(`sign-in as ${email} failed: ${r.status()} ${await r.text()}`);
  const me = await (await ctx.request.get('/api/me')).json();
  return me;
}

/** Calls the API as the context's user (with the CSRF token). */
export async function api(ctx, method, url, body, headers = {}) {
  const me = await (await ctx.request.get('/api/me')).json();
  const r = await ctx.request.fetch(url, { method, data: body, headers: { 'X-CSRF-Token': me.csrfToken, ...headers } });
  let json = null;
  try { json = await r.json(); } catch { json = null; }
  return { status: r.status(), body: json, etag: r.headers().etag };
}

/**
 * Asserts that no XSS tripwire fired on `page` and records the visit. The CSP alone would stop an
 * inline handler from running, so this also checks that no markup from data reached the DOM: no
 * element carries an on* attribute, no javascript: link, no <img src=x>, <svg> or stray <script>.
 */
export async function assertInert(t, ctx, page) {
  const found = await page.evaluate(() => {
    const all = [...document.querySelectorAll('*')];
    return {
      xss: window.__xss,
      handlers: all.filter((e) => [...e.attributes].some((a) => a.name.startsWith('on'))).map((e) => e.outerHTML.slice(0, 120)),
      jsLinks: [...document.querySelectorAll('a[href]')].filter((a) => /^\s*javascript:/i.test(a.getAttribute('href'))).length,
      injected: document.querySelectorAll('img[src="x"], svg, body script:not([src]), main script, dialog script').length,
    };
  });
  if (found.xss !== undefined) throw new Error(`window.__xss was set on ${page.url()}`);
  if (found.handlers.length || found.jsLinks || found.injected) {
    throw new Error(`markup from data reached the DOM on ${page.url()}: ${JSON.stringify(found)}`);
  }
  ctx.visited.push(page.url());
}

/** Waits until nothing on the page is loading. */
export async function settled(page) {
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'), null, { timeout: 15000 }).catch(() => {});
}

/**
 * Saves a screenshot of `page` at desktop and phone widths: docs/screenshots/<name>-desktop.png,
 * -phone.png. Only with CCM_SCREENSHOTS=1 (`make screenshots`): the tracked files stay untouched by
 * an ordinary test run.
 */
export async function screenshots(page, name) {
  if (process.env.CCM_SCREENSHOTS !== '1') return;
  await mkdir(SCREENSHOTS, { recursive: true });
  const before = page.viewportSize();
  // Toasts are transient; a style override would trip the CSP, so they are simply dismissed.
  await page.evaluate(() => document.querySelectorAll('.toast').forEach((t) => t.remove()));
  for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    await page.setViewportSize(size);
    await settled(page);
    // A page with an open dialog is shot as the screen shows it; otherwise the whole page.
    const dialog = await page.locator('dialog[open]').count();
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${label}.png`), fullPage: !dialog });
  }
  if (before) await page.setViewportSize(before);
}

/** Every outbox message; `ctx` must be signed in as an admin (the outbox shows every customer's mail). */
export async function outbox(ctx) {
  const r = await ctx.request.get('/dev/outbox.json');
  if (!r.ok()) throw new Error(`the outbox answered ${r.status()} (sign the context in as an admin)`);
  return r.json();
}
