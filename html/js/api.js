// The API client: JSON in and out, the CSRF header on every state-changing call, and a redirect to
// sign-in (returning to this page) when the session is missing or expired.

let me = null;

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.field = body && body.field;
  }
}

export function signInUrl() {
  const back = location.pathname + location.search;
  return `/auth/dev-login?return=${encodeURIComponent(back)}`;
}

export async function request(method, path, { body, headers = {} } = {}) {
  const h = { Accept: 'application/json', ...headers };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  if (method !== 'GET' && me) h['X-CSRF-Token'] = me.csrfToken;
  const res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  if (res.status === 401) {
    location.assign(signInUrl());
    throw new ApiError(401, { message: 'signing in again' });
  }
  const data = res.status === 204 || res.status === 304 ? null : await res.json().catch(() => null);
  if (!res.ok && res.status !== 304) throw new ApiError(res.status, data);
  return { data, etag: res.headers.get('ETag'), status: res.status };
}

export async function currentUser() {
  if (!me) me = (await request('GET', '/api/me')).data;
  return me;
}

export const get = (path) => request('GET', path).then((r) => r.data);

export async function signOut() {
  await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin' });
  location.assign(signInUrl());
}
