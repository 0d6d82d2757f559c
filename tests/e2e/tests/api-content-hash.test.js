// The portal's API client sends `x-amz-content-sha256` (hex SHA-256 of the exact body) on every
// same-origin request with a body method, as CloudFront's Origin Access Control for Lambda Function
// URLs requires (docs/adr/0009-infra-render-step.md). A unit test: html/js/api.js runs in Node with
// fetch and location stubbed; no server or browser.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';

const calls = [];
globalThis.location = {
  origin: 'https://ccm.example.com', href: 'https://ccm.example.com/index.html',
  pathname: '/index.html', search: '', hash: '', assign() {},
};
globalThis.fetch = async (url, init = {}) => {
  calls.push({ url: String(url), init });
  const body = String(url).endsWith('/api/me') ? { email: 'a@example.com', csrfToken: 'csrf-1' } : { ok: true };
  return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
};

const api = await import('../../../html/js/api.js');
const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const header = (call) => call.init.headers && call.init.headers['x-amz-content-sha256'];

beforeEach(() => { calls.length = 0; });

test('the hash of an empty body and of a string match SHA-256', async () => {
  assert.equal(await api.sha256Hex(undefined), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(await api.sha256Hex('{"title":"Grüße"}'), sha256('{"title":"Grüße"}'));
  assert.equal(await api.sha256Hex(new Uint8Array([1, 2, 3])), sha256(Buffer.from([1, 2, 3])));
});

test('a POST carries the hash of exactly the body it sends', async () => {
  await api.post('/api/changes', { title: 'Patch the database', customers: ['acme'] });
  const post = calls.find((c) => c.init.method === 'POST');
  assert.ok(post, 'a POST was sent');
  assert.equal(header(post), sha256(post.init.body));
  assert.equal(post.init.headers['X-CSRF-Token'], 'csrf-1');
});

test('a PUT with an ETag and a body-less DELETE are hashed too; a GET is not', async () => {
  await api.request('PUT', '/api/changes/CHG-1', { body: { title: 'x' }, etag: '"v1"' });
  await api.request('DELETE', '/api/changes/CHG-1', { etag: '"v2"' });
  await api.get('/api/changes');
  const [put, del, get] = ['PUT', 'DELETE', 'GET'].map((m) => calls.find((c) => (c.init.method || 'GET') === m && c.url !== '/api/me'));
  assert.equal(header(put), sha256(put.init.body));
  assert.equal(header(del), sha256(''));
  assert.equal(header(get), undefined);
});

test('signing out hashes its empty body', async () => {
  await api.signOut();
  const logout = calls.find((c) => c.url === '/auth/logout');
  assert.equal(header(logout), sha256(''));
});

test('same-origin uploads are hashed; a presigned S3 URL gets only the headers the API returned', async () => {
  const file = new Blob([Buffer.from('attachment bytes')]);
  await api.uploadBytes('/api/announcements/CIC-1/attachments/a.txt', 'PUT', { 'Content-Type': 'text/plain' }, file);
  await api.uploadBytes('https://bucket.s3.us-east-1.amazonaws.com/a?X-Amz-Signature=s', 'PUT', { 'Content-Type': 'text/plain' }, file);
  const [own, s3] = calls.filter((c) => c.init.method === 'PUT');
  assert.equal(header(own), sha256('attachment bytes'));
  assert.deepEqual(Object.keys(s3.init.headers), ['Content-Type']);
});
