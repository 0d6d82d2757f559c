// The API client: JSON in and out, ETags, the CSRF header on every state-changing call, and a redirect
// to sign-in (returning to this page) when the session is missing or expired.
//
// Every same-origin request with a body method also carries `x-amz-content-sha256` (the hex SHA-256 of
// the body, of the empty string when there is none): in AWS, CloudFront signs its calls to the Lambda
// Function URLs with Origin Access Control, and Lambda refuses a POST or PUT whose payload hash the
// viewer did not send (docs/adr/0009-infra-render-step.md). `ccm serve` ignores the header.

// The one place that knows where signing in happens: /auth/login starts the SAML flow in AWS and
// redirects to the development sign-in in `ccm serve`. It takes ?return=<local path>.
const SIGN_IN_PATH = '/auth/login';

let me = null;
let mePromise = null;

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `The server answered ${status}`);
    this.status = status;
    this.body = body || {};
    this.code = this.body.error;
    this.field = this.body.field;
  }
}

/** Where to sign in so that the user comes back to `back` (this page by default). */
export function signInUrl(back = location.pathname + location.search + location.hash) {
  return `${SIGN_IN_PATH}?return=${encodeURIComponent(back)}`;
}

function csrfHeaders(method) {
  return method !== 'GET' && method !== 'HEAD' && me ? { 'X-CSRF-Token': me.csrfToken } : {};
}

const hasBody = (method) => method !== 'GET' && method !== 'HEAD';

/** Hex SHA-256 of a request body (a string, Blob/File, ArrayBuffer or typed array; none = empty). */
export async function sha256Hex(body) {
  let bytes;
  if (body === undefined || body === null) bytes = new Uint8Array(0);
  else if (typeof body === 'string') bytes = new TextEncoder().encode(body);
  else if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) bytes = body;
  else if (typeof body.arrayBuffer === 'function') bytes = await body.arrayBuffer();
  else throw new TypeError('sha256Hex: unsupported body type');
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The payload-hash header for a same-origin request with a body method, else nothing. Web Crypto
 *  exists only in secure contexts: always behind CloudFront (HTTPS); a plain-http `ccm serve` on
 *  another host than localhost has none, and needs no header. */
export async function contentHashHeaders(method, body) {
  if (!hasBody(method) || !globalThis.crypto || !globalThis.crypto.subtle) return {};
  return { 'x-amz-content-sha256': await sha256Hex(body) };
}

/**
 * One API call. `etag` becomes If-Match (writes) or If-None-Match (reads). Answers
 * `{data, etag, status}`; throws ApiError on any non-2xx status except 304.
 */
export async function request(method, path, { body, etag, headers = {} } = {}) {
  if (method !== 'GET' && !me && path !== '/api/me') await currentUser();
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const h = { Accept: 'application/json', ...csrfHeaders(method), ...(await contentHashHeaders(method, payload)), ...headers };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  if (etag) h[method === 'GET' ? 'If-None-Match' : 'If-Match'] = etag;
  let res;
  try {
    res = await fetch(path, { method, headers: h, credentials: 'same-origin', body: payload });
  } catch (e) {
    throw new ApiError(0, { error: 'network', message: 'The server could not be reached. Check your connection and try again.' });
  }
  if (res.status === 401) {
    location.assign(signInUrl());
    throw new ApiError(401, { error: 'unauthenticated', message: 'Your session has ended; signing you in again…' });
  }
  const data = res.status === 204 || res.status === 304 ? null : await res.json().catch(() => null);
  if (!res.ok && res.status !== 304) throw new ApiError(res.status, data);
  return { data, etag: res.headers.get('ETag'), status: res.status };
}

export const get = (path) => request('GET', path).then((r) => r.data);
export const post = (path, body, opts = {}) => request('POST', path, { ...opts, body: body === undefined ? {} : body }).then((r) => r.data);

/** Builds `path?k=v&…`, leaving out empty values. */
export function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '' || v === false) continue;
    q.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export async function currentUser({ refresh = false } = {}) {
  if (refresh) mePromise = null;
  if (!mePromise) {
    mePromise = request('GET', '/api/me').then((r) => { me = r.data; return me; });
    mePromise.catch(() => { mePromise = null; });
  }
  return mePromise;
}

/** The session as the sign-in layer sees it, without extending it (null when signed out). */
export async function peekSession() {
  const res = await fetch('/auth/session', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  return res.ok ? res.json() : null;
}

export async function signOut() {
  const headers = { ...csrfHeaders('POST'), ...(await contentHashHeaders('POST')) };
  await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin', headers }).catch(() => {});
  location.assign(signInUrl('/'));
}

/** A PUT of raw bytes (attachments). Same-origin upload routes get the CSRF header; other hosts
 *  (a presigned S3 URL) get only the headers the API returned. */
export async function uploadBytes(url, method, headers, file) {
  const target = new URL(url, location.href);
  const h = { ...(headers || {}) };
  // Only our own origin gets our headers: a presigned S3 URL signed exactly the ones the API returned.
  if (target.origin === location.origin) {
    Object.assign(h, csrfHeaders(method || 'PUT'), await contentHashHeaders(method || 'PUT', file));
  }
  const res = await fetch(target.href, {
    method: method || 'PUT', headers: h, body: file,
    credentials: target.origin === location.origin ? 'same-origin' : 'omit',
  }).catch(() => null);
  if (!res) throw new ApiError(0, { error: 'network', message: 'The upload could not reach the server.' });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => ({ message: `The upload failed (${res.status}).` })));
}

/** A sentence a user can act on, from any error this module throws (or any other). */
export function describeError(e) {
  if (!(e instanceof ApiError)) return (e && e.message) || 'Something went wrong.';
  const b = e.body || {};
  if (b.error === 'validation' && Array.isArray(b.errors) && b.errors.length) {
    return b.errors.map((x) => `${x.field}: ${x.message}`).join('; ');
  }
  switch (e.status) {
    case 403: return b.error === 'csrf' ? 'The page is out of date; reload it and try again.' : (b.message || 'You are not allowed to do that.');
    case 404: return b.message || 'Not found, or not visible to you.';
    case 413: return 'That is too large.';
    case 503: return 'A service is unavailable right now; try again in a moment.';
    default: return e.message;
  }
}

/** `/api/changes/ID` or `/api/announcements/ID`, from the id's prefix. */
export function objectPath(id) {
  const base = String(id).startsWith('CHG-') ? '/api/changes/' : '/api/announcements/';
  return base + encodeURIComponent(id);
}
