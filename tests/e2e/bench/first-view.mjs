// Benchmark (not a test): how long each portal page takes to show its data with 10 000 changes in
// the store. Seeds the changes through the API, then loads each page in headless Chromium several
// times and records the time from navigation start until nothing is marked aria-busy. Writes the
// table into docs/performance.md ("## Portal first view").
//
//   node tests/e2e/bench/first-view.mjs [count]      (CCM_BIN picks the ccm binary; default debug)

import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execSync } from 'node:child_process';
import { ROOT, startServer, launchBrowser, newContext, signInApi, api } from '../lib/harness.js';

const COUNT = Number(process.argv[2] || 10000);
const RUNS = 7;
const PAGES = ['/index.html', '/my-changes.html', '/approvals.html', '/search-changes.html', '/announcements.html'];
const CUSTOMERS = ['acme', 'globex', 'initech', 'umbrella', 'stark', 'wayne'];

async function seed(ctx) {
  const me = await (await ctx.request.get('/api/me')).json();
  let next = 0;
  const started = Date.now();
  async function worker() {
    while (next < COUNT) {
      const i = next++;
      const body = {
        changeTitle: `Change ${i}: rotate credentials on cluster ${i % 97}`,
        changeReason: 'Routine maintenance', implementationPlan: 'Apply, verify, close',
        customers: [CUSTOMERS[i % CUSTOMERS.length], CUSTOMERS[(i + 1) % CUSTOMERS.length]],
      };
      const r = await ctx.request.post('/api/changes', { data: body, headers: { 'X-CSRF-Token': me.csrfToken } });
      if (r.status() !== 201) throw new Error(`seeding failed: ${r.status()} ${await r.text()}`);
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker));
  return (Date.now() - started) / 1000;
}

async function measure(ctx, page, url) {
  await page.goto(url);
  return page.evaluate(() => new Promise((resolve) => {
    const done = () => !document.querySelector('[aria-busy="true"]') && document.readyState === 'complete';
    const tick = () => (done() ? resolve(performance.now()) : requestAnimationFrame(tick));
    tick();
  }));
}

const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

const server = await startServer();
const { browser, close } = await launchBrowser();
try {
  const ctx = await newContext(browser, server.url);
  await signInApi(ctx, 'carol@example.com');
  const seconds = await seed(ctx);
  const stats = await api(ctx, 'GET', '/api/statistics');
  const page = await ctx.newPage();
  const rows = [];
  for (const url of PAGES) {
    const times = [];
    for (let i = 0; i < RUNS; i++) times.push(await measure(ctx, page, url));
    rows.push({ url, p50: pct(times, 0.5), max: Math.max(...times) });
  }
  const rustc = execSync('rustc --version').toString().trim();
  const bin = process.env.CCM_BIN || 'target/debug/ccm';
  const table = rows.map((r) => `| \`${r.url}\` | ${r.p50.toFixed(0)} | ${r.max.toFixed(0)} |`).join('\n');
  const section = `## Portal first view

Time from navigation start until the page shows its data (nothing left \`aria-busy\`), headless
Chromium on the same machine, ${RUNS} loads per page (the first one cold), as an admin who sees every
object. The store held ${stats.body.all.total} objects (${COUNT} seeded drafts plus the demo data).
Goal: first view interactive in under 1 s with 10 000 changes.

- Machine: ${os.cpus().length} cores (${os.cpus()[0].model}), ${rustc}; server binary \`${bin}\`
- Command: \`node tests/e2e/bench/first-view.mjs ${COUNT}\` (seeding took ${seconds.toFixed(0)} s)
- Date: ${new Date().toISOString().slice(0, 10)}

| page | p50 ms | max ms |
|---|---:|---:|
${table}
`;
  console.log(section);
  const doc = path.join(ROOT, 'docs/performance.md');
  let text = await readFile(doc, 'utf8').catch(() => '# Performance\n');
  const start = text.indexOf('## Portal first view');
  if (start >= 0) {
    const end = text.indexOf('\n## ', start + 5);
    text = text.slice(0, start) + section + (end >= 0 ? text.slice(end + 1) : '');
  } else {
    text = `${text.trimEnd()}\n\n${section}`;
  }
  await writeFile(doc, text);
} finally {
  await close();
  await server.stop();
}
