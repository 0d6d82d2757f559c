// Search with pagination, CSV export (the downloaded file is read back) and saved searches; an
// announcement whose attachments are really uploaded and downloadable.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, assertInert, launchBrowser, newContext, screenshots, settled, signInApi, startServer } from '../lib/harness.js';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

/** A minimal CSV reader (quoted cells, doubled quotes, CRLF). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  const src = text.replace(/^\ufeff/, '');
  for (let i = 0; i < src.length; i += 1) {
    const c = src[i];
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') { cell += '"'; i += 1; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\n') { row.push(cell.replace(/\r$/, '')); rows.push(row); row = []; cell = ''; }
    else cell += c;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

test('search pages through results, exports them as CSV and keeps saved searches', async () => {
  const ctx = await newContext(browser.browser, server.url);
  await signInApi(ctx, 'alice@example.com');
  const titles = [];
  for (let i = 0; i < 28; i += 1) titles.push(`Bulk change ${String(i).padStart(2, '0')}`);
  titles.push('Bulk change, with "quotes"', '=Bulk change formula');
  for (const t of titles) {
    const r = await api(ctx, 'POST', '/api/changes', { changeTitle: t, customers: ['stark'] });
    assert.equal(r.status, 201);
  }
  const page = await ctx.newPage();
  await page.goto('/search-changes.html');
  await settled(page);
  await page.getByLabel('Search for').fill('bulk change');
  await page.getByRole('checkbox', { name: 'Draft' }).check();
  await page.getByLabel('Sort by').selectOption('title');
  await page.getByLabel('Order').selectOption('asc');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.locator('#result-count', { hasText: '30 results · page 1 of 2' }).waitFor();
  assert.equal(await page.locator('table.results tbody tr').count(), 25);
  assert.match(page.url(), /q=bulk\+change/);
  await screenshots(page, 'search-changes');
  await page.getByRole('button', { name: 'Next →' }).click();
  await page.locator('#result-count', { hasText: 'page 2 of 2' }).waitFor();
  assert.equal(await page.locator('table.results tbody tr').count(), 5);
  await page.getByRole('button', { name: '← Previous' }).click();
  await page.locator('#result-count', { hasText: 'page 1 of 2' }).waitFor();

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
  assert.match(download.suggestedFilename(), /^ccm-search-\d{12}\.csv$/);
  const rows = parseCsv(await readFile(await download.path(), 'utf8'));
  const [head, ...data] = rows;
  assert.deepEqual(head.slice(0, 4), ['ID', 'Type', 'Status', 'Title']);
  assert.equal(data.length, 30, 'every result, not only the first page');
  const got = data.map((r) => r[3]).sort();
  const want = titles.map((t) => (t.startsWith('=') ? `'${t}` : t)).sort();
  assert.deepEqual(got, want);
  assert.ok(data.every((r) => r[1] === 'change' && r[2] === 'draft' && r[5] === 'stark' && r[0].startsWith('CHG-')));
  await page.locator('[role="status"]', { hasText: 'Exported 30 rows.' }).waitFor();

  // Saved searches live on the server, per user.
  await page.getByLabel('Name', { exact: true }).fill('Bulk drafts');
  await page.getByRole('button', { name: 'Save current search' }).click();
  await page.getByRole('button', { name: 'Bulk drafts', exact: true }).waitFor();
  const stored = await api(ctx, 'GET', '/api/saved-searches');
  assert.equal(stored.body.items[0].name, 'Bulk drafts');
  assert.equal(stored.body.items[0].query.q, 'bulk change');
  await page.goto('/search-changes.html');
  await settled(page);
  await page.getByRole('button', { name: 'Bulk drafts', exact: true }).click();
  await page.locator('#result-count', { hasText: '30 results' }).waitFor();
  assert.equal(await page.getByLabel('Search for').inputValue(), 'bulk change');
  await assertInert(null, ctx, page);
  assert.deepEqual(ctx.problems, []);
  await ctx.close();
});

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

test('an announcement is created with attachments that are really uploaded and can be downloaded', async () => {
  const ctx = await newContext(browser.browser, server.url);
  await signInApi(ctx, 'alice@example.com');
  const page = await ctx.newPage();
  await page.goto('/create-announcement.html');
  await settled(page);
  await page.getByLabel(/FinOps/).check();
  await page.getByLabel('Title *').fill('Reserved Instances expire in March');
  await page.getByLabel('Summary *').fill('Renew or convert before 31 March.');
  await page.getByLabel('Content').fill('Details in the attached notes.');
  await page.getByLabel(/Acme Corporation/).check();
  await page.getByLabel(/Globex Corporation/).check();
  const files = page.getByLabel('Add files');
  // Playwright refuses buffers over 50 MB, so the oversized file is a (sparse) file on disk.
  const dir = await mkdtemp(join(tmpdir(), 'ccm-e2e-'));
  const huge = join(dir, 'huge.pdf');
  await writeFile(huge, '');
  await truncate(huge, 50 * 1024 * 1024 + 1);
  await files.setInputFiles(huge);
  await page.getByText('the limit is 50 MB').waitFor();
  await rm(dir, { recursive: true, force: true });
  await files.setInputFiles({ name: 'run.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ') });
  await page.getByText('only PDF, PNG').waitFor();
  const notes = 'Reserved Instances:\n- r6g.large x 12\n- m7i.xlarge x 4\n';
  await files.setInputFiles([
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from(notes) },
    { name: 'chart.png', mimeType: 'image/png', buffer: PNG },
  ]);
  await page.locator('.attachment-list li', { hasText: 'notes.txt' }).waitFor();
  assert.equal(await page.locator('.attachment-list li').count(), 2);
  await screenshots(page, 'create-announcement');
  await page.getByRole('button', { name: 'Submit for approval' }).click();
  await page.getByRole('heading', { name: 'Submitted for approval' }).waitFor();
  const id = (await page.locator('#result code').first().textContent()).trim();
  assert.match(id, /^FIN-/);
  assert.equal(await page.locator('#result .trigger-list li').count(), 2);

  const stored = await api(ctx, 'GET', `/api/announcements/${id}`);
  assert.equal(stored.body.status, 'submitted');
  const att = Object.fromEntries(stored.body.attachments.map((a) => [a.name, a]));
  assert.equal(att['notes.txt'].size, Buffer.byteLength(notes));
  assert.equal(att['chart.png'].size, PNG.length);

  // Downloadable from the edit page (a real download of the stored bytes)…
  await page.goto(`/edit-announcement.html?announcementId=${id}`);
  await settled(page);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'notes.txt' }).click()]);
  assert.equal(await readFile(await dl.path(), 'utf8'), notes);
  const png = await ctx.request.get(`/api/announcements/${id}/attachments/chart.png`);
  assert.equal(png.status(), 200);
  assert.deepEqual(Buffer.from(await png.body()), PNG);
  // …and one more added and removed on the edit page.
  await page.getByLabel('Add files').setInputFiles({ name: 'extra.csv', mimeType: 'text/csv', buffer: Buffer.from('a,b\n1,2\n') });
  await page.locator('.attachment-list li', { hasText: 'extra.csv' }).waitFor();
  await page.getByRole('button', { name: 'Remove extra.csv' }).click();
  await page.getByRole('dialog', { name: 'Remove this attachment?' }).getByRole('button', { name: 'Remove' }).click();
  await page.locator('.attachment-list li', { hasText: 'extra.csv' }).waitFor({ state: 'detached' });
  await screenshots(page, 'edit-announcement');
  const after = await api(ctx, 'GET', `/api/announcements/${id}`);
  assert.deepEqual(after.body.attachments.map((a) => a.name).sort(), ['chart.png', 'notes.txt']);

  // The list shows it with its type; the details dialog links the attachments.
  await page.goto('/announcements.html?type=finops');
  await settled(page);
  await page.locator(`article[data-id="${id}"] button.title`).click();
  await page.getByRole('dialog').getByRole('link', { name: 'chart.png' }).waitFor();
  await page.getByRole('dialog').getByRole('button', { name: 'Close dialog' }).click();
  await screenshots(page, 'announcements');
  await assertInert(null, ctx, page);
  assert.deepEqual(ctx.problems, []);
  await ctx.close();
});
