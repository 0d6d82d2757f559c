// The built-in survey, end to end in `ccm serve`: an author completes a change in the portal; the
// completion notice in the outbox carries each recipient's own survey link; the recipient opens it
// on a phone without signing in, answers, and changes the answer; an approver then sees the answer
// on the change and in surveys.html (figures per customer and quarter), and exports the answers.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { PHONE, api, assertInert, launchBrowser, newContext, outbox, screenshots, settled, signInApi, startServer } from '../lib/harness.js';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

async function waitFor(fn, what) {
  for (let i = 0; i < 100; i += 1) {
    const found = await fn();
    if (found) return found;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** An action through the API with the current ETag (the processor's notes can move it: 409 is retried). */
async function act(ctx, id, action) {
  let r;
  for (let i = 0; i < 20; i += 1) {
    const current = await api(ctx, 'GET', `/api/changes/${id}`);
    r = await api(ctx, 'POST', `/api/changes/${id}/${action}`, {}, { 'If-Match': current.etag });
    if (r.status !== 409) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.ok(r.status >= 200 && r.status < 300, `${action} ${id}: ${r.status} ${JSON.stringify(r.body)}`);
}

test('a recipient answers the survey from the completion e-mail and an approver sees the answer', async () => {
  // Markup in the title and the comment must stay text on every page that shows them.
  const title = `Renew the edge certificates <img src=x onerror=window.__xss=1> ${Date.now()}`;
  const comment = 'Announce the window a day earlier <script>window.__xss=1</script>';
  const alice = await newContext(browser.browser, server.url);
  await signInApi(alice, 'alice@example.com');
  const day = new Date(Date.now() + 2 * 86400000).toISOString().slice(0, 10);
  const created = await api(alice, 'POST', '/api/changes', {
    changeTitle: title, changeReason: 'The certificates expire next month.', implementationPlan: '1. Issue\n2. Deploy\n3. Verify',
    customers: ['acme', 'globex'], timezone: 'UTC', status: 'submitted',
    implementationBeginDate: day, implementationBeginTime: '08:00', implementationEndDate: day, implementationEndTime: '09:00',
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.object.changeId;
  const bob = await newContext(browser.browser, server.url);
  await signInApi(bob, 'bob@example.com');
  await act(bob, id, 'approve');

  // Alice completes it in the portal.
  const ap = await alice.newPage();
  await ap.goto(`/edit-change.html?changeId=${encodeURIComponent(id)}`);
  await settled(ap);
  await ap.getByRole('button', { name: 'Complete', exact: true }).click();
  await ap.getByRole('dialog').getByRole('button', { name: 'Complete it' }).click();
  await ap.locator('.object-head .badge', { hasText: 'Completed' }).waitFor();

  // The completion notice (the outbox is admin-only: carol reads it) links each recipient's own survey.
  const carol = await newContext(browser.browser, server.url);
  await signInApi(carol, 'carol@example.com');
  const notices = await waitFor(async () => {
    const list = (await outbox(carol)).filter((m) => m.subject.includes(title) && m.subject.startsWith('✅'));
    return list.some((m) => m.customer === 'acme') && list.some((m) => m.customer === 'globex') ? list : null;
  }, 'the completion notices');
  const links = [];
  for (const m of notices) {
    const html = await (await carol.request.get(`/dev/outbox/${m.customer}/${m.file}`)).text();
    const link = /href="([^"]*\/survey\.html\?t=[^"]*)"/.exec(html);
    assert.ok(link, `${m.to} got a survey link`);
    links.push({ customer: m.customer, to: m.to, url: new URL(link[1].replaceAll('&amp;', '&')) });
  }
  assert.equal(new Set(links.map((l) => l.url.href)).size, links.length, 'one link per recipient');
  const mine = links.find((l) => l.customer === 'acme');

  // The recipient opens it on a phone, signed out, and answers.
  const phone = await newContext(browser.browser, server.url, { viewport: PHONE });
  const sp = await phone.newPage();
  await sp.goto(`${mine.url.pathname}${mine.url.search}`);
  await sp.getByRole('heading', { name: 'How did we do?' }).waitFor();
  await sp.getByText(title).waitFor();
  assert.equal(new URL(sp.url()).pathname, '/survey.html', 'no sign-in on the way');
  const wide = await sp.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(wide <= 0, `the page fits the phone's width (overflow ${wide}px)`);
  await screenshots(sp, 'survey');
  const excellent = sp.getByRole('group', { name: /Was this change excellent\?/ });
  const recommend = sp.getByRole('group', { name: /How likely are you to recommend/ });
  await sp.getByRole('button', { name: 'Send my answer' }).click();
  await sp.getByText('Please answer yes or no.').waitFor();
  assert.equal(await excellent.getAttribute('aria-invalid'), '', 'the unanswered question is marked');
  await excellent.getByRole('radio', { name: 'Yes' }).check();
  await recommend.getByRole('radio', { name: '9', exact: true }).check();
  await sp.getByLabel('What could we improve about this change?').fill(comment);
  await sp.getByRole('button', { name: 'Send my answer' }).click();
  await sp.getByText('Thank you! Your answer was recorded.').waitFor();
  await recommend.getByRole('radio', { name: '10', exact: true }).check();
  await sp.getByRole('button', { name: 'Update my answer' }).click();
  await sp.getByText('Thank you! Your answer was updated.').waitFor();
  await assertInert(null, phone, sp);
  await sp.reload();
  await sp.getByText('You answered this survey before.').waitFor();
  assert.ok(await recommend.getByRole('radio', { name: '10', exact: true }).isChecked(), 'the answer is shown again');

  // Bob, an approver, sees the answer on the change…
  const bp = await bob.newPage();
  await bp.goto(`/approvals.html?customerCode=acme&objectId=${encodeURIComponent(id)}`);
  const dialog = bp.getByRole('dialog');
  const answers = dialog.getByRole('region', { name: 'Survey answers' });
  await answers.getByText(comment).waitFor();
  const acme = answers.locator('[data-customer="acme"]');
  assert.match(await acme.innerText(), /1\s+answer/);
  assert.match(await acme.innerText(), /\+100\s+NPS/);
  assert.match(await answers.locator('[data-customer="globex"]').innerText(), /No answers yet/);
  await screenshots(bp, 'survey-answers');
  await assertInert(null, bob, bp);

  // …and in surveys.html, with the figures per customer and quarter, and a CSV of the answers.
  await bp.goto('/surveys.html');
  await settled(bp);
  const perCustomer = bp.getByRole('table', { name: 'Per customer', exact: true });
  const row = perCustomer.locator('tbody tr[data-row="acme"]');
  await row.waitFor();
  assert.match(await row.innerText(), /Acme Corporation[\s\S]*\b1\b[\s\S]*100%[\s\S]*\+100/);
  const quarter = `${new Date().getUTCFullYear()}-Q${Math.floor(new Date().getUTCMonth() / 3) + 1}`;
  await bp.getByRole('table', { name: 'Per customer and quarter' }).locator(`tr[data-row="acme/${quarter}"]`).waitFor();
  await bp.getByRole('table', { name: 'Answers' }).getByText(comment).waitFor();
  await screenshots(bp, 'surveys');
  const [download] = await Promise.all([bp.waitForEvent('download'), bp.getByRole('button', { name: 'Export answers (CSV)' }).click()]);
  const csv = await readFile(await download.path(), 'utf8');
  assert.ok(csv.includes(comment) && csv.includes(id), csv);
  await assertInert(null, bob, bp);

  // Cathy, bound to acme, sees acme's answers and nothing of globex.
  const cathy = await newContext(browser.browser, server.url);
  await signInApi(cathy, 'cathy@acme.example.com');
  const scoped = await api(cathy, 'GET', `/api/changes/${id}/surveys`);
  assert.deepEqual(scoped.body.customers.map((c) => c.customer), ['acme']);

  assert.deepEqual([...alice.problems, ...bob.problems, ...phone.problems], []);
  for (const ctx of [alice, bob, carol, phone, cathy]) await ctx.close();
});
